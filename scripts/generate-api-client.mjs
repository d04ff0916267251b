#!/usr/bin/env node
/**
 * Regenerates the dashboard's API client from the committed OpenAPI document:
 * `npm run api-client` (writes apps/dashboard/src/app/api) or
 * `node scripts/generate-api-client.mjs <outDir>` (the drift test writes to a temp folder).
 * The output is formatted with the repository's Prettier settings so a regenerated
 * client is byte-for-byte what is committed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const output = path.resolve(process.argv[2] ?? path.join(root, 'apps/dashboard/src/app/api'));

const CLIENT_OPTIONS = {
  input: path.join(root, 'openapi/openapi.json'),
  output,
  services: true,
  promises: false,
  indexFile: true,
  removeStaleFiles: true,
  silent: true,
  endOfLineStyle: 'lf',
};

const configDir = mkdtempSync(path.join(tmpdir(), 'api-client-config-'));
try {
  const configFile = path.join(configDir, 'ng-openapi-gen.json');
  writeFileSync(configFile, JSON.stringify(CLIENT_OPTIONS));
  const bin = path.join(root, 'node_modules/ng-openapi-gen/lib/index.js');
  run(process.execPath, [bin, '--config', configFile]);
  // A marker so nobody edits the folder by hand.
  writeFileSync(
    path.join(output, 'README.md'),
    '# Generated API client\n\nGenerated from `openapi/openapi.json` by `npm run api-client`; do not edit by hand.\n' +
      'A test (`test/e2e/dashboard-api-client.test.ts`) fails when these files differ from a fresh generation.\n',
  );
  const prettier = path.join(root, 'node_modules/prettier/bin/prettier.cjs');
  // The config is named explicitly: a temporary output folder has no .prettierrc above it.
  const prettierConfig = path.join(root, '.prettierrc.json');
  run(process.execPath, [
    prettier,
    '--write',
    '--log-level',
    'warn',
    '--config',
    prettierConfig,
    '--ignore-path',
    '',
    output,
  ]);
  console.log(`api-client: wrote ${path.relative(root, output) || output} (${countFiles(output)} files)`);
} finally {
  rmSync(configDir, { recursive: true, force: true });
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function countFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;
}
