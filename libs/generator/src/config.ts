import { inspect } from 'node:util';
import { GenerationConfigError } from './errors.js';

const REDACTED = '[redacted]';

/** The OpenAI API, where the SDK goes when no base URL is configured. */
export const OPENAI_API_BASE_URL = 'https://api.openai.com/v1';

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
export interface LlmPolicy {
  apiKey?: string;
  baseUrl?: string;
  model: string;
  /** Further endpoints a job may pick (`generation.base_url`); they are called without the server's key. */
  allowedBaseUrls?: readonly string[];
}

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

export const GENERATION_DEFAULTS = {
  template: 'qa',
  examplesPerChunk: 3,
  maxConcurrentLlm: 5,
  temperature: 0.7,
  requestTimeoutMs: 60_000,
  maxRetries: 5,
} as const;

const FIELDS = new Set<string>([
  'template',
  'model',
  'examples_per_chunk',
  'max_concurrent_llm',
  'max_cost_usd',
  'temperature',
  'max_tokens',
  'request_timeout_ms',
  'max_retries',
  'base_url',
  'api_key',
  'template_params',
]);

export const NO_LLM_ENDPOINT_MESSAGE =
  'no LLM endpoint is configured: set OPENAI_API_KEY (or save a key in Settings) to use api.openai.com, or ' +
  'OPENAI_BASE_URL to use an OpenAI-compatible server (Ollama: http://127.0.0.1:11434/v1, vLLM: ' +
  'http://127.0.0.1:8000/v1)';

const trimSlashes = (url: string) => url.trim().replace(/\/+$/, '');

/** Hides a password in a URL. */
function shownUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return value;
  }
}

/**
 * Validates a job's `generation` settings and fills in defaults from the
 * app config (OPENAI_API_KEY, OPENAI_BASE_URL, LLM_MODEL). Throws a
 * GenerationConfigError naming the first bad field.
 */
export function resolveGenerationConfig(
  input: GenerationConfigInput | undefined | null,
  app: { llm: LlmPolicy },
  storedKey: StoredApiKey = {},
): GenerationConfig {
  if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input))) {
    throw new GenerationConfigError('generation', `must be an object (got ${describe(input)})`);
  }
  const g = (input ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(g)) {
    if (!FIELDS.has(key)) {
      throw new GenerationConfigError(`generation.${key}`, `is not a known setting (known: ${[...FIELDS].join(', ')})`);
    }
  }
  const template = optionalString(g, 'template', /^[a-z0-9][a-z0-9_-]{0,63}$/, 'a template name (a-z, 0-9, _ or -)');
  const model = optionalString(g, 'model', /^\S.{0,199}$/, 'a model name');
  if (g.api_key !== undefined && g.api_key !== null) {
    // A key in a job's config would be stored with the job and shown by the API.
    throw new GenerationConfigError(
      'generation.api_key',
      'cannot be given per job: set OPENAI_API_KEY or save the key in Settings',
    );
  }
  const connection = chooseEndpoint(optionalUrl(g, 'base_url'), app.llm, storedKey);
  const params = g.template_params;
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    throw new GenerationConfigError('generation.template_params', `must be an object (got ${describe(params)})`);
  }
  const maxCost = g.max_cost_usd;
  if (
    maxCost !== undefined &&
    maxCost !== null &&
    (typeof maxCost !== 'number' || !(maxCost > 0) || !Number.isFinite(maxCost))
  ) {
    throw new GenerationConfigError(
      'generation.max_cost_usd',
      `must be a positive number of US dollars (got ${describe(maxCost)})`,
    );
  }
  return {
    template: template ?? GENERATION_DEFAULTS.template,
    model: model ?? app.llm.model,
    examplesPerChunk: optionalInt(g, 'examples_per_chunk', 1, 20),
    maxConcurrentLlm: optionalInt(g, 'max_concurrent_llm', 1, 256) ?? GENERATION_DEFAULTS.maxConcurrentLlm,
    maxCostUsd: (maxCost as number | null | undefined) ?? null,
    temperature: optionalNumber(g, 'temperature', 0, 2) ?? GENERATION_DEFAULTS.temperature,
    maxTokens: optionalInt(g, 'max_tokens', 1, 1_000_000) ?? null,
    requestTimeoutMs: optionalInt(g, 'request_timeout_ms', 1_000, 3_600_000) ?? GENERATION_DEFAULTS.requestTimeoutMs,
    maxRetries: optionalInt(g, 'max_retries', 0, 20) ?? GENERATION_DEFAULTS.maxRetries,
    templateParams: (params as Record<string, unknown> | undefined) ?? {},
    connection,
  };
}

