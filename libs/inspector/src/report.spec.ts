import { describe, expect, it } from 'vitest';
import { buildQualityReport, type QualityReportRow } from './report.js';
import type { CheckResult } from './types.js';

const pass = (score = 1): CheckResult => ({ status: 'pass', score, reason: '', codes: [] });
const fail = (...codes: string[]): CheckResult => ({ status: 'fail', score: 0, reason: '', codes });
const row = (
  score: number | null,
  passed: boolean | null,
  checks: Record<string, CheckResult> = {},
  tokenCount = 10,
): QualityReportRow => ({
  status: 'ok',
  tokenCount,
  qualityScore: score,
  passedQc: passed,
  qualityDetails: score === null ? null : { checks },
});

describe('buildQualityReport', () => {
  it('is empty but well-formed for no examples', () => {
    const r = buildQualityReport([]);
    expect(r).toMatchObject({
      total: 0,
      inspected: 0,
      passRate: null,
      averageScore: null,
      tokenLength: null,
      checks: {},
      groundedRate: null,
    });
    expect(r.histogram).toHaveLength(10);
  });

  it('gives the grounded rate over the examples the grounded check scored, and sums its judge costs', () => {
    const skipped: CheckResult = { status: 'skipped', score: null, reason: '', codes: [] };
    const judged = (status: 'pass' | 'fail', cost: number): CheckResult => ({
      ...(status === 'pass' ? pass() : fail('unsupported')),
      data: { level: 'judge', cost },
    });
    const r = buildQualityReport([
      row(1, true, { grounded: judged('pass', 0.001) }),
      row(1, true, { grounded: pass() }),
      row(1, true, { grounded: pass() }),
      row(0, false, { grounded: judged('fail', 0.002), judge: { ...pass(), data: { cost: 0.004 } } }),
      row(1, true, { grounded: skipped }),
    ]);
    expect(r.groundedRate).toBe(0.75);
    expect(r.checks.grounded).toMatchObject({
      pass: 3,
      fail: 1,
      skipped: 1,
      reasons: [{ code: 'unsupported', count: 1 }],
    });
    expect(r.judgeCost).toBeCloseTo(0.007, 9);
    expect(buildQualityReport([row(1, true, { format: pass() })]).groundedRate).toBeNull();
  });

  it('adds up: totals, pass rate, failures per check and reason, histogram, token lengths', () => {
    const rows: QualityReportRow[] = [
      row(1, true, { format: pass(), toxicity: pass(0.99) }, 12),
      row(0.95, true, { format: pass(), toxicity: pass(0.9) }, 30),
      row(0.5, false, { format: fail('refusal', 'not_a_question'), toxicity: pass() }, 8),
      row(0.45, false, { format: fail('refusal'), toxicity: fail('toxic', 'toxic:insult') }, 20),
      row(
        0,
        false,
        {
          format: pass(),
          toxicity: { status: 'unavailable', score: null, reason: 'no model', codes: ['unavailable'] },
        },
        40,
      ),
      row(null, null),
      { ...row(null, null), status: 'failed' },
    ];
    const r = buildQualityReport(rows);
    expect(r).toMatchObject({
      total: 7,
      inspected: 5,
      notInspected: 1,
      generationFailed: 1,
      passed: 2,
      failed: 3,
      passRate: 0.4,
      averageScore: 0.58,
      unavailableChecks: ['toxicity'],
    });
    expect(r.inspected + r.notInspected + r.generationFailed).toBe(r.total);
    expect(r.passed + r.failed).toBe(r.inspected);
    expect(r.histogram.reduce((n, b) => n + b.count, 0)).toBe(r.inspected);
    expect(r.histogram[0]).toEqual({ from: 0, to: 0.1, count: 1 });
    expect(r.histogram[4]!.count).toBe(1);
    expect(r.histogram[5]!.count).toBe(1);
    expect(r.histogram[9]).toEqual({ from: 0.9, to: 1, count: 2 });
    expect(r.checks.format).toEqual({
      pass: 3,
      fail: 2,
      skipped: 0,
      unavailable: 0,
      reasons: [
        { code: 'refusal', count: 2 },
        { code: 'not_a_question', count: 1 },
      ],
      unavailableReason: null,
    });
    expect(r.checks.toxicity).toMatchObject({ pass: 3, fail: 1, unavailable: 1, unavailableReason: 'no model' });
    for (const s of Object.values(r.checks)) expect(s.pass + s.fail + s.skipped + s.unavailable).toBe(r.inspected);
    expect(r.tokenLength).toEqual({ min: 8, max: 40, mean: 22, p50: 20, p90: 40 });
  });
});
