import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Real: the Angular CLI and the production build of apps/dashboard. Nothing is faked.
// The build goes to a temporary folder so the test neither needs nor disturbs dist/dashboard.
const root = path.resolve(import.meta.dirname, '../..');
const ngBin = path.join(root, 'node_modules/@angular/cli/bin/ng.js');

describe('dashboard production build', () => {
  let outDir: string;
  let browserDir: string;
  let build: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    outDir = mkdtempSync(path.join(tmpdir(), 'dashboard-build-'));
    browserDir = path.join(outDir, 'browser');
    // CI=true and no stdin: the CLI must not stop to ask about analytics.
    build = spawnSync(process.execPath, [ngBin, 'build', 'dashboard', `--output-path=${outDir}`], {
      cwd: root,
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      timeout: 110_000,
    });
  });

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('succeeds without prompting', () => {
    expect(build.error).toBeUndefined();
    expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);
    expect(`${build.stdout}${build.stderr}`).not.toMatch(/analytics/i);
  });

  it('writes index.html with the app root and a root base href', () => {
    const html = readFileSync(path.join(browserDir, 'index.html'), 'utf8');
    expect(html).toContain('<app-root');
    expect(html).toMatch(/<base href="\/"/);
    // No inline event handlers (such as critical-CSS `onload`), so a CSP without 'unsafe-inline' scripts still works.
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it('references only files it emitted and nothing from another origin', () => {
    const html = readFileSync(path.join(browserDir, 'index.html'), 'utf8');
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    const local = refs.filter((ref) => ref !== '/');
    expect(local.length).toBeGreaterThan(1);
    for (const ref of local) {
      expect(ref, 'no external URL in index.html').not.toMatch(/^(?:https?:)?\/\//);
      expect(existsSync(path.join(browserDir, ref)), `${ref} exists`).toBe(true);
    }
    for (const css of readdirSync(browserDir).filter((file) => file.endsWith('.css'))) {
      expect(readFileSync(path.join(browserDir, css), 'utf8'), `${css} fetches nothing remote`).not.toMatch(
        /url\(\s*['"]?(?:https?:)?\/\/|@import/,
      );
    }
  });

  it('keeps the initial JavaScript small', () => {
    const html = readFileSync(path.join(browserDir, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((match) => match[1]);
    const bytes = scripts.reduce((total, file) => total + statSync(path.join(browserDir, file)).size, 0);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(400 * 1024);
  });
});
