import type { QueueName } from '@datafactory/contracts';
import type { Job } from 'bullmq';

/** What a stage lib provides to the worker: the work for one queue job. */
export interface StageHandler<Data = unknown, Result = unknown> {
  readonly queue: QueueName;
  handle(job: Job<Data>, signal: AbortSignal): Promise<Result>;
}

/** Multi-provider token under which stage libs register their handlers. */
export const STAGE_HANDLERS = Symbol('STAGE_HANDLERS');
