export * from './queues.js';
export * from './jobs.js';
export * from './health.js';
export * from './events.js';
export * from './delay.js';
export * from './job-config/index.js';
export * from './funnel.js';
export * from './webhooks.js';
