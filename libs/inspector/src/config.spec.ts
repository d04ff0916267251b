import { describe, expect, it } from 'vitest';
import { DEFAULT_QUALITY_CONFIG, QualityConfigError, resolveQualityConfig } from './config.js';

describe('resolveQualityConfig', () => {
  it('fills every default from an empty section', () => {
    expect(resolveQualityConfig()).toEqual(DEFAULT_QUALITY_CONFIG);
    expect(resolveQualityConfig(null).min_score).toBe(0.7);
    expect(resolveQualityConfig({}).checks).toEqual(['format', 'readability', 'duplicates', 'toxicity']);
  });

  it('merges nested sections field by field', () => {
    const c = resolveQualityConfig({ min_score: 0.5, checks: ['format', 'judge'], toxicity: { threshold: 0.8 } });
    expect(c.min_score).toBe(0.5);
    expect(c.checks).toEqual(['format', 'judge']);
    expect(c.toxicity).toEqual({ ...DEFAULT_QUALITY_CONFIG.toxicity, threshold: 0.8 });
    expect(DEFAULT_QUALITY_CONFIG.toxicity.threshold).toBe(0.5);
  });

  it.each([
    [{ min_score: 2 }, 'min_score', 'must be a number from 0 to 1 (got 2)'],
    [{ checks: 'format' }, 'checks', 'must be a list'],
    [{ checks: ['format', 'spelling'] }, 'checks', 'has an unknown check "spelling"'],
    [{ toxicity: { threshold: 'high' } }, 'toxicity.threshold', 'must be a number from 0 to 1 (got "high")'],
    [{ toxicity: { model: '' } }, 'toxicity.model', 'must be a non-empty string'],
    [{ toxicity: { dtype: 'int4' } }, 'toxicity.dtype', 'must be one of fp32, q8'],
    [{ duplicates: { scope: 'world' } }, 'duplicates.scope', 'must be one of job, project'],
    [{ format: { max_output_chars: 1.5 } }, 'format.max_output_chars', 'must be an integer'],
    [{ format: { min_input_chars: 50, max_input_chars: 10 } }, 'format.min_input_chars', 'must not exceed'],
    [{ readability: 3 }, 'readability', 'must be an object'],
    [{ colour: 1 }, 'colour', 'is not a quality option'],
    [{ judge: { temperature: 1 } }, 'judge.temperature', 'is not a judge option'],
  ])('rejects %j naming the field', (input, field, message) => {
    try {
      resolveQualityConfig(input);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(QualityConfigError);
      expect((e as QualityConfigError).field).toBe(field);
      expect((e as Error).message).toContain(`quality.${field} ${message}`);
    }
  });
});
