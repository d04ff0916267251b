import { z } from 'zod';
import { boolean, isPlainObject, json, must, oneOf, section } from './fields.js';

/**
 * The dataset formats the exporter writes. `jsonl`, `json`, `csv` and
 * `parquet` are flat records (one row per example, with its source, model and
 * scores); `openai`, `alpaca`, `sharegpt` and `trl` are the shapes trainers
 * read directly.
 */
export const ExportFormat = {
  Jsonl: 'jsonl',
  Json: 'json',
  Csv: 'csv',
  Parquet: 'parquet',
  OpenAi: 'openai',
  Alpaca: 'alpaca',
  ShareGpt: 'sharegpt',
  Trl: 'trl',
} as const;
export type ExportFormat = (typeof ExportFormat)[keyof typeof ExportFormat];
export const EXPORT_FORMATS = Object.values(ExportFormat) as [ExportFormat, ...ExportFormat[]];
/** The formats without per-example scores (training shapes only). */
export const TRAINER_FORMATS: readonly ExportFormat[] = [
  ExportFormat.OpenAi,
  ExportFormat.Alpaca,
  ExportFormat.ShareGpt,
  ExportFormat.Trl,
];

/** How a `reasoning` example keeps its steps apart from the answer: `<think>` in the assistant turn, or a `reasoning` field. */
export const REASONING_STYLES = ['think', 'field'] as const;
export type ReasoningStyle = (typeof REASONING_STYLES)[number];

/** Train/validation/test shares; they add up to 1. */
export interface SplitRatios {
  train: number;
  validation: number;
  test: number;
}

const LICENSE = /^[a-z0-9][a-z0-9.+-]{0,63}$/;

const SPLIT_JSON_SCHEMA = {
  oneOf: [
    { type: 'string', enum: ['none'] },
    {
      type: 'object',
      properties: Object.fromEntries(
        ['train', 'validation', 'test'].map((k) => [k, { type: 'number', minimum: 0, maximum: 1 }]),
      ),
      additionalProperties: false,
    },
  ],
  default: 'none',
};

/**
 * `"none"` (also false or null) or `{train, validation, test}` ratios that
 * add up to 1 (a missing ratio counts as 0).
 */
const split = () =>
  z
    .unknown()
    .optional()
    .transform((value, ctx): 'none' | SplitRatios => {
      if (value === undefined || value === 'none' || value === false || value === null) return 'none';
      const fail = (message: string, path: string[] = []) => {
        ctx.addIssue({ code: 'custom', path, message });
        return z.NEVER;
      };
      if (!isPlainObject(value)) {
        return fail(
          `must be "none" or ratios such as {"train": 0.8, "validation": 0.1, "test": 0.1} (got ${json(value)})`,
        );
      }
      const ratios: SplitRatios = { train: 0, validation: 0, test: 0 };
      for (const key of Object.keys(value)) {
        if (!(key in ratios)) return fail('is not a split (train, validation, test)', [key]);
      }
      for (const name of ['train', 'validation', 'test'] as const) {
        const r = value[name];
        if (r === undefined) continue;
        if (typeof r !== 'number' || !Number.isFinite(r) || r < 0 || r > 1) {
          return fail(`must be a number from 0 to 1 (got ${json(r)})`, [name]);
        }
        ratios[name] = r;
      }
      if (ratios.train <= 0) return fail('must be greater than 0', ['train']);
      const sum = ratios.train + ratios.validation + ratios.test;
      if (Math.abs(sum - 1) > 1e-6) return fail(`ratios must add up to 1 (they add up to ${Number(sum.toFixed(6))})`);
      return ratios;
    })
    .meta(SPLIT_JSON_SCHEMA);

export const DEFAULT_EXPORT_CONFIG = Object.freeze({
  format: 'jsonl',
  include_failed: false,
  include_unreviewed: true,
  split: 'none',
  seed: 42,
  license: 'unknown',
  reasoning: 'think',
} as const);

/** How a job is exported (the `export` section of a job config; also the body of POST .../exports). */
export const ExportSection = section(
  {
    format: oneOf(EXPORT_FORMATS).default(DEFAULT_EXPORT_CONFIG.format),
    /** false: only examples that were generated ok and passed quality control. true: every example, with its scores. */
    include_failed: boolean().default(DEFAULT_EXPORT_CONFIG.include_failed),
    /**
     * true: examples nobody reviewed are exported (beside the accepted and edited ones). false: only
     * reviewed ones. Rejected examples are never exported.
     */
    include_unreviewed: boolean().default(DEFAULT_EXPORT_CONFIG.include_unreviewed),
    /** `none`: one file. Ratios: a file per split, examples grouped by source domain. */
    split: split(),
    /** Seed of the domain → split assignment; the same seed gives the same splits. */
    seed: (() => {
      const e = must('a non-negative integer');
      return z.number(e).int(e).min(0, e).max(Number.MAX_SAFE_INTEGER, e);
    })().default(DEFAULT_EXPORT_CONFIG.seed),
    /** The dataset's license, a Hugging Face license id (`mit`, `cc-by-4.0`, `other`, `unknown`...). */
    license: (() => {
      const e = must('a Hugging Face license id such as mit, apache-2.0, cc-by-4.0, other or unknown');
      return z.string(e).regex(LICENSE, e);
    })().default(DEFAULT_EXPORT_CONFIG.license),
    /** `think`: the steps in `<think>...</think>` before the answer in the assistant turn; `field`: in a `reasoning` field. */
    reasoning: oneOf(REASONING_STYLES).default(DEFAULT_EXPORT_CONFIG.reasoning),
  },
  (known) => `is not a known field (known: ${known})`,
).superRefine((c, ctx) => {
  if (c.include_failed && TRAINER_FORMATS.includes(c.format)) {
    ctx.addIssue({
      code: 'custom',
      path: ['include_failed'],
      message: `is for analysis and needs a format with scores (jsonl, json, csv or parquet), not ${c.format}`,
    });
  }
});

/** The resolved `export` section. */
export type ExportConfig = z.output<typeof ExportSection>;
