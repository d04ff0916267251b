/**
 * The worker side of libs/pipeline (`@datafactory/pipeline/worker`): the
 * stage handlers, their BullMQ processors, the coordinator that moves a job
 * along, heartbeats, and the in-process runner of `datafactory run`. These
 * load the stages (Chromium's driver, the HTML parsers, the tokenizer); the
 * API imports only `@datafactory/pipeline`, the enqueue side.
 */
export * from './stage-handlers.js';
export * from './worker-runtime.module.js';
export * from './heartbeat.service.js';
export * from './stage.processors.js';
export * from './coordinator.js';
export * from './local-dispatcher.js';
export * from './handlers/index.js';
export * from './stage-handlers.module.js';
export * from './local-run.js';
export * from './embedded-pipeline.module.js';
export * from './llm-slots.js';
export * from './outcome.js';
export * from './crawl-hosts.js';
