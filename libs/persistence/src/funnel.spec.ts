import { describe, expect, it } from 'vitest';
import { formatFunnel, funnelCount, type JobFunnel } from '@datafactory/contracts';
import { buildFunnel, type FunnelRows, reasonCode, refineReasonCode } from './funnel.js';

/** A finished qa job: 5 URLs (2 blocked, 1 robots), 3 pages, 1 without text, 5 chunks, 2 duplicates. */
function rows(over: Partial<FunnelRows> = {}): FunnelRows {
  return {
    jobId: 'j',
    template: 'qa',
    final: true,
    urlsGiven: 5,
    givenWithoutRow: 0,
    documents: [
      { status: 'ok', reason: null, count: 3 },
      { status: 'failed', reason: 'blocked_address', count: 2 },
      { status: 'skipped', reason: 'robots', count: 1 },
    ],
    refined: [
      { status: 'ok', reason: null, count: 2 },
      { status: 'skipped', reason: 'no article: 3 word(s) of text found (min_words 30)', count: 1 },
    ],
    chunks: [
      { kind: 'original', count: 3 },
      { kind: 'exact', count: 1 },
      { kind: 'near', count: 1 },
    ],
    examplesPerChunk: 2,
    chunksGenerated: 3,
    examples: [
      { status: 'ok', reason: null, count: 4 },
      { status: 'failed', reason: 'too_few_examples', count: 1 },
      { status: 'failed', reason: 'truncated', count: 1 },
    ],
    inspected: [
      { passed: true, failedCheck: null, unavailableCheck: null, count: 2 },
      { passed: false, failedCheck: 'format', unavailableCheck: null, count: 1 },
      { passed: false, failedCheck: null, unavailableCheck: 'toxicity', count: 1 },
    ],
    export: { records: 2, leftOut: null, includeFailed: false },
    ...over,
  };
}

const stage = (f: JobFunnel, name: string) => f.stages.find((s) => s.stage === name)!;

