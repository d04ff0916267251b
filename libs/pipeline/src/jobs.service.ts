import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, redactUrl } from '@datafactory/config';
import {
  type CrawlItem,
  emptyProgress,
  FINAL_JOB_STATUSES,
  isUuid,
  JobStatus,
  QueueName,
  Stage,
  type StoredJobConfig,
  usesLlm,
} from '@datafactory/contracts';
import { Job, JobRepository, Project, seedJobCounters } from '@datafactory/persistence';
import { Dispatcher } from './dispatcher.js';
import { JobEventsPublisher } from './job-events.js';
import { resolveJobConfig, validateUrls } from './job-input.js';
import { JobLogService } from './job-log.service.js';
import { operatorPolicy } from './operator-policy.js';
import { preflightJob } from './preflight.js';
import { withTimeout } from './redis.js';
import { isUploadUrl, storeUploads, type UploadedFile, validateUploads } from './uploads.js';

/** A job request: URLs and/or files, and the job config. */
export interface JobRequest {
  urls?: unknown;
  config?: unknown;
  /** Files that enter the pipeline at the refiner (multipart uploads, `datafactory run FILE...`). */
  files?: UploadedFile[];
}

/** The queue (Redis) cannot take the job now (the API answers 503); no job is left running. */
export class QueueUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueUnavailableError';
  }
}

/** How long job creation waits for the queue before it gives up (BullMQ would retry a command for ~30 s). */
export const ENQUEUE_TIMEOUT_MS = 4_000;

