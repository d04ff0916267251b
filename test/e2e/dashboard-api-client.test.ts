/**
 * The dashboard's generated API client matches the committed OpenAPI document:
 * regenerated into a temporary folder, every file must equal the committed one.
 * After changing the API: `npm run openapi`, then `npm run api-client`.
 */
import { REPO_ROOT, tempDir } from '@datafactory/testing';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const committedDir = path.join(REPO_ROOT, 'apps/dashboard/src/app/api');

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('dashboard API client', () => {
  it('is what scripts/generate-api-client.mjs makes of openapi/openapi.json (run `npm run api-client`)', async () => {
    const out = await tempDir('df-api-client-');
    try {
      const run = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/generate-api-client.mjs'), out.path], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      const fresh = files(out.path);
      expect(files(committedDir)).toEqual(fresh);
      for (const file of fresh) {
        const committed = readFileSync(path.join(committedDir, file), 'utf8');
        expect(committed, `${file} differs: run \`npm run api-client\``).toBe(
          readFileSync(path.join(out.path, file), 'utf8'),
        );
      }
    } finally {
      await out.remove();
    }
  });
});