describe('buildFunnel', () => {
  it("splits a refresh's carried-over examples from those generated, and still adds up", () => {
    const f = buildFunnel(rows({ carried: 3 }));
    expect(f.holds).toBe(true);
    expect(stage(f, 'generate').outcomes.map((o) => [o.outcome, o.count, o.next])).toEqual([
      ['ok', 1, true],
      ['carried_over', 3, true],
      ['failed', 2, false],
    ]);
    expect(stage(f, 'generate').outcomes[1]!.reasons).toEqual([{ code: 'unchanged', count: 3 }]);
    // The inspection of the carried rows came with them: the inspect stage takes every example ok.
    expect(stage(f, 'inspect').input).toBe(4);
    // A job that is no refresh has no such outcome.
    expect(stage(buildFunnel(rows()), 'generate').outcomes.map((o) => o.outcome)).toEqual(['ok', 'failed']);
  });

  it('accounts for every row of a finished job, with a reason at every drop', () => {
    const f = buildFunnel(rows());
    expect(f.holds).toBe(true);
    expect(f.stages.map((s) => [s.stage, s.input])).toEqual([
      ['fetch', 6],
      ['refine', 3],
      ['dedup', 5],
      ['generate', 6],
      ['inspect', 4],
      ['export', 2],
    ]);
    // 6 document rows for 5 URLs given: one was discovered.
    expect(f.urlsDiscovered).toBe(1);
    expect(stage(f, 'fetch').outcomes.find((o) => o.outcome === 'failed')?.reasons).toEqual([
      { code: 'blocked_address', count: 2 },
    ]);
    expect(stage(f, 'refine').outcomes.find((o) => o.outcome === 'no_text')?.reasons).toEqual([
      { code: 'no_article', count: 1 },
    ]);
    expect(funnelCount(f, 'dedup', 'exact_duplicate')).toBe(1);
    expect(funnelCount(f, 'dedup', 'near_duplicate')).toBe(1);
    expect(stage(f, 'generate').outcomes.find((o) => o.outcome === 'failed')?.reasons).toEqual([
      { code: 'too_few_examples', count: 1 },
      { code: 'truncated', count: 1 },
    ]);
    expect(stage(f, 'inspect').outcomes.find((o) => o.outcome === 'rejected')?.reasons).toEqual([
      { code: 'format', count: 1 },
      { code: 'toxicity_unavailable', count: 1 },
    ]);
    expect(f.exported).toBe(2);
    expect(stage(f, 'generate').invariant).toBe('examples = ok + failed');
  });

  it('says when the rows do not add up: more examples stored than asked', () => {
    const f = buildFunnel(rows({ examples: [{ status: 'ok', reason: null, count: 7 }] }));
    expect(stage(f, 'generate').holds).toBe(false);
    expect(f.holds).toBe(false);
    expect(formatFunnel(f).at(-1)).toBe('some stage does not add up (see above)');
  });

  it('counts the examples of chunks never generated: pending while running, failed once final', () => {
    const running = buildFunnel(
      rows({ final: false, chunksGenerated: 2, examples: [{ status: 'ok', reason: null, count: 4 }] }),
    );
    expect(stage(running, 'generate').holds).toBe(true);
    expect(funnelCount(running, 'generate', 'pending')).toBe(2);
    const ended = buildFunnel(rows({ chunksGenerated: 2, examples: [{ status: 'ok', reason: null, count: 4 }] }));
    expect(stage(ended, 'generate').outcomes.find((o) => o.outcome === 'failed')?.reasons).toEqual([
      { code: 'not_generated', count: 2 },
    ]);
  });

  it('has no generate or inspect stage for template none, and exports the original chunks', () => {
    const f = buildFunnel(
      rows({
        template: 'none',
        examples: [],
        inspected: [],
        chunksGenerated: 0,
        export: { records: 3, leftOut: null, includeFailed: false },
      }),
    );
    expect(f.stages.map((s) => s.stage)).toEqual(['fetch', 'refine', 'dedup', 'export']);
    expect(f.examplesPerChunk).toBeNull();
    expect(stage(f, 'export')).toMatchObject({ unit: 'chunk', input: 3, holds: true });
  });

  it('counts given URLs not fetched yet as pending, and an export not made yet', () => {
    const f = buildFunnel(rows({ final: false, givenWithoutRow: 2, export: null }));
    expect(stage(f, 'fetch').input).toBe(8);
    expect(funnelCount(f, 'fetch', 'pending')).toBe(2);
    expect(funnelCount(f, 'export', 'pending')).toBe(2);
    expect(f.exported).toBeNull();
  });

  it('takes the exporter’s own count of left-out examples, and checks it', () => {
    expect(stage(buildFunnel(rows({ export: { records: 1, leftOut: 1, includeFailed: false } })), 'export').holds).toBe(
      true,
    );
    expect(stage(buildFunnel(rows({ export: { records: 1, leftOut: 0, includeFailed: false } })), 'export').holds).toBe(
      false,
    );
  });

  it('shows a reviewer’s rejections and the unreviewed examples an export left out in the export stage', () => {
    const rejected = buildFunnel(
      rows({
        reviews: [
          { state: 'rejected', reason: 'off topic', count: 1 },
          { state: 'unreviewed', reason: null, count: 1 },
        ],
        export: { records: 1, leftOut: null, includeFailed: false },
      }),
    );
    expect(stage(rejected, 'export')).toMatchObject({ input: 2, holds: true });
    expect(stage(rejected, 'export').outcomes).toEqual([
      { outcome: 'exported', count: 1, next: true, reasons: [] },
      { outcome: 'rejected_by_review', count: 1, next: false, reasons: [{ code: 'off_topic', count: 1 }] },
      { outcome: 'left_out', count: 0, next: false, reasons: [] },
    ]);
    expect(formatFunnel(rejected)[5]).toBe('export    2 examples → exported 1 · rejected by review 1 (off_topic ×1)');

    const reviewedOnly = buildFunnel(
      rows({
        reviews: [
          { state: 'edited', reason: null, count: 1 },
          { state: 'unreviewed', reason: null, count: 1 },
        ],
        export: { records: 1, leftOut: 0, includeFailed: false, includeUnreviewed: false },
      }),
    );
    expect(funnelCount(reviewedOnly, 'export', 'unreviewed')).toBe(1);
    expect(stage(reviewedOnly, 'export').holds).toBe(true);
    // Unreviewed examples count as exported when the export takes them: no outcome of their own.
    const included = buildFunnel(
      rows({
        reviews: [{ state: 'unreviewed', reason: null, count: 2 }],
        export: { records: 2, leftOut: 0, includeFailed: false },
      }),
    );
    expect(stage(included, 'export').outcomes.map((o) => o.outcome)).toEqual(['exported', 'left_out']);
    expect(stage(included, 'export').holds).toBe(true);
    // Before the export: what a reviewer rejected is not pending.
    const before = buildFunnel(rows({ reviews: [{ state: 'rejected', reason: null, count: 1 }], export: null }));
    expect(funnelCount(before, 'export', 'pending')).toBe(1);
    expect(funnelCount(before, 'export', 'rejected_by_review')).toBe(1);
  });

  it('prints one line per stage', () => {
    const lines = formatFunnel(buildFunnel(rows()));
    expect(lines[0]).toBe('fetch     6 urls → ok 3 · skipped 1 (robots ×1) · failed 2 (blocked_address ×2)');
    expect(lines).toContain('exported  2 record(s)');
    expect(lines.at(-1)).toBe('every row is accounted for');
  });
});

describe('reason codes', () => {
  it('takes a leading code, else makes a short one', () => {
    expect(reasonCode('too_few_examples: the reply had 1 of 3', 'failed')).toBe('too_few_examples');
    expect(reasonCode('HTTP 404 Not Found', 'failed')).toBe('http_404_not_found');
    expect(reasonCode(null, 'failed')).toBe('failed');
    expect(refineReasonCode('page too large: 12.0 MB', 'skipped')).toBe('too_large');
    expect(refineReasonCode('extraction took longer than 20000 ms', 'failed')).toBe('timeout');
  });
});
