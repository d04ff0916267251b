import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { jobCancelChannel, QueueName } from '@datafactory/contracts';
import type { Queue } from 'bullmq';
import { RedisClient } from './redis.js';

/** How a stage hands items to the next one: BullMQ in the worker, in memory in `datafactory run`. */
export abstract class Dispatcher {
  /**
   * Adds an item; `id` makes it idempotent (adding the same id twice runs it once). `retry` overrides
   * the attempts (default ITEM_ATTEMPTS) and the first backoff delay, which doubles at each retry.
   */
  abstract enqueue(queue: QueueName, data: object, id: string, retry?: RetryPolicy): Promise<void>;
  /** Can it take work now? (False while Redis is down; job creation then answers 503 at once.) */
  abstract isReady(): boolean;
  /** Tells every process working on the job to abort its in-flight items (they also check the job's status). */
  abstract cancel(jobId: string): Promise<void>;
}

/** Retries of a per-item queue job before its item is recorded as failed. */
export const ITEM_ATTEMPTS = 3;

export interface RetryPolicy {
  attempts: number;
  /** Delay before the second attempt; each further one waits twice as long. */
  backoffMs: number;
}

@Injectable()
export class BullDispatcher extends Dispatcher {
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QueueName.Crawl) crawl: Queue,
    @InjectQueue(QueueName.Refine) refine: Queue,
    @InjectQueue(QueueName.Generate) generate: Queue,
    @InjectQueue(QueueName.Inspect) inspect: Queue,
    @InjectQueue(QueueName.Export) exportQueue: Queue,
    @InjectQueue(QueueName.Webhook) webhook: Queue,
    private readonly redis: RedisClient,
  ) {
    super();
    this.queues = { crawl, refine, generate, inspect, export: exportQueue, webhook };
    // BullMQ prints a multi-line stack for every failed reconnect of a queue with no 'error' listener;
    // RedisClient already logs one line per outage transition (down, back up).
    for (const queue of Object.values(this.queues)) queue.on('error', () => undefined);
  }

  async enqueue(queue: QueueName, data: object, id: string, retry?: RetryPolicy): Promise<void> {
    await this.queues[queue].add(queue, data, {
      jobId: id,
      attempts: retry?.attempts ?? ITEM_ATTEMPTS,
      backoff: { type: 'exponential', delay: retry?.backoffMs ?? 1_000 },
    });
  }

  isReady(): boolean {
    return this.redis.redis.status === 'ready';
  }

  async cancel(jobId: string): Promise<void> {
    await this.redis.redis.publish(jobCancelChannel(this.redis.prefix), jobId);
  }
}