/** Something the request named does not exist (the API answers 404). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** The request does not fit the resource's state (the API answers 409): e.g. refreshing a job still running. */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
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
  ) {}

  /** Validates the request, stores the job and dispatches its URLs; throws JobInputError or NotFoundError. */
  async create(projectId: string, body: JobRequest): Promise<Job> {
    const job = await createJobRow(this.em, this.config, projectId, body);
    await this.enqueueOrFail(job);
    const urls = (job.config as { urls: string[] }).urls;
    const files = urls.filter(isUploadUrl).length;
    await this.logs.log(
      job.id,
      'info',
      `job started with ${urls.length - files} URL(s)${files ? ` and ${files} uploaded file(s)` : ''}`,
      { stage: Stage.Crawler },
    );
    this.events.publish({
      type: 'stage',
      jobId: job.id,
      status: job.status,
      stage: job.stage ?? null,
      at: new Date().toISOString(),
    });
    return job;
  }

  /**
   * Hands the job's crawl to the queue, or, when Redis cannot take it within
   * ENQUEUE_TIMEOUT_MS, marks the job failed (so no row stays `running`) and
   * throws QueueUnavailableError naming Redis.
   */
  private async enqueueOrFail(job: Job): Promise<void> {
    const unavailable = `queue unavailable: Redis at ${redactUrl(this.config.redis.url)} is not reachable`;
    let problem: string | undefined;
    if (!this.dispatcher.isReady()) {
      problem = unavailable;
    } else {
      const pending = this.dispatcher.enqueue(
        QueueName.Crawl,
        { jobId: job.id } satisfies CrawlItem,
        `crawl-${job.id}`,
      );
      // A late rejection of the abandoned command must not become an unhandled one.
      pending.catch(() => undefined);
      try {
        await withTimeout(pending, ENQUEUE_TIMEOUT_MS, unavailable);
      } catch (e) {
        problem =
          e instanceof Error && e.message === unavailable ? unavailable : `${unavailable} (${(e as Error).message})`;
      }
    }
    if (problem === undefined) return;
    await new JobRepository(this.em).finishRunning(job.id, JobStatus.Failed, `${problem}; nothing was fetched`);
    throw new QueueUnavailableError(problem);
  }

  /**
   * Starts a refresh of a completed job: a new job (`refresh_of` = the parent) with the parent's config
   * that fetches the parent's pages again conditionally and generates only what changed (see
   * createRefreshRow). Throws NotFoundError, ConflictError (the job has not completed) or JobInputError.
   */
  async refresh(jobId: string, options: RefreshOptions = {}): Promise<Job> {
    const job = await createRefreshRow(this.em, jobId, options);
    await this.enqueueOrFail(job);
    await this.logs.log(job.id, 'info', `refresh of job ${jobId} started`, {
      stage: Stage.Crawler,
      context: { refreshOf: jobId },
    });
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
      await this.dispatcher.cancel(jobId);
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

export { isUuid };

/**
 * Validates a job request and stores the job, running, with its resolved
 * config (secrets never included) and the crawler's total set: the part of
 * starting a job that the API and `datafactory run` share.
 */
export async function createJobRow(
  rootEm: EntityManager,
  app: AppConfig,
  projectId: string,
  body: JobRequest,
): Promise<Job> {
  const em = rootEm.fork();
  const project = isUuid(projectId) ? await em.findOne(Project, { id: projectId }) : null;
  if (!project) throw new NotFoundError(`project ${projectId} not found`);
  const uploads = body.files?.length ? validateUploads(body.files, app.uploads) : [];
  // With files, URLs are optional.
  const noUrls = body.urls === undefined || (Array.isArray(body.urls) && body.urls.length === 0);
  const urls = uploads.length && noUrls ? [] : [...new Set(validateUrls(body.urls))];
  const config = resolveJobConfig(body.config ?? project.config, await operatorPolicy(app));
  // Checked before anything is fetched or paid for: a job whose every chunk would fail is refused now.
  await preflightJob(app.dataDir, config);
  const progress = emptyProgress();
  // An uploaded file counts as a URL fetched (its `upload:` URL is in the job's list) and a page to refine.
  progress[Stage.Crawler].total = urls.length + uploads.length;
  progress[Stage.Crawler].done = uploads.length;
  progress[Stage.Refiner].total = uploads.length;
  const job = em.create(Job, {
    project,
    status: JobStatus.Running,
    stage: Stage.Crawler,
    config: { ...config, urls: [...urls, ...uploads.map((u) => u.url)] },
    startedAt: new Date(),
  });
  seedJobCounters(em, job, progress);
  await storeUploads(em, app.dataDir, job, uploads);
  await em.flush();
  return job;
}

/** What a refresh may change of its parent's config. */
export interface RefreshOptions {
  /** The refresh's own budget (USD) for LLM calls; the parent's `generation.max_cost_usd` otherwise. */
  maxCostUsd?: number;
}

/**
 * Stores the refresh of a completed job, running: a new job in the same project, `refresh_of` set, with
 * the parent's resolved config (its URLs are the parent's given URLs; the crawl adds every page the
 * parent fetched). Its chunks are deduplicated within the job (`dedup_scope: job`): against the project
 * they would all be duplicates of the parent's. Shared by the API and `datafactory refresh`.
 */
export async function createRefreshRow(
  rootEm: EntityManager,
  parentId: string,
  options: RefreshOptions = {},
): Promise<Job> {
  const em = rootEm.fork();
  const parent = isUuid(parentId) ? await em.findOne(Job, { id: parentId }) : null;
  if (!parent) throw new NotFoundError(`job ${parentId} not found`);
  if (parent.status !== JobStatus.Completed) {
    throw new ConflictError(`job ${parentId} is ${parent.status}: only a completed job can be refreshed`);
  }
  const stored = parent.config;
  // A refresh fetches its pages again; an uploaded file has nothing to fetch (decision: refused, not half-done).
  const uploaded = stored.urls.filter((u) => isUploadUrl(u)).length;
  if (uploaded > 0) {
    throw new ConflictError(
      `job ${parentId} has ${uploaded} uploaded file(s): a refresh fetches web pages again and cannot refresh ` +
        'uploads; start a new job with the new files instead',
    );
  }
  const generation =
    options.maxCostUsd !== undefined && usesLlm(stored.generation)
      ? { ...stored.generation, max_cost_usd: options.maxCostUsd }
      : stored.generation;
  const config = {
    ...stored,
    generation,
    processing: { ...stored.processing, dedup_scope: 'job' as const },
  } as StoredJobConfig;
  const progress = emptyProgress();
  progress[Stage.Crawler].total = config.urls.length;
  const job = em.create(Job, {
    project: parent.project,
    status: JobStatus.Running,
    stage: Stage.Crawler,
    config,
    refreshOf: parent.id,
    startedAt: new Date(),
  });
  seedJobCounters(em, job, progress);
  await em.flush();
  return job;
}
