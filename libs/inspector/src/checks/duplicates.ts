import {
  bandHashes,
  charNgramVector,
  cosine,
  jaccardForCosine,
  lshParams,
  MinHasher,
  type SparseVector,
} from '@datafactory/text';
import { round } from '../text.js';
import type { CheckResult } from '../types.js';

export interface DuplicateMatch {
  /** Id of the kept example this one near-duplicates. */
  duplicateOf: string;
  similarity: number;
}

/**
 * What the inspector's duplicate check asks: compare a text with the kept
 * ones, keep it when it duplicates none. NearDuplicateIndex answers in
 * memory (one process); SharedExampleIndex from the database, so that
 * examples inspected by any worker are compared.
 */
export interface DuplicateChecker {
  add(id: string, text: string): DuplicateMatch | null | Promise<DuplicateMatch | null>;
  /**
   * The same as add() for each item in turn (each compared with the ones before it too), in one go: what a
   * checker in the database does in one transaction. Optional: without it the inspector calls add().
   */
  addAll?(items: readonly { id: string; text: string }[]): Promise<(DuplicateMatch | null)[]>;
}

export interface NearDuplicateIndexOptions {
  /** Cosine similarity at or above which two texts are near-duplicates (0–1]. */
  threshold: number;
  /** Character n-gram length (default 3). */
  ngram?: number;
}

/**
 * The candidate search of the example check: libs/text's MinHash over the
 * character n-grams of the text (128 permutations), in LSH bands chosen for
 * the Jaccard similarity that the cosine threshold implies (with a margin),
 * so that two texts at the threshold become candidates with probability
 * ≥ 0.98. Candidates are then confirmed with the exact cosine of the n-gram
 * vectors, so nothing is reported that does not reach the threshold.
 */
export class ExampleHasher {
  readonly threshold: number;
  readonly ngram: number;
  readonly hasher: MinHasher;
  readonly bands: number;
  readonly rows: number;

  constructor(options: NearDuplicateIndexOptions) {
    if (!(options.threshold > 0 && options.threshold <= 1)) {
      throw new RangeError(`threshold must be in (0, 1] (got ${options.threshold})`);
    }
    this.threshold = options.threshold;
    this.ngram = options.ngram ?? 3;
    this.hasher = new MinHasher({ numPerm: 128, shingles: { unit: 'char', size: this.ngram } });
    ({ bands: this.bands, rows: this.rows } = lshParams(jaccardForCosine(this.threshold), this.hasher.numPerm));
  }

  /** Identifies the settings: band hashes made with others do not compare. */
  get key(): string {
    return `${this.hasher.key}:${this.bands}x${this.rows}`;
  }

  vector(text: string): SparseVector {
    return charNgramVector(text, this.ngram);
  }

  prepare(text: string): { vector: SparseVector; bands: Int32Array } {
    return {
      vector: charNgramVector(text, this.ngram),
      bands: bandHashes(this.hasher.signature(text), this.bands, this.rows),
    };
  }
}

/**
 * An incremental near-duplicate index in memory (no vocabulary, no model, no
 * network). `add()` compares a text with the kept texts added before it: the
 * first of a group is kept, each later one is reported as a duplicate of the
 * earliest kept text it matches.
 */
export class NearDuplicateIndex implements DuplicateChecker {
  private readonly hashing: ExampleHasher;
  private readonly kept: { id: string; vector: SparseVector }[] = [];
  private readonly buckets = new Map<string, number[]>();

  constructor(options: NearDuplicateIndexOptions) {
    this.hashing = new ExampleHasher(options);
  }

  /** Kept (non-duplicate) texts in the index. */
  get size(): number {
    return this.kept.length;
  }

  /** Checks a text against the kept ones; keeps it when it duplicates none. */
  add(id: string, text: string): DuplicateMatch | null {
    const { vector, bands } = this.hashing.prepare(text);
    const candidates = new Set<number>();
    bands.forEach((h, band) => {
      for (const i of this.buckets.get(`${band}:${h}`) ?? []) candidates.add(i);
    });
    for (const index of [...candidates].sort((a, b) => a - b)) {
      const similarity = cosine(vector, this.kept[index]!.vector);
      // The earliest kept text wins.
      if (similarity >= this.hashing.threshold)
        return { duplicateOf: this.kept[index]!.id, similarity: round(similarity) };
    }
    this.keep(id, vector, bands);
    return null;
  }

  /** Adds a text as kept without checking it (examples of earlier jobs, or already inspected). */
  seed(id: string, text: string): void {
    const { vector, bands } = this.hashing.prepare(text);
    this.keep(id, vector, bands);
  }

  private keep(id: string, vector: SparseVector, bands: Int32Array): void {
    const index = this.kept.push({ id, vector }) - 1;
    bands.forEach((h, band) => {
      const key = `${band}:${h}`;
      const bucket = this.buckets.get(key);
      if (bucket) bucket.push(index);
      else this.buckets.set(key, [index]);
    });
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
