import {
  bandHashes,
  contentHash,
  jaccard,
  lshParams,
  MinHasher as TextMinHasher,
  normalizeText,
  similarity,
} from '@datafactory/text';
import { type DedupScope, dedupScopeKey, type NearDuplicateRepository } from '@datafactory/persistence';

/**
 * Deduplication of chunks: an exact match on the hash of the normalised
 * text, then near-duplicates by MinHash over word shingles with LSH banding,
 * confirmed by the exact Jaccard similarity of the shingle sets. The MinHash
 * itself is libs/text's (the inspector uses the same one).
 *
 * SharedChunkIndex is what the pipeline uses: the index lives in the
 * database (NearDuplicateRepository), so every worker checks against every
 * original chunk of the scope and a check reads only its candidates.
 * Deduplicator is the same check in memory, for one process (benchmarks,
 * tests).
 */

export { contentHash, jaccard, lshParams, similarity };

/** The normalisation of the dedup check (libs/text normalizeText). */
export const normalizeForDedup = normalizeText;

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
  /** The id of the earlier chunk this one repeats, or null when it is new. */
  duplicateOf: string | null;
  kind: 'exact' | 'near' | null;
  /** Jaccard similarity to `duplicateOf` (1 for exact); the best one seen when no duplicate. */
  similarity: number;
}

/** The word-shingle MinHasher of chunks (numPerm, shingle size, seed as the refiner has always used them). */
export class MinHasher extends TextMinHasher {
  constructor(numPerm = 128, shingleSize = 3, seed = 1) {
    super({ numPerm, shingles: { unit: 'word', size: shingleSize }, seed });
  }

  get shingleSize(): number {
    return this.shingling.size;
  }
}

function checkThreshold(threshold: number): number {
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`threshold must be in (0, 1] (got ${threshold})`);
  return threshold;
}

/** A chunk's text made ready for a check: the CPU part, done before any transaction. */
export interface PreparedText {
  contentHash: string;
  shingles: Int32Array;
  /** One hash per LSH band of the signature. */
  bands: Int32Array;
}

/**
 * The job's (or project's) chunk index in the database. prepare() hashes a
 * text (no I/O); checkAll() runs inside a transaction that holds the scope's
 * lock (NearDuplicateRepository.lock) and indexes the chunk when it is an
 * original, so that two workers never both keep the same text.
 */
export class SharedChunkIndex {
  readonly threshold: number;
  readonly hasher: MinHasher;
  readonly bands: number;
  readonly rows: number;

  constructor(options: DedupOptions = {}) {
    this.threshold = checkThreshold(options.threshold ?? 0.8);
    this.hasher = new MinHasher(options.numPerm ?? 128, options.shingleSize ?? 3, options.seed ?? 1);
    ({ bands: this.bands, rows: this.rows } = lshParams(this.threshold, this.hasher.numPerm));
  }

  /** The scope whose chunks a job's chunks are compared with (`dedup_scope`); band settings are part of the key. */
  scope(job: { jobId: string; projectId: string; scope: 'job' | 'project' }): DedupScope {
    const id = job.scope === 'project' ? job.projectId : job.jobId;
    return {
      key: `${dedupScopeKey('chunks', job.scope, id)}:${this.hasher.key}:${this.bands}x${this.rows}`,
      jobId: job.jobId,
      ...(job.scope === 'project' ? { projectId: job.projectId } : {}),
    };
  }

  prepare(content: string): PreparedText {
    const shingles = this.hasher.shingles(content);
    const sig = this.hasher.signatureOf(shingles);
    return { contentHash: contentHash(content), shingles, bands: bandHashes(sig, this.bands, this.rows) };
  }

