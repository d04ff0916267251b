import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import {
  type CrawlItem,
  emptyProgress,
  FINAL_JOB_STATUSES,
  jobCancelChannel,
  JobStatus,
  QueueName,
  Stage,
} from '@datafactory/contracts';
import { Job, Project } from '@datafactory/persistence';
import { Dispatcher } from './dispatcher.js';
import { JobEventsPublisher } from './job-events.js';
import { resolveJobConfig, validateUrls } from './job-input.js';
import { JobLogService } from './job-log.service.js';
import { operatorPolicy } from './operator-policy.js';
import { RedisClient } from './redis.js';

/** Something the request named does not exist (the API answers 404). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/**
 * Starting and cancelling jobs (the enqueue side). The API and the CLI call
 * this; the stage handlers in the worker do the work.
 */
@Injectable()
export class JobsService {
  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dispatcher: Dispatcher,
    private readonly events: JobEventsPublisher,
    private readonly logs: JobLogService,
    private readonly redis: RedisClient,
  ) {}

  /** Validates the request, stores the job and dispatches its URLs; throws JobInputError or NotFoundError. */
  async create(projectId: string, body: { urls: unknown; config?: unknown }): Promise<Job> {
    const job = await createJobRow(this.em, this.config, projectId, body);
    await this.dispatcher.enqueue(QueueName.Crawl, { jobId: job.id } satisfies CrawlItem, `crawl-${job.id}`);
    const urls = (job.config as { urls: string[] }).urls;
    await this.logs.log(job.id, 'info', `job started with ${urls.length} URL(s)`, { stage: Stage.Crawler });
    this.events.publish({
      type: 'stage',
      jobId: job.id,
      status: job.status,
      stage: job.stage ?? null,
      at: new Date().toISOString(),
    });
    return job;
  }

  /** Cancels a job that is not final yet: dispatch stops, in-flight work is aborted, finished items stay. */
  async cancel(jobId: string): Promise<Job> {
    const em = this.em.fork();
    const job = isUuid(jobId) ? await em.findOne(Job, { id: jobId }) : null;
    if (!job) throw new NotFoundError(`job ${jobId} not found`);
    if (FINAL_JOB_STATUSES.includes(job.status)) return job;
    job.status = JobStatus.Cancelled;
    job.completedAt = new Date();
    await em.flush();
    try {
      await this.redis.redis.publish(jobCancelChannel(this.redis.prefix), jobId);
    } catch {
      // Redis down: workers also see the status in the database before each item.
    }
    await this.logs.log(job.id, 'warn', 'job cancelled; finished items are kept');
    const at = new Date().toISOString();
    this.events.publish({ type: 'stage', jobId, status: job.status, stage: job.stage ?? null, at });
    this.events.publish({ type: 'done', jobId, status: job.status, error: null, at });
    return job;
  }
}

export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

/**
 * Validates a job request and stores the job, running, with its resolved
 * config (secrets never included) and the crawler's total set: the part of
 * starting a job that the API and `datafactory run` share.
 */
export async function createJobRow(
  rootEm: EntityManager,
  app: AppConfig,
  projectId: string,
  body: { urls: unknown; config?: unknown },
): Promise<Job> {
  const em = rootEm.fork();
  const project = isUuid(projectId) ? await em.findOne(Project, { id: projectId }) : null;
  if (!project) throw new NotFoundError(`project ${projectId} not found`);
  const urls = [...new Set(validateUrls(body.urls))];
  const config = resolveJobConfig(body.config ?? project.config, await operatorPolicy(app));
  const progress = emptyProgress();
  progress[Stage.Crawler].total = urls.length;
  const job = em.create(Job, {
    project,
    status: JobStatus.Running,
    stage: Stage.Crawler,
    config: { ...config, urls },
    progress,
    startedAt: new Date(),
  });
  await em.flush();
  return job;
}
