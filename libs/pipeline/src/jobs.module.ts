import { Global, Module } from '@nestjs/common';
import { BullDispatcher, Dispatcher } from './dispatcher.js';
import { JobEventsPublisher, RedisJobEventsPublisher } from './job-events.js';
import { JobLogService } from './job-log.service.js';
import { JobsService } from './jobs.service.js';
import { PIPELINE_MODE } from './pipeline-mode.js';
import { QueuesModule } from './queues.module.js';

/** Jobs for the API and the worker: start, cancel, log, publish events over Redis. */
@Global()
@Module({
  imports: [QueuesModule],
  providers: [
    JobsService,
    JobLogService,
    { provide: JobEventsPublisher, useClass: RedisJobEventsPublisher },
    { provide: Dispatcher, useClass: BullDispatcher },
    { provide: PIPELINE_MODE, useValue: 'distributed' },
  ],
  exports: [JobsService, JobLogService, JobEventsPublisher, Dispatcher, PIPELINE_MODE],
})
export class JobsModule {}
