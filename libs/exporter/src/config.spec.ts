import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPORT_CONFIG, ExportConfigError, resolveExportConfig } from './config.js';

const error = (input: unknown) => {
  try {
    resolveExportConfig(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ExportConfigError);
    return e as ExportConfigError;
  }
  throw new Error('expected an ExportConfigError');
};

describe('resolveExportConfig', () => {
  it('fills every default from an empty or missing config', () => {
    expect(resolveExportConfig({})).toEqual(DEFAULT_EXPORT_CONFIG);
    expect(resolveExportConfig(undefined)).toEqual(DEFAULT_EXPORT_CONFIG);
    expect(DEFAULT_EXPORT_CONFIG).toMatchObject({ format: 'jsonl', include_failed: false, split: 'none' });
  });

  it('accepts every format, split ratios, a seed and a license', () => {
    for (const format of ['jsonl', 'json', 'csv', 'parquet', 'openai', 'alpaca', 'sharegpt']) {
      expect(resolveExportConfig({ format }).format).toBe(format);
    }
    expect(
      resolveExportConfig({ split: { train: 0.8, validation: 0.1, test: 0.1 }, seed: 7, license: 'cc-by-4.0' }),
    ).toMatchObject({ split: { train: 0.8, validation: 0.1, test: 0.1 }, seed: 7, license: 'cc-by-4.0' });
    expect(resolveExportConfig({ split: { train: 0.9, test: 0.1 } }).split).toEqual({
      train: 0.9,
      validation: 0,
      test: 0.1,
    });
    expect(resolveExportConfig({ split: 'none' }).split).toBe('none');
  });

  it('names the bad field in a clear error', () => {
    expect(error({ format: 'xml' }).message).toBe(
      'export.format must be one of jsonl, json, csv, parquet, openai, alpaca, sharegpt, trl (got "xml")',
    );
    expect(error({ include_failed: 'yes' }).field).toBe('include_failed');
    expect(error({ split: { train: 0.5, validation: 0.1, test: 0.1 } }).message).toBe(
      'export.split ratios must add up to 1 (they add up to 0.7)',
    );
    expect(error({ split: { train: 1.5 } }).field).toBe('split.train');
    expect(error({ split: { train: 0, test: 1 } }).field).toBe('split.train');
    expect(error({ split: { dev: 0.1, train: 0.9 } }).field).toBe('split.dev');
    expect(error({ split: 'random' }).field).toBe('split');
    expect(error({ seed: -1 }).field).toBe('seed');
    expect(error({ license: 'MIT License' }).field).toBe('license');
    expect(error({ colour: 'red' }).message).toMatch(/^export\.colour is not a known field/);
    expect(error('jsonl').field).toBe('(config)');
  });

  it('keeps include_failed to the formats that carry scores', () => {
    expect(resolveExportConfig({ format: 'csv', include_failed: true }).include_failed).toBe(true);
    expect(error({ format: 'openai', include_failed: true }).message).toMatch(
      /^export\.include_failed is for analysis .* not openai$/,
    );
  });
});
