import { countWords, type Extracted } from './extract.js';

/** Where each PDF page's text sits in the extracted text (character offsets, `end` exclusive). */
export interface PdfPageSpan {
  /** 1-based page number. */
  page: number;
  start: number;
  end: number;
}

export interface PdfExtracted extends Extracted {
  method: 'pdf';
  /** Pages in the file. */
  pageCount: number;
  /** Pages that had any text (a scanned page has none). */
  pagesWithText: number;
  /** The text of each page with text, in order. */
  pageSpans: PdfPageSpan[];
}

/** The refine reason code of PDFs without any text to extract (scans). */
export const NO_TEXT_LAYER = 'no_text_layer';

/** The PDF cannot be read (not a PDF, damaged, encrypted). */
export class PdfError extends Error {
  override name = 'PdfError';
}

interface TextItemLike {
  str: string;
  transform: number[];
  hasEOL?: boolean;
}

interface Line {
  page: number;
  y: number;
  size: number;
  text: string;
}

/** Default largest number of pages read from one PDF. */
export const DEFAULT_MAX_PDF_PAGES = 2000;

/**
 * The text of a PDF as Markdown-style text: the lines of each page joined
 * into paragraphs (a vertical gap larger than the line spacing starts a new
 * one, hyphenated line ends are joined), lines set in a larger font than the
 * body text made headings (`#`, `##`, `###` by size), and lines that are only
 * a page number dropped. Page spans say where each page's text is, so that a
 * chunk can name its pages. Uses pdf.js (through unpdf's build without a
 * worker or canvas), so it runs in the extraction thread.
 */
export async function extractPdf(bytes: Uint8Array, options: { maxPages?: number } = {}): Promise<PdfExtracted> {
  const { getDocumentProxy } = await import('unpdf');
  let doc: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // pdf.js takes ownership of (detaches) the buffer it is given: hand it a copy.
    // verbosity 0: pdf.js would warn on stderr about every standard font it has no glyph data for (text is unaffected).
    doc = await getDocumentProxy(new Uint8Array(bytes), {
      isEvalSupported: false,
      useSystemFonts: false,
      verbosity: 0,
    } as Parameters<typeof getDocumentProxy>[1]);
  } catch (e) {
    throw new PdfError(`not_pdf: cannot read the file as a PDF (${(e as Error).message})`);
  }
  try {
    const pageCount = doc.numPages;
    const maxPages = Math.min(pageCount, options.maxPages ?? DEFAULT_MAX_PDF_PAGES);
    const lines: Line[] = [];
    for (let n = 1; n <= maxPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      lines.push(...pageLines(n, content.items as TextItemLike[]));
      page.cleanup();
    }
    let title: string | null = null;
    try {
      const meta = await doc.getMetadata();
      const t = (meta.info as { Title?: unknown } | undefined)?.Title;
      if (typeof t === 'string' && t.trim()) title = t.trim();
    } catch {
      // no metadata
    }
    const { text, pageSpans, firstHeading } = layout(lines);
    return {
      title: title ?? firstHeading,
      byline: null,
      publishedAt: null,
      text,
      words: countWords(text),
      method: 'pdf',
      signals: { linkDensity: 0, boilerplateShare: 0, agreement: 1, errorPage: false },
      pageCount,
      pagesWithText: pageSpans.length,
      pageSpans,
    };
  } finally {
    await doc.loadingTask.destroy();
  }
}

/** The lines of one page, top to bottom: items on one baseline make a line. */
function pageLines(page: number, items: TextItemLike[]): Line[] {
  const lines: Line[] = [];
  let current: Line | null = null;
  for (const item of items) {
    if (!item.transform) continue;
    const y = item.transform[5]!;
    const size = Math.hypot(item.transform[2]!, item.transform[3]!) || Math.abs(item.transform[0]!);
    const str = item.str ?? '';
    if (current && Math.abs(current.y - y) <= Math.max(1, size * 0.3)) {
      current.text += str;
      if (str.trim()) current.size = Math.max(current.size, size);
    } else if (str.trim()) {
      if (current) lines.push(current);
      current = { page, y, size, text: str };
    }
    if (item.hasEOL && current) {
      lines.push(current);
      current = null;
    }
  }
  if (current) lines.push(current);
  return lines
    .map((l) => ({ ...l, text: l.text.replace(/\s+/g, ' ').trim() }))
    .filter((l) => l.text && !/^(page\s+)?\d{1,4}(\s*(of|\/)\s*\d{1,4})?$/i.test(l.text));
}

/** The body text's font size: the size most characters are set in. */
function bodySize(lines: Line[]): number {
  const chars = new Map<number, number>();
  for (const l of lines) {
    const s = Math.round(l.size * 2) / 2;
    chars.set(s, (chars.get(s) ?? 0) + l.text.length);
  }
  let best = 0;
  let most = -1;
  for (const [s, n] of chars) if (n > most) [best, most] = [s, n];
  return best;
}

function layout(lines: Line[]): { text: string; pageSpans: PdfPageSpan[]; firstHeading: string | null } {
  const body = bodySize(lines);
  const headingSizes = [
    ...new Set(lines.filter((l) => isHeading(l, body)).map((l) => Math.round(l.size * 2) / 2)),
  ].sort((a, b) => b - a);
  const level = (l: Line) => Math.min(3, headingSizes.indexOf(Math.round(l.size * 2) / 2) + 1);
  let text = '';
  const pageSpans: PdfPageSpan[] = [];
  let firstHeading: string | null = null;
  let paragraph = '';
  const flush = () => {
    if (!paragraph) return;
    text += `${text ? '\n\n' : ''}${paragraph}`;
    paragraph = '';
  };
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const prev = lines[i - 1];
    if (!prev || prev.page !== l.page) {
      flush();
      if (prev) pageSpans.at(-1)!.end = text.length;
      pageSpans.push({ page: l.page, start: text.length ? text.length + 2 : 0, end: text.length });
    }
    if (isHeading(l, body)) {
      flush();
      firstHeading ??= l.text;
      paragraph = `${'#'.repeat(level(l))} ${l.text}`;
      flush();
      continue;
    }
    const gap = prev && prev.page === l.page ? prev.y - l.y : 0;
    const newParagraph = !paragraph || gap > Math.max(l.size, prev!.size) * 1.6 || gap < 0;
    if (newParagraph) {
      flush();
      paragraph = l.text;
    } else if (/[A-Za-z]-$/.test(paragraph) && /^[a-z]/.test(l.text)) {
      paragraph = paragraph.slice(0, -1) + l.text;
    } else {
      paragraph += ` ${l.text}`;
    }
  }
  flush();
  if (pageSpans.length) pageSpans.at(-1)!.end = text.length;
  return { text, pageSpans, firstHeading };
}

/** A short line in a font clearly larger than the body's. */
function isHeading(l: Line, body: number): boolean {
  return body > 0 && l.size >= body * 1.15 && l.text.length <= 150 && /\p{L}/u.test(l.text);
}

/** The pages (1-based, ascending) that the text between `start` and `end` comes from. */
export function pagesOf(spans: readonly PdfPageSpan[], start: number, end: number): number[] {
  return spans.filter((s) => s.start < end && s.end > start).map((s) => s.page);
}
