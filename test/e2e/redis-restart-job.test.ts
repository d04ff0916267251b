/**
 * End-to-end: Redis (a private, persistent redis-server on a spare port) is
 * killed and restarted under a running job; the API and the worker
 * reconnect, and the job still completes with every item accounted for.
 */
import {
  type AppProcess,
  FakeOpenAiServer,
  FixtureSite,
  PrivateRedis,
  qaFromPrompt,
  type Stack,
  startStack,
  tempDir,
  waitFor,
} from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('a Redis restart under a running job', () => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let redisDir: { path: string; remove: () => Promise<void> };
  let redis: PrivateRedis;
  let stack: Stack;
  let api: AppProcess;
  let worker: AppProcess;
  let base: string;

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main'] });
    llm = new FakeOpenAiServer({ content: qaFromPrompt, latencyMs: 300 });
    await llm.start();
    redisDir = await tempDir('df-redis-');
    redis = await PrivateRedis.start({ persistDir: redisDir.path });
    stack = await startStack({
      workers: 1,
      redisUrl: redis.url,
      env: {
        OPENAI_BASE_URL: llm.baseUrl,
        // The fixture site is on 127.0.0.1: the operator trusts its ports (and only those).
        CRAWL_TRUSTED_HOSTS: site.hostPorts().join(','),
      },
    });
    ({ api, base } = stack);
    worker = stack.workers[0]!;
    await waitFor(async () => ((await fetch(`${base}/health`)).status === 200 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'a healthy start',
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await redis?.stop();
    await site?.close();
    await llm?.stop();
    await redisDir?.remove();
  });

  it('completes the job after Redis comes back, nothing lost', async () => {
    const post = async (url: string, body: unknown) =>
      (await (
        await fetch(`${base}${url}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const project = await post('/api/projects', { name: 'redis restart' });
    const job = await post(`/api/projects/${project.id}/jobs`, {
      urls: Array.from({ length: 12 }, (_, i) => site.url('main', `/doc/${i + 301}`)),
      config: {
        scraping: { requests_per_second: 20 },
        generation: { template: 'qa', examples_per_chunk: 2, max_concurrent_llm: 2 },
        quality: { checks: ['format'] },
      },
    });
    expect(job.status).toBe('running');

    await llm.waitForRequests(3);
    await redis.stop();
    await waitFor(async () => ((await fetch(`${base}/health`)).status === 503 ? true : undefined), {
      what: 'the API to notice',
    });
    await redis.start();

    const final = await waitFor(
      async () => {
        const j = (await (await fetch(`${base}/api/jobs/${job.id}`)).json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 500, what: 'the job to finish after the restart' },
    );
    expect(final.status).toBe('completed');
    expect(final.progress.crawler).toEqual({ total: 12, done: 12, failed: 0 });
    expect(final.progress.refiner).toEqual({ total: 12, done: 12, failed: 0 });
    expect(final.progress.generator.done + final.progress.generator.failed).toBe(final.progress.generator.total);
    expect(final.progress.generator.total).toBeGreaterThanOrEqual(12);
    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
  });
});
