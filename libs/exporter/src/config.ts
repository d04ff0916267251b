import { DATASET_FORMATS, type DatasetFormat, FORMAT_INFO } from './formats.js';

/** Train/validation/test shares; they add up to 1. */
export interface SplitRatios {
  train: number;
  validation: number;
  test: number;
}

/** How a job is exported (the `export` section of a job config, resolved). */
export interface ExportConfig {
  format: DatasetFormat;
  /** false: only examples that were generated ok and passed quality control. true: every example, with its scores. */
  include_failed: boolean;
  /** `none`: one file. Ratios: a file per split, examples grouped by source domain. */
  split: 'none' | SplitRatios;
  /** Seed of the domain → split assignment; the same seed gives the same splits. */
  seed: number;
  /** The dataset's license, a Hugging Face license id (`mit`, `cc-by-4.0`, `other`, `unknown`...). */
  license: string;
}

export const DEFAULT_EXPORT_CONFIG: Readonly<ExportConfig> = {
  format: 'jsonl',
  include_failed: false,
  split: 'none',
  seed: 42,
  license: 'unknown',
};

/** A bad export config value; `field` names it (`split.train`, `format`...). */
export class ExportConfigError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`export.${field} ${problem}`);
    this.name = 'ExportConfigError';
  }
}

const LICENSE = /^[a-z0-9][a-z0-9.+-]{0,63}$/;
const KNOWN_FIELDS = ['format', 'include_failed', 'split', 'seed', 'license'];

const show = (v: unknown) => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v));

/**
 * Validates a partial export config (from a job config or an API request)
 * and fills in the defaults. Throws an ExportConfigError naming the first
 * bad field. `split` is `"none"` or `{train, validation, test}` ratios that
 * add up to 1 (a missing ratio counts as 0).
 */
export function resolveExportConfig(partial: unknown = {}): ExportConfig {
  if (partial === null || partial === undefined) partial = {};
  if (typeof partial !== 'object' || Array.isArray(partial)) {
    throw new ExportConfigError('(config)', `must be an object (got ${show(partial)})`);
  }
  const input = partial as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!KNOWN_FIELDS.includes(key)) {
      throw new ExportConfigError(key, `is not a known field (known: ${KNOWN_FIELDS.join(', ')})`);
    }
  }
  const config: ExportConfig = { ...DEFAULT_EXPORT_CONFIG };

  if (input.format !== undefined) {
    if (typeof input.format !== 'string' || !DATASET_FORMATS.includes(input.format as DatasetFormat)) {
      throw new ExportConfigError('format', `must be one of ${DATASET_FORMATS.join(', ')} (got ${show(input.format)})`);
    }
    config.format = input.format as DatasetFormat;
  }
  if (input.include_failed !== undefined) {
    if (typeof input.include_failed !== 'boolean') {
      throw new ExportConfigError('include_failed', `must be true or false (got ${show(input.include_failed)})`);
    }
    config.include_failed = input.include_failed;
  }
  if (config.include_failed && FORMAT_INFO[config.format].kind === 'trainer') {
    throw new ExportConfigError(
      'include_failed',
      `is for analysis and needs a format with scores (jsonl, json, csv or parquet), not ${config.format}`,
    );
  }
  if (input.split !== undefined) config.split = resolveSplit(input.split);
  if (input.seed !== undefined) {
    if (typeof input.seed !== 'number' || !Number.isSafeInteger(input.seed) || input.seed < 0) {
      throw new ExportConfigError('seed', `must be a non-negative integer (got ${show(input.seed)})`);
    }
    config.seed = input.seed;
  }
  if (input.license !== undefined) {
    if (typeof input.license !== 'string' || !LICENSE.test(input.license)) {
      throw new ExportConfigError(
        'license',
        `must be a Hugging Face license id such as mit, apache-2.0, cc-by-4.0, other or unknown (got ${show(input.license)})`,
      );
    }
    config.license = input.license;
  }
  return config;
}

function resolveSplit(value: unknown): ExportConfig['split'] {
  if (value === 'none' || value === false || value === null) return 'none';
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ExportConfigError(
      'split',
      `must be "none" or ratios such as {"train": 0.8, "validation": 0.1, "test": 0.1} (got ${show(value)})`,
    );
  }
  const input = value as Record<string, unknown>;
  const ratios: SplitRatios = { train: 0, validation: 0, test: 0 };
  for (const key of Object.keys(input)) {
    if (!(key in ratios)) throw new ExportConfigError(`split.${key}`, 'is not a split (train, validation, test)');
  }
  for (const name of ['train', 'validation', 'test'] as const) {
    const r = input[name];
    if (r === undefined) continue;
    if (typeof r !== 'number' || !Number.isFinite(r) || r < 0 || r > 1) {
      throw new ExportConfigError(`split.${name}`, `must be a number from 0 to 1 (got ${show(r)})`);
    }
    ratios[name] = r;
  }
  if (ratios.train <= 0) throw new ExportConfigError('split.train', 'must be greater than 0');
  const sum = ratios.train + ratios.validation + ratios.test;
  if (Math.abs(sum - 1) > 1e-6) {
    throw new ExportConfigError('split', `ratios must add up to 1 (they add up to ${Number(sum.toFixed(6))})`);
  }
  return ratios;
}
