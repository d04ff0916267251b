/**
 * How this process runs jobs: `distributed` (BullMQ queues in Redis, worker
 * processes) or `embedded` (the stages in this process, queues in memory, no
 * Redis), which `npm start` picks when REDIS_URL is unset and nothing answers
 * at the default address.
 */
export type PipelineMode = 'embedded' | 'distributed';

/** Injection token of the process's PipelineMode (provided by JobsModule or EmbeddedPipelineModule). */
export const PIPELINE_MODE = Symbol('PIPELINE_MODE');
