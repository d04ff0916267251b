/**
 * End-to-end: access control and the safety nets of the HTTP edge, on the
 * built API with API_TOKEN set and a low request-rate limit.
 */
import {
  builtApp,
  deleteRedisKeys,
  freePort,
  runNode,
  startNode,
  tempDir,
  uniqueRedisPrefix,
  waitFor,
} from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SHARED_REDIS = 'redis://127.0.0.1:6379';
const TOKEN = 'test-token-0123456789abcdef';

async function startApi(extra: Record<string, string>) {
  const dataDir = await tempDir();
  const port = await freePort();
  const env = {
    DATA_DIR: dataDir.path,
    REDIS_URL: SHARED_REDIS,
    REDIS_PREFIX: uniqueRedisPrefix(),
    PORT: String(port),
    LOG_LEVEL: 'info',
    ...extra,
  };
  expect((await runNode(builtApp('cli'), ['db', 'migrate'], env)).code).toBe(0);
  const api = startNode(builtApp('api'), [], env);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => ((await fetch(`${base}/health`)).status > 0 ? true : undefined), { what: 'the API' });
  return { api, base, env, dataDir };
}

describe('with API_TOKEN set', () => {
  let stack: Awaited<ReturnType<typeof startApi>>;
  beforeAll(async () => {
    stack = await startApi({ API_TOKEN: TOKEN, RATE_LIMIT_PER_MINUTE: '40' });
  });
  afterAll(async () => {
    await stack?.api.stop();
    await deleteRedisKeys(SHARED_REDIS, stack.env.REDIS_PREFIX);
    await stack?.dataDir.remove();
  });

  it('wants the Bearer token on /api routes, leaves /health open, and never logs the token', async () => {
    const none = await fetch(`${stack.base}/api/projects`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect(
      (await fetch(`${stack.base}/api/projects`, { headers: { authorization: 'Bearer wrong-token' } })).status,
    ).toBe(401);
    const ok = await fetch(`${stack.base}/api/projects`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    // ?access_token= is for the job stream and downloads only (test/e2e/auth.test.ts), not for other GETs.
    expect((await fetch(`${stack.base}/api/projects?access_token=${TOKEN}`)).status).toBe(401);
    expect([200, 503]).toContain((await fetch(`${stack.base}/health`)).status);
    await waitFor(() => (stack.api.output().includes('"statusCode":401') ? true : undefined), {
      what: 'the request log lines',
    });
    expect(stack.api.output()).not.toContain(TOKEN);
  });

  it('sends security headers and refuses cross-origin browsers', async () => {
    const res = await fetch(`${stack.base}/api/projects`, {
      headers: { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' },
    });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers 429 past the request-rate limit, in the common error shape', async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 60 && !limited; i++) {
      const res = await fetch(`${stack.base}/api/templates`, { headers: { authorization: `Bearer ${TOKEN}` } });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    expect(limited, `statuses: ${statuses.join(',')}`).toBeDefined();
    expect(await limited!.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
  });
});

describe('the API fuzzed with malformed and oversized bodies', () => {
  let stack: Awaited<ReturnType<typeof startApi>>;
  beforeAll(async () => {
    stack = await startApi({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
  });
  afterAll(async () => {
    await stack?.api.stop();
    await deleteRedisKeys(SHARED_REDIS, stack.env.REDIS_PREFIX);
    await stack?.dataDir.remove();
  });

  it('never answers 5xx on any route', async () => {
    const doc = (await (await fetch(`${stack.base}/docs-json`)).json()) as { paths: Record<string, object> };
    const bodies = [
      '{"name": ',
      '[]',
      'null',
      '"text"',
      JSON.stringify({ urls: 'x', config: [], name: 5, format: {}, nested: { deep: [[[{}]]] } }),
      JSON.stringify({ urls: Array.from({ length: 20_000 }, () => 'https://a.example/') }),
      JSON.stringify({ blob: 'x'.repeat(2 * 1024 * 1024) }),
      JSON.stringify({ name: '\u0000\ud800', description: '🙂'.repeat(10_000) }),
    ];
    const bad: string[] = [];
    for (const [template, ops] of Object.entries(doc.paths)) {
      for (const id of ['00000000-0000-4000-8000-000000000000', '../../etc/passwd', '%ff']) {
        const url = `${stack.base}${template.replace(/\{[^}]+\}/g, id)}`;
        for (const method of Object.keys(ops).map((m) => m.toUpperCase())) {
          // The job stream never ends by design; /health answers 503 by design here (no worker runs).
          if (template.endsWith('/stream') || template === '/health') continue;
          for (const body of method === 'GET' || method === 'DELETE' ? [undefined] : bodies) {
            const res = await fetch(`${url}${method === 'GET' ? '?page=-1&pageSize=abc&days=x&passed=maybe' : ''}`, {
              method,
              headers: body ? { 'content-type': 'application/json' } : {},
              body,
            });
            await res.arrayBuffer();
            if (res.status >= 500) bad.push(`${method} ${url} → ${res.status}`);
          }
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
