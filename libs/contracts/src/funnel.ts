/**
 * A job's funnel: where every row went, stage by stage, computed from the
 * stored rows (never from counters that could drift). Each stage takes what
 * the previous one passed on (`input`) and splits it into outcomes; its
 * invariant is `input = sum of its outcomes`, and `holds` says whether the
 * stored rows satisfy it. Every outcome that is not passed on carries its
 * reason codes with counts. Plain data: the API, the card, the dashboard and
 * the CLI all show this one structure.
 */

export const FunnelStageName = {
  /** URLs given (and, in site mode, discovered) → fetched / skipped / failed. */
  Fetch: 'fetch',
  /** Pages fetched → refined into text / no text / failed. */
  Refine: 'refine',
  /** Chunks made from the refined pages → originals / exact / near duplicates. */
  Dedup: 'dedup',
  /** Examples asked for (original chunks × examples per chunk) → generated ok / failed. */
  Generate: 'generate',
  /** Examples generated ok → passed / rejected by a check. */
  Inspect: 'inspect',
  /** What the job's export took → records exported / left out. */
  Export: 'export',
} as const;
export type FunnelStageName = (typeof FunnelStageName)[keyof typeof FunnelStageName];

export type FunnelUnit = 'url' | 'page' | 'chunk' | 'example';

export interface FunnelReason {
  /** A reason code (`blocked_address`, `no_article`, `too_few_examples`, `toxicity`...). */
  code: string;
  count: number;
}

export interface FunnelOutcome {
  /**
   * What happened to these items: `ok`, `skipped`, `failed`, `pending` (not
   * settled yet; once the job is final: never processed), `original`,
   * `exact_duplicate`, `near_duplicate`, `passed`, `rejected`, `exported`,
   * `left_out`.
   */
  outcome: string;
  count: number;
  /** True for the outcome that goes on to the next stage. */
  next: boolean;
  /** Why, most frequent first; empty for the outcome passed on. */
  reasons: FunnelReason[];
}

export interface FunnelStage {
  stage: FunnelStageName;
  unit: FunnelUnit;
  input: number;
  outcomes: FunnelOutcome[];
  /** The stage's invariant in words, e.g. `urls = ok + skipped + failed + pending`. */
  invariant: string;
  /** Whether `input` equals the sum of the outcomes' counts. */
  holds: boolean;
}

export interface JobFunnel {
  jobId: string;
  template: string;
  /** The job is completed, failed or cancelled: `pending` outcomes will not move any more. */
  final: boolean;
  urlsGiven: number;
  /** URLs found by following links and sitemaps (site mode). */
  urlsDiscovered: number;
  /** Examples asked per original chunk; null for template `none` or when not known yet. */
  examplesPerChunk: number | null;
  /** In order; template `none` has no generate or inspect stage. */
  stages: FunnelStage[];
  /** Records in the job's export; null before the job exported. */
  exported: number | null;
  /** Every stage's invariant holds. */
  holds: boolean;
}

/** The count of one outcome of one stage (0 when absent). */
export function funnelCount(funnel: JobFunnel, stage: FunnelStageName, outcome: string): number {
  return funnel.stages.find((s) => s.stage === stage)?.outcomes.find((o) => o.outcome === outcome)?.count ?? 0;
}

/** Reasons as `code ×n, code ×n`, most frequent first. */
export function formatReasons(reasons: readonly FunnelReason[], limit = 4): string {
  const shown = reasons.slice(0, limit).map((r) => `${r.code} ×${r.count}`);
  const rest = reasons.slice(limit).reduce((n, r) => n + r.count, 0);
  return rest ? [...shown, `other ×${rest}`].join(', ') : shown.join(', ');
}

/**
 * The funnel as plain text lines, one per stage:
 * `fetch    40 urls → ok 38 · failed 2 (blocked_address ×2)`, and a last line
 * saying whether every invariant holds.
 */
export function formatFunnel(funnel: JobFunnel): string[] {
  const width = Math.max(...funnel.stages.map((s) => s.stage.length));
  const lines = funnel.stages.map((s) => {
    const parts = s.outcomes
      .filter((o) => o.count > 0 || o.next)
      .map((o) => {
        const why = o.reasons.length ? ` (${formatReasons(o.reasons)})` : '';
        return `${o.outcome.replace(/_/g, ' ')} ${o.count}${why}`;
      });
    const check = s.holds ? '' : `  [does not add up: ${s.invariant}]`;
    return `${s.stage.padEnd(width)}  ${s.input} ${s.unit}${s.input === 1 ? '' : 's'} → ${parts.join(' · ')}${check}`;
  });
  if (funnel.exported !== null) lines.push(`${'exported'.padEnd(width)}  ${funnel.exported} record(s)`);
  lines.push(funnel.holds ? 'every row is accounted for' : 'some stage does not add up (see above)');
  return lines;
}