/**
 * The endpoint a job may use: the operator's default (OPENAI_BASE_URL, or
 * api.openai.com), which gets the server's key, or one of
 * LLM_ALLOWED_BASE_URLS, which is called without it. Anything else names
 * `generation.base_url`.
 */
function chooseEndpoint(given: string | undefined, llm: LlmPolicy, storedKey: StoredApiKey): LlmConnection {
  const defaultUrl = llm.baseUrl ? trimSlashes(llm.baseUrl) : undefined;
  const allowed = (llm.allowedBaseUrls ?? []).map(trimSlashes);
  const wanted = given === undefined ? undefined : trimSlashes(given);
  if (wanted !== undefined && wanted !== (defaultUrl ?? OPENAI_API_BASE_URL)) {
    if (!allowed.includes(wanted)) {
      const choices = [defaultUrl ?? OPENAI_API_BASE_URL, ...allowed].map(shownUrl).join(', ');
      throw new GenerationConfigError(
        'generation.base_url',
        `"${shownUrl(given!)}" is not an LLM endpoint this server may call (allowed: ${choices}); ` +
          'the operator adds endpoints with LLM_ALLOWED_BASE_URLS',
      );
    }
    return new LlmConnection(undefined, wanted);
  }
  const envKey = llm.apiKey;
  const hasKey = Boolean(envKey) || Boolean(storedKey.present);
  if (!hasKey && !defaultUrl) throw new GenerationConfigError('generation', NO_LLM_ENDPOINT_MESSAGE);
  const read = storedKey.read;
  // The key saved in Settings wins over OPENAI_API_KEY: it is the operator's later, explicit choice.
  const source: ApiKeySource | undefined =
    read || envKey ? async () => (read ? await read() : undefined) ?? envKey : undefined;
  return new LlmConnection(source, defaultUrl);
}

/** The resolved settings as they may be stored or shown: snake_case, the key never included. */
export function describeGenerationConfig(config: GenerationConfig): Record<string, unknown> {
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

function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}...` : value}"`;
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : String(value);
}

function optionalString(g: Record<string, unknown>, key: string, pattern: RegExp, what: string): string | undefined {
  const v = g[key];
  if (v === undefined || v === null) return undefined;
  // Never echo an API key back in an error.
  const shown = key === 'api_key' ? 'a value' : describe(v);
  if (typeof v !== 'string' || !pattern.test(v.trim())) {
    throw new GenerationConfigError(`generation.${key}`, `must be ${what} (got ${shown})`);
  }
  return v.trim();
}

function optionalUrl(g: Record<string, unknown>, key: string): string | undefined {
  const v = g[key];
  if (v === undefined || v === null) return undefined;
  let url: URL | undefined;
  try {
    url = typeof v === 'string' ? new URL(v) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) {
    throw new GenerationConfigError(`generation.${key}`, `must be an http:// or https:// URL (got ${describe(v)})`);
  }
  return v as string;
}

function optionalInt(g: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = g[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new GenerationConfigError(
      `generation.${key}`,
      `must be an integer from ${min} to ${max} (got ${describe(v)})`,
    );
  }
  return v;
}

function optionalNumber(g: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = g[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new GenerationConfigError(`generation.${key}`, `must be a number from ${min} to ${max} (got ${describe(v)})`);
  }
  return v;
}
