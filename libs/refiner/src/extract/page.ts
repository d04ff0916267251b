import { detectLanguage } from '@datafactory/text';
import { chunk, type ChunkOptions, type TextChunk } from '../chunk.js';
import { type Extracted, type ExtractionSignals, extract, UnusablePageError } from './extract.js';

export interface PageOptions {
  url?: string;
  /** Refuse pages with more characters of markup than this (scripts and styles not counted). */
  maxChars?: number;
  /** Fewer extracted words than this: skipped as "no article". */
  minWords?: number;
  /**
   * Chunk the text here too, and detect each chunk's language: in the
   * extraction thread, so that the language model and the tokenizer are
   * loaded in that thread only (no tokenizer instance: it cannot be sent).
   */
  chunking?: Omit<ChunkOptions, 'tokenizer'>;
  /** Extraction quality (0..1) under which the page is skipped as `low_quality_extraction` (default 0: none). */
  minQuality?: number;
}

/** The per-page extraction verdict: a score from 0 to 1 and the signals it was computed from. */
export interface ExtractionQuality extends ExtractionSignals {
  score: number;
  words: number;
  method: Extracted['method'];
}

/** The refine reason code of pages whose extraction looks like boilerplate or an error page. */
export const LOW_QUALITY_EXTRACTION = 'low_quality_extraction';

/**
 * How much to trust an extraction, 0..1: short texts, texts the line filters mostly dropped, pages
 * made of links, and error/login/bot-check pages score low; a disagreement between the two
 * candidates lowers it a little (one of them missed or over-collected).
 */
export function extractionQuality(e: Extracted): ExtractionQuality {
  const s = e.signals;
  let score = Math.min(1, e.words / 100);
  score *= 1 - 0.5 * s.boilerplateShare;
  // A page made of links is a menu or a link farm when little text came out of it; a listing whose
  // entries are links and descriptions gives hundreds of words, and is content.
  // The body fallback (neither candidate found a main block) of a page of links is a link farm.
  const shortness = e.method === 'body' ? 1 : Math.max(0, 1 - e.words / 300);
  if (s.linkDensity > 0.5) score *= 1 - 2 * (s.linkDensity - 0.5) * shortness;
  score *= 0.8 + 0.2 * s.agreement;
  if (s.errorPage) score *= 0.1;
  return { score: Math.round(score * 1000) / 1000, words: e.words, method: e.method, ...s };
}

/** Extraction of one page with its verdict: `ok`, or `skipped` with the reason. */
export interface PageOutcome {
  status: 'ok' | 'skipped';
  reason: string | null;
  extracted: Extracted | null;
  /** The extraction verdict; null when nothing was extracted. */
  quality: ExtractionQuality | null;
  /** ISO 639-1 code of the text, or null when unknown. */
  language: string | null;
  /** With `chunking`: the chunks of an `ok` page, each with its language (the page's when unsure). */
  chunks?: (TextChunk & { language: string | null })[];
  /** With `chunking`: why chunking failed (the page is then failed, not skipped). */
  chunkingError?: string;
}

/** Extraction, language and the verdict: what runs inside the extraction worker. */
export function extractPage(html: string, options: PageOptions = {}): PageOutcome {
  let extracted: Extracted;
  try {
    extracted = extract(html, { url: options.url, maxChars: options.maxChars });
  } catch (e) {
    if (e instanceof UnusablePageError)
      return { status: 'skipped', reason: e.reason, extracted: null, quality: null, language: null };
    throw e;
  }
  const language = detectLanguage(extracted.text);
  const quality = extractionQuality(extracted);
  const minWords = options.minWords ?? 0;
  if (extracted.words === 0 || extracted.words < minWords) {
    return {
      status: 'skipped',
      reason: `no article: ${extracted.words} word(s) of text found${minWords ? ` (min_words ${minWords})` : ''}`,
      extracted,
      quality,
      language,
    };
  }
  const minQuality = options.minQuality ?? 0;
  if (quality.score < minQuality) {
    const why = [
      quality.errorPage ? 'reads as an error page' : null,
      quality.linkDensity > 0.5 && (quality.words < 300 || quality.method === 'body')
        ? `link density ${quality.linkDensity}`
        : null,
      quality.boilerplateShare > 0.5 ? `boilerplate share ${quality.boilerplateShare}` : null,
      `${quality.words} word(s)`,
    ].filter(Boolean);
    return {
      status: 'skipped',
      reason: `${LOW_QUALITY_EXTRACTION}: quality ${quality.score} under min_extraction_quality ${minQuality} (${why.join(', ')})`,
      extracted,
      quality,
      language,
    };
  }
  if (!options.chunking) return { status: 'ok', reason: null, extracted, quality, language };
  try {
    const chunks = chunk(extracted.text, options.chunking).map((c) => ({
      ...c,
      language: detectLanguage(c.content) ?? language,
    }));
    return { status: 'ok', reason: null, extracted, quality, language, chunks };
  } catch (e) {
    return { status: 'ok', reason: null, extracted, quality, language, chunkingError: (e as Error).message };
  }
}
