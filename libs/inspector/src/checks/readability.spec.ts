import { describe, expect, it } from 'vitest';
import { DEFAULT_QUALITY_CONFIG } from '../config.js';
import type { InspectableExample } from '../types.js';
import { checkReadability, readabilityBand } from './readability.js';

const example = (outputText: string, chunkLanguage: string | null = 'en'): InspectableExample => ({
  id: 'e',
  templateType: 'qa',
  inputText: 'Question?',
  outputText,
  chunkLanguage,
});
const config = DEFAULT_QUALITY_CONFIG.readability;

describe('readability bands', () => {
  it.each([
    [95, 1],
    [60, 1],
    [59.9, 0.9],
    [50, 0.9],
    [45, 0.75],
    [30, 0.75],
    [20, 0.5],
    [10, 0.5],
    [5, 0.25],
    [-20, 0],
  ])('maps Flesch reading ease %d to %d', (ease, score) => {
    expect(readabilityBand(ease).score).toBe(score);
  });
});

describe('the readability check', () => {
  it('passes plain English', () => {
    const r = checkReadability(
      example('The cat sat on the mat. It was a warm day. The sun was out and the sky was blue.'),
      config,
    );
    expect(r.status).toBe('pass');
    expect(r.score).toBe(1);
    expect(r.data).toMatchObject({ band: 'plain English or easier' });
    expect(r.reason).toMatch(/^Flesch reading ease \d/);
  });

  it('fails text that only a specialist could read', () => {
    const text =
      'Notwithstanding institutionalised interdepartmental responsibilities, organisational heterogeneity necessitates comprehensive reconceptualisation of administrative accountability characteristics.';
    const r = checkReadability(example(text), config);
    expect(r.status).toBe('fail');
    expect(r.codes).toEqual(['hard_to_read']);
    expect(r.score).toBeLessThan(config.min_score);
    expect(r.reason).toMatch(/is below 0.5/);
  });

  it('skips outputs too short to score and non-English examples', () => {
    expect(checkReadability(example('100 degrees Celsius.'), config)).toMatchObject({ status: 'skipped', score: null });
    const german = checkReadability(
      example('Das Wasser kocht bei hundert Grad Celsius auf Meereshöhe, sagt man.', 'de'),
      config,
    );
    expect(german.status).toBe('skipped');
    expect(german.reason).toMatch(/not scored for "de"/);
  });
});
