import { z } from 'zod';
import { integer, must, NO_TEMPLATE, number, orDefault, orNull, section, type Shown } from './fields.js';

export { NO_TEMPLATE } from './fields.js';

/** The OpenAI API, where the SDK goes when no base URL is configured. */
export const OPENAI_API_BASE_URL = 'https://api.openai.com/v1';

export const NO_LLM_ENDPOINT_MESSAGE =
  'no LLM endpoint is configured: set OPENAI_API_KEY (or save a key in Settings) to use api.openai.com, or ' +
  'OPENAI_BASE_URL to use an OpenAI-compatible server (Ollama: http://127.0.0.1:11434/v1, vLLM: ' +
  'http://127.0.0.1:8000/v1)';

export const API_KEY_REFUSED = 'cannot be given per job: set OPENAI_API_KEY or save the key in Settings';

export const GENERATION_DEFAULTS = {
  template: 'qa',
  examplesPerChunk: 3,
  maxConcurrentLlm: 5,
  temperature: 0.7,
  requestTimeoutMs: 60_000,
  maxRetries: 5,
} as const;

/**
 * The operator's LLM settings (AppConfig.llm) and whether a key is saved in
 * Settings: the only endpoints a job may use, and the default model.
 */
export interface GenerationPolicy {
  llm: {
    apiKey?: string;
    baseUrl?: string;
    model: string;
    /** Further endpoints a job may pick (`generation.base_url`); they are called without the server's key. */
    allowedBaseUrls?: readonly string[];
  };
  storedKey?: { present?: boolean };
}

/** How generation messages quote a value: never the whole of a long string, objects by kind. */
export const describeValue: Shown = (value) => {
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}...` : value}"`;
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : String(value);
};

export const trimSlashes = (url: string) => url.trim().replace(/\/+$/, '');

/** A URL with its password hidden. */
export function shownUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return value;
  }
}

/**
 * The endpoint a job may use: the operator's default (OPENAI_BASE_URL, or
 * api.openai.com), or one of LLM_ALLOWED_BASE_URLS. Returns the base URL to
 * store (null: api.openai.com) or the problem, with the field it names.
 */
export function chooseBaseUrl(
  given: string | undefined,
  policy: GenerationPolicy,
): { baseUrl: string | null; usesDefault: boolean } | { field: string; problem: string } {
  const { llm } = policy;
  const defaultUrl = llm.baseUrl ? trimSlashes(llm.baseUrl) : undefined;
  const allowed = (llm.allowedBaseUrls ?? []).map(trimSlashes);
  const wanted = given === undefined ? undefined : trimSlashes(given);
  if (wanted !== undefined && wanted !== (defaultUrl ?? OPENAI_API_BASE_URL)) {
    if (!allowed.includes(wanted)) {
      const choices = [defaultUrl ?? OPENAI_API_BASE_URL, ...allowed].map(shownUrl).join(', ');
      return {
        field: 'base_url',
        problem:
          `"${shownUrl(given!)}" is not an LLM endpoint this server may call (allowed: ${choices}); ` +
          'the operator adds endpoints with LLM_ALLOWED_BASE_URLS',
      };
    }
    return { baseUrl: wanted, usesDefault: false };
  }
  const hasKey = Boolean(llm.apiKey) || Boolean(policy.storedKey?.present);
  if (!hasKey && !defaultUrl) return { field: '', problem: NO_LLM_ENDPOINT_MESSAGE };
  return { baseUrl: defaultUrl ?? null, usesDefault: true };
}

const name = (pattern: RegExp, what: string) => {
  const e = must(what, describeValue);
  return z
    .string(e)
    .refine((v) => pattern.test(v.trim()), e)
    .transform((v) => v.trim());
};

