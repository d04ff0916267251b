import { APIConnectionError, APIError } from 'openai';
import { LlmClient } from './client.js';
import type { LlmConnection } from './config.js';

/** Endpoints (and keys) that answered lately: asked again only after this long. */
const CHECK_TTL_MS = 5 * 60_000;
const answered = new Map<string, number>();

/**
 * One cheap request (`GET /models`) before a job spends anything: null when
 * the endpoint answers and takes the key, else what is wrong in one sentence.
 * Only a refused key (401/403) or no answer at all stops a job; a server
 * without a models route (404) or a passing 429/5xx does not. Successful
 * checks are remembered per endpoint for a few minutes.
 */
export async function checkLlmEndpoint(connection: LlmConnection, timeoutMs = 10_000): Promise<string | null> {
  const client = new LlmClient(connection, { requestTimeoutMs: timeoutMs, maxRetries: 1 });
  const key = `${client.baseUrl}|${connection.sendsApiKey}`;
  const at = answered.get(key);
  if (at !== undefined && Date.now() - at < CHECK_TTL_MS) return null;
  try {
    await client.openai.models.list();
  } catch (e) {
    if (e instanceof APIConnectionError) {
      return connection.redact(`the LLM endpoint ${client.baseUrl} is not reachable (${e.message})`);
    }
    if (e instanceof APIError && (e.status === 401 || e.status === 403)) {
      return connection.redact(`the LLM endpoint ${client.baseUrl} refused the API key (${e.status}: ${e.message})`);
    }
    if (!(e instanceof APIError)) throw e;
  }
  answered.set(key, Date.now());
  return null;
}
