/**
 * End-to-end: a job is created while Redis is down, against the built API on
 * a private redis-server (a spare port; the shared one is never stopped). The
 * request answers 503 naming Redis at once instead of hanging for BullMQ's
 * retries, leaves no job row `running`, the API stays up and logs JSON lines
 * only, and job creation works again when Redis is back.
 */
import {
  type AppProcess,
  builtApp,
  freePort,
  PrivateRedis,
  runNode,
  startNode,
  tempDir,
  waitFor,
} from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('creating a job while Redis is down', () => {
  let redis: PrivateRedis;
  let dataDir: { path: string; remove: () => Promise<void> };
  let api: AppProcess;
  let base: string;

  const send = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      // A bound for a hang, not a measurement: BullMQ alone would hold the request for ~30 s.
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, body: (await res.json()) as Body };
  };

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    dataDir = await tempDir();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = {
      DATA_DIR: dataDir.path,
      REDIS_URL: redis.url,
      PORT: String(port),
      LOG_LEVEL: 'info',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    };
    expect((await runNode(builtApp('cli'), ['db', 'migrate'], env)).code).toBe(0);
    api = startNode(builtApp('api'), [], env);
    await waitFor(async () => ((await fetch(`${base}/health`).catch(() => undefined)) ? true : undefined), {
      what: 'the API',
    });
  });

  afterAll(async () => {
    await api?.stop();
    await redis?.stop();
    await dataDir?.remove();
  });

  it('answers 503 naming Redis, leaves no running job, stays up, and takes jobs again when Redis is back', async () => {
    const project = await send('POST', '/api/projects', { name: 'queue outage' });
    expect(project.status).toBe(201);
    await redis.stop();
    await waitFor(
      async () => {
        const health = (await (await fetch(`${base}/health`)).json()) as Body;
        return health.redis?.status === 'down' ? true : undefined;
      },
      { what: '/health to see Redis down' },
    );

    const refused = await send('POST', `/api/projects/${project.body.id}/jobs`, { urls: ['https://example.com/'] });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(refused.body.message).toMatch(/^queue unavailable: Redis at redis:\/\/127\.0\.0\.1:\d+\/? is not reachable/);

    const jobs = await send('GET', `/api/projects/${project.body.id}/jobs`);
    expect(jobs.body.items).toHaveLength(1);
    expect(jobs.body.items[0]).toMatchObject({ status: 'failed' });
    expect(jobs.body.items[0].error).toMatch(/queue unavailable/);
    expect((await send('GET', '/api/stats/overview')).body.activeJobs).toBe(0);
    expect(api.child.exitCode).toBeNull();

    await redis.start();
    await waitFor(
      async () => {
        const health = (await (await fetch(`${base}/health`)).json()) as Body;
        return health.redis?.status === 'ok' ? true : undefined;
      },
      { timeoutMs: 30_000, what: '/health to see Redis back' },
    );
    const accepted = await send('POST', `/api/projects/${project.body.id}/jobs`, { urls: ['https://example.com/'] });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);

    // The outage was logged as JSON lines, not as multi-line stack dumps.
    const lines = api.output().split('\n').filter(Boolean);
    expect(lines.filter((line) => !line.startsWith('{'))).toEqual([]);
  });
});