const httpUrl = () => {
  const e = must('an http:// or https:// URL', describeValue);
  return z.string(e).refine((v) => {
    try {
      return ['http:', 'https:'].includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, e);
};

const int = (min: number, max: number) => integer(min, max, describeValue);

export const DIFFICULTIES = ['easy', 'medium', 'hard'] as const;

/**
 * The template parameters the built-ins read: `personas` (one example per
 * persona), `difficulty`, and for `rag` `distractors` (chunks of other
 * documents beside each example) and `no_oracle_share` (the share of
 * examples shown without their own chunk, as in RAFT). Others pass through.
 */
function checkTemplateParams(params: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const bad = (key: string, problem: string) =>
    ctx.addIssue({ code: 'custom', path: [key], message: `${problem} (got ${describeValue(params[key])})` });
  const { personas, difficulty, distractors, no_oracle_share: share } = params;
  if (personas !== undefined) {
    const ok =
      Array.isArray(personas) &&
      personas.length >= 1 &&
      personas.length <= 20 &&
      personas.every((p) => typeof p === 'string' && p.trim() !== '' && p.length <= 300);
    if (!ok) bad('personas', 'must be a list of 1 to 20 persona descriptions (non-empty strings up to 300 characters)');
  }
  if (difficulty !== undefined && !DIFFICULTIES.includes(difficulty as (typeof DIFFICULTIES)[number])) {
    bad('difficulty', `must be one of ${DIFFICULTIES.join(', ')}`);
  }
  if (
    distractors !== undefined &&
    !(Number.isInteger(distractors) && (distractors as number) >= 0 && (distractors as number) <= 10)
  ) {
    bad('distractors', 'must be an integer from 0 to 10');
  }
  if (share !== undefined && !(typeof share === 'number' && share >= 0 && share <= 1)) {
    bad('no_oracle_share', 'must be a number from 0 to 1');
  }
}

/** `generation` with template "none": the job exports its chunks, and no other setting means anything. */
export const NoLlmGenerationSection = section(
  { template: z.literal(NO_TEMPLATE) },
  () => `has no meaning with template "${NO_TEMPLATE}"`,
);

/**
 * `generation` for a template that calls the LLM. Absent and null fields are
 * the defaults (the model from LLM_MODEL); `examples_per_chunk`,
 * `max_cost_usd` and `max_tokens` stay null ("the template's default", "no
 * budget", "no limit"). `base_url` is checked against the operator's
 * endpoints and stored resolved (null: api.openai.com); `api_key` is refused.
 */
export const llmGenerationSection = (policy: GenerationPolicy) =>
  section(
    {
      template: orDefault(
        name(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a template name (a-z, 0-9, _ or -)').refine((t) => t !== NO_TEMPLATE, {
          error: `"${NO_TEMPLATE}" uses no LLM and takes no other generation setting`,
        }),
        () => GENERATION_DEFAULTS.template,
      ),
      model: orDefault(name(/^\S.{0,199}$/, 'a model name'), () => policy.llm.model),
      /** null: the template's own default (3 for the built-ins). */
      examples_per_chunk: orNull(int(1, 20)),
      max_concurrent_llm: orDefault(int(1, 256), () => GENERATION_DEFAULTS.maxConcurrentLlm),
      /** null: no budget. */
      max_cost_usd: orNull(
        (() => {
          const e = must('a positive number of US dollars', describeValue);
          return z.number(e).gt(0, e);
        })(),
      ),
      temperature: orDefault(number(0, 2, describeValue), () => GENERATION_DEFAULTS.temperature),
      max_tokens: orNull(int(1, 1_000_000)),
      request_timeout_ms: orDefault(int(1_000, 3_600_000), () => GENERATION_DEFAULTS.requestTimeoutMs),
      max_retries: orDefault(int(0, 20), () => GENERATION_DEFAULTS.maxRetries),
      /** One of the operator's endpoints; null: the operator's default. */
      base_url: httpUrl().nullish(),
      // A key in a job's config would be stored with the job and shown by the API.
      api_key: z.null({ error: API_KEY_REFUSED }).optional(),
      /** Extra variables for the template, available as `params`. */
      template_params: orDefault(
        z.record(z.string(), z.unknown(), must('an object', describeValue)).superRefine(checkTemplateParams),
        () => ({}),
      ),
    },
    (known) => `is not a known setting (known: ${known})`,
    describeValue,
  ).transform(({ api_key: _refused, base_url, ...g }, ctx) => {
    if (Array.isArray(g.template_params.personas) && g.examples_per_chunk !== null) {
      ctx.addIssue({
        code: 'custom',
        path: ['examples_per_chunk'],
        message: 'cannot be given with template_params.personas (one example per persona)',
      });
      return z.NEVER;
    }
    const endpoint = chooseBaseUrl(base_url ?? undefined, policy);
    if ('problem' in endpoint) {
      ctx.addIssue({ code: 'custom', path: endpoint.field ? [endpoint.field] : [], message: endpoint.problem });
      return z.NEVER;
    }
    return { ...g, base_url: endpoint.baseUrl };
  });

/** The `generation` section: template "none", or the settings of an LLM template. */
export const generationSection = (policy: GenerationPolicy) =>
  z.union([NoLlmGenerationSection, llmGenerationSection(policy)]);

export type NoLlmGenerationConfig = z.output<typeof NoLlmGenerationSection>;
/** The resolved settings of an LLM template, as stored (snake_case; never a key). */
export type LlmGenerationConfig = z.output<ReturnType<typeof llmGenerationSection>>;
export type GenerationSectionConfig = NoLlmGenerationConfig | LlmGenerationConfig;

/** Whether a job's generation calls the LLM (any template but "none"). */
export function usesLlm(generation: GenerationSectionConfig): generation is LlmGenerationConfig {
  return generation.template !== NO_TEMPLATE;
}
