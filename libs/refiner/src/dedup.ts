import { createHash } from 'node:crypto';

/**
 * Job-wide deduplication, one chunk at a time: an exact match on the hash of
 * the normalised text, then near-duplicates by MinHash over word shingles
 * with LSH banding, confirmed by the estimated Jaccard similarity.
 */

export interface DedupOptions {
  /** Jaccard similarity at or above which a chunk is a near-duplicate (0–1, default 0.8). */
  threshold?: number;
  /** MinHash permutations (default 128). */
  numPerm?: number;
  /** Words per shingle (default 3). */
  shingleSize?: number;
  /** Seed of the hash family: every worker of a job must use the same one (default 1). */
  seed?: number;
}

export interface DedupVerdict {
  /** Hash of the normalised text (store it in Chunk.contentHash). */
  contentHash: string;
  /** The MinHash signature, base64 (store it so the index can be rebuilt without rehashing). */
  signature: string;
  /** The id of the earlier chunk this one repeats, or null when it is new. */
  duplicateOf: string | null;
  kind: 'exact' | 'near' | null;
  /** Estimated Jaccard similarity to `duplicateOf` (1 for exact). */
  similarity: number;
}

export interface StoredEntry {
  id: string;
  contentHash: string;
  /** Base64 signature; recomputed from `content` when missing. */
  signature?: string | null;
  content?: string;
}

