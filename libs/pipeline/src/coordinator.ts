import { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import { type ExportItem, type JobProgress, JobStatus, QueueName, Stage } from '@datafactory/contracts';
import {
  addToJobCounters,
  CrawlFrontierRepository,
  foldJobCounters,
  isSqlite,
  Job,
  type JobCountersDelta,
  type JobCountersWrite,
  type JobCounters,
  JobRepository,
  readJobCounters,
} from '@datafactory/persistence';
import { Dispatcher } from './dispatcher.js';
import { JobEventsPublisher } from './job-events.js';
import { JobLogService } from './job-log.service.js';
import { emitWebhookEvent } from './webhook-emitter.js';

/**
 * On PostgreSQL a process folds a job's counters into its row at most this often, and whenever its read
 * of them says every item is settled (see afterItem).
 */
const FOLD_EVERY_MS = 250;

/** The stages whose items stream; the exporter runs once at the end. */
const ITEM_STAGES: readonly Stage[] = [Stage.Crawler, Stage.Refiner, Stage.Generator, Stage.Inspector];

/** True when every item counted so far has reached a final state. */
export function itemsSettled(progress: JobProgress): boolean {
  return ITEM_STAGES.every((s) => progress[s].done + progress[s].failed >= progress[s].total);
}

/** The stage with unfinished items, earliest first (for display); null when all are settled. */
export function busiestStage(progress: JobProgress): Stage | null {
  return ITEM_STAGES.find((s) => progress[s].done + progress[s].failed < progress[s].total) ?? null;
}

/**
 * Moves a job along as its items finish: counts them atomically, publishes
 * progress, and when the crawl is over and every item is settled, hands the
 * job to the exporter, exactly once however many workers race to it.
 *
 * The `stage` column doubles as the crawl's end marker: it stays `crawler`
 * until the job's crawl frontier (crawl_urls) has nothing queued, and becomes
 * `exporter` only through the one conditional UPDATE that wins.
 */
@Injectable()
export class PipelineCoordinator {
  private readonly jobs: JobRepository;
  /**
   * The busiest stage this process last tried to show for each job, and when: the same stage is tried at most
   * once a second (the UPDATE cannot win while the crawl runs, and wins once after it), not once per item.
   */
  private readonly shown = new Map<string, { stage: Stage; at: number }>();
  /** When this process last folded each job's counters into its row (PostgreSQL). */
  private readonly folded = new Map<string, number>();

  constructor(
    private readonly em: EntityManager,
    private readonly events: JobEventsPublisher,
    private readonly logs: JobLogService,
    private readonly dispatcher: Dispatcher,
  ) {
    this.jobs = new JobRepository(em);
  }

  /** Is the job still running (not cancelled, failed or done)? Handlers ask before each item. */
  async isRunning(jobId: string): Promise<boolean> {
    return (await new JobRepository(this.em).status(jobId)) === JobStatus.Running;
  }

  /** Adds to the job's counters (in `em`'s transaction when given); null when there is no such job. */
  async count(
    jobId: string,
    delta: JobCountersDelta,
    em: EntityManager = this.em.fork(),
  ): Promise<JobCountersWrite | null> {
    return addToJobCounters(em, jobId, delta);
  }

  /**
   * After an item's transaction committed (`counted`: what its addToJobCounters returned; nothing to do when
   * null): folds the counts into the job's progress, publishes it, shows the stage, and hands the job over to
   * export when every item is settled. The fold reads after the commit, so the item that commits last sees
   * every item's counts.
   */
  async afterItem(jobId: string, counted: JobCountersWrite | boolean | null): Promise<void> {
    if (!counted) return;
    const counters = (typeof counted === 'object' ? counted.folded : undefined) ?? (await this.fold(jobId));
    if (!counters) return;
    const at = new Date().toISOString();
    this.events.publish({ type: 'progress', jobId, progress: counters.progress, costTotal: counters.costTotal, at });
    const busy = busiestStage(counters.progress);
    if (busy && busy !== Stage.Crawler) await this.showStage(jobId, busy);
    if (itemsSettled(counters.progress)) await this.tryHandOverToExport(jobId);
  }

  /**
   * The job's counters after an item's commit. SQLite folds in the item's transaction (one writer at a
   * time). On PostgreSQL a fold is an UPDATE of the job row: every item of every worker folding once queued
   * them all on that row and on each commit's WAL flush (the most sampled wait of a two-worker run). So a
   * process folds at most every FOLD_EVERY_MS per job, and otherwise reads the same sums without writing;
   * when that read says every item is settled it folds too, so the item that commits last (whose read sees
   * every commit) always writes the final counts. Readers of the row (the API) see progress up to
   * FOLD_EVERY_MS late; the events published carry the read's counts.
   */
  private async fold(jobId: string): Promise<JobCounters | null> {
    const em = this.em.fork();
    const now = Date.now();
    if (isSqlite(em) || now - (this.folded.get(jobId) ?? 0) >= FOLD_EVERY_MS) {
      if (!this.folded.has(jobId) && this.folded.size >= 256) this.folded.delete(this.folded.keys().next().value!);
      this.folded.set(jobId, now);
      return foldJobCounters(em, jobId);
    }
    const read = await readJobCounters(em, jobId);
    return read && itemsSettled(read.progress) ? foldJobCounters(em, jobId) : read;
  }

  /**
   * Ends the crawl stage when the job's frontier has nothing queued (every
   * URL admitted has settled: items add what they discover before settling
   * their own row, so an empty frontier stays empty). Crawl items call it
   * after each commit; one conditional UPDATE moves the stage from `crawler`,
   * so exactly one caller gets true, and from then on the job can finish.
   */
  async crawlFinished(jobId: string): Promise<boolean> {
    if (!(await new CrawlFrontierRepository(this.em).finishIfDrained(jobId))) return false;
    const job = await this.em.fork().findOne(Job, { id: jobId });
    if (!job) return true;
    this.events.publish({
      type: 'stage',
      jobId,
      status: job.status,
      stage: Stage.Refiner,
      at: new Date().toISOString(),
    });
    await this.afterItem(jobId, true);
    return true;
  }

  /**
   * Marks a job final and says so (completed, failed); a cancelled job stays
   * cancelled. `note`: what a completed job lost on the way (its final log line).
   */
  async finish(
    jobId: string,
    status: typeof JobStatus.Completed | typeof JobStatus.Failed,
    error: string | null = null,
    note: string | null = null,
  ): Promise<void> {
    if (!(await this.jobs.finishRunning(jobId, status, error))) return;
    const message = error ?? (note ? `job ${status}: ${note}` : `job ${status}`);
    await this.logs.log(jobId, status === JobStatus.Completed ? (note ? 'warn' : 'info') : 'error', message, {
      stage: Stage.Exporter,
    });
    const at = new Date().toISOString();
    this.events.publish({ type: 'stage', jobId, status, stage: Stage.Exporter, at });
    this.events.publish({ type: 'done', jobId, status, error, at });
    await this.notifyFinished(jobId);
  }

  /** `job.completed` / `job.failed` to the project's webhooks: once, by the caller that finished the job. */
  private async notifyFinished(jobId: string): Promise<void> {
    const job = await this.em
      .fork()
      .findOne(Job, { id: jobId }, { fields: ['project', 'status', 'error', 'costTotal', 'completedAt'] });
    if (!job || (job.status !== JobStatus.Completed && job.status !== JobStatus.Failed)) return;
    const event = job.status === JobStatus.Completed ? 'job.completed' : 'job.failed';
    await emitWebhookEvent(this.em, this.dispatcher, job.project.id, event, {
      jobId,
      status: job.status,
      error: job.error ?? null,
      costTotal: Number(job.costTotal),
      completedAt: job.completedAt?.toISOString() ?? null,
      links: { job: `/api/jobs/${jobId}`, funnel: `/api/jobs/${jobId}/funnel`, exports: `/api/jobs/${jobId}/exports` },
    });
  }

  private async showStage(jobId: string, stage: Stage): Promise<void> {
    // The stage shown is for display (the dashboard, `datafactory status`): a second late is fine.
    const now = Date.now();
    const last = this.shown.get(jobId);
    if (last && last.stage === stage && now - last.at < 1000) return;
    if (!last && this.shown.size >= 256) this.shown.delete(this.shown.keys().next().value!);
    this.shown.set(jobId, { stage, at: now });
    if (await this.jobs.moveStage(jobId, stage, { notIn: [stage, Stage.Crawler, Stage.Exporter] })) {
      this.events.publish({ type: 'stage', jobId, status: JobStatus.Running, stage, at: new Date().toISOString() });
    }
  }

  private async tryHandOverToExport(jobId: string): Promise<void> {
    const won = await this.jobs.moveStage(jobId, Stage.Exporter, {
      status: JobStatus.Running,
      notIn: [Stage.Crawler, Stage.Exporter],
    });
    if (!won) return;
    this.events.publish({
      type: 'stage',
      jobId,
      status: JobStatus.Running,
      stage: Stage.Exporter,
      at: new Date().toISOString(),
    });
    await this.dispatcher.enqueue(QueueName.Export, { jobId } satisfies ExportItem, `export-${jobId}`);
  }
}
