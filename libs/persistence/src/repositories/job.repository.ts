import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { ExampleStatus, ItemStatus, JobStatus, type Stage } from '@datafactory/contracts';
import { Job, RawDocument, TrainingExample } from '../entities/entities.js';
import { sqlTimestamp } from './sql-dialect.js';

/** When a conditional stage change applies (all given conditions must hold). */
export interface StageCondition {
  /** The job is at this stage now. */
  from?: Stage;
  /** The job is at none of these stages now. */
  notIn?: readonly Stage[];
  /** The job has this status now. */
  status?: JobStatus;
}

/**
 * The job updates the pipeline races on, as single conditional UPDATEs whose
 * affected-row count says who won: with several workers exactly one sees
 * `true`. Each call runs on a fork of `em`, outside any caller's unit of work.
 */
export class JobRepository {
  constructor(private readonly em: EntityManager) {}

  /** Sets the job's stage to `to` when `when` holds; true when the row changed. */
  async moveStage(jobId: string, to: Stage, when: StageCondition = {}): Promise<boolean> {
    const where: FilterQuery<Job> = { id: jobId };
    if (when.from !== undefined) where.stage = when.from;
    else if (when.notIn?.length) where.stage = { $nin: [...when.notIn] };
    if (when.status !== undefined) where.status = when.status;
    return (await this.em.fork().nativeUpdate(Job, where, { stage: to })) > 0;
  }

  /** Marks a running job final; false when it was not running (cancelled, or finished by another worker). */
  async finishRunning(
    jobId: string,
    status: typeof JobStatus.Completed | typeof JobStatus.Failed,
    error: string | null,
  ): Promise<boolean> {
    const now = new Date();
    const changed = await this.em
      .fork()
      .nativeUpdate(Job, { id: jobId, status: JobStatus.Running }, { status, error, completedAt: now, updatedAt: now });
    return changed > 0;
  }

  /**
   * Reserves `estimateUsd` of the job's budget for one LLM call, in one
   * conditional UPDATE: it applies only while cost_total + cost_reserved +
   * the estimate stays within `maxCostUsd` (null: no limit, the call is still
   * counted as in flight). True when reserved. However many workers race, the
   * reservations granted never add up past the budget.
   */
  async reserveBudget(jobId: string, estimateUsd: number, maxCostUsd: number | null): Promise<boolean> {
    if (!Number.isFinite(estimateUsd) || estimateUsd < 0) {
      throw new Error(`estimateUsd must be a non-negative number (got ${estimateUsd})`);
    }
    if (maxCostUsd !== null && !Number.isFinite(maxCostUsd)) throw new Error(`maxCostUsd must be finite or null`);
    const limit = maxCostUsd === null ? '' : ' and cost_total + cost_reserved + ? <= ?';
    const params = maxCostUsd === null ? [estimateUsd, jobId] : [estimateUsd, jobId, estimateUsd, maxCostUsd];
    const rows = await this.execute(
      `update jobs set cost_reserved = cost_reserved + ? where id = ?${limit} returning id`,
      params,
    );
    return rows.length > 0;
  }

  /**
   * After the call: releases its reservation and adds what it really cost to
   * cost_total, in one UPDATE. Returns the job's totals after it (null when
   * the job is gone).
   */
  async settleBudget(jobId: string, reservedUsd: number, costUsd: number): Promise<BudgetTotals | null> {
    if (!Number.isFinite(reservedUsd) || !Number.isFinite(costUsd)) throw new Error('amounts must be finite numbers');
    // Sums of doubles drift: what is left of the reservations once all have settled is 0, not 1e-18.
    const rows = await this.execute(
      `update jobs set cost_reserved = case when cost_reserved - ? > 1e-12 then cost_reserved - ? else 0 end, ` +
        `cost_total = cost_total + ?, updated_at = ? where id = ? returning cost_total, cost_reserved`,
      [reservedUsd, reservedUsd, costUsd, sqlTimestamp(this.em, new Date()), jobId],
    );
    return rows[0] ? totals(rows[0]) : null;
  }

  /** The job's settled cost and what calls in flight have reserved (null when there is no such job). */
  async budgetState(jobId: string): Promise<BudgetTotals | null> {
    const rows = await this.execute(`select cost_total, cost_reserved from jobs where id = ?`, [jobId]);
    return rows[0] ? totals(rows[0]) : null;
  }

  private async execute(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    return (await (this.em.fork() as SqlEntityManager).execute(sql, params, 'all')) as Record<string, unknown>[];
  }

