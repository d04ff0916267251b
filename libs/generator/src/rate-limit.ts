import { abortableDelay, parseRetryAfter } from '@datafactory/contracts';
/**
 * OpenAI's rate-limit headers (also sent by OpenRouter, vLLM behind LiteLLM,
 * Azure...): `x-ratelimit-remaining-requests` / `-tokens` and
 * `x-ratelimit-reset-requests` / `-tokens` with durations such as "1s",
 * "6m0s", "20ms" or "1m30.5s".
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of an OpenAI reset duration ("6m0s", "20ms", "1.5s") or of plain seconds ("2"); undefined when unreadable. */
export function parseResetDuration(value: string | null | undefined): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  let total = 0;
  let rest = v;
  const part = /^(\d+(?:\.\d+)?)(ms|h|m|s)/;
  while (rest) {
    const m = part.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

interface HeaderSource {
  get(name: string): string | null;
}

/**
 * How long the rate-limit headers say to wait before the next request:
 * the reset time of every exhausted limit (remaining 0), the longest of them.
 * With `limited` (a 429), Retry-After counts too, and a reset time counts even
 * when `remaining` is absent.
 */
export function rateLimitWaitMs(headers: HeaderSource, limited = false): number | undefined {
  let wait: number | undefined = limited ? retryAfterMs(headers) : undefined;
  for (const kind of ['requests', 'tokens']) {
    const remaining = headers.get(`x-ratelimit-remaining-${kind}`);
    const reset = parseResetDuration(headers.get(`x-ratelimit-reset-${kind}`));
    if (reset === undefined) continue;
    const exhausted = remaining !== null ? Number(remaining) <= 0 : limited;
    if (exhausted) wait = Math.max(wait ?? 0, reset);
  }
  return wait;
}

/** Retry-After (seconds or an HTTP date) or retry-after-ms, in milliseconds. */
export function retryAfterMs(headers: HeaderSource): number | undefined {
  const ms = Number(headers.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  return parseRetryAfter(headers.get('retry-after'));
}

/**
 * Holds new requests of one job while a rate limit the server reported is
 * exhausted, so that the job does not spend its retries on 429s.
 */
export class RateLimitGate {
  private resumeAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Learns from a response's headers. */
  observe(headers: HeaderSource, limited = false): void {
    const wait = rateLimitWaitMs(headers, limited);
    if (wait !== undefined) this.resumeAt = Math.max(this.resumeAt, this.now() + wait);
  }

  /** Milliseconds until requests may go again (0: now). */
  get pauseMs(): number {
    return Math.max(0, this.resumeAt - this.now());
  }

  /** Resolves when requests may go (rejects with the signal's reason when aborted first). */
  async ready(signal?: AbortSignal | null): Promise<void> {
    for (let wait = this.pauseMs; wait > 0; wait = this.pauseMs) {
      await abortableDelay(wait, signal);
    }
  }
}

export { abortableDelay };
