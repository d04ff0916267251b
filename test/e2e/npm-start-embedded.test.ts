/**
 * End-to-end: `npm start` (scripts/start.js) on a machine with no Redis —
 * REDIS_URL unset and the default address (REDIS_DEFAULT_URL, test-only)
 * pointed at a port where nothing listens. It runs embedded: one process with
 * the API and the stages, queues in memory. A job runs against the fixture
 * site and the fake OpenAI-compatible server to an exported dataset, with its
 * live events over SSE; a second job is cancelled; Ctrl-C stops it cleanly,
 * failing the job it was still running (its queue was in memory).
 * (The API and worker over Redis are npm-start.test.ts.)
 */
import {
  builtApp,
  FakeOpenAiServer,
  FixtureSite,
  freePort,
  qaFromPrompt,
  REPO_ROOT,
  runNode,
  SseClient,
  startNode,
  tempDir,
  waitFor,
} from '@datafactory/testing';
import { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '@datafactory/config';
import { createOrmConfig, Job } from '@datafactory/persistence';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/* eslint-disable @typescript-eslint/no-explicit-any */
describe('npm start with no Redis anywhere', () => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main'] });
    llm = new FakeOpenAiServer({ content: qaFromPrompt, latencyMs: 50 });
    await llm.start();
  });
  afterAll(async () => {
    await site?.close();
    await llm?.stop();
  });

  it('runs embedded: says so, reports mode embedded, and runs a job to an exported dataset', async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = {
      DATA_DIR: dataDir.path,
      PORT: String(port),
      REDIS_DEFAULT_URL: `redis://127.0.0.1:${await freePort()}`,
      OPENAI_BASE_URL: llm.baseUrl,
      CRAWL_TRUSTED_HOSTS: site.hostPorts().join(','),
      LOG_LEVEL: 'warn',
    };
    const app = startNode(path.join(REPO_ROOT, 'scripts', 'start.js'), [], env);
    const json = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`${base}${url}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    try {
      const health = await waitFor(
        async () => {
          const res = await fetch(`${base}/health`).catch(() => undefined);
          return res?.status === 200 ? ((await res.json()) as Record<string, any>) : undefined;
        },
        { timeoutMs: 60_000, what: `npm start answering /health (output: ${app.output().slice(-400)})` },
      );
      expect(health.mode).toBe('embedded');
      expect(health.down).toEqual([]);
      expect(health.workers.count).toBe(1);
      expect(app.output().match(/running embedded/g)).toHaveLength(1);

      const project = await json('POST', '/api/projects', { name: 'embedded' });
      const config = {
        generation: { template: 'qa', examples_per_chunk: 2 },
        quality: { checks: ['format', 'duplicates'] },
      };
      const created = await json('POST', `/api/projects/${project.body.id}/jobs`, {
        urls: [1, 2, 3].map((n) => site.url('main', `/doc/${n + 300}`)),
        config,
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const jobId: string = created.body.id;
      const sse = await SseClient.open(`${base}/api/jobs/${jobId}/stream`);
      const done = await sse.next((e) => e.event === 'done', 'the done event');
      sse.close();
      expect(done.data.status, JSON.stringify(done.data)).toBe('completed');
      // Live events came from the stages in this process, not only the snapshot the stream starts with.
      expect(sse.events.filter((e) => e.event === 'progress').length).toBeGreaterThan(1);

      const job = await json('GET', `/api/jobs/${jobId}`);
      expect(job.body.progress.crawler).toEqual({ total: 3, done: 3, failed: 0 });
      expect(llm.requests.length).toBeGreaterThan(0);
      const exports = await json('GET', `/api/jobs/${jobId}/exports`);
      const exported = exports.body.items[0];
      expect(exported.recordCount).toBeGreaterThan(0);
      const download = await fetch(`${base}${exported.downloadUrl}`);
      expect(download.status).toBe(200);
      const lines = (await download.text()).trim().split('\n');
      expect(lines).toHaveLength(exported.recordCount);
      for (const line of lines) expect(JSON.parse(line)).toBeTypeOf('object');

      // Cancel goes through the in-process dispatcher (no Redis to publish it on) and answers at once.
      const slow = await json('POST', `/api/projects/${project.body.id}/jobs`, {
        urls: Array.from({ length: 8 }, (_, i) => site.url('main', `/doc/${i + 400}`)),
        config,
      });
      expect(slow.status).toBe(201);
      const cancelled = await json('POST', `/api/jobs/${slow.body.id}/cancel`);
      expect(cancelled.body.status).toBe('cancelled');

      // `datafactory doctor` sees what npm start saw: no Redis is a warning here, not a failure.
      const doctor = await runNode(builtApp('cli'), ['doctor', '--json'], {
        DATA_DIR: dataDir.path,
        PORT: String(port),
        REDIS_DEFAULT_URL: env.REDIS_DEFAULT_URL!,
        LOG_LEVEL: 'warn',
      });
      const checks = Object.fromEntries(
        (JSON.parse(doctor.output) as { name: string; status: string; detail: string }[]).map((c) => [c.name, c]),
      );
      expect(checks.redis).toMatchObject({ status: 'warn', detail: expect.stringContaining('runs embedded') });
      expect(checks.api!.status).toBe('ok');

      // A job still crawling when the server stops (8 pages at the default 2 requests/s per host) cannot resume:
      // its queue was in memory. It ends failed, saying so, rather than `running` forever.
      const interrupted = await json('POST', `/api/projects/${project.body.id}/jobs`, {
        urls: Array.from({ length: 8 }, (_, i) => site.url('main', `/doc/${i + 500}`)),
        config,
      });
      expect(interrupted.status).toBe(201);

      app.child.kill('SIGINT');
      const { code } = await app.exited;
      expect(code, app.output().slice(-2000)).toBe(0);
      await expect(fetch(`${base}/health`)).rejects.toThrow();
      const orm = await MikroORM.init(
        createOrmConfig(loadConfig({ DATA_DIR: dataDir.path }).database) as Parameters<typeof MikroORM.init>[0],
      );
      try {
        const row = await orm.em.fork().findOneOrFail(Job, { id: interrupted.body.id });
        expect(row.status).toBe('failed');
        expect(row.error).toMatch(/^interrupted: the server stopped while the job ran/);
        const cancelledRow = await orm.em.fork().findOneOrFail(Job, { id: slow.body.id });
        expect(cancelledRow.status).toBe('cancelled');
      } finally {
        await orm.close();
      }
    } finally {
      await app.stop();
      await dataDir.remove();
    }
  });
});
