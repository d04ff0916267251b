export * from './queues.js';
export * from './jobs.js';
export * from './health.js';
export * from './events.js';
export * from './delay.js';
