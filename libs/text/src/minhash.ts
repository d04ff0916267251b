import { createHash } from 'node:crypto';

/**
 * The one MinHash of the project, for the refiner's chunks (word shingles)
 * and the inspector's examples (character n-grams): text normalisation,
 * shingling, signatures, LSH banding and the band hashes that the shared
 * near-duplicate index stores (libs/persistence NearDuplicateRepository).
 */

/** Lower-case, NFKC, letters and digits only, single spaces: what "the same text" means here. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** SHA-256 of the normalised text (hex): equal for texts that differ only in case, punctuation or spacing. */
export function contentHash(text: string): string {
  return createHash('sha256').update(normalizeText(text)).digest('hex');
}

/** murmur3's 32-bit finaliser: a fast, well-mixed permutation of 32-bit integers. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  // int32 (not uint32): V8 keeps these as small integers, which Sets and typed arrays handle fastest.
  return h ^ (h >>> 16);
}

/** FNV-1a over a string's UTF-16 code units, finalised. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/**
 * What a shingle is: `size` consecutive words (chunks: near-duplicate
 * passages share word sequences) or `size` consecutive characters of the
 * normalised text with a space at each end (short examples: robust to a
 * changed word or inflection).
 */
export interface ShingleOptions {
  unit: 'word' | 'char';
  size: number;
}

export interface MinHasherOptions {
  /** Permutations (signature length, default 128). */
  numPerm?: number;
  /** Default: 3-word shingles. */
  shingles?: ShingleOptions;
  /** Seed of the hash family: every worker of a job must use the same one (default 1). */
  seed?: number;
}

export class MinHasher {
  readonly numPerm: number;
  readonly shingling: ShingleOptions;
  readonly seed: number;
  /** Per permutation: an odd multiplier and an offset (h_p(x) = a_p·x + b_p mod 2^32 over mixed shingle hashes). */
  private readonly mults: Int32Array;
  private readonly adds: Int32Array;

  constructor(options: MinHasherOptions = {}) {
    this.numPerm = options.numPerm ?? 128;
    this.shingling = options.shingles ?? { unit: 'word', size: 3 };
    this.seed = options.seed ?? 1;
    if (!(Number.isInteger(this.shingling.size) && this.shingling.size >= 1)) {
      throw new RangeError(`shingle size must be a positive integer (got ${this.shingling.size})`);
    }
    this.mults = new Int32Array(this.numPerm);
    this.adds = new Int32Array(this.numPerm);
    let s = fmix32(this.seed ^ 0x9e3779b9);
    for (let i = 0; i < this.numPerm; i++) {
      s = fmix32(s + 0x9e3779b9);
      this.mults[i] = s | 1;
      s = fmix32(s + 0x9e3779b9);
      this.adds[i] = s;
    }
  }

  /** Identifies these settings: signatures and band hashes made with other settings do not compare. */
  get key(): string {
    return `${this.numPerm}/${this.shingling.unit}${this.shingling.size}/${this.seed}`;
  }

  /** Distinct hashed shingles of the normalised text, sorted. */
  shingles(text: string): Int32Array {
    const normalized = normalizeText(text);
    const set = new Set<number>();
    if (this.shingling.unit === 'char') {
      const t = ` ${normalized} `;
      const n = Math.min(this.shingling.size, t.length);
      for (let i = 0; i + n <= t.length; i++) set.add(hashString(t.slice(i, i + n)));
    } else {
      const words = normalized.split(' ').filter(Boolean);
      const k = Math.min(this.shingling.size, Math.max(1, words.length));
      const wordHashes = words.map(hashString);
      for (let i = 0; i + k <= wordHashes.length; i++) {
        let h = 0;
        for (let j = 0; j < k; j++) h = fmix32(Math.imul(h, 31) + wordHashes[i + j]!);
        set.add(h);
      }
    }
    return Int32Array.from(set).sort();
  }

  signature(text: string): Int32Array {
    return this.signatureOf(this.shingles(text));
  }

