/**
 * End-to-end: access control and the safety nets of the HTTP edge, on the
 * built API with API_TOKEN set and a low request-rate limit. Every spelling of
 * every route: auth.test.ts; malformed input on every route: api-fuzz.test.ts.
 */
import { type Stack, startStack, waitFor } from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TOKEN = 'test-token-0123456789abcdef';

describe('with API_TOKEN set', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { LOG_LEVEL: 'info', API_TOKEN: TOKEN, RATE_LIMIT_PER_MINUTE: '40' } });
  });
  afterAll(async () => {
    await stack?.stop();
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
