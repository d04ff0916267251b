/**
 * End-to-end: POST /api/jobs/estimate on the built API against the fixture
 * site (the estimate fetches and refines a sample; it calls no LLM).
 */
import { FixtureSite, type Stack, startStack } from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('POST /api/jobs/estimate', () => {
  let site: FixtureSite;
  let stack: Stack;

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main'] });
    stack = await startStack({
      env: {
        OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', // needed to plan LLM calls; never called
        // The fixture site is on 127.0.0.1: the operator trusts its ports (and only those).
        CRAWL_TRUSTED_HOSTS: site.hostPorts().join(','),
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await site?.close();
  });

  const estimate = async (body: unknown) => {
    const res = await fetch(`${stack.base}/api/jobs/estimate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it('samples 5 of the URLs and extrapolates chunks, calls, tokens and cost as ranges', async () => {
    const urls = Array.from({ length: 40 }, (_, i) => site.url('main', `/doc/${i + 1}`));
    const r = await estimate({ urls, config: { scraping: { requests_per_second: 50 } } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.urls).toBe(40);
    expect(r.body.sample).toHaveLength(5);
    const g = r.body.generation;
    expect(g.chunks.low).toBeLessThanOrEqual(g.chunks.expected);
    expect(g.chunks.expected).toBeLessThanOrEqual(g.chunks.high);
    expect(g.chunks.expected).toBeGreaterThanOrEqual(40);
    expect(g.costUsd.expected).toBeGreaterThan(0);
    expect(r.body.note).toMatch(/estimated from 5 of 40/);
    // Only the sample was fetched.
    expect(site.requests.filter((q) => q.path.startsWith('/doc/')).length).toBe(5);
  });

  it('answers 400 for bad URLs, and when no sampled page can be fetched', async () => {
    const bad = await estimate({ urls: ['ftp://x'] });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual(['urls[0] "ftp://x" must use http or https']);
    // Loopback is refused unless trusted: another port on 127.0.0.1 is not.
    const blocked = await estimate({ urls: ['http://127.0.0.1:9/doc/1'] });
    expect(blocked.status).toBe(400);
    expect(blocked.body.message).toMatch(/none of the 1 sampled URL\(s\) could be fetched.*blocked address/);
    // The estimate fetches from inside the API: a caller cannot switch the address guard off.
    const widened = await estimate({
      urls: ['http://127.0.0.1:9/doc/1'],
      config: { scraping: { allow_private_networks: true } },
    });
    expect(widened.status).toBe(400);
    expect(widened.body.details).toEqual([
      expect.stringMatching(/allow_private_networks.*CRAWL_ALLOW_PRIVATE_NETWORKS/),
    ]);
  });

  it('stops fetching when the client goes away', async () => {
    const path = '/slow?ms=600000';
    const client = new AbortController();
    const pending = fetch(`${stack.base}/api/jobs/estimate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // Timeouts far beyond the test: only the client leaving can end the fetch.
      body: JSON.stringify({
        urls: [site.url('main', path)],
        config: { scraping: { read_timeout_ms: 600_000, request_timeout_ms: 600_000, max_attempts: 1 } },
      }),
      signal: client.signal,
    }).catch((e: Error) => e);
    await site.waitForRequest((r) => r.path === path);
    const closed = new Promise<string>((resolve) => site.on('closed', (p: string) => p === path && resolve(p)));
    client.abort();
    expect(await pending).toBeInstanceOf(Error);
    expect(await closed).toBe(path);
  });
});
