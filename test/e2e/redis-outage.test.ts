/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * End-to-end: Redis goes away under a running API and worker. Uses a private
 * redis-server on a spare port (the shared one is never stopped). Each
 * process logs the outage in one JSON line when it starts and one when it
 * ends, never a stack dump.
 */
import { type AppProcess, PrivateRedis, type Stack, startStack, waitFor } from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('a Redis outage', () => {
  let redis: PrivateRedis;
  let stack: Stack;
  let api: AppProcess;
  let worker: AppProcess;
  let base: string;

  const health = async () => {
    const res = await fetch(`${base}/health`);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    // info: the line saying Redis is back is an info line.
    stack = await startStack({ workers: 1, redisUrl: redis.url, env: { LOG_LEVEL: 'info' } });
    ({ api, base } = stack);
    worker = stack.workers[0]!;
    await waitFor(async () => ((await health()).status === 200 ? true : undefined), { what: 'a healthy start' });
  });

  afterAll(async () => {
    await stack?.stop();
    await redis?.stop();
  });

  it('answers 503 naming Redis while it is down, keeps project CRUD working, and recovers', async () => {
    await redis.stop();
    const down = await waitFor(
      async () => {
        const h = await health();
        return h.status === 503 ? h.body : undefined;
      },
      { what: '/health 503' },
    );
    expect(down.down).toContain('redis');
    expect(down.redis.status).toBe('down');
    expect(down.database.status).toBe('ok');
    expect(down.workers.status).toBe('unknown');

    const created = await fetch(`${base}/api/projects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'made while Redis was down' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`${base}/api/projects/${id}`)).status).toBe(200);

    await redis.start();
    const back = await waitFor(
      async () => {
        const h = await health();
        return h.status === 200 ? h.body : undefined;
      },
      { timeoutMs: 30_000, what: '/health 200 after Redis came back' },
    );
    expect(back.workers.count).toBe(1);
    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();

    // Each process logged the outage as two JSON lines (down, back up), however many reconnects failed between.
    for (const [name, p] of [
      ['api', api],
      ['worker', worker],
    ] as const) {
      const lines = p.output().trim().split('\n');
      for (const line of lines) expect(() => JSON.parse(line), `${name}: ${line}`).not.toThrow();
      const messages = lines.map((l) => (JSON.parse(l) as { msg?: string }).msg ?? '');
      const about = messages.filter((m) => /redis/i.test(m));
      expect(about, name).toEqual([
        expect.stringMatching(/^redis down: redis:\/\/127\.0\.0\.1:\d+ is not reachable \(.+\)$/),
        expect.stringMatching(/^redis back up: /),
      ]);
    }
  });
});
