import type { TextChunk } from './chunk.js';
import { type ProcessingConfig, resolveProcessingConfig } from './config.js';
import type { Extracted } from './extract/extract.js';
import type { PageOutcome, SourceInput } from './extract/page.js';
import type { ExtractionQuality } from './extract/page.js';
import { ExtractionFailedError, ExtractionPool, type ExtractionPoolStats, type PageTimer } from './extract/pool.js';
import { addPiiCounts, type PiiCounts, redactPii } from './pii.js';
import { getTokenizer } from '@datafactory/text';

export interface RefineInput {
  /** The page: a string, or bytes whose charset is read from the page (UTF-8 by default). */
  html: string | Uint8Array;
  /** The page's URL (final URL after redirects), kept on every chunk. */
  url?: string | null;
  /**
   * What `html` holds: `html` (default), a page (or a crawled text/plain body, read as a page); `text`,
   * Markdown or plain text taken as it is (uploaded files); `pdf` / `docx`, a file's bytes.
   */
  kind?: 'html' | 'text' | 'pdf' | 'docx';
}

export interface RefinedChunk extends TextChunk {
  language: string | null;
  sourceUrl: string | null;
  /** Values replaced by placeholders in the chunk's own text (the overlap is counted in the chunk it came from); absent: none. */
  pii?: PiiCounts;
  /** PDFs: the 1-based pages the chunk's own text comes from. */
  pages?: number[];
}

/** The outcome of refining one page. `failed` and `skipped` always carry a reason. */
export interface RefinedDocument {
  status: 'ok' | 'skipped' | 'failed';
  reason: string | null;
  title: string | null;
  byline: string | null;
  publishedAt: string | null;
  language: string | null;
  words: number;
  text: string;
  chunks: RefinedChunk[];
  /** The chunks' PII counts summed (`processing.redact_pii`); `text` itself is not redacted. */
  pii: PiiCounts;
  /** How extraction found the text (`readability`, `body`), for the logs. */
  method: Extracted['method'] | null;
  /** The extraction verdict (score 0..1 and its signals); null when nothing was extracted. */
  quality: ExtractionQuality | null;
  /** PDFs: the file's pages, and how many had text. */
  pdf?: { pageCount: number; pagesWithText: number };
  elapsedMs: number;
}

export interface RefinerOptions {
  /** The job's model: chunks are counted with its tokenizer (default gpt-4o-mini). */
  model?: string;
  /** Extract in a worker thread with the time limit (default true). */
  isolate?: boolean;
  /** Heap limit of the extraction thread in MB (default 2048). */
  maxMemoryMb?: number;
  /** Arms each page's time limit (default setTimeout); tests hit it on cue. */
  pageTimer?: PageTimer;
}

/**
 * Raw HTML in, clean chunks out, one page at a time: extraction (in a worker
 * thread, with the per-page time limit), language detection and chunking.
 * Deduplication needs the job-wide index: see Deduplicator and storeRefined.
 * Reuse one Refiner for many pages and close() it when done.
 */
export class Refiner {
  readonly config: ProcessingConfig;
  private readonly pool: ExtractionPool;
  private readonly model: string | undefined;

  constructor(config: Partial<ProcessingConfig> = {}, options: RefinerOptions = {}) {
    this.config = resolveProcessingConfig(config);
    this.model = options.model;
    this.pool = new ExtractionPool({
      timeoutMs: this.config.timeout_ms,
      maxMemoryMb: options.maxMemoryMb,
      isolate: options.isolate,
      pageTimer: options.pageTimer,
    });
  }

  /** Extraction only (what `datafactory extract` prints). */
  async extract(input: RefineInput): Promise<RefinedDocument> {
    return (await this.run(input, false)).doc;
  }

