import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnApplicationBootstrap, type OnModuleDestroy, Optional } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { QueueName } from '@datafactory/contracts';
import { type Job, UnrecoverableError } from 'bullmq';
import { ActiveJobs } from './active-jobs.js';
import { Cancellations } from './cancellations.js';
import { STAGE_HANDLERS, type StageHandler } from './stage-handlers.js';

/** The least a worker runs at once of the queues whose items mostly wait (crawl, generate). */
export const WAITING_QUEUE_MIN_CONCURRENCY = 16;

/**
 * Queue items a worker runs at once: WORKER_CONCURRENCY for the stages that
 * use the CPU (refine, inspect, export). A crawl item mostly waits for its
 * host's turn and a generate item for the LLM's reply, while the job's own
 * limits bound the real work (`max_concurrent` per process, per-host pacing
 * and `max_concurrent_llm` across workers, in Redis); so those two queues get
 * at least WAITING_QUEUE_MIN_CONCURRENCY. With 4 for every queue, one worker
 * never made the 5 calls at once a job asks for by default, and two workers
 * never more than 8, whatever `max_concurrent_llm` said.
 */
export function queueConcurrency(queue: QueueName, workerConcurrency: number): number {
  return queue === QueueName.Crawl || queue === QueueName.Generate
    ? Math.max(workerConcurrency, WAITING_QUEUE_MIN_CONCURRENCY)
    : workerConcurrency;
}

/**
 * The consumer side of one stage queue. Thin: it logs, counts, and hands the
 * job to the handler the stage lib registered. A queue without a handler
 * fails its jobs as unrecoverable, saying so, rather than retrying forever.
 */
abstract class StageProcessor extends WorkerHost implements OnApplicationBootstrap, OnModuleDestroy {
  protected abstract readonly queue: QueueName;
  private readonly logger = new Logger(this.constructor.name);
  private handler?: StageHandler;
  private readonly controller = new AbortController();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly active: ActiveJobs,
    private readonly cancellations: Cancellations,
    @Optional() @Inject(STAGE_HANDLERS) private readonly handlers: StageHandler[] | null,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.handler = (this.handlers ?? []).find((h) => h.queue === this.queue);
    this.worker.concurrency = queueConcurrency(this.queue, this.config.worker.concurrency);
  }

  /**
   * The first shutdown hook: stop taking jobs at once and wait for the ones in
   * flight (BullMQ's close()). Waiting for onApplicationShutdown instead would
   * let the worker pick up new jobs while the other hooks run.
   */
  async onModuleDestroy(): Promise<void> {
    await this.worker.close();
  }

  async process(job: Job): Promise<unknown> {
    if (!this.handler) throw new UnrecoverableError(`queue "${this.queue}" has no handler in this worker`);
    this.active.count++;
    this.logger.debug(`start ${this.queue} job ${job.id}`);
    const jobId = (job.data as { jobId?: string }).jobId;
    const signal = jobId
      ? AbortSignal.any([this.controller.signal, this.cancellations.signalFor(jobId)])
      : this.controller.signal;
    try {
      const result = await this.handler.handle(job.data, { signal, attempt: job.attemptsMade + 1 });
      this.logger.debug(`done ${this.queue} job ${job.id}`);
      return result;
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      const final = error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (!final) throw error;
      // Retries used up: the item is recorded as failed (with the reason) and the job goes on.
      await this.handler.fail(job.data, error);
      return { failed: error.message };
    } finally {
      this.active.count--;
    }
  }

  /**
   * Without a listener BullMQ prints a multi-line stack for every failed reconnect of the worker's connections;
   * RedisClient already logs one line per outage transition (down, back up).
   */
  @OnWorkerEvent('error')
  onError(): void {}

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.warn(`${this.queue} job ${job?.id ?? '?'} failed: ${error.message}`);
  }
}

@Processor(QueueName.Crawl)
export class CrawlProcessor extends StageProcessor {
  protected readonly queue = QueueName.Crawl;
}
@Processor(QueueName.Refine)
export class RefineProcessor extends StageProcessor {
  protected readonly queue = QueueName.Refine;
}
@Processor(QueueName.Generate)
export class GenerateProcessor extends StageProcessor {
  protected readonly queue = QueueName.Generate;
}
@Processor(QueueName.Inspect)
export class InspectProcessor extends StageProcessor {
  protected readonly queue = QueueName.Inspect;
}
@Processor(QueueName.Export)
export class ExportProcessor extends StageProcessor {
  protected readonly queue = QueueName.Export;
}

@Processor(QueueName.Webhook)
export class WebhookProcessor extends StageProcessor {
  protected readonly queue = QueueName.Webhook;
}

@Processor(QueueName.Schedule)
export class ScheduleProcessor extends StageProcessor {
  protected readonly queue = QueueName.Schedule;
}

export const STAGE_PROCESSORS = [
  CrawlProcessor,
  RefineProcessor,
  GenerateProcessor,
  InspectProcessor,
  ExportProcessor,
  WebhookProcessor,
  ScheduleProcessor,
];
