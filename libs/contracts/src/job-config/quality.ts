import { z } from 'zod';
import { boolean, integer, json, must, number, oneOf, section } from './fields.js';

/** The checks the inspector can run; a job picks any subset (`quality.checks`). */
export const QUALITY_CHECKS = ['format', 'readability', 'duplicates', 'toxicity', 'judge', 'grounded'] as const;
export type CheckName = (typeof QUALITY_CHECKS)[number];

export const DEFAULT_TOXICITY_MODEL = 'Xenova/toxic-bert';

const nonEmptyString = () => {
  const e = must('a non-empty string');
  return z.string(e).refine((v) => v.trim() !== '', e);
};

const checkList = () =>
  z
    .array(z.unknown(), must(`a list of ${QUALITY_CHECKS.join(', ')}`))
    .superRefine((list, ctx) => {
      const i = list.findIndex((n) => typeof n !== 'string' || !(QUALITY_CHECKS as readonly string[]).includes(n));
      if (i >= 0) {
        ctx.addIssue({
          code: 'custom',
          message: `has an unknown check ${json(list[i])} (known: ${QUALITY_CHECKS.join(', ')})`,
        });
      }
    })
    .transform((list) => [...new Set(list as CheckName[])])
    .meta({ items: { type: 'string', enum: [...QUALITY_CHECKS] } });

/** A nested part of the section; absent is every default, a field at a time. */
const part = <S extends z.ZodRawShape>(name: string, shape: S) =>
  // Every field of a part has a default, so `{}` parses (TypeScript cannot see that through the generic shape).
  section(shape, (known) => `is not a ${name} option (known: ${known})`).prefault({} as never);

/**
 * The `quality` section of a job's config. Absent fields (at any depth) are
 * the defaults; null is refused, but for `judge.model`, whose null means
 * "the job's generation model".
 */
export const QualitySection = section(
  {
    /** An example passes when every enabled check passes and its composite score is at least this. */
    min_score: number(0, 1).default(0.7),
    checks: checkList().default((): CheckName[] => ['format', 'readability', 'duplicates', 'toxicity']),
    /**
     * When a check cannot run (toxicity model missing, judge unreachable) the example is not
     * passed unless this is true. Either way the check says `unavailable` and the report counts it.
     */
    allow_unavailable: boolean().default(false),
    format: part('format', {
      min_input_chars: integer(0, 1_000_000).default(3),
      max_input_chars: integer(1, 1_000_000).default(8000),
      min_output_chars: integer(0, 1_000_000).default(1),
      max_output_chars: integer(1, 1_000_000).default(8000),
      /** Character-trigram cosine between question and answer at or above which the answer is a copy. */
      max_copy_similarity: number(0, 1).default(0.9),
      /** Compare the example's language with its source chunk's. */
      check_language: boolean().default(true),
    }),
    readability: part('readability', {
      /** The readability score (0–1, by Flesch reading-ease band) below which the check fails. */
      min_score: number(0, 1).default(0.5),
      /** Outputs with fewer words are not scored (Flesch formulas mean nothing on a few words). */
      min_words: integer(0, 10_000).default(8),
    }),
    duplicates: part('duplicates', {
      /** Cosine similarity (character n-grams) at or above which an example duplicates an earlier one. */
      threshold: number(0.01, 1).default(0.9),
      /** Compare within the job, or also with the project's earlier jobs. */
      scope: oneOf(['job', 'project']).default('job'),
    }),
    toxicity: part('toxicity', {
      /** A hub id (downloaded once into DATA_DIR/models) or a local folder holding an ONNX export. */
      model: nonEmptyString().default(DEFAULT_TOXICITY_MODEL),
      /** Probability at or above which a label flags the example. */
      threshold: number(0, 1).default(0.5),
      batch_size: integer(1, 1024).default(16),
      /** Which ONNX file of the model: fp32 (onnx/model.onnx) or q8 (onnx/model_quantized.onnx). */
      dtype: oneOf(['fp32', 'q8']).default('fp32'),
    }),
    judge: part('judge', {
      /**
       * The model that judges, on the job's endpoint. Required when `checks` has `judge` (job creation refuses
       * null then); null in a stored row of an earlier job means the job's generation model.
       */
      model: nonEmptyString().nullable().default(null),
      /** Judge score (0–1, the mean of faithfulness and usefulness mapped from 1–5) below which the check fails. */
      min_score: number(0, 1).default(0.5),
    }),
    grounded: part('grounded', {
      /**
       * Share (0–1) of a sentence's content words (stemmed) found in the source chunk below which the sentence
       * is unsupported. Numbers and names not in the chunk, and a negation the chunk does not have, fail a
       * sentence whatever its share.
       */
      threshold: number(0, 1).default(0.6),
      /** With `judge.model` set, also ask that model whether every sentence is supported (one call per example). */
      use_judge: boolean().default(true),
    }),
  },
  (known) => `is not a quality option (known: ${known})`,
).superRefine((c, ctx) => {
  const f = c.format;
  if (f.min_input_chars > f.max_input_chars) {
    ctx.addIssue({
      code: 'custom',
      path: ['format', 'min_input_chars'],
      message: `must not exceed max_input_chars (${f.max_input_chars})`,
    });
  }
  if (f.min_output_chars > f.max_output_chars) {
    ctx.addIssue({
      code: 'custom',
      path: ['format', 'min_output_chars'],
      message: `must not exceed max_output_chars (${f.max_output_chars})`,
    });
  }
});

/** The resolved `quality` section (snake_case, as in the job JSON). */
export type QualityConfig = z.output<typeof QualitySection>;
