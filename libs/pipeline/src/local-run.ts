import { MikroORM } from '@mikro-orm/core';
import type { AppConfig } from '@datafactory/config';
import { type CrawlItem, type JobEvent, type JobFunnel, JobStatus, QueueName } from '@datafactory/contracts';
import { createOrmConfig, Export, Job, migrateDatabase, Project } from '@datafactory/persistence';
import type { Crawler } from '@datafactory/crawler';
import { createStageHandlers } from './handlers/index.js';
import { IN_PROCESS_CONCURRENCY, LocalDispatcher } from './local-dispatcher.js';
import { LocalJobEventsPublisher } from './job-events.js';
import { createJobRow } from './jobs.service.js';
import { loadJobFunnel } from './funnel.js';
import type { UploadedFile } from './uploads.js';

export interface LocalRunOptions {
  urls: string[];
  /** Local files (read already) that enter at the refiner, with or without URLs. */
  files?: UploadedFile[];
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
    const em = orm.em.fork();
    const name = options.projectName ?? 'datafactory run';
    const project =
      (await em.findOne(Project, { name })) ??
      em.create(Project, { name, description: 'Jobs started by `datafactory run`' });
    await em.flush();
    const job = await createJobRow(orm.em, config, project.id, {
      urls: options.urls,
      config: options.jobConfig ?? {},
      files: options.files,
    });
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
