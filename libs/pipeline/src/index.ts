/** The enqueue side of libs/pipeline, what the API uses; the worker side is `@datafactory/pipeline/worker`. */
export * from './redis.js';
export * from './queues.module.js';
export * from './worker-registry.js';
export * from './job-events.js';
export * from './job-log.service.js';
export * from './job-input.js';
export * from './jobs.service.js';
export * from './jobs.module.js';
export * from './pipeline-mode.js';
export * from './dispatcher.js';
export * from './cancellations.js';
export * from './estimate.js';
export * from './operator-policy.js';
export * from './funnel.js';
export * from './uploads.js';
