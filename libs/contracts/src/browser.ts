/**
 * What the dashboard takes of libs/contracts (its tsconfig maps
 * `@datafactory/contracts` here): the names, enums and shapes it shows, not
 * the job-config schema, whose zod and re2js would triple the dashboard's
 * bundle. The server code imports index.ts, which has all of this too.
 */
export * from './queues.js';
export * from './jobs.js';
export * from './health.js';
export * from './events.js';
export * from './funnel.js';
export * from './webhooks.js';
