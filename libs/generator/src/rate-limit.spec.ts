import { describe, expect, it } from 'vitest';
import { parseResetDuration, RateLimitGate, rateLimitWaitMs, retryAfterMs } from './rate-limit.js';

const headers = (h: Record<string, string>) => new Headers(h);

describe('rate-limit headers', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['1m30.5s', 90_500],
    ['2h', 7_200_000],
    ['2', 2000],
    ['soon', undefined],
    ['', undefined],
  ])('parses the reset duration %s', (v, ms) => {
    expect(parseResetDuration(v)).toBe(ms);
  });

  it('waits for the exhausted limit, the longest when both are', () => {
    expect(
      rateLimitWaitMs(headers({ 'x-ratelimit-remaining-requests': '5', 'x-ratelimit-reset-requests': '1s' })),
    ).toBeUndefined();
    expect(
      rateLimitWaitMs(headers({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1s' })),
    ).toBe(1000);
    expect(
      rateLimitWaitMs(
        headers({
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': '1s',
          'x-ratelimit-remaining-tokens': '0',
          'x-ratelimit-reset-tokens': '2.5s',
        }),
      ),
    ).toBe(2500);
  });

  it('on a 429, counts Retry-After and reset times without remaining', () => {
    expect(rateLimitWaitMs(headers({ 'x-ratelimit-reset-tokens': '700ms' }), true)).toBe(700);
    expect(rateLimitWaitMs(headers({ 'retry-after': '3' }), true)).toBe(3000);
    expect(retryAfterMs(headers({ 'retry-after-ms': '150' }))).toBe(150);
    expect(retryAfterMs(headers({ 'retry-after': new Date(Date.now() + 60_000).toUTCString() }))).toBeGreaterThan(
      50_000,
    );
  });

  it('holds requests until the reset time (fake clock)', async () => {
    let now = 1_000;
    const gate = new RateLimitGate(() => now);
    gate.observe(headers({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '2s' }));
    expect(gate.pauseMs).toBe(2000);
    now += 2000;
    expect(gate.pauseMs).toBe(0);
    await gate.ready();
  });

  it('stops waiting when the signal aborts', async () => {
    const gate = new RateLimitGate();
    gate.observe(headers({ 'retry-after': '60' }), true);
    const controller = new AbortController();
    const waiting = gate.ready(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
