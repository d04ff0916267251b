import { inspect } from 'node:util';
import type { AppConfig } from '@datafactory/config';
import { GenerationConfigError } from './errors.js';

const REDACTED = '[redacted]';

/**
 * Where the LLM is and how to authenticate. The key is kept in a private
 * field: JSON.stringify, util.inspect and pino see `[redacted]`, so a logged
 * or stored config never carries it.
 */
export class LlmConnection {
  readonly #apiKey: string | undefined;

  constructor(
    apiKey: string | undefined,
    /** undefined means api.openai.com (the SDK's default). */
    readonly baseUrl: string | undefined,
  ) {
    this.#apiKey = apiKey;
  }

  get hasApiKey(): boolean {
    return this.#apiKey !== undefined;
  }

  /** For the HTTP client only. */
  revealApiKey(): string | undefined {
    return this.#apiKey;
  }

  /** Removes the key from a text (an error message from the server, say). */
  redact(text: string): string {
    const key = this.#apiKey;
    return key && key.length >= 4 ? text.split(key).join(REDACTED) : text;
  }

  toJSON(): { baseUrl: string | null; apiKey: string | null } {
    return { baseUrl: this.baseUrl ?? null, apiKey: this.#apiKey ? REDACTED : null };
  }

  [inspect.custom](): string {
    return `LlmConnection ${JSON.stringify(this.toJSON())}`;
  }
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
  'no LLM endpoint is configured: set OPENAI_API_KEY to use api.openai.com, or OPENAI_BASE_URL to use an ' +
  'OpenAI-compatible server (Ollama: http://127.0.0.1:11434/v1, vLLM: http://127.0.0.1:8000/v1), ' +
  'or give generation.base_url in the job config';

/**
 * Validates a job's `generation` settings and fills in defaults from the
 * app config (OPENAI_API_KEY, OPENAI_BASE_URL, LLM_MODEL). Throws a
 * GenerationConfigError naming the first bad field.
 */
export function resolveGenerationConfig(
  input: GenerationConfigInput | undefined | null,
  app: Pick<AppConfig, 'llm'>,
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
  const baseUrl = optionalUrl(g, 'base_url') ?? app.llm.baseUrl;
  const apiKey = optionalString(g, 'api_key', /^\S+$/, 'an API key without spaces') ?? app.llm.apiKey;
  if (!apiKey && !baseUrl) throw new GenerationConfigError('generation', NO_LLM_ENDPOINT_MESSAGE);
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
    connection: new LlmConnection(apiKey, baseUrl),
  };
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
