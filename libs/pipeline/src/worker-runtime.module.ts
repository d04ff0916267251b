import { Module } from '@nestjs/common';
import { ActiveJobs } from './active-jobs.js';
import { HeartbeatService } from './heartbeat.service.js';
import { STAGE_PROCESSORS } from './stage.processors.js';

/** The handler side: only the worker imports this module. */
@Module({ providers: [ActiveJobs, HeartbeatService, ...STAGE_PROCESSORS], exports: [HeartbeatService] })
export class WorkerRuntimeModule {}
