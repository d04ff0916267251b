/**
 * Integration: the pipeline coordinator and the in-process dispatcher on a
 * real SQLite file, with stand-in stage handlers that write real rows. Checks
 * the orchestration itself: streaming hand-over between stages, counters,
 * failed items counted (the job still ends), export exactly once.
 */
import { MikroORM } from '@mikro-orm/sqlite';
import {
  type CrawlItem,
  type GenerateItem,
  type InspectItem,
  type JobEvent,
  JobStatus,
  QueueName,
  type RefineItem,
  Stage,
} from '@datafactory/contracts';
import { loadConfig } from '@datafactory/config';
import {
  Chunk,
  createOrmConfig,
  Job,
  migrateDatabase,
  Project,
  RawDocument,
  seedJobCounters,
  TrainingExample,
} from '@datafactory/persistence';
import { JobLogService, LocalJobEventsPublisher } from '@datafactory/pipeline';
import { LocalDispatcher, PipelineCoordinator, type StageHandler } from '@datafactory/pipeline/worker';
import { storedJobConfig, tempDir } from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('pipeline coordinator (in-process)', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let orm: MikroORM;

  beforeAll(async () => {
    dir = await tempDir();
    const config = loadConfig({ DATA_DIR: dir.path });
    await migrateDatabase(config.database);
    orm = await MikroORM.init(createOrmConfig(config.database) as never);
  });
  afterAll(async () => {
    await orm?.close();
    await dir?.remove();
  });

  it('streams items through the stages, counts failures, and exports once', async () => {
    const em = orm.em.fork();
    const project = em.create(Project, { name: 'p' });
    const urls = ['https://a.test/1', 'https://a.test/2', 'https://b.test/3', 'https://b.test/broken'];
    const progress = {
      crawler: { total: urls.length, done: 0, failed: 0 },
      refiner: { total: 0, done: 0, failed: 0 },
      generator: { total: 0, done: 0, failed: 0 },
      inspector: { total: 0, done: 0, failed: 0 },
      exporter: { total: 0, done: 0, failed: 0 },
    };
    const job = em.create(Job, {
      project,
      status: JobStatus.Running,
      stage: Stage.Crawler,
      config: storedJobConfig({}, urls),
      startedAt: new Date(),
    });
    seedJobCounters(em, job, progress);
    await em.flush();

    const events = new LocalJobEventsPublisher();
    const seen: JobEvent[] = [];
    events.events$.subscribe((e) => seen.push(e));
    const dispatcher = new LocalDispatcher({}, 1);
    const coordinator = new PipelineCoordinator(orm.em, events, new JobLogService(orm.em, events), dispatcher);
    let exports = 0;
    let generateAttempts = 0;

    const crawl: StageHandler<CrawlItem> = {
      queue: QueueName.Crawl,
      async handle({ jobId }) {
        for (const url of urls) {
          const f = orm.em.fork();
          const ok = !url.endsWith('broken');
          const doc = f.create(RawDocument, {
            job: f.getReference(Job, jobId),
            url,
            scrapeStatus: ok ? 'ok' : 'failed',
            error: ok ? null : 'HTTP 404',
          });
          await f.flush();
          const counters = await coordinator.count(jobId, {
            progress: { crawler: ok ? { done: 1 } : { failed: 1 }, refiner: { total: ok ? 1 : 0 } },
          });
          if (ok) await dispatcher.enqueue(QueueName.Refine, { jobId, documentId: doc.id }, `refine-${doc.id}`);
          await coordinator.afterItem(jobId, counters);
        }
        await coordinator.crawlFinished(jobId);
      },
      async fail() {},
    };
    const refine: StageHandler<RefineItem> = {
      queue: QueueName.Refine,
      async handle({ jobId, documentId }) {
        const f = orm.em.fork();
        const doc = f.getReference(RawDocument, documentId);
        const chunks = [0, 1].map((i) =>
          f.create(Chunk, {
            document: doc,
            job: f.getReference(Job, jobId),
            content: `${documentId} ${i}`,
            tokenCount: 2,
            chunkIndex: i,
          }),
        );
        await f.flush();
        const counters = await coordinator.count(jobId, {
          progress: { refiner: { done: 1 }, generator: { total: chunks.length } },
        });
        for (const c of chunks)
          await dispatcher.enqueue(QueueName.Generate, { jobId, chunkId: c.id }, `generate-${c.id}`);
        await coordinator.afterItem(jobId, counters);
      },
      async fail() {},
    };
    let failedChunk: string | undefined;
    const generate: StageHandler<GenerateItem> = {
      queue: QueueName.Generate,
      async handle({ jobId, chunkId }) {
        failedChunk ??= chunkId;
        if (chunkId === failedChunk) {
          generateAttempts++;
          throw new Error('the model answered nonsense');
        }
        const f = orm.em.fork();
        f.create(TrainingExample, {
          chunk: f.getReference(Chunk, chunkId),
          job: f.getReference(Job, jobId),
          templateType: 'qa',
          inputText: 'q?',
          outputText: 'a',
          modelUsed: 'm',
          cost: 0.5,
        });
        await f.flush();
        const counters = await coordinator.count(jobId, {
          progress: { generator: { done: 1 }, inspector: { total: 1 } },
          cost: 0.5,
        });
        await dispatcher.enqueue(QueueName.Inspect, { jobId, chunkId }, `inspect-${chunkId}`);
        await coordinator.afterItem(jobId, counters);
      },
      async fail({ jobId }) {
        await coordinator.afterItem(jobId, await coordinator.count(jobId, { progress: { generator: { failed: 1 } } }));
      },
    };
    const inspect: StageHandler<InspectItem> = {
      queue: QueueName.Inspect,
      async handle({ jobId }) {
        await coordinator.afterItem(jobId, await coordinator.count(jobId, { progress: { inspector: { done: 1 } } }));
      },
      async fail() {},
    };
    const exporter: StageHandler<{ jobId: string }> = {
      queue: QueueName.Export,
      async handle({ jobId }) {
        exports++;
        await coordinator.finish(jobId, JobStatus.Completed);
      },
      async fail() {},
    };
    dispatcher.register([crawl, refine, generate, inspect, exporter]);

    await dispatcher.enqueue(QueueName.Crawl, { jobId: job.id }, `crawl-${job.id}`);
    await dispatcher.idle();

    const done = await orm.em.fork().findOneOrFail(Job, job.id);
    expect(done.status).toBe(JobStatus.Completed);
    expect(done.stage).toBe(Stage.Exporter);
    expect(done.progress).toMatchObject({
      crawler: { total: 4, done: 3, failed: 1 },
      refiner: { total: 3, done: 3, failed: 0 },
      generator: { total: 6, done: 5, failed: 1 },
      inspector: { total: 5, done: 5, failed: 0 },
    });
    expect(Number(done.costTotal)).toBeCloseTo(2.5);
    expect(exports).toBe(1);
    expect(generateAttempts).toBe(3);
    expect(await orm.em.fork().count(TrainingExample, { job: job.id })).toBe(5);

    // Counters in the progress events never go backwards, and `done` comes last.
    const progressEvents = seen.filter((e) => e.type === 'progress');
    for (let i = 1; i < progressEvents.length; i++) {
      for (const stage of ['crawler', 'refiner', 'generator', 'inspector'] as const) {
        const before = progressEvents[i - 1]!.progress[stage];
        const after = progressEvents[i]!.progress[stage];
        expect(after.done + after.failed).toBeGreaterThanOrEqual(before.done + before.failed);
      }
    }
    expect(seen.at(-1)).toMatchObject({ type: 'done', status: 'completed' });
  });
});
