/**
 * Running figures over the exported examples, for the dataset card. Memory
 * grows with the number of distinct values (token counts, domains, models,
 * languages), never with the number of examples.
 */
export class ExportStats {
  records = 0;
  /** Examples left out of a trainer shape because a turn would be empty. */
  skipped = 0;
  readonly perSplit = new Map<string, number>();
  readonly domains = new Map<string, number>();
  readonly languages = new Map<string, number>();
  readonly models = new Map<string, number>();
  readonly templates = new Map<string, number>();
  readonly templateHashes = new Map<string, number>();
  private readonly tokenHistogram = new Map<number, number>();
  private tokenSum = 0;
  costSum = 0;
  costUnknown = 0;
  private scoreSum = 0;
  private scored = 0;
  /** rag records, and those with fewer distractor chunks than asked (with the fewest any had). */
  ragRecords = 0;
  ragShort = 0;
  ragDistractorsWanted: number | null = null;
  ragFewestDistractors: number | null = null;

  add(e: {
    split: string;
    domain: string;
    language: string | null;
    model: string;
    template: string;
    templateHash: string | null;
    tokenCount: number;
    cost: number | null;
    qualityScore: number | null;
    /** rag: distractors asked and found. */
    distractors?: { wanted: number | null; found: number | null } | null;
  }): void {
    this.records++;
    bump(this.perSplit, e.split);
    if (e.domain) bump(this.domains, e.domain);
    if (e.language) bump(this.languages, e.language);
    bump(this.models, e.model);
    bump(this.templates, e.template);
    if (e.templateHash) bump(this.templateHashes, e.templateHash);
    bump(this.tokenHistogram, e.tokenCount);
    this.tokenSum += e.tokenCount;
    if (e.cost === null) this.costUnknown++;
    else this.costSum += e.cost;
    if (e.qualityScore !== null) {
      this.scoreSum += e.qualityScore;
      this.scored++;
    }
    if (e.distractors) {
      this.ragRecords++;
      const { wanted, found } = e.distractors;
      if (wanted !== null) this.ragDistractorsWanted = Math.max(this.ragDistractorsWanted ?? 0, wanted);
      // Documents of an example with no count recorded (an earlier version) are not judged.
      if (wanted !== null && found !== null && found < wanted) {
        this.ragShort++;
        this.ragFewestDistractors = Math.min(this.ragFewestDistractors ?? found, found);
      }
    }
  }

  get meanQualityScore(): number | null {
    return this.scored ? this.scoreSum / this.scored : null;
  }

  /** Token-length statistics (exact: from a histogram of the counts). */
  tokens(): { min: number; max: number; mean: number; median: number; p95: number } | null {
    if (this.records === 0) return null;
    const sorted = [...this.tokenHistogram.entries()].sort((a, b) => a[0] - b[0]);
    const quantile = (q: number) => {
      const rank = Math.max(1, Math.ceil(q * this.records));
      let seen = 0;
      for (const [value, count] of sorted) {
        seen += count;
        if (seen >= rank) return value;
      }
      return sorted.at(-1)![0];
    };
    return {
      min: sorted[0]![0],
      max: sorted.at(-1)![0],
      mean: this.tokenSum / this.records,
      median: quantile(0.5),
      p95: quantile(0.95),
    };
  }
}

function bump(map: Map<string, number> | Map<number, number>, key: string | number): void {
  const m = map as Map<string | number, number>;
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** Map entries sorted by count (descending), then key. */
export function byCount(map: Map<string, number>): [string, number][] {
  return [...map.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
