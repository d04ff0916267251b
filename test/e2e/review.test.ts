/**
 * End-to-end: people's reviews over HTTP, on SQLite and on PostgreSQL. A
 * completed job with examples is written straight into the database (the
 * pipeline that would produce it is not under test here); the built API
 * reviews them one by one (`PATCH /api/examples/{id}`) and by filter
 * (`POST /api/jobs/{id}/examples/review`), and the exports, the quality
 * report, the funnel and the card then honour each decision. Nothing is faked.
 */
import { type Stack, startStack } from '@datafactory/testing';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainingExample } from '@datafactory/persistence';
import {
  type Driver,
  openTestDatabase,
  seedJob,
  type SeededJob,
  type TestDatabase,
} from '../integration/exporter-helpers.js';

type Json = Record<string, unknown>;

describe.each(['sqlite', 'postgresql'] as Driver[])('reviewing examples over HTTP on %s', (driver) => {
  let t: TestDatabase;
  let stack: Stack;
  let seeded: SeededJob;
  /** Passed examples on which the format check failed (set up below), and the generated outputs. */
  let formatFailed: string[];
  const generated = new Map<string, string>();

  beforeAll(async () => {
    t = await openTestDatabase(driver);
    seeded = await seedJob(t.orm.em);
    // The inspector's details: the format check failed on every third passed example (a soft check).
    const em = t.orm.em.fork();
    formatFailed = seeded.passed.filter((_, i) => i % 3 === 2);
    for (const e of await em.find(TrainingExample, { job: seeded.jobId })) {
      generated.set(e.id, e.outputText);
      const status = formatFailed.includes(e.id) || seeded.rejected.includes(e.id) ? 'fail' : 'pass';
      e.qualityDetails = { version: 1, failed: status === 'fail' ? ['format'] : [], checks: { format: { status } } };
    }
    await em.flush();
    stack = await startStack({ env: { DATABASE_URL: t.url } });
  });

  afterAll(async () => {
    await stack?.stop();
    await t?.close();
  });

  const json = (method: string, url: string, body?: unknown) => stack.json(method, url, body);
  const lines = (file: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Json);
  async function exportRecords(body: Json): Promise<{ records: Json[]; exp: Json }> {
    const res = await json('POST', `/api/jobs/${seeded.jobId}/exports`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const files = res.body.files as { file: string }[];
    const dir = path.join(stack.dataDir, 'exports', seeded.projectId, seeded.jobId, String(res.body.version));
    return { records: lines(path.join(dir, files[0]!.file)), exp: res.body as Json };
  }

  it('refuses odd reviews with a 400 naming the field, and unknown examples with a 404', async () => {
    const id = seeded.passed[0]!;
    for (const [body, field] of [
      [{ review: 'rejected' }, 'reason'],
      [{ review: 'rejected', reason: '   ' }, 'reason'],
      [{ review: 'edited' }, 'output'],
      [{ review: 'edited', output: '' }, 'output'],
      [{ review: 'accepted', output: 'x' }, 'output'],
      [{ review: 'maybe' }, 'review'],
      [{ review: null }, 'review'],
      [{}, 'review'],
      [{ review: 'accepted', reason: 42 }, 'reason'],
      [{ review: 'edited', output: 'x'.repeat(100_001) }, 'output'],
      [{ review: 'accepted', colour: 'red' }, 'colour'],
    ] as [Json, string][]) {
      const r = await json('PATCH', `/api/examples/${id}`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(r.body.details ?? r.body.message), JSON.stringify(body)).toContain(field);
    }
    for (const bad of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      expect((await json('PATCH', `/api/examples/${bad}`, { review: 'accepted' })).status).toBe(404);
    }
    const bulk = `/api/jobs/${seeded.jobId}/examples/review`;
    for (const [body, field] of [
      [{ review: 'edited', filter: {} }, 'review'],
      [{ review: 'rejected', filter: { check: 'format' } }, 'reason'],
      [{ review: 'accepted', filter: 'all' }, 'filter'],
      [{ review: 'accepted', filter: null }, 'filter'],
      [{ review: 'accepted', filter: { check: 'spelling' } }, 'filter.check'],
      [{ review: 'accepted', filter: { passed: 'yes' } }, 'filter.passed'],
      [{ review: 'accepted', filter: { review: 'later' } }, 'filter.review'],
      [{ review: 'accepted', filter: { job: seeded.jobId } }, 'filter.job'],
    ] as [Json, string][]) {
      const r = await json('POST', bulk, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(r.body.details ?? r.body.message), JSON.stringify(body)).toContain(field);
    }
    const unknownJob = await json('POST', '/api/jobs/00000000-0000-4000-8000-000000000000/examples/review', {
      review: 'accepted',
    });
    expect(unknownJob.status).toBe(404);
    // Nothing was changed by any of these.
    const report = await json('GET', `/api/jobs/${seeded.jobId}/quality`);
    expect(report.body.review).toMatchObject({ accepted: 0, rejected: 0, edited: 0 });
  });

  it('reviews one by one and by filter; the quality report, the exports, the funnel and the card honour it', async () => {
    const [accepted, rejected, edited] = seeded.passed.filter((id) => !formatFailed.includes(id));
    const a = await json('PATCH', `/api/examples/${accepted}`, { review: 'accepted' });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body).toMatchObject({ id: accepted, review: 'accepted', reviewReason: null, editedOutput: null });
    expect(Date.parse(a.body.reviewedAt)).not.toBeNaN();
    const r = await json('PATCH', `/api/examples/${rejected}`, { review: 'rejected', reason: 'off topic' });
    expect(r.body).toMatchObject({ review: 'rejected', reviewReason: 'off topic' });
    const e = await json('PATCH', `/api/examples/${edited}`, { review: 'edited', output: 'A better answer ✓' });
    expect(e.body).toMatchObject({
      review: 'edited',
      editedOutput: 'A better answer ✓',
      outputText: generated.get(edited),
    });

    // Both texts are in the lineage.
    const row = await t.orm.em.fork().findOneOrFail(TrainingExample, { id: edited! });
    expect(row.lineage).toMatchObject({
      review: { state: 'edited', originalOutput: generated.get(edited!), editedOutput: 'A better answer ✓' },
    });

    // Bulk: reject every passed example that failed the format check.
    const bulk = await json('POST', `/api/jobs/${seeded.jobId}/examples/review`, {
      review: 'rejected',
      reason: 'format: not a question',
      filter: { check: 'format', passed: true },
    });
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(200);
    expect(bulk.body).toEqual({ updated: formatFailed.length });
    const listed = await json('GET', `/api/jobs/${seeded.jobId}/examples?review=rejected&pageSize=200`);
    expect(listed.body.items.map((x: Json) => x.id).sort()).toEqual([rejected, ...formatFailed].sort());

    const report = await json('GET', `/api/jobs/${seeded.jobId}/quality`);
    const total = seeded.passed.length + seeded.rejected.length + seeded.failed.length;
    expect(report.body.review).toEqual({
      accepted: 1,
      edited: 1,
      rejected: 1 + formatFailed.length,
      unreviewed: total - 3 - formatFailed.length,
      exportable: seeded.passed.length - 1 - formatFailed.length,
    });

    // The default export: unreviewed included, rejected never, the edit in place of the generated output.
    const { records, exp } = await exportRecords({ format: 'jsonl' });
    const expectedIds = seeded.passed.filter((id) => id !== rejected && !formatFailed.includes(id));
    expect(records.map((x) => x.id).sort()).toEqual([...expectedIds].sort());
    const byId = new Map(records.map((x) => [x.id, x]));
    expect(byId.get(edited)).toMatchObject({
      output: 'A better answer ✓',
      original_output: generated.get(edited),
      review: 'edited',
    });
    expect(byId.get(accepted)).toMatchObject({
      output: generated.get(accepted),
      original_output: null,
      review: 'accepted',
    });
    expect(records.filter((x) => x.review === 'unreviewed')).toHaveLength(expectedIds.length - 2);

    const card = (await (await stack.fetch(`/api/exports/${String(exp.id)}/card`)).text()).replace(/\r/g, '');
    expect(card).toContain('### Human review');
    expect(card).toContain(`| rejected (never exported) | ${1 + formatFailed.length} |`);

    const funnel = await json('GET', `/api/jobs/${seeded.jobId}/funnel`);
    const exportStage = (funnel.body.stages as Json[]).find((s) => s.stage === 'export')!;
    expect(exportStage).toMatchObject({ input: seeded.passed.length, holds: true });
    expect(exportStage.outcomes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ outcome: 'exported', count: expectedIds.length }),
        expect.objectContaining({
          outcome: 'rejected_by_review',
          count: 1 + formatFailed.length,
          reasons: expect.arrayContaining([
            { code: 'off_topic', count: 1 },
            { code: 'format', count: formatFailed.length },
          ]),
        }),
      ]),
    );

    // Only reviewed examples, in a trainer shape: the edit is the assistant's answer.
    const reviewedOnly = await exportRecords({ format: 'openai', include_unreviewed: false });
    expect(reviewedOnly.records).toHaveLength(2);
    const answers = reviewedOnly.records.map(
      (x) => (x.messages as { role: string; content: string }[]).at(-1)!.content,
    );
    expect(answers).toContain('A better answer ✓');
    expect(answers).toContain(generated.get(accepted));
    expect(reviewedOnly.exp.recordCount).toBe(2);

    // Undoing a rejection brings the example back in the next export.
    const undo = await json('PATCH', `/api/examples/${rejected}`, { review: 'unreviewed' });
    expect(undo.body).toMatchObject({ review: 'unreviewed', reviewReason: null, reviewedAt: null });
    const again = await exportRecords({ format: 'jsonl' });
    expect(again.records.map((x) => x.id)).toContain(rejected);
  });
});
