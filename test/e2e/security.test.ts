/**
 * End-to-end: access control and the safety nets of the HTTP edge, on the
 * built API with API_TOKEN set and a low request-rate limit. Every spelling of
 * every route: auth.test.ts; malformed input on every route: api-fuzz.test.ts.
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
