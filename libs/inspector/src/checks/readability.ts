import readability from 'text-readability';
import type { QualityConfig } from '../config.js';
import type { CheckResult, InspectableExample } from '../types.js';

/**
 * Flesch reading-ease bands and the score each maps to. Reading ease is
 * 206.835 − 1.015 × words per sentence − 84.6 × syllables per word: about
 * 60–70 is plain English, below 30 reads like an academic paper.
 */
export const READABILITY_BANDS: readonly { min: number; score: number; label: string }[] = [
  { min: 60, score: 1, label: 'plain English or easier' },
  { min: 50, score: 0.9, label: 'fairly difficult' },
  { min: 30, score: 0.75, label: 'difficult (college level)' },
  { min: 10, score: 0.5, label: 'very difficult (graduate level)' },
  { min: 0, score: 0.25, label: 'extremely difficult' },
  { min: -Infinity, score: 0, label: 'unreadable' },
];

export function readabilityBand(readingEase: number): { score: number; label: string } {
  return READABILITY_BANDS.find((b) => readingEase >= b.min)!;
}

/** Languages the Flesch formulas are made for. */
const SCORED_LANGUAGES = new Set(['en']);

/**
 * The readability check on the example's output: Flesch reading ease mapped
 * to 0–1 by READABILITY_BANDS (Flesch–Kincaid grade recorded beside it).
 * Outputs shorter than `min_words` and non-English examples are skipped:
 * the formulas mean nothing there.
 */
export function checkReadability(example: InspectableExample, config: QualityConfig['readability']): CheckResult {
  const text = example.outputText ?? '';
  const words = readability.lexiconCount(text);
  const language = example.chunkLanguage?.toLowerCase().slice(0, 2);
  if (language && !SCORED_LANGUAGES.has(language)) {
    return skipped(`Flesch formulas are for English; not scored for "${example.chunkLanguage}"`, { words });
  }
  if (words < config.min_words) {
    return skipped(`the output has ${words} words, fewer than ${config.min_words}: too short to score`, { words });
  }
  const readingEase = readability.fleschReadingEase(text);
  const grade = readability.fleschKincaidGrade(text);
  const band = readabilityBand(readingEase);
  const data = { fleschReadingEase: readingEase, fleschKincaidGrade: grade, band: band.label, words };
  const passed = band.score >= config.min_score;
  return {
    status: passed ? 'pass' : 'fail',
    score: band.score,
    reason: `Flesch reading ease ${readingEase} (${band.label}), grade ${grade}${passed ? '' : `: score ${band.score} is below ${config.min_score}`}`,
    codes: passed ? [] : ['hard_to_read'],
    data,
  };
}

function skipped(reason: string, data: Record<string, unknown>): CheckResult {
  return { status: 'skipped', score: null, reason, codes: [], data };
}