  /** The job's examples that failed with reason `code` (their error starts with `code: `), and all its examples. */
  async exampleFailuresWith(jobId: string, code: string): Promise<{ failed: number; examples: number }> {
    if (!/^[a-z_]+$/.test(code)) throw new Error(`a reason code is lowercase letters and _ (got "${code}")`);
    const em = this.em.fork();
    const [failed, examples] = await Promise.all([
      em.count(TrainingExample, { job: jobId, status: ExampleStatus.Failed, error: { $like: `${code}: %` } }),
      em.count(TrainingExample, { job: jobId }),
    ]);
    return { failed, examples };
  }

  /** How many of the job's documents are in each final fetch state. */
  async documentCounts(jobId: string): Promise<{ ok: number; skipped: number; failed: number; pending: number }> {
    const em = this.em.fork();
    const count = (scrapeStatus: ItemStatus) => em.count(RawDocument, { job: jobId, scrapeStatus });
    const [ok, skipped, failed, pending] = await Promise.all([
      count(ItemStatus.Ok),
      count(ItemStatus.Skipped),
      count(ItemStatus.Failed),
      count(ItemStatus.Pending),
    ]);
    return { ok, skipped, failed, pending };
  }

  /**
   * Why the job's documents and examples failed, counted by reason code:
   * documents by their crawl reason (`metadata.reasonCode`, else the error)
   * and refine error, examples by the code their error starts with. Reads
   * page by page: a job has at most as many documents as URLs.
   */
  async failureCounts(jobId: string): Promise<FailureCounts> {
    const em = this.em.fork();
    const out: FailureCounts = {
      documents: 0,
      fetched: 0,
      fetchFailures: new Map(),
      refined: 0,
      refineFailures: new Map(),
      examples: 0,
      examplesOk: 0,
      exampleFailures: new Map(),
    };
    const add = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1);
    let after = '';
    for (;;) {
      const page = await em.find(
        RawDocument,
        // No lower bound on the first page: '' is not a uuid to PostgreSQL.
        { job: jobId, ...(after ? { id: { $gt: after } } : {}) },
        {
          fields: ['id', 'scrapeStatus', 'error', 'metadata', 'refineStatus', 'refineError'],
          orderBy: { id: 'asc' },
          limit: 1000,
        },
      );
      for (const d of page) {
        out.documents++;
        if (d.scrapeStatus !== ItemStatus.Ok) {
          const code = (d.metadata as { reasonCode?: unknown } | null)?.reasonCode;
          add(out.fetchFailures, typeof code === 'string' && code ? code : (d.error ?? d.scrapeStatus).slice(0, 60));
          continue;
        }
        out.fetched++;
        if (d.refineStatus === ItemStatus.Ok) out.refined++;
        else if (d.refineStatus !== ItemStatus.Pending)
          add(out.refineFailures, (d.refineError ?? d.refineStatus).slice(0, 60));
      }
      if (page.length < 1000) break;
      after = page.at(-1)!.id;
    }
    out.examples = await em.count(TrainingExample, { job: jobId });
    out.examplesOk = await em.count(TrainingExample, { job: jobId, status: ExampleStatus.Ok });
    if (out.examples > out.examplesOk) {
      let cursor = '';
      for (;;) {
        const page = await em.find(
          TrainingExample,
          { job: jobId, status: ExampleStatus.Failed, ...(cursor ? { id: { $gt: cursor } } : {}) },
          { fields: ['id', 'error'], orderBy: { id: 'asc' }, limit: 1000 },
        );
        for (const e of page) add(out.exampleFailures, /^([a-z_]+): /.exec(e.error ?? '')?.[1] ?? 'failed');
        if (page.length < 1000) break;
        cursor = page.at(-1)!.id;
      }
    }
    return out;
  }
}

export interface BudgetTotals {
  /** USD settled: what the job's calls cost. */
  costTotal: number;
  /** USD reserved by calls in flight. */
  costReserved: number;
}

function totals(row: Record<string, unknown>): BudgetTotals {
  return { costTotal: Number(row.cost_total), costReserved: Number(row.cost_reserved) };
}

export interface FailureCounts {
  documents: number;
  /** Documents fetched ok. */
  fetched: number;
  fetchFailures: Map<string, number>;
  /** Documents refined ok. */
  refined: number;
  refineFailures: Map<string, number>;
  examples: number;
  examplesOk: number;
  exampleFailures: Map<string, number>;
}
