import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { ReviewState } from '@datafactory/contracts';
import { type JsonObject, TrainingExample } from '../entities/entities.js';
import { MIN_UUID } from './export-read.repository.js';
import { isSqlite } from './sql-dialect.js';

/** A person's decision on one example. `output` is the edited answer (only with `edited`). */
export interface ReviewDecision {
  review: ReviewState;
  reason?: string | null;
  output?: string | null;
}

/** Which examples of a job a bulk review takes; every given condition must hold. */
export interface ReviewFilter {
  /** Examples on which this quality check failed (any check name the inspector writes, `grounded` too). */
  check?: string;
  /** true: passed quality control; false: inspected and did not pass. */
  passed?: boolean;
  /** Examples in this review state now. */
  review?: ReviewState;
}

/** A bad decision: `field` names the request field at fault. */
export class ReviewDecisionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReviewDecisionError';
  }
}

const BATCH = 500;

/**
 * Reviews of training examples: one at a time or every example of a job
 * that matches a filter. The generated output is never overwritten: an edit
 * goes to `edited_output`, and the example's lineage records both texts
 * (`lineage.review`), so the export and the lineage show what the model
 * wrote and what the reviewer made of it.
 */
export class ReviewRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * A job's examples per review state, and how many the next export takes by default (generated ok,
   * passed quality control, not rejected by a reviewer).
   */
  async counts(jobId: string): Promise<Record<ReviewState, number> & { exportable: number }> {
    const rows = (await this.em.getConnection().execute(
      `select review_state as state, count(*) as n,
                sum(case when status = 'ok' and passed_qc = true and review_state <> 'rejected' then 1 else 0 end) as e
           from training_examples where job_id = ? group by review_state`,
      [jobId],
      'all',
    )) as { state: string; n: number | string; e: number | string | null }[];
    const out = { unreviewed: 0, accepted: 0, rejected: 0, edited: 0, exportable: 0 };
    for (const r of rows) {
      if (r.state in out) out[r.state as ReviewState] = Number(r.n);
      out.exportable += Number(r.e ?? 0);
    }
    return out;
  }

  /** Checks a decision; throws a ReviewDecisionError naming the field. */
  static validate(d: ReviewDecision, bulk = false): void {
    if (d.review === ReviewState.Edited) {
      if (bulk)
        throw new ReviewDecisionError('review', 'review cannot be edited in bulk (each edit has its own output)');
      if (typeof d.output !== 'string' || d.output.trim() === '') {
        throw new ReviewDecisionError('output', 'output is required (a non-empty text) to edit an example');
      }
    } else if (d.output !== undefined && d.output !== null) {
      throw new ReviewDecisionError('output', `output is only for review edited (got review ${d.review})`);
    }
    if (d.review === ReviewState.Rejected && (typeof d.reason !== 'string' || d.reason.trim() === '')) {
      throw new ReviewDecisionError('reason', 'reason is required (a non-empty text) to reject an example');
    }
  }

  /** Applies a decision to one example; returns it, or null when there is no such example. */
  async review(id: string, decision: ReviewDecision, now = new Date()): Promise<TrainingExample | null> {
    ReviewRepository.validate(decision);
    const fork = this.em.fork();
    const example = await fork.findOne(TrainingExample, { id });
    if (!example) return null;
    const lineage: JsonObject = { ...(example.lineage ?? {}) };
    lineage.review = reviewLineage(decision, example.outputText, now);
    fork.assign(example, { ...columns(decision, now), lineage });
    await fork.flush();
    return example;
  }

  /**
   * Applies a decision (not `edited`) to every example of the job that the filter takes; returns how
   * many. Ids are read in pages and updated by id, so a JSON condition (the failed check) works the
   * same on both databases and a large job is never one statement.
   */
  async reviewMatching(jobId: string, filter: ReviewFilter, decision: ReviewDecision, now = new Date()) {
    ReviewRepository.validate(decision, true);
    const fork = this.em.fork();
    const where = reviewFilterWhere(jobId, filter);
    const ids: string[] = [];
    for (let after = MIN_UUID; ;) {
      const rows = await fork.find(
        TrainingExample,
        { $and: [where, { id: { $gt: after } }] } as FilterQuery<TrainingExample>,
        { fields: ['id'], orderBy: { id: 'asc' }, limit: BATCH },
      );
      ids.push(...rows.map((r) => r.id));
      fork.clear();
      if (rows.length < BATCH) break;
      after = rows.at(-1)!.id;
    }
    const set = { ...columns(decision, now) };
    // A bulk decision has no edit, so every row gets the same lineage.review: one statement per batch.
    const review = JSON.stringify(reviewLineage(decision, '', now));
    const sqlite = isSqlite(this.em);
    const setLineage = sqlite
      ? `lineage = json_set(coalesce(lineage, '{}'), '$.review', json(?))`
      : `lineage = jsonb_set(coalesce(lineage, '{}'::jsonb), '{review}', ?::jsonb)`;
    await fork.transactional(async (tx) => {
      for (let i = 0; i < ids.length; i += BATCH) {
        const batch = ids.slice(i, i + BATCH);
        await tx.nativeUpdate(TrainingExample, { id: { $in: batch } }, set);
        await (tx as SqlEntityManager).execute(
          `update training_examples set ${setLineage} where id in (${batch.map(() => '?').join(', ')})`,
          [review, ...batch],
          'run',
        );
      }
    });
    return { updated: ids.length };
  }
}

/** The filter of a bulk review as a MikroORM condition. */
export function reviewFilterWhere(jobId: string, filter: ReviewFilter): FilterQuery<TrainingExample> {
  const where: Record<string, unknown> = { job: jobId };
  if (filter.passed !== undefined) where.passedQc = filter.passed;
  if (filter.review !== undefined) where.reviewState = filter.review;
  if (filter.check !== undefined) where.qualityDetails = { checks: { [filter.check]: { status: 'fail' } } };
  return where as FilterQuery<TrainingExample>;
}

function columns(d: ReviewDecision, now: Date) {
  const reason = typeof d.reason === 'string' && d.reason.trim() !== '' ? d.reason.trim() : null;
  return {
    reviewState: d.review,
    reviewReason: d.review === ReviewState.Unreviewed ? null : reason,
    editedOutput: d.review === ReviewState.Edited ? d.output! : null,
    reviewedAt: d.review === ReviewState.Unreviewed ? null : now,
  };
}

/** `lineage.review`: the decision, and for an edit both the generated and the edited output. */
function reviewLineage(d: ReviewDecision, generated: string, now: Date): JsonObject {
  const c = columns(d, now);
  return {
    state: d.review,
    reason: c.reviewReason,
    reviewedAt: c.reviewedAt?.toISOString() ?? null,
    ...(d.review === ReviewState.Edited ? { originalOutput: generated, editedOutput: d.output } : {}),
  };
}
