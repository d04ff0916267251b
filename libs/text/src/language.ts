import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { eld as Eld } from 'eld/extrasmall';

/**
 * ELD's extra-small model, loaded on first use. Its n-gram tables cost ~87 MB
 * of RSS per thread that loads them (medium ~198 MB, small ~156, large ~448);
 * on the ~1,500 article bodies of the extraction corpus it agrees with the
 * large model on 99.9% (whole texts and their first 150 characters), and
 * ELD's own benchmark puts it 0.1–0.4 points below medium on sentences.
 * Most importers of this lib (the MinHash users, a process that never sees a
 * page) never detect a language.
 * Node 24 requires the ES module synchronously, so detectLanguage stays sync.
 */
let detector: typeof Eld | undefined;
/** Loads the language model now (it otherwise loads on the first detectLanguage call). */
export function loadLanguageDetector(): void {
  eld();
}

function eld(): typeof Eld {
  if (!detector) {
    const file = fileURLToPath(import.meta.resolve('eld/extrasmall'));
    detector = (createRequire(import.meta.url)(file) as { eld: typeof Eld }).eld;
  }
  return detector;
}

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
  const result = eld().detect(sample);
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
