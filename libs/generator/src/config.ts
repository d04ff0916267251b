import { inspect } from 'node:util';
import {
  configProblems,
  describeValue,
  type GenerationPolicy,
  isPlainObject,
  type LlmGenerationConfig,
  llmGenerationSection,
  OPENAI_API_BASE_URL,
  trimSlashes,
} from '@datafactory/contracts';
import { GenerationConfigError } from './errors.js';

export { GENERATION_DEFAULTS, NO_LLM_ENDPOINT_MESSAGE, OPENAI_API_BASE_URL } from '@datafactory/contracts';

const REDACTED = '[redacted]';

/** Where a connection's key comes from, asked again for every request (a key saved in Settings takes effect at once). */
export type ApiKeySource = () => Promise<string | undefined>;

/**
 * Where the LLM is and how to authenticate. The key is never held in a
 * field that JSON.stringify, util.inspect or pino can see: it is asked of the
 * source for each request, and every key seen is redacted from error texts.
 */
export class LlmConnection {
  readonly #source: ApiKeySource | undefined;
  readonly #seen = new Set<string>();

  constructor(
    apiKey: string | ApiKeySource | undefined,
    /** undefined means api.openai.com (the SDK's default). */
    readonly baseUrl: string | undefined,
  ) {
    this.#source = typeof apiKey === 'string' ? () => Promise.resolve(apiKey) : apiKey;
    if (typeof apiKey === 'string') this.#seen.add(apiKey);
  }

  /** Whether this connection sends a key at all (false for an operator's keyless endpoint). */
  get sendsApiKey(): boolean {
    return this.#source !== undefined;
  }

  /** For the HTTP client only: the key to send with the next request, if any. */
  async resolveApiKey(): Promise<string | undefined> {
    const key = await this.#source?.();
    if (key) this.#seen.add(key);
    return key || undefined;
  }

  /** Removes the key from a text (an error message from the server, say). */
  redact(text: string): string {
    let out = text;
    for (const key of this.#seen) if (key.length >= 4) out = out.split(key).join(REDACTED);
    return out;
  }

  toJSON(): { baseUrl: string | null; apiKey: string | null } {
    return { baseUrl: this.baseUrl ?? null, apiKey: this.#source ? REDACTED : null };
  }

  [inspect.custom](): string {
    return `LlmConnection ${JSON.stringify(this.toJSON())}`;
  }
}

/** The operator's LLM settings (AppConfig.llm): the only endpoints a job may use, and the key of the default one. */
export type LlmPolicy = GenerationPolicy['llm'];

/** The key saved in Settings, when the caller has a settings store. */
export interface StoredApiKey {
  /** Whether a key is saved now (checked when a job is created). */
  present?: boolean;
  /** Reads it; called for each request. */
  read?: ApiKeySource;
}

/** `generation` in a job config, as a user writes it (every field optional). */
export interface GenerationConfigInput {
  template?: unknown;
  model?: unknown;
  examples_per_chunk?: unknown;
  max_concurrent_llm?: unknown;
  max_cost_usd?: unknown;
  temperature?: unknown;
  max_tokens?: unknown;
  request_timeout_ms?: unknown;
  max_retries?: unknown;
  base_url?: unknown;
  api_key?: unknown;
  template_params?: unknown;
}

export interface GenerationConfig {
  template: string;
  model: string;
  /** undefined: the template's own default (3 for the built-ins). */
  examplesPerChunk: number | undefined;
  maxConcurrentLlm: number;
  maxCostUsd: number | null;
  temperature: number;
  maxTokens: number | null;
  requestTimeoutMs: number;
  maxRetries: number;
  /** Extra variables for the template, available as `params`. */
  templateParams: Record<string, unknown>;
  connection: LlmConnection;
}

/**
 * Validates a job's `generation` settings (an LLM template's; the schema is
 * libs/contracts job-config/generation.ts) and fills in defaults from the app
 * config (LLM_MODEL), then connects it to the operator's endpoint
 * (OPENAI_API_KEY, OPENAI_BASE_URL, the key saved in Settings). A stored
 * section parses to itself, its nulls read as "default". Throws a
 * GenerationConfigError naming the first bad field.
 */
export function resolveGenerationConfig(
  input: GenerationConfigInput | LlmGenerationConfig | undefined | null,
  app: { llm: LlmPolicy },
  storedKey: StoredApiKey = {},
): GenerationConfig {
  const given: unknown = input ?? {};
  if (!isPlainObject(given)) {
    throw new GenerationConfigError('generation', `must be an object (got ${describeValue(given)})`);
  }
  const parsed = llmGenerationSection({ llm: app.llm, storedKey }).safeParse(given);
  if (!parsed.success) {
    const [first] = configProblems(parsed.error, given);
    throw new GenerationConfigError(first.field ? `generation.${first.field}` : 'generation', first.problem);
  }
  const g = parsed.data;
  return {
    template: g.template,
    model: g.model,
    examplesPerChunk: g.examples_per_chunk ?? undefined,
    maxConcurrentLlm: g.max_concurrent_llm,
    maxCostUsd: g.max_cost_usd,
    temperature: g.temperature,
    maxTokens: g.max_tokens,
    requestTimeoutMs: g.request_timeout_ms,
    maxRetries: g.max_retries,
    templateParams: g.template_params,
    connection: connect(g.base_url, app.llm, storedKey),
  };
}

/**
 * The connection to an endpoint the schema allowed: the operator's default
 * (OPENAI_BASE_URL, or api.openai.com) gets the server's key, one of
 * LLM_ALLOWED_BASE_URLS is called without it.
 */
function connect(baseUrl: string | null, llm: LlmPolicy, storedKey: StoredApiKey): LlmConnection {
  const defaultUrl = llm.baseUrl ? trimSlashes(llm.baseUrl) : undefined;
  if (baseUrl !== null && baseUrl !== (defaultUrl ?? OPENAI_API_BASE_URL)) return new LlmConnection(undefined, baseUrl);
  const envKey = llm.apiKey;
  const read = storedKey.read;
  // The key saved in Settings wins over OPENAI_API_KEY: it is the operator's later, explicit choice.
  const source: ApiKeySource | undefined =
    read || envKey ? async () => (read ? await read() : undefined) ?? envKey : undefined;
  return new LlmConnection(source, defaultUrl);
}

/** The resolved settings as they may be stored or shown: snake_case, the key never included. */
export function describeGenerationConfig(config: GenerationConfig): LlmGenerationConfig {
  return {
    template: config.template,
    model: config.model,
    examples_per_chunk: config.examplesPerChunk ?? null,
    max_concurrent_llm: config.maxConcurrentLlm,
    max_cost_usd: config.maxCostUsd,
    temperature: config.temperature,
    max_tokens: config.maxTokens,
    request_timeout_ms: config.requestTimeoutMs,
    max_retries: config.maxRetries,
    base_url: config.connection.baseUrl ?? null,
    template_params: config.templateParams,
  };
}
