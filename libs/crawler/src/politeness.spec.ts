import { describe, expect, it } from 'vitest';
import { backoffMs, HostPacer, isRetryableStatus, parseRetryAfter } from './politeness.js';

describe('politeness', () => {
  it('parses Retry-After as seconds or an HTTP-date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('retries 408, 429 and 5xx only', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 410, 501].some(isRetryableStatus)).toBe(false);
  });

  it('backs off exponentially with jitter', () => {
    expect(backoffMs(1, 1000, () => 0.5)).toBe(1000);
    expect(backoffMs(2, 1000, () => 0.5)).toBe(2000);
    expect(backoffMs(3, 1000, () => 0)).toBe(2000);
    expect(backoffMs(3, 1000, () => 0.999)).toBeLessThan(6000);
  });

  it('spaces a host from the previous response, keeps one request in flight, and honours pauses', async () => {
    let now = 0;
    const pacer = new HostPacer(500, () => now);
    const release = await pacer.acquire('h');
    expect(pacer.nextSlot('h')).toBe(Infinity);
    expect(pacer.nextSlot('other')).toBe(0);
    now = 100;
    release();
    expect(pacer.nextSlot('h')).toBe(600);
    pacer.slowDown('h', 1000);
    expect(pacer.nextSlot('h')).toBe(1100);
    pacer.slowDown('h', 10);
    expect(pacer.intervalOf('h')).toBe(1000);
    pacer.pause('h', 5000);
    expect(pacer.nextSlot('h')).toBe(5000);
  });
});
