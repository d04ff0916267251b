import type { EntityManager } from '@mikro-orm/core';
import type { AppConfig } from '@datafactory/config';
import type { Crawler } from '@datafactory/crawler';
import { StoredLlmKey } from '@datafactory/persistence';
import { PipelineCoordinator } from '../coordinator.js';
import type { Dispatcher } from '../dispatcher.js';
import type { JobEventsPublisher } from '../job-events.js';
import { JobLogService } from '../job-log.service.js';
import { LocalLlmSlots, type LlmSlots } from '../llm-slots.js';
import { type CrawlHosts, LocalCrawlHosts } from '../crawl-hosts.js';
import type { StageHandler } from '../stage-handlers.js';
import { CrawlHandler } from './crawl.handler.js';
import { ExportHandler } from './export.handler.js';
import { GenerateHandler } from './generate.handler.js';
import { InspectHandler } from './inspect.handler.js';
import { RefineHandler } from './refine.handler.js';
import { WebhookHandler, webhookSignature } from './webhook.handler.js';
import { ScheduleHandler } from './schedule.handler.js';

export {
  CrawlHandler,
  ExportHandler,
  GenerateHandler,
  InspectHandler,
  RefineHandler,
  WebhookHandler,
  webhookSignature,
};
export type { StageDeps, StoredJobConfig } from './stage-deps.js';

export interface StageHandlerSet {
  handlers: StageHandler[];
  coordinator: PipelineCoordinator;
  /** Releases threads and browsers the handlers hold. */
  close(): Promise<void>;
}

/** Every stage's handler over one set of services: the worker's and `datafactory run`'s. */
export function createStageHandlers(args: {
  em: EntityManager;
  config: AppConfig;
  events: JobEventsPublisher;
  dispatcher: Dispatcher;
  logs?: JobLogService;
  crawler?: ConstructorParameters<typeof Crawler>[0];
  llmSlots?: LlmSlots;
  /** Per-host pacing and robots.txt of each job's crawl (Redis across workers; memory in one process). */
  crawlHosts?: CrawlHosts;
}): StageHandlerSet {
  const logs = args.logs ?? new JobLogService(args.em, args.events);
  const coordinator = new PipelineCoordinator(args.em, args.events, logs, args.dispatcher);
  const deps = {
    em: args.em,
    config: args.config,
    coordinator,
    dispatcher: args.dispatcher,
    logs,
    llmSlots: args.llmSlots ?? new LocalLlmSlots(),
    llmKey: StoredLlmKey.inDataDir(args.config.dataDir),
  };
  const refine = new RefineHandler(deps);
  const webhooks = new WebhookHandler(deps);
  const crawl = new CrawlHandler(deps, args.crawlHosts ?? new LocalCrawlHosts(), args.crawler);
  const handlers: StageHandler[] = [
    crawl,
    refine,
    new GenerateHandler(deps),
    new InspectHandler(deps),
    new ExportHandler(deps),
    webhooks,
    new ScheduleHandler(deps),
  ];
  return {
    handlers,
    coordinator,
    close: async () => {
      await Promise.all([refine.close(), crawl.close(), webhooks.close()]);
      deps.llmSlots.close();
    },
  };
}
