/** The checks the inspector can run; a job picks any subset (`quality.checks`). */
export const QUALITY_CHECKS = ['format', 'readability', 'duplicates', 'toxicity', 'judge'] as const;
export type CheckName = (typeof QUALITY_CHECKS)[number];

/** The `quality` section of a job's config (snake_case, as in the job JSON). */
export interface QualityConfig {
  /** An example passes when every enabled check passes and its composite score is at least this. */
  min_score: number;
  checks: CheckName[];
  /**
   * When a check cannot run (toxicity model missing, judge unreachable) the example is not
   * passed unless this is true. Either way the check says `unavailable` and the report counts it.
   */
  allow_unavailable: boolean;
  format: {
    min_input_chars: number;
    max_input_chars: number;
    min_output_chars: number;
    max_output_chars: number;
    /** Character-trigram cosine between question and answer at or above which the answer is a copy. */
    max_copy_similarity: number;
    /** Compare the example's language with its source chunk's. */
    check_language: boolean;
  };
  readability: {
    /** The readability score (0–1, by Flesch reading-ease band) below which the check fails. */
    min_score: number;
    /** Outputs with fewer words are not scored (Flesch formulas mean nothing on a few words). */
    min_words: number;
  };
  duplicates: {
    /** Cosine similarity (character n-grams) at or above which an example duplicates an earlier one. */
    threshold: number;
    /** Compare within the job, or also with the project's earlier jobs. */
    scope: 'job' | 'project';
  };
  toxicity: {
    /** A hub id (downloaded once into DATA_DIR/models) or a local folder holding an ONNX export. */
    model: string;
    /** Probability at or above which a label flags the example. */
    threshold: number;
    batch_size: number;
    /** Which ONNX file of the model: fp32 (onnx/model.onnx) or q8 (onnx/model_quantized.onnx). */
    dtype: 'fp32' | 'q8';
  };
  judge: {
    /** The model that judges; unset = the job's generation model (or LLM_MODEL). */
    model: string | null;
    /** Judge score (0–1, the mean of faithfulness and usefulness mapped from 1–5) below which the check fails. */
    min_score: number;
  };
}

export const DEFAULT_TOXICITY_MODEL = 'Xenova/toxic-bert';

export const DEFAULT_QUALITY_CONFIG: Readonly<QualityConfig> = Object.freeze({
  min_score: 0.7,
  checks: ['format', 'readability', 'duplicates', 'toxicity'],
  allow_unavailable: false,
  format: {
    min_input_chars: 3,
    max_input_chars: 8000,
    min_output_chars: 1,
    max_output_chars: 8000,
    max_copy_similarity: 0.9,
    check_language: true,
  },
  readability: { min_score: 0.5, min_words: 8 },
  duplicates: { threshold: 0.9, scope: 'job' },
  toxicity: { model: DEFAULT_TOXICITY_MODEL, threshold: 0.5, batch_size: 16, dtype: 'fp32' },
  judge: { model: null, min_score: 0.5 },
} satisfies QualityConfig);

export class QualityConfigError extends Error {
  constructor(
    /** Dotted path under `quality`, e.g. `toxicity.threshold`. */
    readonly field: string,
    readonly problem: string,
  ) {
    super(`quality.${field} ${problem}`);
    this.name = 'QualityConfigError';
  }
}

type Check = (value: unknown, field: string) => void;

const fail = (field: string, what: string, v: unknown) => {
  throw new QualityConfigError(field, `must be ${what} (got ${JSON.stringify(v)})`);
};
const integer =
  (min: number, max: number): Check =>
  (v, field) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      fail(field, `an integer from ${min} to ${max}`, v);
    }
  };
const number =
  (min: number, max: number): Check =>
  (v, field) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
      fail(field, `a number from ${min} to ${max}`, v);
  };
