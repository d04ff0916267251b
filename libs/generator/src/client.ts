import OpenAI from 'openai';
import type { LlmConnection } from './config.js';
import { RateLimitGate } from './rate-limit.js';

/** Request header that tags a chat call so the fetch layer can count its attempts; never sent to the server. */
export const CALL_ID_HEADER = 'x-df-call-id';

/**
 * How one HTTP attempt of a call ended, for what it may have cost:
 * `answered` (a 2xx), `server_error` (5xx: the prompt may be billed),
 * `refused` (429 and other 4xx: not billed) or `lost` (no answer: timeout,
 * connection dropped, abort; the provider may have answered and billed).
 */
export type AttemptOutcome = 'answered' | 'server_error' | 'refused' | 'lost';

export interface LlmClientOptions {
  requestTimeoutMs: number;
  maxRetries: number;
  /** The transport (default: the global fetch). */
  fetch?: typeof fetch;
}

/**
 * The official SDK with its own retries (exponential backoff with jitter on
 * 408, 409, 429, 5xx, timeouts and connection errors, honouring Retry-After and
 * retry-after-ms), plus a fetch layer that
 * - turns `x-ratelimit-reset-*` of a 429 without Retry-After into the
 *   retry-after-ms the SDK honours,
 * - holds new requests while a reported limit is exhausted (RateLimitGate),
 * - counts the HTTP attempts of each call.
 */
export class LlmClient {
  readonly openai: OpenAI;
  readonly gate = new RateLimitGate();
  readonly baseUrl: string;
  private readonly attempts = new Map<string, AttemptOutcome[]>();

  constructor(
    readonly connection: LlmConnection,
    options: LlmClientOptions,
  ) {
    const transport = options.fetch ?? globalThis.fetch;
    this.baseUrl = connection.baseUrl ?? 'https://api.openai.com/v1';
    this.openai = new OpenAI({
      // A placeholder: the real key (or none) is set per request in send(), from the connection's source.
      apiKey: 'no-key',
      // Explicit values, so that the SDK does not read OPENAI_* from the environment itself.
      baseURL: this.baseUrl,
      organization: null,
      project: null,
      timeout: options.requestTimeoutMs,
      maxRetries: options.maxRetries,
      logLevel: 'off',
      fetch: (url, init) => this.send(transport, url, init),
    });
  }

  /** HTTP attempts made for a call so far (1 + retries). */
  attemptsOf(callId: string): number {
    return this.attempts.get(callId)?.length ?? 0;
  }

  /** How each attempt of a call ended, in order (one still in flight is not listed). */
  outcomesOf(callId: string): readonly AttemptOutcome[] {
    return this.attempts.get(callId) ?? [];
  }

  forget(callId: string): void {
    this.attempts.delete(callId);
  }

  private async send(transport: typeof fetch, url: string | URL | Request, init?: RequestInit): Promise<Response> {
    const headers = new Headers(init?.headers);
    const callId = headers.get(CALL_ID_HEADER);
    headers.delete(CALL_ID_HEADER);
    // The key is asked for each request, and an endpoint without one gets no Authorization header at all.
    const key = await this.connection.resolveApiKey();
    if (key) headers.set('authorization', `Bearer ${key}`);
    else headers.delete('authorization');
    await this.gate.ready(init?.signal);
    const outcomes = callId ? (this.attempts.get(callId) ?? []) : [];
    if (callId) this.attempts.set(callId, outcomes);
    let response: Response;
    try {
      response = await transport(url, { ...init, headers });
    } catch (e) {
      outcomes.push('lost');
      throw e;
    }
    outcomes.push(response.ok ? 'answered' : response.status >= 500 ? 'server_error' : 'refused');
    const limited = response.status === 429;
    this.gate.observe(response.headers, limited);
    if (limited && !response.headers.has('retry-after') && !response.headers.has('retry-after-ms')) {
      const wait = this.gate.pauseMs;
      if (wait > 0) {
        const patched = new Headers(response.headers);
        patched.set('retry-after-ms', String(wait));
        return new Response(response.body, {
          status: response.status,
          statusText: response.statusText,
          headers: patched,
        });
      }
    }
    return response;
  }
}