  /**
   * Checks a page's chunks, in order, against the scope's originals and
   * against the page's earlier originals, then indexes each new one under its
   * id. The database is read in a fixed number of statements whatever the
   * number of chunks (exact hashes, band candidates, candidate texts) and
   * written in one (the band rows), so that the scope's lock, which the
   * caller's transaction holds until it commits, is held for few round trips.
   */
  async checkAll(
    repo: NearDuplicateRepository,
    scope: DedupScope,
    items: readonly { id: string; text: PreparedText }[],
  ): Promise<DedupVerdict[]> {
    if (items.length === 0) return [];
    const stored = await repo.originalChunksWithHashes(scope, [...new Set(items.map((i) => i.text.contentHash))]);
    const candidates = await repo.candidatesOf(
      scope,
      items.map((i) => i.text.bands),
    );
    const ids = new Set<string>();
    for (const list of candidates) for (const c of list) ids.add(c.itemId);
    const texts = await repo.chunkTexts([...ids]);
    const shingleSets = new Map<string, Int32Array>();
    const shinglesOf = (id: string): Int32Array | undefined => {
      let set = shingleSets.get(id);
      if (!set) {
        const content = texts.get(id);
        if (content === undefined) return undefined;
        set = this.hasher.shingles(content);
        shingleSets.set(id, set);
      }
      return set;
    };

    const local = new Map<string, PreparedText>();
    const verdicts: DedupVerdict[] = [];
    const added: { id: string; bands: Int32Array }[] = [];
    for (const [i, { id, text }] of items.entries()) {
      const hash = text.contentHash;
      let exact: string | null = null;
      for (const [otherId, other] of local) {
        if (other.contentHash === hash) {
          exact = otherId;
          break;
        }
      }
      exact ??= stored.get(hash) ?? null;
      if (exact) {
        verdicts.push({ contentHash: hash, duplicateOf: exact, kind: 'exact', similarity: 1 });
        continue;
      }
      let best: string | null = null;
      let bestSim = 0;
      const consider = (otherId: string, shingles: Int32Array) => {
        const sim = jaccard(text.shingles, shingles);
        if (sim > bestSim) {
          bestSim = sim;
          best = otherId;
        }
      };
      for (const [otherId, other] of local) if (sharesBand(text.bands, other.bands)) consider(otherId, other.shingles);
      for (const c of candidates[i]!) {
        const shingles = shinglesOf(c.itemId);
        if (shingles) consider(c.itemId, shingles);
      }
      if (best && bestSim >= this.threshold) {
        verdicts.push({ contentHash: hash, duplicateOf: best, kind: 'near', similarity: bestSim });
        continue;
      }
      added.push({ id, bands: text.bands });
      local.set(id, text);
      verdicts.push({ contentHash: hash, duplicateOf: null, kind: null, similarity: bestSim });
    }
    await repo.addAll(scope, added);
    return verdicts;
  }
}

function sharesBand(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) return true;
  return false;
}

/**
 * The same check in memory, for one process: `check()` says whether a chunk
 * repeats one already added; `add()` checks, then remembers the chunk when it
 * is new (duplicates are not indexed: they point at the original).
 */
export class Deduplicator {
  readonly threshold: number;
  readonly hasher: MinHasher;
  readonly bands: number;
  readonly rows: number;
  private readonly exact = new Map<string, string>();
  private readonly shingleSets = new Map<string, Int32Array>();
  private readonly buckets: Array<Map<number, string[]>>;

  constructor(options: DedupOptions = {}) {
    this.threshold = checkThreshold(options.threshold ?? 0.8);
    this.hasher = new MinHasher(options.numPerm ?? 128, options.shingleSize ?? 3, options.seed ?? 1);
    ({ bands: this.bands, rows: this.rows } = lshParams(this.threshold, this.hasher.numPerm));
    this.buckets = Array.from({ length: this.bands }, () => new Map<number, string[]>());
  }

  get size(): number {
    return this.shingleSets.size;
  }

  /** Whether `content` repeats an indexed chunk; changes nothing. */
  check(content: string): DedupVerdict {
    return this.verdict(this.prepare(content));
  }

  /** Checks `content`, and indexes it under `id` when it is not a duplicate. */
  add(id: string, content: string): DedupVerdict {
    const text = this.prepare(content);
    const verdict = this.verdict(text);
    if (!verdict.duplicateOf) this.index(id, text);
    return verdict;
  }

  private prepare(content: string): PreparedText {
    const shingles = this.hasher.shingles(content);
    const sig = this.hasher.signatureOf(shingles);
    return { contentHash: contentHash(content), shingles, bands: bandHashes(sig, this.bands, this.rows) };
  }

  private verdict(text: PreparedText): DedupVerdict {
    const hash = text.contentHash;
    const same = this.exact.get(hash);
    if (same) return { contentHash: hash, duplicateOf: same, kind: 'exact', similarity: 1 };
    let best: string | null = null;
    let bestSim = 0;
    const seen = new Set<string>();
    for (let b = 0; b < this.bands; b++) {
      for (const id of this.buckets[b]!.get(text.bands[b]!) ?? []) {
        if (seen.has(id)) continue;
        seen.add(id);
        const sim = jaccard(text.shingles, this.shingleSets.get(id)!);
        if (sim > bestSim) {
          bestSim = sim;
          best = id;
        }
      }
    }
    if (best && bestSim >= this.threshold)
      return { contentHash: hash, duplicateOf: best, kind: 'near', similarity: bestSim };
    return { contentHash: hash, duplicateOf: null, kind: null, similarity: bestSim };
  }

  private index(id: string, text: PreparedText): void {
    if (!this.exact.has(text.contentHash)) this.exact.set(text.contentHash, id);
    this.shingleSets.set(id, text.shingles);
    for (let b = 0; b < this.bands; b++) {
      const bucket = this.buckets[b]!;
      const ids = bucket.get(text.bands[b]!);
      if (ids) ids.push(id);
      else bucket.set(text.bands[b]!, [id]);
    }
  }
}
