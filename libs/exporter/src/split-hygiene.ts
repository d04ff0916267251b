import {
  bandHashes,
  charNgramVector,
  cosine,
  jaccardForCosine,
  lshParams,
  MinHasher,
  type SparseVector,
} from '@datafactory/text';
import type { SplitRatios } from './config.js';
import type { SplitName } from './formats.js';
import { assignSplit } from './splits.js';

/** What the card says of the split check. */
export interface SplitHygieneReport {
  /** Cosine similarity of character 3-grams at or above which two examples are near-duplicates. */
  threshold: number;
  /** Examples compared (every exported one). */
  examples: number;
  /** Near-duplicate pairs from different source domains (pairs within a domain share a split anyway). */
  pairs: number;
  /** Groups of source domains kept in one split because near-duplicates link them (2+ domains each). */
  groups: { domains: string[]; pairs: number; split: SplitName }[];
  /** Pairs that the split by domain alone would have put on two sides of a split. */
  wouldHaveCrossed: number;
  /** Pairs on two sides after grouping (0: checked after the assignment, not assumed). */
  crossing: number;
  /**
   * Candidate pairs not compared: between domains already kept together (so
   * they change no split), past the first MAX_COMPARISONS comparisons. Only
   * data with masses of near-duplicates gets here; the pair counts are then lower bounds.
   */
  unchecked: number;
}

/** Index of the high and the low 32-bit half of a 64-bit word in a Uint32Array view (byte order of the machine). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = LITTLE_ENDIAN ? 0 : 1;

/** Candidate pairs compared in full; past this, only pairs that would link two groups of domains. */
export const MAX_COMPARISONS = 5_000;

/** In a run of examples sharing a band hash, each is compared with at most this many earlier ones of other domains. */
const PER_BUCKET = 4;

/**
 * Split hygiene: near-duplicate examples never sit on two sides of a split.
 * Splits go by source domain, so near-duplicates of one site share a split
 * already; what can leak is the same text on two sites (mirrors, syndicated
 * pages, copied docs). This finds those pairs over every exported example
 * with libs/text's MinHash (character 3-grams, 128 permutations, LSH bands
 * chosen for the threshold: the inspector's duplicate check's settings) and
 * confirms each candidate with the exact cosine of the n-gram vectors; linked
 * domains form a group, and every domain of a group takes the split of the
 * group's first domain (by name), so the seed still decides and the same
 * export gives the same splits.
 *
 * Memory: per example its id and domain, and one 64-bit word per LSH band
 * (band hash, band, example number), 25 bands at the default threshold:
 * about 200 bytes an example (20 MB per 100,000), sorted once at the end.
 * Texts are not kept: the texts of candidate pairs are read back by id.
 */
export class SplitGrouper {
  private readonly hasher = new MinHasher({ numPerm: 128, shingles: { unit: 'char', size: 3 } });
  private readonly bands: number;
  private readonly rows: number;
  private readonly ids: string[] = [];
  private readonly domainOf: number[] = [];
  private readonly domains: string[] = [];
  private readonly domainIndex = new Map<string, number>();
  /** (hash as uint32) << 32 | band << 26 | example number, one per band of every example. */
  private words = new BigUint64Array(1 << 14);
  private used = 0;

  constructor(readonly threshold = 0.9) {
    ({ bands: this.bands, rows: this.rows } = lshParams(jaccardForCosine(threshold), this.hasher.numPerm));
    if (this.bands > 64) throw new RangeError(`too many LSH bands (${this.bands}) for threshold ${threshold}`);
  }

  get examples(): number {
    return this.ids.length;
  }

  /** Indexes an exported example (its prompt and answer, as the inspector compares them). */
  add(id: string, domain: string, text: string): void {
    let d = this.domainIndex.get(domain);
    if (d === undefined) {
      d = this.domains.push(domain) - 1;
      this.domainIndex.set(domain, d);
    }
    const me = this.ids.push(id) - 1;
    if (me >= 1 << 26) throw new RangeError('split hygiene compares at most 67 million examples');
    this.domainOf.push(d);
    const hashes = bandHashes(this.hasher.signature(text), this.bands, this.rows);
    if (this.used + hashes.length > this.words.length) {
      const bigger = new BigUint64Array(this.words.length * 2);
      bigger.set(this.words);
      this.words = bigger;
    }
    // Written through 32-bit halves (no BigInt per band): the high half the hash, the low one band and number.
    const halves = new Uint32Array(this.words.buffer);
    hashes.forEach((h, band) => {
      halves[2 * this.used + HI] = h >>> 0;
      halves[2 * this.used + LO] = ((band << 26) | me) >>> 0;
      this.used++;
    });
  }

