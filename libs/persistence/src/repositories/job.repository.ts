import type { EntityManager, FilterQuery } from '@mikro-orm/core';
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
        { job: jobId, id: { $gt: after } },
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
          { job: jobId, status: ExampleStatus.Failed, id: { $gt: cursor } },
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
