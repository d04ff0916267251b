import type { ChunkStrategy } from '@datafactory/contracts';
import { getTokenizer, type Tokenizer } from '@datafactory/text';

export { CHUNK_STRATEGIES, type ChunkStrategy } from '@datafactory/contracts';

export interface ChunkOptions {
  /** Most tokens in one chunk (overlap included). */
  chunkSize: number;
  strategy?: ChunkStrategy;
  /** Tokens of the previous chunk repeated at the start of the next one (whole words; 0 = none). */
  overlap?: number;
  /** Model (or encoding name) whose tokenizer counts the tokens; default gpt-4o-mini (o200k_base). */
  model?: string;
  /** A tokenizer to use instead of the model's (tests, custom models). */
  tokenizer?: Tokenizer;
}

export interface TextChunk {
  /** The chunk's text: the overlap (if any) then `text.slice(start, end)`, trimmed. */
  content: string;
  tokenCount: number;
  /** 0-based order in the document. */
  index: number;
  /** The headings above the chunk's start, outermost first. */
  headingPath: string[];
  /** Character offsets of the chunk's own text in the source (overlap excluded); `end` is exclusive. */
  start: number;
  end: number;
  /** Characters of `content` repeated from the previous chunk. */
  overlapChars: number;
}

interface Range {
  start: number;
  end: number;
  tokens: number;
}

interface Heading {
  offset: number;
  level: number;
  title: string;
}