  /** Pairs of examples of different domains sharing a band hash (numbers, earlier first). */
  private candidatePairs(): [number, number][] {
    this.words.subarray(0, this.used).sort();
    const halves = new Uint32Array(this.words.buffer, 0, 2 * this.used);
    // other · 2^26 + me: exact in a double (both < 2^26), and far smaller than a string key.
    const pairs = new Set<number>();
    const bucketEquals = (i: number, j: number) =>
      halves[2 * i + HI] === halves[2 * j + HI] && halves[2 * i + LO]! >>> 26 === halves[2 * j + LO]! >>> 26;
    let start = 0;
    while (start < this.used) {
      let end = start + 1;
      while (end < this.used && bucketEquals(start, end)) end++;
      if (end - start > 1) {
        const kept: number[] = [];
        for (let i = start; i < end; i++) {
          const me = halves[2 * i + LO]! & ((1 << 26) - 1);
          const d = this.domainOf[me];
          for (const other of kept) if (this.domainOf[other] !== d) pairs.add(other * 2 ** 26 + me);
          if (kept.length < PER_BUCKET && kept.every((o) => this.domainOf[o] !== d)) kept.push(me);
        }
      }
      start = end;
    }
    this.words = new BigUint64Array(0);
    this.used = 0;
    return Array.from(pairs, (key): [number, number] => [Math.floor(key / 2 ** 26), key % 2 ** 26]).sort(
      (x, y) => x[0] - y[0] || x[1] - y[1],
    );
  }

  /**
   * Confirms the candidates (cosine ≥ threshold, texts read through `texts`
   * by id), groups the linked domains and returns the split of every domain
   * with the report. Call once, after the last add().
   */
  async plan(
    ratios: SplitRatios,
    seed: number,
    texts: (ids: string[]) => Promise<Map<string, string>>,
  ): Promise<{ splitOf: (domain: string) => SplitName; report: SplitHygieneReport }> {
    const parent = this.domains.map((_, i) => i);
    const find = (x: number): number => {
      while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
      return x;
    };
    const union = (x: number, y: number) => {
      const [rx, ry] = [find(x), find(y)];
      // The root is the domain first by name, so a group's split depends on its members only.
      if (rx !== ry) {
        if (this.domains[rx]! < this.domains[ry]!) parent[ry] = rx;
        else parent[rx] = ry;
      }
    };
    const pairs: [number, number][] = [];
    let unchecked = 0;
    let compared = 0;
    const all = this.candidatePairs();
    for (let i = 0; i < all.length; i += 200) {
      // A pair between domains kept together already changes no split: compared while the budget lasts
      // (for the counts), skipped and counted after that.
      const batch = all.slice(i, i + 200).filter(([a, b]) => {
        const needed = compared < MAX_COMPARISONS || find(this.domainOf[a]!) !== find(this.domainOf[b]!);
        if (needed) compared++;
        else unchecked++;
        return needed;
      });
      if (batch.length === 0) continue;
      const wanted = [...new Set(batch.flat())].map((n) => this.ids[n]!);
      const byId = await texts(wanted);
      const vectors = new Map<string, SparseVector>();
      const vector = (n: number) => {
        const id = this.ids[n]!;
        let v = vectors.get(id);
        if (!v) vectors.set(id, (v = charNgramVector(byId.get(id) ?? '', 3)));
        return v;
      };
      for (const [a, b] of batch) {
        if (cosine(vector(a), vector(b)) < this.threshold) continue;
        pairs.push([a, b]);
        union(this.domainOf[a]!, this.domainOf[b]!);
      }
    }
    const splitOfIndex = (d: number) => assignSplit(this.domains[find(d)]!, ratios, seed);
    const splitOf = (domain: string): SplitName => {
      const d = this.domainIndex.get(domain);
      return d === undefined ? assignSplit(domain, ratios, seed) : splitOfIndex(d);
    };

    const groups = new Map<number, { domains: Set<string>; pairs: number }>();
    let wouldHaveCrossed = 0;
    let crossing = 0;
    for (const [a, b] of pairs) {
      const [da, db] = [this.domainOf[a]!, this.domainOf[b]!];
      if (assignSplit(this.domains[da]!, ratios, seed) !== assignSplit(this.domains[db]!, ratios, seed)) {
        wouldHaveCrossed++;
      }
      if (splitOfIndex(da) !== splitOfIndex(db)) crossing++;
      const root = find(da);
      const group = groups.get(root) ?? { domains: new Set<string>(), pairs: 0 };
      group.domains.add(this.domains[da]!).add(this.domains[db]!);
      group.pairs++;
      groups.set(root, group);
    }
    const report: SplitHygieneReport = {
      threshold: this.threshold,
      examples: this.ids.length,
      pairs: pairs.length,
      groups: [...groups.entries()]
        .map(([root, g]) => ({ domains: [...g.domains].sort(), pairs: g.pairs, split: splitOfIndex(root) }))
        .sort((x, y) => y.pairs - x.pairs || x.domains[0]!.localeCompare(y.domains[0]!)),
      wouldHaveCrossed,
      crossing,
      unchecked,
    };
    return { splitOf, report };
  }
}