  signatureOf(shingles: Int32Array): Int32Array {
    const sig = new Int32Array(this.numPerm).fill(0x7fffffff);
    const n = shingles.length;
    for (let p = 0; p < this.numPerm; p++) {
      const a = this.mults[p]!;
      const b = this.adds[p]!;
      let min = 0x7fffffff;
      for (let i = 0; i < n; i++) {
        const h = (Math.imul(shingles[i]!, a) + b) | 0;
        if (h < min) min = h;
      }
      sig[p] = min;
    }
    return sig;
  }
}

/**
 * Chooses LSH bands × rows for a Jaccard threshold: among the settings that
 * make a pair exactly at the threshold a candidate with probability ≥ 0.98,
 * the one with the fewest false candidates below it (the area under the
 * S-curve from 0 to the threshold). False candidates only cost a comparison;
 * missed duplicates cost data quality.
 */
export function lshParams(threshold: number, numPerm: number): { bands: number; rows: number } {
  const steps = 200;
  let best = { bands: numPerm, rows: 1, area: Infinity };
  // bands × rows may leave a few permutations out of the banding; all of them still count in the similarity.
  for (let rows = 1; rows <= numPerm; rows++) {
    const bands = Math.floor(numPerm / rows);
    const p = (s: number) => 1 - (1 - s ** rows) ** bands;
    if (p(threshold) < 0.98) continue;
    let area = 0;
    for (let i = 0; i < steps; i++) area += p(((i + 0.5) * threshold) / steps) * (threshold / steps);
    if (area < best.area) best = { bands, rows, area };
  }
  return { bands: best.bands, rows: best.rows };
}

/** One 32-bit hash per LSH band of a signature (the band number is mixed in): what the shared index stores. */
export function bandHashes(sig: Int32Array, bands: number, rows: number): Int32Array {
  const out = new Int32Array(bands);
  for (let band = 0; band < bands; band++) {
    let h = band;
    const from = band * rows;
    for (let i = from; i < from + rows; i++) h = fmix32(Math.imul(h, 0x01000193) ^ sig[i]!);
    out[band] = h;
  }
  return out;
}

/** Exact Jaccard similarity of two sorted shingle sets. */
export function jaccard(a: Int32Array, b: Int32Array): number {
  if (!a.length && !b.length) return 1;
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i]! === b[j]!) {
      inter++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return inter / (a.length + b.length - inter);
}

/** The MinHash estimate of the Jaccard similarity (±0.04 at 128 permutations). */
export function similarity(a: Int32Array, b: Int32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/** A sparse vector: n-gram → weight, with its Euclidean norm. */
export interface SparseVector {
  weights: Map<string, number>;
  norm: number;
}

/**
 * Character n-grams of the normalised text (spaces included, so word
 * boundaries count), weighted by 1 + log(count): a vector that needs no
 * vocabulary, no model and no network, and is robust to small edits.
 */
export function charNgramVector(text: string, n = 3): SparseVector {
  const t = ` ${normalizeText(text)} `;
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= t.length; i++) {
    const gram = t.slice(i, i + n);
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  let sum = 0;
  for (const [gram, count] of counts) {
    const w = 1 + Math.log(count);
    counts.set(gram, w);
    sum += w * w;
  }
  return { weights: counts, norm: Math.sqrt(sum) };
}

export function cosine(a: SparseVector, b: SparseVector): number {
  if (a.norm === 0 || b.norm === 0) return 0;
  const [small, large] = a.weights.size <= b.weights.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [gram, w] of small.weights) {
    const other = large.weights.get(gram);
    if (other !== undefined) dot += w * other;
  }
  return Math.min(1, dot / (a.norm * b.norm));
}

/**
 * The Jaccard threshold of the LSH banding for a cosine threshold over
 * character n-grams. For sets, cosine c implies Jaccard ≥ c / (2 − c); the
 * log weights loosen that a little, hence the margin.
 */
export function jaccardForCosine(cosineThreshold: number): number {
  return (0.9 * cosineThreshold) / (2 - cosineThreshold);
}
