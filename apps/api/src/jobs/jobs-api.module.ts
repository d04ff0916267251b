import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module.js';
import { JobStreamService } from './job-stream.service.js';
import { EstimateController } from './estimate.controller.js';
import { JobsController, ProjectJobsController } from './jobs.controller.js';
import { JobsApiService } from './jobs-api.service.js';

/** The jobs endpoints; JobsService (start, cancel) comes from the pipeline's global JobsModule. */
@Module({
  imports: [EventsModule],
  // EstimateController first: its path must win over `api/jobs/:id`.
  controllers: [EstimateController, ProjectJobsController, JobsController],
  providers: [JobsApiService, JobStreamService],
})
export class JobsApiModule {}
