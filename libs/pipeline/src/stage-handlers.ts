import type { QueueName } from '@datafactory/contracts';

export interface StageContext {
  /** Aborted when the pipeline job is cancelled or the process stops. */
  signal: AbortSignal;
  /** 1 for the first try. */
  attempt: number;
}

/**
 * What a stage provides to the pipeline: the work for one queue item. It does
 * not know whether it runs under BullMQ, in the CLI or in a test.
 *
 * `handle` must be idempotent: after a crash the same item runs again, and it
 * must neither duplicate rows nor count twice. When it throws, the item is
 * retried; when retries are used up (or the error is a BullMQ
 * UnrecoverableError), `fail` records the item as failed with the reason, so
 * the job still ends.
 */
export interface StageHandler<Data = unknown, Result = unknown> {
  readonly queue: QueueName;
  handle(data: Data, ctx: StageContext): Promise<Result>;
  fail(data: Data, error: Error): Promise<void>;
}

/** Multi-provider token under which the stage handlers are registered. */
export const STAGE_HANDLERS = Symbol('STAGE_HANDLERS');
