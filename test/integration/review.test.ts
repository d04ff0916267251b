/**
 * Integration: ReviewRepository (libs/persistence) on a real SQLite file and
 * a fresh PostgreSQL schema. A bulk review walks a job's matching examples
 * in batches (more than one here) and writes the decision and lineage.review
 * of each, keeping the rest of the lineage; one-off reviews keep the
 * generated output beside the edit; the counts and the export read them back.
 * The time a bulk review takes (2,500 and 7,500 of a job's 10,000 examples) is printed, never asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  FunnelRepository,
  Job,
  ReviewDecisionError,
  ReviewRepository,
  TrainingExample,
} from '@datafactory/persistence';
import { exportedExamplesWhere, exportJob } from '@datafactory/exporter';
import { bulkInsertExamples, type Driver, openTestDatabase, type TestDatabase } from './exporter-helpers.js';

const COUNT = 10_000;

describe.each(['sqlite', 'postgresql'] as Driver[])('ReviewRepository on %s', (driver) => {
  let t: TestDatabase;
  let jobId: string;
  let dataDir: string;

  beforeAll(async () => {
    t = await openTestDatabase(driver);
    ({ jobId } = await bulkInsertExamples(t.orm.em, COUNT, { textBytes: 200 }));
    // The format check failed on every fourth example.
    const em = t.orm.em.fork();
    const ids = (await em.find(TrainingExample, { job: jobId }, { fields: ['id'], orderBy: { id: 'asc' } })).map(
      (e) => e.id,
    );
    const failing = ids.filter((_, i) => i % 4 === 0);
    for (let i = 0; i < failing.length; i += 500) {
      await em.nativeUpdate(
        TrainingExample,
        { id: { $in: failing.slice(i, i + 500) } },
        { qualityDetails: { checks: { format: { status: 'fail' } } } },
      );
    }
    // A qa job (a job without a template exports its chunks), and its own export, made when its run
    // ended: before anyone reviewed.
    await em.nativeUpdate(Job, { id: jobId }, { config: { generation: { template: 'qa' } } as Job['config'] });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'df-review-'));
    await exportJob(t.orm.em, jobId, { format: 'jsonl' }, { dataDir });
  });

  afterAll(async () => {
    await t?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('rejects every example failing a check in batches, keeping each lineage, and the export leaves them out', async () => {
    const repo = new ReviewRepository(t.orm.em);
    const started = performance.now();
    const { updated } = await repo.reviewMatching(
      jobId,
      { check: 'format' },
      { review: 'rejected', reason: 'format: not a question' },
    );
    console.log(`${driver}: bulk review of ${updated} examples took ${(performance.now() - started).toFixed(0)} ms`);
    expect(updated).toBe(COUNT / 4);

    const em = t.orm.em.fork();
    expect(await em.count(TrainingExample, { job: jobId, reviewState: 'rejected' })).toBe(COUNT / 4);
    const sample = await em.find(TrainingExample, { job: jobId, reviewState: 'rejected' }, { limit: 3 });
    for (const e of sample) {
      expect(e.reviewReason).toBe('format: not a question');
      expect(e.reviewedAt).toBeInstanceOf(Date);
      // The generator's lineage is still there, the decision beside it.
      expect(e.lineage).toMatchObject({
        fields: { question: expect.any(String) },
        review: { state: 'rejected', reason: 'format: not a question', reviewedAt: e.reviewedAt!.toISOString() },
      });
    }
    expect(await repo.counts(jobId)).toEqual({
      unreviewed: (COUNT * 3) / 4,
      accepted: 0,
      rejected: COUNT / 4,
      edited: 0,
      exportable: (COUNT * 3) / 4,
    });
    const where = exportedExamplesWhere(jobId, { includeFailed: false, includeUnreviewed: true });
    expect(await em.count(TrainingExample, where)).toBe((COUNT * 3) / 4);
    // The funnel of the job's own export still adds up: it was made before these rejections.
    const funnel = await new FunnelRepository(t.orm.em).funnel(jobId);
    const exported = funnel!.stages.find((s) => s.stage === 'export')!;
    expect(exported).toMatchObject({ input: COUNT, holds: true });
    expect(exported.outcomes.map((o) => [o.outcome, o.count])).toEqual([
      ['exported', COUNT],
      ['left_out', 0],
    ]);
    // A new export's card counts them.
    const next = await exportJob(t.orm.em, jobId, { format: 'jsonl' }, { dataDir });
    expect(next.recordCount).toBe((COUNT * 3) / 4);
    const card = readFileSync(next.cardPath, 'utf8');
    expect(card).toContain(`| rejected (never exported) | ${COUNT / 4} |`);
    expect(card).toContain(`rejected by review ${COUNT / 4} (format ×${COUNT / 4})`);

    // Only the examples in a given state: accepting the unreviewed ones leaves the rejected alone.
    const again = performance.now();
    const accepted = await repo.reviewMatching(jobId, { review: 'unreviewed' }, { review: 'accepted' });
    console.log(
      `${driver}: bulk review of ${accepted.updated} examples took ${(performance.now() - again).toFixed(0)} ms`,
    );
    expect(accepted.updated).toBe((COUNT * 3) / 4);
    expect(await repo.counts(jobId)).toMatchObject({ accepted: (COUNT * 3) / 4, rejected: COUNT / 4 });
  });

  it('edits one example without losing the generated output, and refuses decisions it cannot store', async () => {
    const repo = new ReviewRepository(t.orm.em);
    const [first] = await t.orm.em.fork().find(TrainingExample, { job: jobId }, { limit: 1, orderBy: { id: 'asc' } });
    const edited = await repo.review(first!.id, { review: 'edited', output: 'Edited.' });
    expect(edited).toMatchObject({ reviewState: 'edited', editedOutput: 'Edited.', outputText: first!.outputText });
    const row = await t.orm.em.fork().findOneOrFail(TrainingExample, { id: first!.id });
    expect(row.lineage).toMatchObject({ review: { originalOutput: first!.outputText, editedOutput: 'Edited.' } });
    const undone = await repo.review(first!.id, { review: 'unreviewed' });
    expect(undone).toMatchObject({
      reviewState: 'unreviewed',
      editedOutput: null,
      reviewReason: null,
      reviewedAt: null,
    });

    await expect(repo.review(first!.id, { review: 'rejected' })).rejects.toThrow(ReviewDecisionError);
    await expect(repo.review(first!.id, { review: 'edited', output: ' ' })).rejects.toMatchObject({ field: 'output' });
    await expect(repo.reviewMatching(jobId, {}, { review: 'edited', output: 'x' })).rejects.toMatchObject({
      field: 'review',
    });
    expect(await repo.review('00000000-0000-4000-8000-000000000000', { review: 'accepted' })).toBeNull();
  });
});
