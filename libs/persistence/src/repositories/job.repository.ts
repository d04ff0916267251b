import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { ExampleStatus, ItemStatus, JobStatus, type Stage } from '@datafactory/contracts';
import { Job, RawDocument, TrainingExample } from '../entities/entities.js';

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

  /**
   * The job's status now; null when there is no such job. One prepared statement (every item of every stage
   * asks first): without the ORM's find, which cost more than the query.
   */
  async status(jobId: string): Promise<JobStatus | null> {
    const rows = (await (this.em as SqlEntityManager).execute(
      'select status from jobs where id = ?',
      [jobId],
      'all',
    )) as {
      status: JobStatus;
    }[];
    return rows[0]?.status ?? null;
  }

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
}
