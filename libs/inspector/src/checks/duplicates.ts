import { charNgramVector, cosine, round, type SparseVector } from '../text.js';
import type { CheckResult } from '../types.js';

export interface DuplicateMatch {
  /** Id of the kept example this one near-duplicates. */
  duplicateOf: string;
  similarity: number;
}

export interface NearDuplicateIndexOptions {
  /** Cosine similarity at or above which two texts are near-duplicates (0–1]. */
  threshold: number;
  /** Character n-gram length (default 3). */
  ngram?: number;
}

/** MinHash signature length; split into bands of `rows` values each. */
const SIGNATURE = 64;

/** A kept text is compared (exact cosine) only when it shares at least this many bands with the new one. */
const MIN_SHARED_BANDS = 2;
/** The probability that a pair exactly at the threshold becomes a candidate. */
const RECALL = 0.995;

/** P(at least `k` of `n` bands collide) when each does with probability `p`. */
function atLeast(k: number, n: number, p: number): number {
  let below = 0;
  let term = (1 - p) ** n; // P(X = 0)
  for (let i = 0; i < k; i++) {
    below += term;
    term *= ((n - i) / (i + 1)) * (p / (1 - p));
  }
  return 1 - below;
}

/**
 * Rows per band for a cosine threshold: the most (fewest candidates) that
 * still make two texts at the threshold share MIN_SHARED_BANDS bands with
 * probability ≥ RECALL. For sets, cosine t implies Jaccard ≥ t / (2 − t).
 */
export function rowsPerBand(threshold: number): number {
  const jaccard = threshold / (2 - threshold);
  let best = 1;
  for (const rows of [2, 4, 8]) {
    if (atLeast(MIN_SHARED_BANDS, SIGNATURE / rows, jaccard ** rows) >= RECALL) best = rows;
  }
  return best;
}

/**
 * An incremental near-duplicate index over character n-gram vectors (no
 * vocabulary, no model, no network). `add()` compares a text with the kept
 * texts added before it: the first of a group is kept, each later one is
 * reported as a duplicate of the earliest kept text it matches.
 *
 * Exact cosine against every kept text would be quadratic; candidates come
 * from MinHash locality-sensitive hashing over the same n-grams (64 hashes in
 * bands; at threshold 0.9, 16 bands of 4 rows). Two texts with cosine ≥ 0.9
 * share at least ~80% of their n-grams and collide in two or more bands with
 * probability above 99.8%, while texts that only share phrasing rarely do;
 * such candidates are then confirmed with the exact cosine, so nothing is
 * reported that does not reach the threshold. Lower thresholds use shorter
 * bands: more candidates, the same recall.
 */
export class NearDuplicateIndex {
  private readonly threshold: number;
  private readonly ngram: number;
  private readonly rows: number;
  private readonly kept: { id: string; vector: SparseVector }[] = [];
  private readonly buckets = new Map<string, number[]>();

  constructor(options: NearDuplicateIndexOptions) {
    if (!(options.threshold > 0 && options.threshold <= 1)) {
      throw new RangeError(`threshold must be in (0, 1] (got ${options.threshold})`);
    }
    this.threshold = options.threshold;
    this.ngram = options.ngram ?? 3;
    this.rows = rowsPerBand(options.threshold);
  }

  /** Kept (non-duplicate) texts in the index. */
  get size(): number {
    return this.kept.length;
  }

  /** Checks a text against the kept ones; keeps it when it duplicates none. */
  add(id: string, text: string): DuplicateMatch | null {
    const vector = charNgramVector(text, this.ngram);
    const keys = bandKeys(vector, this.rows);
    const shared = new Map<number, number>();
    for (const key of keys) for (const i of this.buckets.get(key) ?? []) shared.set(i, (shared.get(i) ?? 0) + 1);
    const candidates: number[] = [];
    for (const [i, bands] of shared)
      if (bands >= MIN_SHARED_BANDS || keys.length < MIN_SHARED_BANDS) candidates.push(i);
    let best: { index: number; similarity: number } | null = null;
    for (const index of candidates.sort((a, b) => a - b)) {
      const similarity = cosine(vector, this.kept[index]!.vector);
      if (similarity >= this.threshold) {
        best = { index, similarity };
        break; // the earliest kept text wins
      }
    }
    if (best) return { duplicateOf: this.kept[best.index]!.id, similarity: round(best.similarity) };
    this.keep(id, vector, keys);
    return null;
  }

  /** Adds a text as kept without checking it (examples of earlier jobs, or already inspected). */
  seed(id: string, text: string): void {
    const vector = charNgramVector(text, this.ngram);
    this.keep(id, vector, bandKeys(vector, this.rows));
  }

  private keep(id: string, vector: SparseVector, keys: string[]): void {
    const index = this.kept.push({ id, vector }) - 1;
    for (const key of keys) {
      const bucket = this.buckets.get(key);
      if (bucket) bucket.push(index);
      else this.buckets.set(key, [index]);
    }
  }
}

/** The text of an example that the duplicate check compares. */
export function duplicateText(inputText: string, outputText: string): string {
  return `${inputText}\n${outputText}`;
}

export function duplicateResult(id: string, match: DuplicateMatch | null): CheckResult {
  if (!match) return { status: 'pass', score: 1, reason: 'no earlier example is a near-duplicate', codes: [] };
  return {
    status: 'fail',
    score: 0,
    reason: `near-duplicate of example ${match.duplicateOf} (cosine similarity ${match.similarity})`,
    codes: ['near_duplicate'],
    data: { duplicateOf: match.duplicateOf, similarity: match.similarity },
  };
}

// MinHash with a murmur3-style 32-bit mixer seeded per row: cheap, and good enough for bucketing.
const SEEDS = Array.from({ length: SIGNATURE }, (_, i) => mix32(0x9e3779b9 ^ Math.imul(i + 1, 0x85ebca6b)));

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function bandKeys(vector: SparseVector, rows: number): string[] {
  const signature = new Array<number>(SEEDS.length).fill(0xffffffff);
  for (const gram of vector.weights.keys()) {
    const h = fnv1a(gram);
    for (let i = 0; i < SEEDS.length; i++) {
      const v = mix32(h ^ SEEDS[i]!);
      if (v < signature[i]!) signature[i] = v;
    }
  }
  const keys: string[] = [];
  for (let b = 0; b < SIGNATURE / rows; b++) keys.push(`${b}:${signature.slice(b * rows, (b + 1) * rows).join(',')}`);
  return keys;
}
