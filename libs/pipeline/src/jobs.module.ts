import { Global, Module } from '@nestjs/common';
import { BullDispatcher, Dispatcher } from './dispatcher.js';
import { JobEventsPublisher, RedisJobEventsPublisher } from './job-events.js';
import { JobLogService } from './job-log.service.js';
import { JobsService } from './jobs.service.js';
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
  ],
  exports: [JobsService, JobLogService, JobEventsPublisher, Dispatcher],
})
export class JobsModule {}
