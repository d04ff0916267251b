import { QUALITY_CHECKS } from './config.js';
import { round } from './text.js';
import type { CheckResult, CheckStatus, QualityDetails } from './types.js';

/** The columns of a training example that the report reads. */
export interface QualityReportRow {
  /** Generation status: `failed` examples are never inspected. */
  status: 'ok' | 'failed';
  tokenCount: number;
  qualityScore: number | null;
  passedQc: boolean | null;
  qualityDetails: Partial<QualityDetails> | Record<string, unknown> | null;
}

export interface CheckSummary {
  pass: number;
  fail: number;
  skipped: number;
  unavailable: number;
  /** Failures per reason code, most frequent first. */
  reasons: { code: string; count: number }[];
  /** For an unavailable check: why (the first reason seen). */
  unavailableReason: string | null;
}

export interface HistogramBin {
  /** Inclusive lower bound. */
  from: number;
  /** Exclusive upper bound, except the last bin, which includes 1. */
  to: number;
  count: number;
}

export interface TokenLengthStats {
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
}

export interface QualityReport {
  /** Examples of the job: inspected + notInspected + generationFailed. */
  total: number;
  inspected: number;
  /** Generated but not scored yet. */
  notInspected: number;
  /** Examples whose generation failed (kept with their raw reply; never inspected). */
  generationFailed: number;
  /** passed + failed = inspected. */
  passed: number;
  failed: number;
  /** passed / inspected, or null before anything is inspected. */
  passRate: number | null;
  averageScore: number | null;
  /** Per check that ran on at least one example: pass + fail + skipped + unavailable = examples it ran on. */
  checks: Record<string, CheckSummary>;
  /** Checks that could not run on some examples (e.g. no toxicity model): never a silent pass. */
  unavailableChecks: string[];
  /** Ten bins of width 0.1 over the composite score of inspected examples. */
  histogram: HistogramBin[];
  /** Token counts of the inspected examples. */
  tokenLength: TokenLengthStats | null;
  /** USD spent by the LLM judge (the judge check and the grounded check's judge) on these examples; null when no call was priced. */
  judgeCost: number | null;
  /**
   * Share of the examples the grounded check scored (passed or failed) whose every sentence is supported by its
   * source chunk; null when the check scored none.
   */
  groundedRate: number | null;
}

const BINS = 10;

/**
 * Accumulates examples one by one (so a job's rows can be streamed from the
 * database page by page) into a QualityReport.
 */
export class QualityReportBuilder {
  private total = 0;
  private generationFailed = 0;
  private notInspected = 0;
  private passed = 0;
  private failed = 0;
  private scoreSum = 0;
  private judgeCost: number | null = null;
  private readonly bins = new Array<number>(BINS).fill(0);
  private readonly tokens: number[] = [];
  private readonly checks = new Map<string, CheckSummary & { codes: Map<string, number> }>();

  add(row: QualityReportRow): this {
    this.total++;
    if (row.status === 'failed') {
      this.generationFailed++;
      return this;
    }
    if (row.qualityScore === null || row.qualityScore === undefined || row.passedQc === null) {
      this.notInspected++;
      return this;
    }
    if (row.passedQc) this.passed++;
    else this.failed++;
    const score = Math.min(1, Math.max(0, row.qualityScore));
    this.scoreSum += score;
    this.bins[Math.min(BINS - 1, Math.floor(score * BINS))]!++;
    this.tokens.push(row.tokenCount ?? 0);
    const checks = ((row.qualityDetails as Partial<QualityDetails> | null)?.checks ?? {}) as Record<
      string,
      CheckResult
    >;
    // The judge check's calls and the grounded check's judge calls.
    for (const cost of [checks.judge?.data?.cost, checks.grounded?.data?.cost]) {
      if (typeof cost === 'number') this.judgeCost = (this.judgeCost ?? 0) + cost;
    }
    for (const [name, result] of Object.entries(checks)) {
      let summary = this.checks.get(name);
      if (!summary) {
        summary = {
          pass: 0,
          fail: 0,
          skipped: 0,
          unavailable: 0,
          reasons: [],
          unavailableReason: null,
          codes: new Map(),
        };
        this.checks.set(name, summary);
      }
      const status: CheckStatus = result.status;
      if (status in summary) summary[status]++;
      if (status === 'fail')
        for (const code of result.codes ?? []) summary.codes.set(code, (summary.codes.get(code) ?? 0) + 1);
      if (status === 'unavailable' && summary.unavailableReason === null) summary.unavailableReason = result.reason;
    }
    return this;
  }

  build(): QualityReport {
    const inspected = this.passed + this.failed;
    const order = (name: string) => {
      const i = (QUALITY_CHECKS as readonly string[]).indexOf(name);
      return i < 0 ? QUALITY_CHECKS.length : i;
    };
    const checks = Object.fromEntries(
      [...this.checks.entries()]
        .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
        .map(([name, { codes, ...summary }]) => [
          name,
          {
            ...summary,
            reasons: [...codes.entries()]
              .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
              .map(([code, count]) => ({ code, count })),
          },
        ]),
    );
    return {
      total: this.total,
      inspected,
      notInspected: this.notInspected,
      generationFailed: this.generationFailed,
      passed: this.passed,
      failed: this.failed,
      passRate: inspected ? round(this.passed / inspected) : null,
      averageScore: inspected ? round(this.scoreSum / inspected) : null,
      checks,
      unavailableChecks: Object.entries(checks)
        .filter(([, s]) => s.unavailable > 0)
        .map(([name]) => name),
      histogram: this.bins.map((count, i) => ({ from: round(i / BINS), to: round((i + 1) / BINS), count })),
      tokenLength: tokenStats(this.tokens),
      judgeCost: this.judgeCost === null ? null : round(this.judgeCost, 6),
      groundedRate: groundedRate(checks.grounded),
    };
  }
}

function groundedRate(summary: CheckSummary | undefined): number | null {
  const scored = summary ? summary.pass + summary.fail : 0;
  return scored ? round(summary!.pass / scored) : null;
}

/** The quality report of a set of examples (pure). */
export function buildQualityReport(rows: Iterable<QualityReportRow>): QualityReport {
  const builder = new QualityReportBuilder();
  for (const row of rows) builder.add(row);
  return builder.build();
}

function tokenStats(values: number[]): TokenLengthStats | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest-rank percentiles: always a value that occurs.
  const pct = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return {
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length, 2),
    p50: pct(50),
    p90: pct(90),
  };
}
