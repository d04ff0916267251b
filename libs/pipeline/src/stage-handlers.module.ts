import { EntityManager } from '@mikro-orm/core';
import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { Dispatcher } from './dispatcher.js';
import { createStageHandlers, type StageHandlerSet } from './handlers/index.js';
import { JobEventsPublisher } from './job-events.js';
import { JobLogService } from './job-log.service.js';
import { STAGE_HANDLERS } from './stage-handlers.js';
import { RedisLlmSlots } from './llm-slots.js';
import { RedisCrawlHosts } from './crawl-hosts.js';
import { RedisClient } from './redis.js';

const HANDLER_SET = Symbol('HANDLER_SET');

/** The worker's stage handlers (only the worker imports this). */
@Global()
@Module({
  providers: [
    {
      provide: HANDLER_SET,
      inject: [EntityManager, APP_CONFIG, JobEventsPublisher, Dispatcher, JobLogService, RedisClient],
      useFactory: (
        em: EntityManager,
        config: AppConfig,
        events: JobEventsPublisher,
        dispatcher: Dispatcher,
        logs: JobLogService,
        redis: RedisClient,
      ) =>
        createStageHandlers({
          em,
          config,
          events,
          dispatcher,
          logs,
          llmSlots: new RedisLlmSlots(redis),
          crawlHosts: new RedisCrawlHosts(redis),
        }),
    },
    { provide: STAGE_HANDLERS, inject: [HANDLER_SET], useFactory: (set: StageHandlerSet) => set.handlers },
  ],
  exports: [STAGE_HANDLERS],
})
export class StageHandlersModule implements OnApplicationShutdown {
  constructor(@Inject(HANDLER_SET) private readonly set: StageHandlerSet) {}

  async onApplicationShutdown(): Promise<void> {
    await this.set.close();
  }
}
