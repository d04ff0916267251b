/**
 * A job's stage counters (libs/persistence/src/job-counters.ts): items add to
 * counter shards in their own transactions, and a fold after each commit
 * writes the sum into the job's progress. On SQLite and PostgreSQL, with two
 * connection pools standing in for two workers.
 */
import { randomBytes } from 'node:crypto';
import { MikroORM } from '@mikro-orm/core';
import type { DatabaseConfig } from '@datafactory/config';
import { emptyProgress, type JobProgress, JobStatus, Stage } from '@datafactory/contracts';
import {
  addToJobCounters,
  countJob,
  createOrmConfig,
  foldJobCounters,
  Job,
  JobCounterShard,
  migrateDatabase,
  postgresqlMigrations,
  Project,
  readJobCounters,
  seedJobCounters,
  sqliteMigrations,
} from '@datafactory/persistence';
import { storedJobConfig, testDatabaseTargets } from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const targets = testDatabaseTargets('df-counters-');

const PROJECT = '11111111-1111-4111-8111-111111111111';
const JOB = '22222222-2222-4222-8222-222222222222';

const settled = (p: JobProgress) => [Stage.Crawler, Stage.Refiner].every((s) => p[s].done + p[s].failed >= p[s].total);

describe.each(targets)('job counters on $name', (target) => {
  let db: DatabaseConfig;
  let a: MikroORM;
  let b: MikroORM;

  beforeAll(async () => {
    db = target.db();
    await migrateDatabase(db);
    a = await MikroORM.init(createOrmConfig(db));
    // One process has one SQLite connection (better-sqlite3 waits for a lock synchronously).
    b = db.driver === 'sqlite' ? a : await MikroORM.init(createOrmConfig(db));
  });
  afterAll(async () => {
    await a?.close(true);
    if (b !== a) await b?.close(true);
    if (db) await target.cleanup(db);
  });

  const newJob = async (progress?: JobProgress) => {
    const em = a.em.fork();
    const project = em.create(Project, { name: `p ${randomBytes(3).toString('hex')}` });
    const job = em.create(Job, {
      project,
      status: JobStatus.Running,
      stage: Stage.Crawler,
      config: storedJobConfig({}, ['https://a.test/']),
    });
    if (progress) seedJobCounters(em, job, progress);
    await em.flush();
    return job.id;
  };

  it('keeps a new job seeded counts through the folds, and the fold after the last commit sees every item', async () => {
    const start = emptyProgress();
    start.crawler.total = 40;
    const jobId = await newJob(start);
    expect((await a.em.fork().findOneOrFail(Job, jobId)).progressSeq).toBe(40);
    expect(await a.em.fork().count(JobCounterShard, { job: jobId })).toBe(1);

    // 40 items at once, half through each pool: each counts itself in its transaction, then folds after commit.
    const seen: JobProgress[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const orm = i % 2 ? b : a;
        const counted = await orm.em.fork().transactional((tx) =>
          addToJobCounters(tx, jobId, {
            progress: { crawler: i % 8 === 0 ? { failed: 1 } : { done: 1 }, refiner: { total: 1, done: 1 } },
          }),
        );
        expect(counted).not.toBeNull();
        const folded = await foldJobCounters(orm.em.fork(), jobId);
        seen.push(folded!.progress);
      }),
    );
    // However the commits interleaved, at least one fold (the last committer's) saw them all.
    expect(seen.some(settled)).toBe(true);
    const job = await a.em.fork().findOneOrFail(Job, jobId);
    expect(job.progress).toEqual({
      ...emptyProgress(),
      crawler: { total: 40, done: 35, failed: 5 },
      refiner: { total: 40, done: 40, failed: 0 },
    });
    expect(job.progressSeq).toBe(40 + 40 + 80);
    // A fold with nothing new leaves the row as it is and says what it holds.
    expect((await foldJobCounters(b.em.fork(), jobId))?.progress).toEqual(job.progress);
  });

  it('reads the counts a fold would write without writing them', async () => {
    const start = emptyProgress();
    start.crawler.total = 3;
    const jobId = await newJob(start);
    for (const orm of [a, b, a]) {
      await orm.em
        .fork()
        .transactional((tx) =>
          addToJobCounters(tx, jobId, { progress: { crawler: { done: 1 }, refiner: { total: 2, done: 1 } } }),
        );
    }
    const read = await readJobCounters(b.em.fork(), jobId);
    expect(read?.progress).toEqual({
      ...emptyProgress(),
      crawler: { total: 3, done: 3, failed: 0 },
      refiner: { total: 6, done: 3, failed: 0 },
    });
    // On PostgreSQL the row is only written by a fold (SQLite folds in the item's transaction).
    const row = await a.em.fork().findOneOrFail(Job, jobId);
    expect(row.progressSeq).toBe(db.driver === 'sqlite' ? 3 + 9 + 3 : 3);
    expect((await foldJobCounters(a.em.fork(), jobId))?.progress).toEqual(read!.progress);
    expect(await readJobCounters(a.em.fork(), '00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('adds costs to the job row and progress to the shards, and refuses what cannot be a count', async () => {
    const jobId = await newJob();
    expect(await addToJobCounters(a.em.fork(), jobId, { cost: 0.25, costEstimated: 0.05 })).toEqual({
      costTotal: 0.25,
      costEstimated: 0.05,
    });
    const counted = await countJob(a.em.fork(), jobId, { progress: { exporter: { total: 1, done: 1 } }, cost: 0.5 });
    expect(counted?.costTotal).toBe(0.75);
    expect(counted?.progress.exporter).toEqual({ total: 1, done: 1, failed: 0 });
    // No progress and no cost: only says whether the job exists.
    expect(await addToJobCounters(a.em.fork(), jobId, {})).toEqual({ costTotal: null, costEstimated: null });
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(await addToJobCounters(a.em.fork(), missing, {})).toBeNull();
    expect(await addToJobCounters(a.em.fork(), missing, { progress: { crawler: { done: 1 } } })).toBeNull();
    expect(await countJob(a.em.fork(), missing, { progress: { crawler: { done: 1 } } })).toBeNull();
    await expect(addToJobCounters(a.em.fork(), jobId, { progress: { refiner: { done: -2 } } })).rejects.toThrow(
      /refiner\.done must not be negative/,
    );
  });

  it("moves an earlier version's job counts into shards when the database is migrated", async () => {
    const old = target.db();
    const orm = await MikroORM.init(createOrmConfig(old));
    try {
      const names = (old.driver === 'sqlite' ? sqliteMigrations : postgresqlMigrations).map((m) => m.name);
      const before = names[names.indexOf(names.find((n) => n.endsWith('_job_counter_shards'))!) - 1]!;
      if (old.driver === 'postgresql') {
        await orm.em.getConnection().execute(`create schema if not exists "${old.schema}"`, [], 'run');
      }
      await orm.migrator.up({ to: before });
      const conn = orm.em.getConnection();
      const progress = {
        ...emptyProgress(),
        crawler: { total: 7, done: 5, failed: 1 },
        refiner: { total: 5, done: 2, failed: 0 },
      };
      await conn.execute(
        `insert into projects (id, name, config, created_at, updated_at) values (?, 'old', '{}', ?, ?)`,
        [PROJECT, new Date(0).toISOString(), new Date(0).toISOString()],
      );
      await conn.execute(
        `insert into jobs (id, project_id, status, stage, config, progress, created_at, updated_at) values (?, ?, 'running', 'refiner', '{}', ?, ?, ?)`,
        [JOB, PROJECT, JSON.stringify(progress), new Date(0).toISOString(), new Date(0).toISOString()],
      );
      await orm.migrator.up();
      const job = await orm.em.fork().findOneOrFail(Job, JOB);
      expect(job.progressSeq).toBe(20);
      // The next item's fold adds to the old counts, not to zero.
      await orm.em.fork().transactional((tx) => addToJobCounters(tx, JOB, { progress: { refiner: { done: 1 } } }));
      expect((await foldJobCounters(orm.em.fork(), JOB))?.progress).toEqual({
        ...progress,
        refiner: { total: 5, done: 3, failed: 0 },
      });
    } finally {
      await orm.close(true);
      await target.cleanup(old);
    }
  });

  it.runIf(target.name === 'postgresql')(
    "lets an item count while another worker's item holds its counts uncommitted (no wait on the job row)",
    async () => {
      const jobId = await newJob();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let counted!: () => void;
      const firstCounted = new Promise<void>((resolve) => (counted = resolve));
      const slow = a.em.fork().transactional(async (tx) => {
        await addToJobCounters(tx, jobId, { progress: { crawler: { done: 1 } } });
        counted();
        await held; // the transaction stays open (its counts uncommitted) until the other item has committed
      });
      await firstCounted;
      // Through the other pool: were the counts on one row, this would wait for `slow`, which waits for it.
      await b.em
        .fork()
        .transactional((tx) =>
          addToJobCounters(tx, jobId, { progress: { crawler: { done: 1 }, refiner: { total: 1 } } }),
        );
      expect((await foldJobCounters(b.em.fork(), jobId))?.progress.crawler.done).toBe(1);
      release();
      await slow;
      expect((await foldJobCounters(a.em.fork(), jobId))?.progress.crawler.done).toBe(2);
    },
    20_000,
  );
});
