import { abortableDelay, parseRetryAfter } from '@datafactory/contracts';

/**
 * The per-host schedule a crawl obeys. One crawl in one process uses a
 * HostPacer; a crawl shared by several workers passes one kept in Redis
 * (libs/pipeline), so every worker keeps to the same spacing.
 */
export interface HostSchedule {
  /** Waits for the host's turn and marks a request as sent; call the result when its headers arrive. */
  acquire(host: string, signal?: AbortSignal): Promise<() => void>;
  /** Raises (never lowers) a host's interval, e.g. from robots.txt Crawl-delay. */
  slowDown(host: string, intervalMs: number): void;
  /** No request to `host` in the next `ms` (a Retry-After). */
  pauseFor(host: string, ms: number): void;
}

/**
 * Per-host pacing, measured where it matters: at the server. A host has at
 * most one request waiting for its response headers, and the next request is
 * sent at least `interval` after the previous one's headers arrived (the
 * server saw the previous request before that moment). So two requests to one
 * host never reach it closer than the rate allows, whatever the concurrency,
 * connection set-up or retries; a slow server is crawled more slowly.
 */
export class HostPacer implements HostSchedule {
  private readonly hosts = new Map<
    string,
    { last: number; interval: number; pausedUntil: number; busy: boolean; waiters: Array<() => void> }
  >();

  constructor(
    private readonly defaultIntervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private host(key: string) {
    let h = this.hosts.get(key);
    if (!h) {
      h = { last: -Infinity, interval: this.defaultIntervalMs, pausedUntil: 0, busy: false, waiters: [] };
      this.hosts.set(key, h);
    }
    return h;
  }

  /** The earliest time a request to `key` could be sent (Infinity while one is awaiting its response). */
  nextSlot(key: string): number {
    const h = this.host(key);
    if (h.busy) return Infinity;
    return Math.max(this.now(), h.last + h.interval, h.pausedUntil);
  }

  /**
   * Waits for the host's turn and marks a request as sent; call the returned
   * function when its response headers arrive (or it failed).
   */
  async acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    const h = this.host(key);
    for (;;) {
      signal?.throwIfAborted();
      const slot = this.nextSlot(key);
      if (slot <= this.now()) break;
      if (slot === Infinity) {
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => reject(signal!.reason);
          signal?.addEventListener('abort', onAbort, { once: true });
          h.waiters.push(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          });
        });
      } else {
        await delay(slot - this.now(), signal);
      }
    }
    h.busy = true;
    h.last = this.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      h.busy = false;
      h.last = this.now();
      for (const w of h.waiters.splice(0)) w();
    };
  }

  /** Raises (never lowers) a host's interval, e.g. from robots.txt Crawl-delay. */
  slowDown(key: string, intervalMs: number): void {
    const h = this.host(key);
    h.interval = Math.max(h.interval, intervalMs);
  }

  /** No request to `key` before `until` (a Retry-After). */
  pause(key: string, until: number): void {
    const h = this.host(key);
    h.pausedUntil = Math.max(h.pausedUntil, until);
  }

  pauseFor(key: string, ms: number): void {
    this.pause(key, this.now() + ms);
  }

  intervalOf(key: string): number {
    return this.host(key).interval;
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export const delay = abortableDelay;

/** A Retry-After header as milliseconds from `now` (one parser for the crawler and the LLM client). */
export { parseRetryAfter };

/** Statuses worth another attempt: 408, 429 and 5xx (except 501 Not Implemented). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status < 600);
}

/** Exponential backoff with jitter: base × 2^(attempt-1), scaled by a random factor in [0.5, 1.5). */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  return Math.round(baseMs * 2 ** Math.max(0, attempt - 1) * (0.5 + random()));
}
