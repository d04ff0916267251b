/**
 * End-to-end: the API process enqueues and answers; it does not load the
 * stages that fetch and parse pages. The built API runs with a resolve hook
 * (test/fixtures/record-packages.mjs) that records every npm package it
 * loads, through start-up and the routes a dashboard uses, and none of
 * Chromium's driver, the HTML parsers or the tokenizer may be among them.
 * (The estimate route loads the crawler and refiner on demand: it fetches.)
 */
import {
  builtApp,
  deleteRedisKeys,
  freePort,
  REPO_ROOT,
  runNode,
  startNode,
  tempDir,
  uniqueRedisPrefix,
  waitFor,
} from '@datafactory/testing';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';

const SHARED_REDIS = 'redis://127.0.0.1:6379';
const STAGE_PACKAGES = ['puppeteer-core', 'linkedom', '@mozilla/readability', 'tiktoken'];

it('starts and serves the dashboard routes without loading puppeteer-core, linkedom, Readability or tiktoken', async () => {
  const dataDir = await tempDir();
  const record = path.join(dataDir.path, 'packages.txt');
  const port = await freePort();
  const env = {
    DATA_DIR: dataDir.path,
    REDIS_URL: SHARED_REDIS,
    REDIS_PREFIX: uniqueRedisPrefix(),
    PORT: String(port),
    LOG_LEVEL: 'warn',
    OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
  };
  expect((await runNode(builtApp('cli'), ['db', 'migrate'], env)).code).toBe(0);
  const hook = path.join(REPO_ROOT, 'test', 'fixtures', 'record-packages.mjs');
  const api = startNode(builtApp('api'), [], {
    ...env,
    NODE_OPTIONS: `--import=${hook}`,
    RECORD_PACKAGES_FILE: record,
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => ((await fetch(`${base}/health`).catch(() => undefined)) ? true : undefined), {
      what: 'the API',
    });
    const project = (await (
      await fetch(`${base}/api/projects`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'footprint' }),
      })
    ).json()) as { id: string };
    // Creating a job validates its whole config, and the pages read templates, stats and settings.
    const created = await fetch(`${base}/api/projects/${project.id}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ urls: ['https://example.com/'], config: { generation: { template: 'qa' } } }),
    });
    expect(created.status).toBe(201);
    for (const route of [
      '/api/templates',
      '/api/templates/qa',
      '/api/stats/overview',
      '/api/settings',
      '/api/exports',
    ]) {
      expect((await fetch(`${base}${route}`)).status, route).toBe(200);
    }
  } finally {
    await api.stop();
    await deleteRedisKeys(SHARED_REDIS, env.REDIS_PREFIX);
  }
  const loaded = (await readFile(record, 'utf8')).split('\n').filter(Boolean);
  await dataDir.remove();
  expect(loaded).toContain('@nestjs/core'); // the hook saw the app load
  expect(loaded.filter((p) => STAGE_PACKAGES.includes(p))).toEqual([]);
});
