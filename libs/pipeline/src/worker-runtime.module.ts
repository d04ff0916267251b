import { Module } from '@nestjs/common';
import { ActiveJobs } from './active-jobs.js';
import { Cancellations } from './cancellations.js';
import { HeartbeatService } from './heartbeat.service.js';
import { STAGE_PROCESSORS } from './stage.processors.js';

/** The handler side: only the worker imports this module. */
@Module({
  providers: [ActiveJobs, Cancellations, HeartbeatService, ...STAGE_PROCESSORS],
  exports: [HeartbeatService, Cancellations],
})
export class WorkerRuntimeModule {}
