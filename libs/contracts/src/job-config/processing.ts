import { z } from 'zod';
import { boolean, integer, number, oneOf, section } from './fields.js';

export const CHUNK_STRATEGIES = ['recursive', 'fixed', 'heading'] as const;
export type ChunkStrategy = (typeof CHUNK_STRATEGIES)[number];

/** The kinds of personal data and secrets the refiner redacts from chunks, each replaced by its placeholder. */
export const PII_TYPES = ['email', 'phone', 'ip', 'credit_card', 'iban', 'secret'] as const;
export type PiiType = (typeof PII_TYPES)[number];
export const PII_PLACEHOLDER: Readonly<Record<PiiType, string>> = {
  email: '<EMAIL>',
  phone: '<PHONE>',
  ip: '<IP>',
  credit_card: '<CREDIT_CARD>',
  iban: '<IBAN>',
  secret: '<SECRET>',
};

/** `processing.redact_pii`: one switch per kind, every one on unless turned off. */
export const RedactPiiSection = section(
  Object.fromEntries(PII_TYPES.map((t) => [t, boolean().default(true)])) as Record<
    PiiType,
    z.ZodDefault<ReturnType<typeof boolean>>
  >,
  (known) => `is not a kind of PII (known: ${known})`,
);

export const DEFAULT_PROCESSING_CONFIG = Object.freeze({
  chunk_size: 512,
  chunk_strategy: 'recursive',
  chunk_overlap: 0,
  dedup_threshold: 0.8,
  dedup_scope: 'job',
  min_words: 30,
  max_html_mb: 10,
  timeout_ms: 20_000,
  min_extraction_quality: 0.25,
  redact_pii: Object.freeze(Object.fromEntries(PII_TYPES.map((t) => [t, true])) as Record<PiiType, true>),
} as const);

/** The `processing` section of a job's config. An absent field is the default; null is refused, as it always was. */
export const ProcessingSection = section(
  {
    /** Most tokens in a chunk, counted with the job model's tokenizer. */
    chunk_size: integer(32, 32_768).default(DEFAULT_PROCESSING_CONFIG.chunk_size),
    chunk_strategy: oneOf(CHUNK_STRATEGIES).default(DEFAULT_PROCESSING_CONFIG.chunk_strategy),
    /** Tokens repeated from the previous chunk; 0 = none. Less than half of chunk_size. */
    chunk_overlap: integer(0, 32_767).default(DEFAULT_PROCESSING_CONFIG.chunk_overlap),
    /** Jaccard similarity at or above which a chunk is a near-duplicate; 1 keeps only exact duplicates out. */
    dedup_threshold: number(0, 1, undefined, true).default(DEFAULT_PROCESSING_CONFIG.dedup_threshold),
    /** Deduplicate within the job, or also against the project's earlier jobs. */
    dedup_scope: oneOf(['job', 'project']).default(DEFAULT_PROCESSING_CONFIG.dedup_scope),
    /** Pages with fewer extracted words are skipped as "no article". */
    min_words: integer(0, 100_000).default(DEFAULT_PROCESSING_CONFIG.min_words),
    /** Pages larger than this (after scripts and styles are removed) are skipped. */
    max_html_mb: number(0, 1024, undefined, true).default(DEFAULT_PROCESSING_CONFIG.max_html_mb),
    /** Time limit for extracting one page. */
    timeout_ms: integer(100, 600_000).default(DEFAULT_PROCESSING_CONFIG.timeout_ms),
    /** Pages whose extraction quality (0..1) is under this are skipped as low_quality_extraction; 0 keeps all. */
    min_extraction_quality: number(0, 1).default(DEFAULT_PROCESSING_CONFIG.min_extraction_quality),
    /** Which kinds of PII are replaced by placeholders in the chunks (all by default; `{ "phone": false }` keeps phone numbers). */
    redact_pii: RedactPiiSection.prefault({}),
  },
  (known) => `is not a processing option (known: ${known})`,
).superRefine((c, ctx) => {
  if (c.chunk_overlap >= c.chunk_size / 2) {
    ctx.addIssue({
      code: 'custom',
      path: ['chunk_overlap'],
      message: `must be less than half of chunk_size (${c.chunk_size}) (got ${c.chunk_overlap})`,
    });
  }
});

/** The resolved `processing` section (snake_case, as in the job JSON). */
export type ProcessingConfig = z.output<typeof ProcessingSection>;
