import { eld } from 'eld/medium';

/** Characters sampled from a long text: enough for a stable answer, bounded cost. */
const SAMPLE_CHARS = 6_000;

/**
 * The language of a text as an ISO 639-1 code ("en", "de", "ja"...), or null
 * when the text is too short or the detector (ELD, 60 languages) is unsure.
 * Markdown markup, URLs and numbers are removed first.
 */
export function detectLanguage(text: string): string | null {
  const sample = sampleOf(text)
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/[#>*|`_[\]()-]+/g, ' ')
    .replace(/\d+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (sample.length < 12) return null;
  const result = eld.detect(sample);
  if (!result.language) return null;
  // Short samples: accept only a reliable answer; long ones: the top score is right far more often than not.
  if (sample.length < 200 && !result.isReliable()) return null;
  return result.language;
}

function sampleOf(text: string): string {
  if (text.length <= SAMPLE_CHARS) return text;
  const third = SAMPLE_CHARS / 3;
  const mid = Math.floor(text.length / 2);
  return `${text.slice(0, third)} ${text.slice(mid - third / 2, mid + third / 2)} ${text.slice(-third)}`;
}
