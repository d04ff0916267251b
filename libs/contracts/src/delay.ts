import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Resolves after `ms`, or rejects with the signal's own reason when it aborts
 * first (node:timers/promises rejects with a generic AbortError; the stages
 * tell a cancellation from a timeout by the reason).
 */
export async function abortableDelay(ms: number, signal?: AbortSignal | null): Promise<void> {
  if (signal?.aborted) throw signal.reason;
  if (ms <= 0) return;
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch (e) {
    throw signal?.aborted ? signal.reason : e;
  }
}

/**
 * A Retry-After value (delta seconds, possibly fractional, or an HTTP-date)
 * as milliseconds from `now`, or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A UUID in its canonical text form (what every id of the API is). */
export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}
