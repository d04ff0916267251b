import { EntityManager } from '@mikro-orm/core';
import { Injectable, Logger } from '@nestjs/common';
import { FINAL_JOB_STATUSES, type JobEvent, type JobProgress } from '@datafactory/contracts';
import { Job, JobLog } from '@datafactory/persistence';
import { isUuid, NotFoundError } from '@datafactory/pipeline';
import type { Request, Response } from 'express';
import type { Subscription } from 'rxjs';
import { JobEventsHub } from '../events/job-events.hub.js';
import { formatSseEvent, mergeProgress, SSE_HEARTBEAT } from '../events/sse.js';

/** A comment every 15 s; each tick also checks the database, in case the `done` event was lost. */
export const HEARTBEAT_MS = 15_000;
/** Log lines replayed to a client that connects without a Last-Event-ID (the latest ones). */
export const FIRST_CONNECT_LOG_LINES = 200;
const LOG_BATCH = 500;
/** Tells EventSource how long to wait before reconnecting after a dropped connection. */
const RETRY_MS = 3_000;

/**
 * GET /api/jobs/{id}/stream, written by hand (rather than @Sse) for control
 * over `id:` lines, heartbeat comments and closing:
 * 1. the job's current state from the database, as a `stage` and a `progress` event;
 * 2. stored log lines: after Last-Event-ID when the client sends one (a
 *    reconnecting browser gets exactly the lines it missed), else the latest 200;
 * 3. live events from the hub (subscribed before the database is read, so
 *    nothing falls between; log lines already sent are skipped);
 * 4. `done`, then the end of the response, once the job is final.
 */
@Injectable()
export class JobStreamService {
  private readonly logger = new Logger(JobStreamService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly hub: JobEventsHub,
  ) {}

  async open(jobId: string, lastEventId: number | undefined, req: Request, res: Response): Promise<void> {
    // Subscribed before the database is read: events that arrive meanwhile wait here.
    const buffered: JobEvent[] = [];
    let deliver = (e: JobEvent): void => void buffered.push(e);
    const subscription = this.hub.forJob(jobId).subscribe((e) => deliver(e));
    let job: Job | null;
    try {
      job = isUuid(jobId) ? await this.em.fork().findOne(Job, { id: jobId }) : null;
    } catch (e) {
      subscription.unsubscribe();
      throw e;
    }
    if (!job) {
      subscription.unsubscribe();
      throw new NotFoundError(`job ${jobId} not found`);
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx and similar proxies would otherwise hold the events back in a buffer.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    const stream = new JobEventStream(this.em, res, job, subscription, this.logger);
    deliver = (e) => stream.push(e);
    req.on('close', () => stream.close());
    await stream.start(lastEventId, buffered);
  }
}

/** One client's stream; every write goes through one promise chain, so events keep their order. */
class JobEventStream {
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private lastLogId = 0;
  private counters?: { progress: JobProgress; costTotal: number };
  private readonly heartbeat: NodeJS.Timeout;
  private readonly jobId: string;

  constructor(
    private readonly em: EntityManager,
    private readonly res: Response,
    private readonly job: Job,
    private readonly subscription: Subscription,
    private readonly logger: Logger,
  ) {
    this.jobId = job.id;
    this.heartbeat = setInterval(() => this.enqueue(() => this.tick()), HEARTBEAT_MS);
  }

  async start(lastEventId: number | undefined, buffered: JobEvent[]): Promise<void> {
    this.enqueue(async () => {
      this.res.write(`retry: ${RETRY_MS}\n\n`);
      const at = (this.job.updatedAt ?? new Date()).toISOString();
      this.write({ type: 'stage', jobId: this.jobId, status: this.job.status, stage: this.job.stage ?? null, at });
      this.sendProgress({
        type: 'progress',
        jobId: this.jobId,
        progress: this.job.progress,
        costTotal: Number(this.job.costTotal),
        at,
      });
      if (lastEventId !== undefined) {
        this.lastLogId = lastEventId;
        await this.catchUpLogs();
      } else {
        await this.latestLogs();
      }
      if (FINAL_JOB_STATUSES.includes(this.job.status)) return this.finish(this.job);
    });
    for (const e of buffered) this.push(e);
    await this.chain;
  }

  push(event: JobEvent): void {
    this.enqueue(() => this.deliver(event));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.subscription.unsubscribe();
    if (!this.res.writableEnded) this.res.end();
  }

  private enqueue(step: () => Promise<void> | void): void {
    this.chain = this.chain
      .then(() => (this.closed ? undefined : step()))
      .catch((e: unknown) => {
        this.logger.warn(`job ${this.jobId} stream: ${(e as Error).message}`);
      });
  }

  private async deliver(event: JobEvent): Promise<void> {
    switch (event.type) {
      case 'log':
        if (event.id <= this.lastLogId) return;
        this.lastLogId = event.id;
        return this.write(event);
      case 'progress':
        return this.sendProgress(event);
      case 'stage':
        return this.write(event);
      case 'done': {
        // Log lines whose events were lost (or came through another process) are read before closing.
        await this.catchUpLogs();
        this.write(event);
        return this.close();
      }
    }
  }

  /** Heartbeat; and if the job became final without a `done` reaching us (Redis was down), finish from the database. */
  private async tick(): Promise<void> {
    this.res.write(SSE_HEARTBEAT);
    const job = await this.em.fork().findOne(Job, { id: this.jobId });
    if (!job) return this.close();
    if (FINAL_JOB_STATUSES.includes(job.status)) {
      this.sendProgress({
        type: 'progress',
        jobId: this.jobId,
        progress: job.progress,
        costTotal: Number(job.costTotal),
        at: job.updatedAt.toISOString(),
      });
      await this.catchUpLogs();
      await this.finish(job);
    }
  }

  private async finish(job: Job): Promise<void> {
    const at = (job.completedAt ?? job.updatedAt ?? new Date()).toISOString();
    this.write({ type: 'done', jobId: this.jobId, status: job.status, error: job.error ?? null, at });
    this.close();
  }

  private sendProgress(event: Extract<JobEvent, { type: 'progress' }>): void {
    this.counters = mergeProgress(this.counters, event);
    this.write({ ...event, ...this.counters });
  }

  private async latestLogs(): Promise<void> {
    const rows = await this.em
      .fork()
      .find(JobLog, { job: this.jobId }, { orderBy: { id: 'desc' }, limit: FIRST_CONNECT_LOG_LINES });
    for (const row of rows.reverse()) this.writeLog(row);
  }

  private async catchUpLogs(): Promise<void> {
    for (;;) {
      const rows = await this.em
        .fork()
        .find(JobLog, { job: this.jobId, id: { $gt: this.lastLogId } }, { orderBy: { id: 'asc' }, limit: LOG_BATCH });
      for (const row of rows) this.writeLog(row);
      if (rows.length < LOG_BATCH || this.closed) return;
    }
  }

  private writeLog(row: JobLog): void {
    this.lastLogId = Math.max(this.lastLogId, row.id);
    this.write({
      type: 'log',
      jobId: this.jobId,
      id: row.id,
      level: row.level,
      stage: row.stage ?? null,
      message: row.message,
      at: row.createdAt.toISOString(),
    });
  }

  private write(event: JobEvent): void {
    if (!this.closed) this.res.write(formatSseEvent(event));
  }
}
