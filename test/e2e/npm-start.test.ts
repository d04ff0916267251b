/**
 * End-to-end: `npm start` (scripts/start.js) migrates, starts the API and one
 * worker, reports healthy, and stops both on Ctrl-C (SIGINT).
 */
import {
  freePort,
  REPO_ROOT,
  startNode,
  tempDir,
  deleteRedisKeys,
  uniqueRedisPrefix,
  waitFor,
} from '@datafactory/testing';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm start', () => {
  it('migrates, becomes healthy, and stops the API and the worker on Ctrl-C', async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const prefix = uniqueRedisPrefix();
    const started = Date.now();
    const app = startNode(path.join(REPO_ROOT, 'scripts', 'start.js'), [], {
      DATA_DIR: dataDir.path,
      PORT: String(port),
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'info',
    });
    try {
      const health = await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/health`);
          return res.status === 200 ? ((await res.json()) as { mode: string; workers: { count: number } }) : undefined;
        },
        { timeoutMs: 60_000, what: `a healthy npm start (output: ${app.output().slice(-400)})` },
      );
      console.log(`npm start: healthy after ${Date.now() - started} ms`);
      expect(health.mode).toBe('distributed');
      expect(health.workers.count).toBe(1);
      expect(app.output()).not.toContain('running embedded');
      expect(app.output()).toContain('db migrate: applied');

      app.child.kill('SIGINT');
      const { code } = await app.exited;
      expect(code).toBe(0);
      expect(app.output()).toMatch(/"msg":"stopped"/); // the worker finished cleanly
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    } finally {
      await app.stop();
      await deleteRedisKeys('redis://127.0.0.1:6379', prefix);
      await dataDir.remove();
    }
  });
});
