export * from './redis.js';
export * from './queues.module.js';
export * from './worker-registry.js';
export * from './stage-handlers.js';
export * from './worker-runtime.module.js';
export * from './heartbeat.service.js';
export * from './stage.processors.js';
