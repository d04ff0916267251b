/**
 * End-to-end: the API starts while Redis is down (a private redis-server on a
 * spare port, stopped; the shared one is never touched). It must come up and
 * serve, and once Redis is there its job-event subscription must work.
 */
import { ClientRedis } from '@nestjs/microservices';
import { emptyProgress, jobEventsChannel, type JobEvent } from '@datafactory/contracts';
import { type AppProcess, PrivateRedis, type Stack, startStack, waitFor } from '@datafactory/testing';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('the API started while Redis is down', () => {
  let redis: PrivateRedis;
  let stack: Stack;
  let api: AppProcess;
  let base: string;
  let prefix: string;

  const json = (method: string, url: string, body?: unknown) => stack.json(method, url, body);

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    await redis.stop();
    stack = await startStack({ redisUrl: redis.url, env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' } });
    ({ api, base } = stack);
    prefix = stack.env.REDIS_PREFIX!;
  });

  afterAll(async () => {
    await stack?.stop();
    await redis?.stop();
  });

  it('serves projects at once, then relays job events when Redis comes up', async () => {
    const created = await waitFor(
      async () => {
        const r = await json('POST', '/api/projects', { name: 'made before Redis' });
        return r.status === 201 ? r.body : undefined;
      },
      { what: `the API up without Redis (${api.output().slice(-500)})` },
    );
    expect(api.child.exitCode).toBeNull();

    await redis.start();
    const probe = new Redis(redis.url);
    try {
      await waitFor(
        async () => {
          const [, count] = (await probe.pubsub('NUMSUB', jobEventsChannel(prefix))) as [string, number];
          return Number(count) >= 1 ? true : undefined;
        },
        { timeoutMs: 30_000, what: 'the API subscribed once Redis is up' },
      );
    } finally {
      probe.disconnect();
    }

    const job = await waitFor(
      async () => {
        const r = await json('POST', `/api/projects/${created.id}/jobs`, { urls: ['http://127.0.0.1:9/a'] });
        return r.status === 201 ? (r.body as { id: string }) : undefined;
      },
      { what: 'a job started once the queues reconnected' },
    );
    const abort = new AbortController();
    const res = await fetch(`${base}/api/jobs/${job.id}/stream`, { signal: abort.signal });
    const worker = new ClientRedis({ host: '127.0.0.1', port: redis.port });
    try {
      const progress = emptyProgress();
      progress.crawler = { total: 1, done: 1, failed: 0 };
      const event: JobEvent = {
        type: 'progress',
        jobId: job.id,
        progress,
        costTotal: 0.25,
        at: new Date().toISOString(),
      };
      await lastValueFrom(worker.emit(jobEventsChannel(prefix), event), { defaultValue: undefined });
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of res.body!) {
        text += decoder.decode(chunk as Uint8Array, { stream: true });
        if (text.includes('"costTotal":0.25')) break;
      }
      expect(text).toMatch(/event: progress\ndata: \{[^\n]*"done":1[^\n]*"costTotal":0\.25/);
    } finally {
      abort.abort();
      await worker.close();
    }
  });
});