const boolean: Check = (v, field) => {
  if (typeof v !== 'boolean') fail(field, 'true or false', v);
};
const oneOf =
  (values: readonly string[]): Check =>
  (v, field) => {
    if (typeof v !== 'string' || !values.includes(v)) fail(field, `one of ${values.join(', ')}`, v);
  };
const nonEmptyString: Check = (v, field) => {
  if (typeof v !== 'string' || v.trim() === '') fail(field, 'a non-empty string', v);
};
const checkList: Check = (v, field) => {
  if (!Array.isArray(v)) fail(field, `a list of ${QUALITY_CHECKS.join(', ')}`, v);
  for (const name of v as unknown[]) {
    if (typeof name !== 'string' || !(QUALITY_CHECKS as readonly string[]).includes(name)) {
      throw new QualityConfigError(
        field,
        `has an unknown check ${JSON.stringify(name)} (known: ${QUALITY_CHECKS.join(', ')})`,
      );
    }
  }
};

const RULES = {
  min_score: number(0, 1),
  checks: checkList,
  allow_unavailable: boolean,
  format: {
    min_input_chars: integer(0, 1_000_000),
    max_input_chars: integer(1, 1_000_000),
    min_output_chars: integer(0, 1_000_000),
    max_output_chars: integer(1, 1_000_000),
    max_copy_similarity: number(0, 1),
    check_language: boolean,
  },
  readability: { min_score: number(0, 1), min_words: integer(0, 10_000) },
  duplicates: { threshold: number(0.01, 1), scope: oneOf(['job', 'project']) },
  toxicity: {
    model: nonEmptyString,
    threshold: number(0, 1),
    batch_size: integer(1, 1024),
    dtype: oneOf(['fp32', 'q8']),
  },
  judge: {
    model: (v: unknown, field: string) => {
      if (v !== null) nonEmptyString(v, field);
    },
    min_score: number(0, 1),
  },
} satisfies Record<keyof QualityConfig, Check | Record<string, Check>>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The quality config with defaults filled in, from any subset of it (the job's
 * `quality` section). Throws a QualityConfigError naming the first bad or
 * unknown field, e.g. `quality.toxicity.threshold must be a number from 0 to 1 (got 2)`.
 */
export function resolveQualityConfig(partial: unknown = {}): QualityConfig {
  if (partial === null || partial === undefined) partial = {};
  if (!isPlainObject(partial))
    throw new QualityConfigError('(section)', `must be an object (got ${JSON.stringify(partial)})`);
  const defaults = structuredClone(DEFAULT_QUALITY_CONFIG) as QualityConfig;
  const config = defaults as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(partial)) {
    const rule = (RULES as Record<string, Check | Record<string, Check>>)[key];
    if (!rule) throw new QualityConfigError(key, `is not a quality option (known: ${Object.keys(RULES).join(', ')})`);
    if (value === undefined) continue;
    if (typeof rule === 'function') {
      rule(value, key);
      config[key] = key === 'checks' ? [...new Set(value as CheckName[])] : value;
      continue;
    }
    if (!isPlainObject(value)) throw new QualityConfigError(key, `must be an object (got ${JSON.stringify(value)})`);
    const section = config[key] as Record<string, unknown>;
    for (const [sub, subValue] of Object.entries(value)) {
      const subRule = rule[sub];
      if (!subRule) {
        throw new QualityConfigError(
          `${key}.${sub}`,
          `is not a ${key} option (known: ${Object.keys(rule).join(', ')})`,
        );
      }
      if (subValue === undefined) continue;
      subRule(subValue, `${key}.${sub}`);
      section[sub] = subValue;
    }
  }
  const f = defaults.format;
  if (f.min_input_chars > f.max_input_chars) {
    throw new QualityConfigError('format.min_input_chars', `must not exceed max_input_chars (${f.max_input_chars})`);
  }
  if (f.min_output_chars > f.max_output_chars) {
    throw new QualityConfigError('format.min_output_chars', `must not exceed max_output_chars (${f.max_output_chars})`);
  }
  return defaults;
}
