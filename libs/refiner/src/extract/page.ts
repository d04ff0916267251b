import { detectLanguage } from '@datafactory/text';
import { chunk, type ChunkOptions, type TextChunk } from '../chunk.js';
import { type Extracted, extract, UnusablePageError } from './extract.js';

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
}

/** Extraction of one page with its verdict: `ok`, or `skipped` with the reason. */
export interface PageOutcome {
  status: 'ok' | 'skipped';
  reason: string | null;
  extracted: Extracted | null;
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
    if (e instanceof UnusablePageError) return { status: 'skipped', reason: e.reason, extracted: null, language: null };
    throw e;
  }
  const language = detectLanguage(extracted.text);
  const minWords = options.minWords ?? 0;
  if (extracted.words === 0 || extracted.words < minWords) {
    return {
      status: 'skipped',
      reason: `no article: ${extracted.words} word(s) of text found${minWords ? ` (min_words ${minWords})` : ''}`,
      extracted,
      language,
    };
  }
  if (!options.chunking) return { status: 'ok', reason: null, extracted, language };
  try {
    const chunks = chunk(extracted.text, options.chunking).map((c) => ({
      ...c,
      language: detectLanguage(c.content) ?? language,
    }));
    return { status: 'ok', reason: null, extracted, language, chunks };
  } catch (e) {
    return { status: 'ok', reason: null, extracted, language, chunkingError: (e as Error).message };
  }
}
