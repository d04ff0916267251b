import {
  type FunnelOutcome,
  type FunnelReason,
  type FunnelStage,
  FunnelStageName,
  type FunnelUnit,
  ItemStatus,
  type JobFunnel,
  NO_TEMPLATE,
} from '@datafactory/contracts';

/**
 * What the funnel is computed from: grouped counts of a job's stored rows
 * (FunnelRepository gathers them with a handful of GROUP BY queries). Pure
 * data, so the computation is tested without a database.
 */
export interface FunnelRows {
  jobId: string;
  template: string;
  final: boolean;
  urlsGiven: number;
  /** Given URLs with no document row yet. */
  givenWithoutRow: number;
  /** Document rows (given and discovered) by fetch status and reason (crawler reason code, else the error). */
  documents: { status: string; reason: string | null; count: number }[];
  /** Documents fetched ok, by refine status and reason. */
  refined: { status: string; reason: string | null; count: number }[];
  chunks: { kind: 'original' | 'exact' | 'near'; count: number }[];
  /** Examples asked per original chunk; null when not known (or template none). */
  examplesPerChunk: number | null;
  /** Original chunks with at least one example row. */
  chunksGenerated: number;
  /** Example rows by status and failure reason. */
  examples: { status: string; reason: string | null; count: number }[];
  /** Of the examples ok, those a refresh carried over from its parent (their chunk was unchanged). */
  carried?: number;
  /** Examples generated ok by verdict: passed true/false/null (not inspected), with the first failing check. */
  inspected: { passed: boolean | null; failedCheck: string | null; unavailableCheck: string | null; count: number }[];
  /**
   * The examples the export stage takes (passed ones, or every row with include_failed) by review
   * state, with the reviewer's reason for rejected ones; absent: none reviewed.
   */
  reviews?: { state: string; reason: string | null; count: number }[];
  /**
   * The job's own export (made when its run ended); null before it. `leftOut`: examples the export
   * skipped for want of content (null: the difference); `includeUnreviewed` false: unreviewed
   * examples were left out.
   */
  export: { records: number; leftOut: number | null; includeFailed: boolean; includeUnreviewed?: boolean } | null;
}

const sum = (xs: readonly { count: number }[]) => xs.reduce((n, x) => n + x.count, 0);

/** Reason counts, most frequent first, then by code. */
function reasons(items: Iterable<[string, number]>): FunnelReason[] {
  const m = new Map<string, number>();
  for (const [code, n] of items) if (n > 0) m.set(code, (m.get(code) ?? 0) + n);
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code, count]) => ({ code, count }));
}