const HEADING_LINE = /^(#{1,6})[ \t]+(.+?)[ \t#]*$/gm;

/** Boundaries for each level of the recursive splitter: a piece ends just after each match. */
const SPLITTERS: RegExp[] = [
  /\n[ \t]*\n\s*/g, // paragraphs
  /\n/g, // lines (list items, table rows, code)
  /(?<=[.!?。！？…])["”’)\]]*\s+/g, // sentences
  /\s+/g, // words
];

/**
 * Splits Markdown-style text into chunks of at most `chunkSize` tokens.
 * Without overlap, the chunks' texts put end to end are the source text
 * (whitespace between chunks aside), in order.
 */
export function chunk(text: string, options: ChunkOptions): TextChunk[] {
  const strategy = options.strategy ?? 'recursive';
  const overlap = Math.max(0, Math.floor(options.overlap ?? 0));
  if (!Number.isInteger(options.chunkSize) || options.chunkSize < 1) {
    throw new RangeError(`chunkSize must be a positive integer (got ${options.chunkSize})`);
  }
  if (overlap >= options.chunkSize) {
    throw new RangeError(`overlap (${overlap}) must be smaller than chunkSize (${options.chunkSize})`);
  }
  if (!text.trim()) return [];
  const tokenizer = options.tokenizer ?? getTokenizer(options.model);
  const limit = options.chunkSize - overlap;
  // Each distinct text is tokenized once: the same range comes back (a packed chunk of one piece),
  // and so do the same words (the fixed strategy counts every word).
  const counted = new Map<string, number>();
  const countText = (t: string) => {
    let n = counted.get(t);
    if (n === undefined) counted.set(t, (n = tokenizer.count(t)));
    return n;
  };
  // Sections, pieces and packed ranges are counted by pieces where the tokenizer can (each distinct
  // word tokenized once); each chunk's own text is then counted exactly (countOwn below).
  const countPiece = tokenizer.countByPieces?.bind(tokenizer) ?? countText;
  const count = (r: { start: number; end: number }) => countPiece(text.slice(r.start, r.end));
  const headings = findHeadings(text);

  let pieces: Range[];
  let groups: Range[][];
  if (strategy === 'fixed') {
    pieces = splitBy(text, { start: 0, end: text.length }, /\s+/g).flatMap((r) => fitRange(text, r, limit, count, 3));
    groups = [pieces];
  } else {
    const sections = sectionRanges(text, headings);
    groups = sections.map((s) => fitRange(text, { ...s, tokens: -1 }, limit, count, 0));
    if (strategy === 'recursive') groups = [groups.flat()];
  }

  // A chunk's text is its range without the whitespace at either end: the packing checks (and keeps)
  // that text's exact count, so each chunk is tokenized once.
  const countOwn = (r: { start: number; end: number }) => countText(text.slice(r.start, r.end).trim());
  const ranges: Range[] = [];
  for (const group of groups) ranges.push(...pack(group, limit, count, countOwn));

  const chunks: TextChunk[] = [];
  for (const r of ranges) {
    const raw = text.slice(r.start, r.end);
    const lead = raw.length - raw.trimStart().length;
    const own = raw.trim();
    if (!own) continue;
    const start = r.start + lead;
    const end = start + own.length;
    let content = own;
    let tokenCount = r.tokens;
    let overlapChars = 0;
    const previous = chunks[chunks.length - 1];
    if (overlap > 0 && previous) {
      const tail = overlapTail(text.slice(previous.start, previous.end), overlap, countText);
      if (tail) {
        const candidate = `${tail} ${own}`;
        const candidateTokens = countText(candidate);
        if (candidateTokens <= options.chunkSize) {
          content = candidate;
          tokenCount = candidateTokens;
          overlapChars = tail.length + 1;
        }
      }
    }
    chunks.push({
      content,
      tokenCount,
      index: chunks.length,
      headingPath: headingPathAt(headings, start),
      start,
      end,
      overlapChars,
    });
  }
  return chunks;
}

function findHeadings(text: string): Heading[] {
  const headings: Heading[] = [];
  for (const m of text.matchAll(HEADING_LINE)) {
    headings.push({ offset: m.index, level: m[1]!.length, title: m[2]!.trim() });
  }
  return headings;
}

function headingPathAt(headings: Heading[], offset: number): string[] {
  const stack: Heading[] = [];
  for (const h of headings) {
    if (h.offset > offset) break;
    while (stack.length && stack[stack.length - 1]!.level >= h.level) stack.pop();
    stack.push(h);
  }
  return stack.map((h) => h.title);
}

/** One range per heading section (the text before the first heading is a section too). */
function sectionRanges(text: string, headings: Heading[]): Array<{ start: number; end: number }> {
  const starts = [0, ...headings.map((h) => h.offset).filter((o) => o > 0)];
  return starts.map((start, i) => ({ start, end: i + 1 < starts.length ? starts[i + 1]! : text.length }));
}

/** Contiguous sub-ranges of `r`, each ending just after a match of `re`. */
function splitBy(text: string, r: { start: number; end: number }, re: RegExp): Range[] {
  const out: Range[] = [];
  const slice = text.slice(r.start, r.end);
  let from = 0;
  for (const m of slice.matchAll(re)) {
    const to = m.index + m[0].length;
    if (to <= from || to >= slice.length) continue;
    out.push({ start: r.start + from, end: r.start + to, tokens: -1 });
    from = to;
  }
  out.push({ start: r.start + from, end: r.end, tokens: -1 });
  return out;
}

/** Splits a range until every piece has at most `limit` tokens, trying coarser boundaries first. */
function fitRange(text: string, r: Range, limit: number, count: (r: Range) => number, level: number): Range[] {
  const tokens = r.tokens >= 0 ? r.tokens : count(r);
  if (tokens <= limit) return [{ ...r, tokens }];
  for (let l = level; l < SPLITTERS.length; l++) {
    const parts = splitBy(text, r, SPLITTERS[l]!);
    if (parts.length > 1) return parts.flatMap((p) => fitRange(text, p, limit, count, l + 1));
  }
  return hardSplit(text, r, limit, count);
}

/** A single word longer than the limit: cut it into the longest prefixes that fit. */
function hardSplit(text: string, r: Range, limit: number, count: (r: Range) => number): Range[] {
  const out: Range[] = [];
  let start = r.start;
  while (start < r.end) {
    let lo = start + 1;
    let hi = r.end;
    // Largest end with count(start, end) <= limit (counts grow with length).
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (count({ start, end: mid, tokens: -1 }) <= limit) lo = mid;
      else hi = mid - 1;
    }
    let end = lo;
    // Never cut a surrogate pair in two.
    if (end < r.end && /[\uDC00-\uDFFF]/.test(text[end]!) && end - 1 > start) end--;
    out.push({ start, end, tokens: count({ start, end, tokens: -1 }) });
    start = end;
  }
  return out;
}

/**
 * Packs consecutive pieces into chunks of at most `limit` tokens. The sum of the pieces' counts is
 * a guide; the count of the joined range (by `count`) decides, then the exact count of the chunk's
 * own text (by `countOwn`: the range without the whitespace at its ends) is checked and kept as the
 * range's `tokens`.
 */
function pack(pieces: Range[], limit: number, count: (r: Range) => number, countOwn: (r: Range) => number): Range[] {
  const out: Range[] = [];
  let i = 0;
  while (i < pieces.length) {
    let j = i;
    let sum = 0;
    while (j < pieces.length && (j === i || sum + pieces[j]!.tokens <= limit)) sum += pieces[j++]!.tokens;
    const range = (): Range => ({ start: pieces[i]!.start, end: pieces[j - 1]!.end, tokens: -1 });
    while (j - 1 > i && count(range()) > limit) j--;
    let r = range();
    r.tokens = countOwn(r);
    while (r.tokens > limit && j - 1 > i) {
      j--;
      r = range();
      r.tokens = countOwn(r);
    }
    out.push(r);
    i = j;
  }
  return out;
}

/** The last whole words of `text` that fit in `tokens` tokens. */
function overlapTail(text: string, tokens: number, count: (text: string) => number): string {
  const words = text.split(/\s+/).filter(Boolean);
  let lo = 0;
  let hi = Math.min(words.length, tokens);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (count(words.slice(words.length - mid).join(' ')) <= tokens) lo = mid;
    else hi = mid - 1;
  }
  return words.slice(words.length - lo).join(' ');
}