/** Lower-case, NFKC, letters and digits only, single spaces: what "the same text" means here. */
export function normalizeForDedup(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function contentHash(text: string): string {
  return createHash('sha256').update(normalizeForDedup(text)).digest('hex');
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
 * Chooses LSH bands × rows for a threshold: among the settings that make a
 * pair exactly at the threshold a candidate with probability ≥ 0.98, the one
 * with the fewest false candidates below it (the area under the S-curve from
 * 0 to the threshold). False candidates only cost a signature comparison;
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

export class MinHasher {
  readonly numPerm: number;
  readonly shingleSize: number;
  /** Per permutation: an odd multiplier and an offset (h_p(x) = a_p·x + b_p mod 2^32 over mixed shingle hashes). */
  private readonly mults: Int32Array;
  private readonly adds: Int32Array;

  constructor(numPerm = 128, shingleSize = 3, seed = 1) {
    this.numPerm = numPerm;
    this.shingleSize = shingleSize;
    this.mults = new Int32Array(numPerm);
    this.adds = new Int32Array(numPerm);
    let s = fmix32(seed ^ 0x9e3779b9);
    for (let i = 0; i < numPerm; i++) {
      s = fmix32(s + 0x9e3779b9);
      this.mults[i] = s | 1;
      s = fmix32(s + 0x9e3779b9);
      this.adds[i] = s;
    }
  }

  /** Distinct hashed word shingles of the normalised text. */
  shingles(text: string): Int32Array {
    const words = normalizeForDedup(text).split(' ').filter(Boolean);
    const k = Math.min(this.shingleSize, Math.max(1, words.length));
    const wordHashes = words.map(hashString);
    const set = new Set<number>();
    for (let i = 0; i + k <= wordHashes.length; i++) {
      let h = 0;
      for (let j = 0; j < k; j++) h = fmix32(Math.imul(h, 31) + wordHashes[i + j]!);
      set.add(h);
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

export function similarity(a: Int32Array, b: Int32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

export function encodeSignature(sig: Int32Array): string {
  return Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength).toString('base64');
}

export function decodeSignature(value: string, numPerm: number): Int32Array | null {
  const buf = Buffer.from(value, 'base64');
  if (buf.byteLength !== numPerm * 4) return null;
  const out = new Int32Array(numPerm);
  for (let i = 0; i < numPerm; i++) out[i] = buf.readInt32LE(i * 4);
  return out;
}

export interface DeduplicatorState {
  threshold: number;
  numPerm: number;
  shingleSize: number;
  seed: number;
  entries: Array<{ id: string; contentHash: string; signature: string }>;
}

/**
 * The incremental index. `check()` says whether a chunk repeats one already
 * added; `add()` checks, then remembers the chunk when it is new (duplicates
 * are not indexed: they point at the original). The index can be rebuilt
 * from stored chunks (`addStored`) or from `toJSON()`.
 */
export class Deduplicator {
  readonly threshold: number;
  readonly hasher: MinHasher;
  readonly seed: number;
  readonly bands: number;
  readonly rows: number;
  private readonly exact = new Map<string, string>();
  private readonly signatures = new Map<string, Int32Array>();
  private readonly hashes = new Map<string, string>();
  /** Shingle sets of indexed chunks, for the exact Jaccard check of LSH candidates (absent when rebuilt from a signature only). */
  private readonly shingleSets = new Map<string, Int32Array>();
  private readonly buckets: Array<Map<number, string[]>>;

  constructor(options: DedupOptions = {}) {
    const threshold = options.threshold ?? 0.8;
    if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`threshold must be in (0, 1] (got ${threshold})`);
    this.threshold = threshold;
    this.seed = options.seed ?? 1;
    this.hasher = new MinHasher(options.numPerm ?? 128, options.shingleSize ?? 3, this.seed);
    ({ bands: this.bands, rows: this.rows } = lshParams(threshold, this.hasher.numPerm));
    this.buckets = Array.from({ length: this.bands }, () => new Map<number, string[]>());
  }

  get size(): number {
    return this.signatures.size;
  }

  /** Whether `content` repeats an indexed chunk; changes nothing. */
  check(content: string): DedupVerdict {
    const shingles = this.hasher.shingles(content);
    return this.verdict(contentHash(content), this.hasher.signatureOf(shingles), shingles);
  }

  /** Checks `content`, and indexes it under `id` when it is not a duplicate. */
  add(id: string, content: string): DedupVerdict {
    const hash = contentHash(content);
    const shingles = this.hasher.shingles(content);
    const sig = this.hasher.signatureOf(shingles);
    const verdict = this.verdict(hash, sig, shingles);
    if (!verdict.duplicateOf) this.index(id, hash, sig, shingles);
    return verdict;
  }

  /** Indexes a chunk stored earlier (no check): how a worker rebuilds the job's index from the database. */
  addStored(entry: StoredEntry): void {
    const shingles = entry.content !== undefined ? this.hasher.shingles(entry.content) : null;
    let sig = entry.signature ? decodeSignature(entry.signature, this.hasher.numPerm) : null;
    if (!sig) {
      if (!shingles) throw new Error(`chunk ${entry.id}: no signature and no content to rebuild it`);
      sig = this.hasher.signatureOf(shingles);
    }
    this.index(entry.id, entry.contentHash || contentHash(entry.content ?? ''), sig, shingles);
  }

  toJSON(): DeduplicatorState {
    return {
      threshold: this.threshold,
      numPerm: this.hasher.numPerm,
      shingleSize: this.hasher.shingleSize,
      seed: this.seed,
      // Signatures only: fromJSON() then confirms candidates by the MinHash estimate.
      entries: [...this.signatures].map(([id, sig]) => ({
        id,
        contentHash: this.hashes.get(id)!,
        signature: encodeSignature(sig),
      })),
    };
  }

  static fromJSON(state: DeduplicatorState): Deduplicator {
    const d = new Deduplicator(state);
    for (const e of state.entries) d.addStored(e);
    return d;
  }

  private verdict(hash: string, sig: Int32Array, shingles: Int32Array): DedupVerdict {
    const signature = encodeSignature(sig);
    const same = this.exact.get(hash);
    if (same) return { contentHash: hash, signature, duplicateOf: same, kind: 'exact', similarity: 1 };
    let best: string | null = null;
    let bestSim = 0;
    const seen = new Set<string>();
    for (let b = 0; b < this.bands; b++) {
      const ids = this.buckets[b]!.get(this.bandKey(sig, b));
      if (!ids) continue;
      for (const id of ids) {
        if (seen.has(id)) continue;
        seen.add(id);
        // The exact Jaccard when both shingle sets are known; the MinHash estimate (±0.04 at 128) otherwise.
        const theirs = this.shingleSets.get(id);
        const sim = theirs ? jaccard(shingles, theirs) : similarity(sig, this.signatures.get(id)!);
        if (sim > bestSim) {
          bestSim = sim;
          best = id;
        }
      }
    }
    if (best && bestSim >= this.threshold) {
      return { contentHash: hash, signature, duplicateOf: best, kind: 'near', similarity: bestSim };
    }
    return { contentHash: hash, signature, duplicateOf: null, kind: null, similarity: bestSim };
  }

  private index(id: string, hash: string, sig: Int32Array, shingles: Int32Array | null): void {
    if (!this.exact.has(hash)) this.exact.set(hash, id);
    if (shingles) this.shingleSets.set(id, shingles);
    this.signatures.set(id, sig);
    this.hashes.set(id, hash);
    for (let b = 0; b < this.bands; b++) {
      const key = this.bandKey(sig, b);
      const bucket = this.buckets[b]!;
      const ids = bucket.get(key);
      if (ids) ids.push(id);
      else bucket.set(key, [id]);
    }
  }

  private bandKey(sig: Int32Array, band: number): number {
    let h = band;
    const from = band * this.rows;
    for (let i = from; i < from + this.rows; i++) h = fmix32(Math.imul(h, 0x01000193) ^ sig[i]!);
    return h;
  }
}