/** A reason code from a stored message: its leading `code:` when it has one, else a short slug. */
export function reasonCode(text: string | null | undefined, fallback: string): string {
  if (!text) return fallback;
  const lead = /^([a-z][a-z0-9_]*): /.exec(text);
  if (lead) return lead[1]!;
  const slug = text
    .split(/[:(]/)[0]!
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .split('_')
    .slice(0, 4)
    .join('_');
  return slug || fallback;
}

/** The refiner's reasons (free sentences) as codes. */
export function refineReasonCode(text: string | null | undefined, status: string): string {
  const t = text ?? '';
  if (/^no article/i.test(t)) return 'no_article';
  if (/^empty page/i.test(t)) return 'empty_page';
  if (/^page too large/i.test(t)) return 'too_large';
  if (/^not an HTML page/i.test(t)) return 'not_html';
  if (/took longer than/i.test(t)) return 'timeout';
  if (/^chunking failed/i.test(t)) return 'chunking_failed';
  if (/^extraction/i.test(t)) return 'extraction_failed';
  return reasonCode(t, status === ItemStatus.Skipped ? 'no_text' : 'failed');
}

function stage(name: FunnelStage['stage'], unit: FunnelUnit, input: number, outcomes: FunnelOutcome[]): FunnelStage {
  const invariant = `${unit}s = ${outcomes.map((o) => o.outcome).join(' + ')}`;
  return { stage: name, unit, input, outcomes, invariant, holds: input === sum(outcomes) };
}

const outcome = (name: string, count: number, next = false, why: FunnelReason[] = []): FunnelOutcome => ({
  outcome: name,
  count,
  next,
  reasons: why,
});

/** The job's funnel from its grouped rows (pure). */
export function buildFunnel(r: FunnelRows): JobFunnel {
  const stages: FunnelStage[] = [];

  // fetch: every document row (given or discovered) plus the given URLs not stored yet.
  const docs = (status: string) => r.documents.filter((d) => d.status === status);
  const fetchedOk = sum(docs(ItemStatus.Ok));
  const documents = sum(r.documents);
  const known = new Set<string>([ItemStatus.Ok, ItemStatus.Skipped, ItemStatus.Failed, ItemStatus.Pending]);
  const odd = r.documents.filter((d) => !known.has(d.status));
  const urlsDiscovered = Math.max(0, documents + r.givenWithoutRow - r.urlsGiven);
  stages.push(
    stage(FunnelStageName.Fetch, 'url', r.urlsGiven + urlsDiscovered, [
      outcome('ok', fetchedOk, true),
      outcome(
        'skipped',
        sum(docs(ItemStatus.Skipped)),
        false,
        reasons(docs(ItemStatus.Skipped).map((d) => [reasonCode(d.reason, 'skipped'), d.count])),
      ),
      outcome(
        'failed',
        sum(docs(ItemStatus.Failed)) + sum(odd),
        false,
        reasons([...docs(ItemStatus.Failed), ...odd].map((d) => [reasonCode(d.reason, d.status || 'failed'), d.count])),
      ),
      outcome('pending', sum(docs(ItemStatus.Pending)) + r.givenWithoutRow),
    ]),
  );

  // refine: the pages fetched ok.
  const ref = (status: string) => r.refined.filter((d) => d.status === status);
  const refinedOk = sum(ref(ItemStatus.Ok));
  stages.push(
    stage(FunnelStageName.Refine, 'page', fetchedOk, [
      outcome('ok', refinedOk, true),
      outcome(
        'no_text',
        sum(ref(ItemStatus.Skipped)),
        false,
        reasons(ref(ItemStatus.Skipped).map((d) => [refineReasonCode(d.reason, d.status), d.count])),
      ),
      outcome(
        'failed',
        sum(ref(ItemStatus.Failed)),
        false,
        reasons(ref(ItemStatus.Failed).map((d) => [refineReasonCode(d.reason, d.status), d.count])),
      ),
      outcome('pending', sum(ref(ItemStatus.Pending))),
    ]),
  );

  // dedup: the chunks of the refined pages.
  const chunks = (kind: string) => sum(r.chunks.filter((c) => c.kind === kind));
  const originals = chunks('original');
  stages.push(
    stage(FunnelStageName.Dedup, 'chunk', sum(r.chunks), [
      outcome('original', originals, true),
      outcome('exact_duplicate', chunks('exact')),
      outcome('near_duplicate', chunks('near')),
    ]),
  );

  const usesLlm = r.template !== NO_TEMPLATE;
  let exportInput = originals;
  if (usesLlm) {
    // generate: examples asked = original chunks × examples per chunk; a chunk with no row is not generated yet.
    const perChunk = r.examplesPerChunk;
    const ex = (status: string) => r.examples.filter((e) => e.status === status);
    const ok = sum(ex('ok'));
    const failedRows = r.examples.filter((e) => e.status !== 'ok');
    const rows = sum(r.examples);
    const notGenerated = (originals - r.chunksGenerated) * (perChunk ?? 0);
    const asked = perChunk === null ? rows : originals * perChunk;
    const failed = reasons(failedRows.map((e) => [reasonCode(e.reason, 'failed'), e.count]));
    // A refresh: the examples of unchanged chunks were copied from the parent, not generated again.
    const carried = Math.min(ok, r.carried ?? 0);
    const outcomes = [outcome('ok', ok - carried, true)];
    if (carried) outcomes.push(outcome('carried_over', carried, true, [{ code: 'unchanged', count: carried }]));
    if (r.final) {
      // Settled: a chunk whose generation item failed (or a job stopped early) left its examples unwritten.
      const why = notGenerated
        ? reasons([...failed.map((f) => [f.code, f.count] as [string, number]), ['not_generated', notGenerated]])
        : failed;
      outcomes.push(outcome('failed', sum(failedRows) + notGenerated, false, why));
    } else {
      outcomes.push(outcome('failed', sum(failedRows), false, failed), outcome('pending', notGenerated));
    }
    stages.push(stage(FunnelStageName.Generate, 'example', asked, outcomes));

    // inspect: the examples generated ok.
    const insp = r.inspected;
    const rejected = insp.filter((i) => i.passed === false);
    stages.push(
      stage(FunnelStageName.Inspect, 'example', ok, [
        outcome('passed', sum(insp.filter((i) => i.passed === true)), true),
        outcome(
          'rejected',
          sum(rejected),
          false,
          reasons(
            rejected.map((i) => [
              i.failedCheck ?? (i.unavailableCheck ? `${i.unavailableCheck}_unavailable` : 'min_score'),
              i.count,
            ]),
          ),
        ),
        outcome(r.final ? 'not_inspected' : 'pending', sum(insp.filter((i) => i.passed === null))),
      ]),
    );
    exportInput = r.export?.includeFailed ? rows : sum(insp.filter((i) => i.passed === true));
  }

  // export: what the job's export took (passed examples, or the original chunks for template none).
  // A reviewer's rejection is never exported; unreviewed examples are left out when the export says so.
  const e = r.export;
  const reviews = usesLlm ? (r.reviews ?? []) : [];
  const rejectedRows = reviews.filter((v) => v.state === 'rejected');
  const rejectedByReview = sum(rejectedRows);
  const unreviewed = e?.includeUnreviewed === false ? sum(reviews.filter((v) => v.state === 'unreviewed')) : 0;
  const leftOut = e ? (e.leftOut ?? Math.max(0, exportInput - e.records - rejectedByReview - unreviewed)) : 0;
  const reviewOutcomes = [
    ...(rejectedByReview
      ? [
          outcome(
            'rejected_by_review',
            rejectedByReview,
            false,
            reasons(rejectedRows.map((v) => [reasonCode(v.reason, 'no_reason'), v.count])),
          ),
        ]
      : []),
    ...(unreviewed
      ? [outcome('unreviewed', unreviewed, false, [{ code: 'unreviewed_excluded', count: unreviewed }])]
      : []),
  ];
  stages.push(
    stage(
      FunnelStageName.Export,
      usesLlm ? 'example' : 'chunk',
      exportInput,
      e
        ? [
            outcome('exported', e.records, true),
            ...reviewOutcomes,
            outcome(
              'left_out',
              leftOut,
              false,
              leftOut ? [{ code: usesLlm ? 'empty_prompt_or_answer' : 'not_exported', count: leftOut }] : [],
            ),
          ]
        : [outcome('exported', 0, true), ...reviewOutcomes, outcome('pending', exportInput - rejectedByReview)],
    ),
  );

  return {
    jobId: r.jobId,
    template: r.template,
    final: r.final,
    urlsGiven: r.urlsGiven,
    urlsDiscovered,
    examplesPerChunk: usesLlm ? r.examplesPerChunk : null,
    stages,
    exported: e ? e.records : null,
    holds: stages.every((s) => s.holds),
  };
}
