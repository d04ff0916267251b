import { detectLanguage } from '@datafactory/text';
import { chunk, type ChunkOptions, type TextChunk } from '../chunk.js';
import { withoutEventListeners } from './dom.js';
import { countWords, type Extracted, type ExtractionSignals, extract, UnusablePageError } from './extract.js';
import { extractPdf, NO_TEXT_LAYER, pagesOf, PdfError, type PdfExtracted } from './pdf.js';

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
  /** PDFs: most pages read (default 2000). */
  maxPdfPages?: number;
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
  chunks?: (TextChunk & { language: string | null; pages?: number[] })[];
  /** With `chunking`: why chunking failed (the page is then failed, not skipped). */
  chunkingError?: string;
  /** PDFs: the file's pages, and how many of them had text. */
  pdf?: { pageCount: number; pagesWithText: number };
}

/** Extraction, language and the verdict: what runs inside the extraction worker. */
export function extractPage(html: string, options: PageOptions = {}): PageOutcome {
  let extracted: Extracted;
  try {
    extracted = withoutEventListeners(() => extract(html, { url: options.url, maxChars: options.maxChars }));
  } catch (e) {
    if (e instanceof UnusablePageError)
      return { status: 'skipped', reason: e.reason, extracted: null, quality: null, language: null };
    throw e;
  }
  return judge(extracted, options);
}

/**
 * Text extraction of a PDF (see extractPdf) with the same verdict as a page; a PDF whose pages have no
 * text at all (a scan) is skipped as `no_text_layer`, one that cannot be read as `not_pdf`. Each chunk
 * names the pages its text comes from.
 */
export async function extractPdfPage(bytes: Uint8Array, options: PageOptions = {}): Promise<PageOutcome> {
  let extracted: PdfExtracted;
  try {
    extracted = await extractPdf(bytes, { maxPages: options.maxPdfPages });
  } catch (e) {
    if (e instanceof PdfError)
      return { status: 'skipped', reason: e.message, extracted: null, quality: null, language: null };
    throw e;
  }
  if (extracted.pagesWithText === 0) {
    return {
      status: 'skipped',
      reason: `${NO_TEXT_LAYER}: none of the ${extracted.pageCount} page(s) has a text layer (a scanned PDF needs OCR, which the refiner does not do)`,
      extracted: null,
      quality: null,
      language: null,
    };
  }
  const outcome = judge(extracted, options);
  if (outcome.chunks) {
    for (const c of outcome.chunks) c.pages = pagesOf(extracted.pageSpans, c.start, c.end);
  }
  const { pageSpans: _spans, ...rest } = extracted;
  void _spans;
  return {
    ...outcome,
    extracted: rest,
    pdf: { pageCount: extracted.pageCount, pagesWithText: extracted.pagesWithText },
  };
}

/** What the extraction thread reads: a page (HTML), a text (Markdown or plain), or a PDF's or `.docx` file's bytes. */
export type SourceInput =
  { kind: 'html'; html: string } | { kind: 'text'; text: string } | { kind: 'pdf' | 'docx'; bytes: Uint8Array };

/** The outcome of any source: pages as extractPage, texts as extractTextPage, PDFs and Word files converted. */
export async function extractSource(input: SourceInput, options: PageOptions = {}): Promise<PageOutcome> {
  switch (input.kind) {
    case 'html':
      return extractPage(input.html, options);
    case 'text':
      return extractTextPage(input.text, options);
    case 'pdf':
      return extractPdfPage(input.bytes, options);
    case 'docx':
      return extractDocxPage(input.bytes, options);
  }
}

/**
 * A text file (Markdown or plain text) taken as it is: no boilerplate to remove. Line ends are
 * normalised, runs of blank lines collapsed; the title is the first Markdown heading.
 */
export function extractTextPage(text: string, options: PageOptions = {}): PageOutcome {
  const clean = text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const extracted: Extracted = {
    title: /^#{1,6}[ \t]+(.+?)[ \t#]*$/m.exec(clean)?.[1] ?? null,
    byline: null,
    publishedAt: null,
    text: clean,
    words: countWords(clean),
    method: 'text',
    signals: { linkDensity: 0, boilerplateShare: 0, agreement: 1, errorPage: false },
  };
  return judge(extracted, options);
}

/** A Word file (.docx) converted to HTML by mammoth (headings, lists and tables kept), then extracted as a page. */
export async function extractDocxPage(bytes: Uint8Array, options: PageOptions = {}): Promise<PageOutcome> {
  const mammoth = (await import('mammoth')).default;
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: Buffer.from(bytes) })).value;
  } catch (e) {
    return {
      status: 'skipped',
      reason: `not_docx: cannot read the file as a Word document (${(e as Error).message})`,
      extracted: null,
      quality: null,
      language: null,
    };
  }
  return extractPage(`<!doctype html><html><body><article>${html}</article></body></html>`, options);
}

/** Language, the word and quality floors, and the chunks of an extracted text. */
function judge(extracted: Extracted, options: PageOptions): PageOutcome {
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
