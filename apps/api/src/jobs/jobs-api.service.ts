import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { LOG_LEVELS, type LogLevel } from '@datafactory/contracts';
import { Job, JobLog, Project } from '@datafactory/persistence';
import { isUuid, JobsService, loadJobFunnel, NotFoundError } from '@datafactory/pipeline';
import type { JobFunnelResponseDto } from './funnel.dto.js';
import type {
  CreateJobRequestDto,
  JobLogPageResponseDto,
  JobPageResponseDto,
  JobResponseDto,
  RefreshJobRequestDto,
} from './job.dto.js';
import { toJobLogResponse, toJobResponse } from './job.mapper.js';

/** Levels at or above `min`: the logs endpoint's `level` is a minimum. */
export function levelsFrom(min: LogLevel): LogLevel[] {
  return LOG_LEVELS.slice(LOG_LEVELS.indexOf(min));
}

/** The jobs API over the pipeline: starting and cancelling go to JobsService; reads go to the database. */
@Injectable()
export class JobsApiService {
  constructor(
    private readonly em: EntityManager,
    private readonly jobs: JobsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(projectId: string, body: CreateJobRequestDto): Promise<JobResponseDto> {
    const job = await this.jobs.create(projectId, body);
    return toJobResponse(job);
  }

  async list(projectId: string, page: number, pageSize: number): Promise<JobPageResponseDto> {
    const project = isUuid(projectId) ? await this.em.findOne(Project, { id: projectId }) : null;
    if (!project) throw new NotFoundError(`project ${projectId} not found`);
    const [items, total] = await this.em.findAndCount(
      Job,
      { project },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: pageSize, offset: (page - 1) * pageSize },
    );
    const now = new Date();
    return { items: items.map((j) => toJobResponse(j, now)), total, page, pageSize };
  }

  async get(jobId: string): Promise<JobResponseDto> {
    return toJobResponse(await this.find(jobId));
  }

  /** Where every row of the job went, computed from its stored rows. */
  async funnel(jobId: string): Promise<JobFunnelResponseDto> {
    const job = await this.find(jobId);
    const funnel = await loadJobFunnel(this.em, job.id, { dataDir: this.config.dataDir });
    if (!funnel) throw new NotFoundError(`job ${jobId} not found`);
    return funnel;
  }

  /** A refresh of a completed job: a new job, running (404 unknown job, 409 not completed). */
  async refresh(jobId: string, body: RefreshJobRequestDto): Promise<JobResponseDto> {
    const job = await this.jobs.refresh(jobId, body.maxCostUsd !== undefined ? { maxCostUsd: body.maxCostUsd } : {});
    return toJobResponse(job);
  }

  async cancel(jobId: string): Promise<JobResponseDto> {
    return toJobResponse(await this.jobs.cancel(jobId));
  }

  async logs(
    jobId: string,
    query: { level?: LogLevel; after?: number; page: number; pageSize: number },
  ): Promise<JobLogPageResponseDto> {
    const job = await this.find(jobId);
    const [items, total] = await this.em.findAndCount(
      JobLog,
      {
        job,
        ...(query.level ? { level: { $in: levelsFrom(query.level) } } : {}),
        ...(query.after !== undefined ? { id: { $gt: query.after } } : {}),
      },
      { orderBy: { id: 'asc' }, limit: query.pageSize, offset: (query.page - 1) * query.pageSize },
    );
    return { items: items.map(toJobLogResponse), total, page: query.page, pageSize: query.pageSize };
  }

  private async find(jobId: string): Promise<Job> {
    const job = isUuid(jobId) ? await this.em.findOne(Job, { id: jobId }) : null;
    if (!job) throw new NotFoundError(`job ${jobId} not found`);
    return job;
  }
}
