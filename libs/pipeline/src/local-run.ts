import { type EntityManager, MikroORM } from '@mikro-orm/core';
import type { AppConfig } from '@datafactory/config';
import { type CrawlItem, type JobEvent, type JobFunnel, JobStatus, QueueName } from '@datafactory/contracts';
import { createOrmConfig, Export, Job, migrateDatabase, Project } from '@datafactory/persistence';
import type { Crawler } from '@datafactory/crawler';
import { createStageHandlers } from './handlers/index.js';
import { IN_PROCESS_CONCURRENCY, LocalDispatcher } from './local-dispatcher.js';
import { LocalJobEventsPublisher } from './job-events.js';
import { createJobRow, createRefreshRow } from './jobs.service.js';
import { loadJobFunnel } from './funnel.js';

export interface LocalRunOptions {
  urls: string[];
  /** The job config as a user gives it (any subset). */
  jobConfig?: Record<string, unknown>;
  /** Project name the job is filed under (created when missing). */
  projectName?: string;
  onEvent?: (event: JobEvent) => void;
  signal?: AbortSignal;
  /** Crawler options (tests map fixture host names). */
  crawler?: ConstructorParameters<typeof Crawler>[0];
}

export interface LocalRunResult {
  job: Job;
  export: Export | null;
  /** Where every row went. */
  funnel: JobFunnel | null;
}

/**
 * `datafactory run`: the whole pipeline in this process, on the configured
 * database (SQLite by default), with no Redis: the worker's stage handlers
 * behind an in-memory dispatcher.
 */
export async function runJobLocally(config: AppConfig, options: LocalRunOptions): Promise<LocalRunResult> {
  return runLocally(config, options, async (rootEm) => {
    const em = rootEm.fork();
    const name = options.projectName ?? 'datafactory run';
    const project =
      (await em.findOne(Project, { name })) ??
      em.create(Project, { name, description: 'Jobs started by `datafactory run`' });
    await em.flush();
    return createJobRow(rootEm, config, project.id, { urls: options.urls, config: options.jobConfig ?? {} });
  });
}

export interface LocalRefreshOptions extends Omit<LocalRunOptions, 'urls' | 'jobConfig' | 'projectName'> {
  /** The completed job to refresh (in the configured database). */
  jobId: string;
  /** The refresh's own budget (USD); the parent's otherwise. */
  maxCostUsd?: number;
}

/**
 * `datafactory refresh JOB`: a refresh of a completed job (see createRefreshRow) run in this process like
 * `datafactory run`. Throws NotFoundError or ConflictError before anything is fetched.
 */
export async function refreshJobLocally(config: AppConfig, options: LocalRefreshOptions): Promise<LocalRunResult> {
  return runLocally(config, options, (rootEm) =>
    createRefreshRow(rootEm, options.jobId, options.maxCostUsd !== undefined ? { maxCostUsd: options.maxCostUsd } : {}),
  );
}

async function runLocally(
  config: AppConfig,
  options: Pick<LocalRunOptions, 'onEvent' | 'signal' | 'crawler'>,
  createRow: (em: EntityManager) => Promise<Job>,
): Promise<LocalRunResult> {
  await migrateDatabase(config.database);
  const orm = await MikroORM.init(createOrmConfig(config.database) as Parameters<typeof MikroORM.init>[0]);
  const events = new LocalJobEventsPublisher();
  const subscription = options.onEvent ? events.events$.subscribe(options.onEvent) : undefined;
  const dispatcher = new LocalDispatcher(IN_PROCESS_CONCURRENCY);
  const set = createStageHandlers({ em: orm.em, config, events, dispatcher, crawler: options.crawler });
  dispatcher.register(set.handlers);
  const onAbort = () => dispatcher.abort(new Error('interrupted'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const job = await createRow(orm.em);
    await dispatcher.enqueue(QueueName.Crawl, { jobId: job.id } satisfies CrawlItem, `crawl-${job.id}`);
    await dispatcher.idle();
    if (options.signal?.aborted) {
      await orm.em
        .fork()
        .nativeUpdate(
          Job,
          { id: job.id, status: JobStatus.Running },
          { status: JobStatus.Cancelled, completedAt: new Date() },
        );
    }
    const final = await orm.em.fork().findOneOrFail(Job, { id: job.id });
    const exported = await orm.em.fork().findOne(Export, { job: job.id }, { orderBy: { createdAt: 'desc' } });
    const funnel = await loadJobFunnel(orm.em, job.id, { dataDir: config.dataDir });
    return { job: final, export: exported, funnel };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    subscription?.unsubscribe();
    await set.close();
    await orm.close();
  }
}