  private async run(
    input: RefineInput,
    chunking: boolean,
  ): Promise<{ doc: RefinedDocument; chunks?: PageOutcome['chunks']; chunkingError?: string }> {
    const started = performance.now();
    const empty = (status: 'skipped' | 'failed', reason: string): RefinedDocument => ({
      status,
      reason,
      title: null,
      byline: null,
      publishedAt: null,
      language: null,
      words: 0,
      text: '',
      chunks: [],
      pii: {},
      method: null,
      quality: null,
      elapsedMs: performance.now() - started,
    });
    try {
      const options = {
        url: input.url ?? undefined,
        maxChars: Math.floor(this.config.max_html_mb * 1024 * 1024),
        minWords: this.config.min_words,
        ...(chunking
          ? {
              chunking: {
                chunkSize: this.config.chunk_size,
                strategy: this.config.chunk_strategy,
                overlap: this.config.chunk_overlap,
                model: this.model,
              },
            }
          : {}),
        minQuality: this.config.min_extraction_quality,
      };
      const outcome = await this.pool.runSource(sourceOf(input), options);
      const e = outcome.extracted;
      const doc: RefinedDocument = {
        status: outcome.status,
        reason: outcome.reason,
        title: e?.title ?? null,
        byline: e?.byline ?? null,
        publishedAt: e?.publishedAt ?? null,
        language: outcome.language,
        words: e?.words ?? 0,
        text: e?.text ?? '',
        chunks: [],
        pii: {},
        method: e?.method ?? null,
        quality: outcome.quality,
        ...(outcome.pdf ? { pdf: outcome.pdf } : {}),
        elapsedMs: performance.now() - started,
      };
      return { doc, chunks: outcome.chunks, chunkingError: outcome.chunkingError };
    } catch (err) {
      const reason = err instanceof ExtractionFailedError ? err.reason : `extraction failed: ${(err as Error).message}`;
      return { doc: empty('failed', reason) };
    }
  }

  /** Extraction, language and chunks of one page (chunked in the extraction thread). */
  async refine(input: RefineInput): Promise<RefinedDocument> {
    const { doc, chunks, chunkingError } = await this.run(input, true);
    if (doc.status !== 'ok') return doc;
    if (chunkingError !== undefined || !chunks) {
      return { ...doc, status: 'failed', reason: `chunking failed: ${chunkingError ?? 'no chunks'}`, chunks: [] };
    }
    doc.chunks = chunks.map((c) => this.redact({ ...c, sourceUrl: input.url ?? null }));
    for (const c of doc.chunks) addPiiCounts(doc.pii, c.pii ?? {});
    return doc;
  }

  /**
   * Replaces the chunk's PII with placeholders before it is stored, sent to
   * the model or exported. The overlap and the chunk's own text are redacted
   * apart so that a value repeated in the overlap is counted once.
   */
  private redact(c: RefinedChunk): RefinedChunk {
    const overlap = redactPii(c.content.slice(0, c.overlapChars), this.config.redact_pii);
    const own = redactPii(c.content.slice(c.overlapChars), this.config.redact_pii);
    if (!Object.keys(overlap.counts).length && !Object.keys(own.counts).length) return c;
    const content = overlap.text + own.text;
    return {
      ...c,
      content,
      tokenCount: getTokenizer(this.model).count(content),
      overlapChars: overlap.text.length,
      pii: own.counts,
    };
  }

  /** What the extraction pool did so far (threads started, time limits hit, threads discarded). */
  extractionStats(): ExtractionPoolStats {
    return this.pool.stats();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** One page with a Refiner of its own (for one-off use; reuse a Refiner for many pages). */
export async function refineDocument(
  input: RefineInput,
  config: Partial<ProcessingConfig> = {},
  options: RefinerOptions = {},
): Promise<RefinedDocument> {
  const refiner = new Refiner(config, options);
  try {
    return await refiner.refine(input);
  } finally {
    await refiner.close();
  }
}

function sourceOf(input: RefineInput): SourceInput {
  const kind = input.kind ?? 'html';
  if (kind === 'pdf' || kind === 'docx') {
    return { kind, bytes: typeof input.html === 'string' ? Buffer.from(input.html, 'latin1') : input.html };
  }
  if (kind === 'text') {
    return { kind, text: typeof input.html === 'string' ? input.html : new TextDecoder('utf-8').decode(input.html) };
  }
  return { kind, html: typeof input.html === 'string' ? input.html : decodeHtml(input.html) };
}

/** Decodes page bytes with the charset the page declares (BOM, then <meta>), UTF-8 otherwise. */
export function decodeHtml(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes);
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 4096));
  const label = /<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)/i.exec(head)?.[1];
  if (label) {
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      // Unknown label: fall through to UTF-8.
    }
  }
  return new TextDecoder('utf-8').decode(bytes);
}
