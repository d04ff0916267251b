import { CHUNK_STRATEGIES, type ChunkStrategy } from './chunk.js';

/** The `processing` section of a job's config (snake_case, as in the job JSON). */
export interface ProcessingConfig {
  /** Most tokens in a chunk, counted with the job model's tokenizer. */
  chunk_size: number;
  chunk_strategy: ChunkStrategy;
  /** Tokens repeated from the previous chunk; 0 = none. */
  chunk_overlap: number;
  /** Jaccard similarity at or above which a chunk is a near-duplicate; 1 keeps only exact duplicates out. */
  dedup_threshold: number;
  /** Deduplicate within the job, or also against the project's earlier jobs. */
  dedup_scope: 'job' | 'project';
  /** Pages with fewer extracted words are skipped as "no article". */
  min_words: number;
  /** Pages larger than this (after scripts and styles are removed) are skipped. */
  max_html_mb: number;
  /** Time limit for extracting one page. */
  timeout_ms: number;
}

export const DEFAULT_PROCESSING_CONFIG: Readonly<ProcessingConfig> = Object.freeze({
  chunk_size: 512,
  chunk_strategy: 'recursive',
  chunk_overlap: 0,
  dedup_threshold: 0.8,
  dedup_scope: 'job',
  min_words: 30,
  max_html_mb: 10,
  timeout_ms: 20_000,
});

export class ProcessingConfigError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`processing.${field} ${problem}`);
    this.name = 'ProcessingConfigError';
  }
}

type Check = (value: unknown, field: string, config: ProcessingConfig) => unknown;

const integer =
  (min: number, max: number): Check =>
  (v, field) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new ProcessingConfigError(field, `must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
    }
    return v;
  };
const number =
  (min: number, max: number, minExclusive = false): Check =>
  (v, field) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v > max || (minExclusive ? v <= min : v < min)) {
      const range = minExclusive ? `greater than ${min} and at most ${max}` : `from ${min} to ${max}`;
      throw new ProcessingConfigError(field, `must be a number ${range} (got ${JSON.stringify(v)})`);
    }
    return v;
  };
const oneOf =
  (values: readonly string[]): Check =>
  (v, field) => {
    if (typeof v !== 'string' || !values.includes(v)) {
      throw new ProcessingConfigError(field, `must be one of ${values.join(', ')} (got ${JSON.stringify(v)})`);
    }
    return v;
  };

const CHECKS: Record<keyof ProcessingConfig, Check> = {
  chunk_size: integer(32, 32_768),
  chunk_strategy: oneOf(CHUNK_STRATEGIES),
  chunk_overlap: (v, field, c) => {
    integer(0, 32_767)(v, field, c);
    if ((v as number) >= c.chunk_size / 2) {
      throw new ProcessingConfigError(field, `must be less than half of chunk_size (${c.chunk_size}) (got ${v})`);
    }
    return v;
  },
  dedup_threshold: number(0, 1, true),
  dedup_scope: oneOf(['job', 'project']),
  min_words: integer(0, 100_000),
  max_html_mb: number(0, 1024, true),
  timeout_ms: integer(100, 600_000),
};

/**
 * The processing config with defaults filled in. Throws a
 * ProcessingConfigError naming the first bad or unknown field.
 */
export function resolveProcessingConfig(partial: unknown = {}): ProcessingConfig {
  if (partial === null || partial === undefined) partial = {};
  if (typeof partial !== 'object' || Array.isArray(partial)) {
    throw new ProcessingConfigError('(section)', `must be an object (got ${JSON.stringify(partial)})`);
  }
  const input = partial as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!(key in CHECKS)) {
      throw new ProcessingConfigError(key, `is not a processing option (known: ${Object.keys(CHECKS).join(', ')})`);
    }
  }
  const config = { ...DEFAULT_PROCESSING_CONFIG } as ProcessingConfig;
  for (const key of Object.keys(CHECKS) as Array<keyof ProcessingConfig>) {
    if (input[key] !== undefined) (config as unknown as Record<string, unknown>)[key] = input[key];
  }
  for (const key of Object.keys(CHECKS) as Array<keyof ProcessingConfig>) CHECKS[key](config[key], key, config);
  return config;
}
