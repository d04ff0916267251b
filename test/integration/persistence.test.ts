import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { EntityManager, MikroORM } from '@mikro-orm/core';
import { EntityManager as SqlEntityManager } from '@mikro-orm/sql';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigModule, type DatabaseConfig, loadConfig, PACKAGE_ROOT, parseDatabaseUrl } from '@datafactory/config';
import { emptyProgress, JobStatus, LogLevel, ScrapeStatus, Stage } from '@datafactory/contracts';
import {
  addToJobCounters,
  foldJobCounters,
  checkDatabase,
  pickDistractorChunks,
  JobRepository,
  StatsRepository,
  Chunk,
  createMigration,
  createOrmConfig,
  Export,
  Job,
  JobLog,
  LlmCall,
  LlmCallRepository,
  migrateDatabase,
  MIGRATIONS_SOURCE_DIR,
  pendingMigrations,
  PersistenceModule,
  postgresqlMigrations,
  Project,
  RawDocument,
  sqliteMigrations,
  TrainingExample,
} from '@datafactory/persistence';
import { storedJobConfig } from '@datafactory/testing';

/*
 * One suite, run on a temporary SQLite file and on a fresh PostgreSQL schema
 * of the shared server (dropped afterwards; no other schema is touched).
 */

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const RUN_ID = `${process.pid}_${randomBytes(4).toString('hex')}`;
let serial = 0;

interface Target {
  name: 'sqlite' | 'postgresql';
  /** A database that does not exist yet (a file path in a new temp folder, or a new schema name). */
  fresh(): { db: DatabaseConfig; url: string; dataDir: string };
  /** Removes what fresh() handed out. */
  cleanup(db: DatabaseConfig): Promise<void>;
}

const sqliteTarget: Target = {
  name: 'sqlite',
  fresh() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'df-persistence-'));
    // A nested folder that does not exist: migrateDatabase/createOrmConfig must create it.
    const file = path.join(dir, 'data', 'datafactory.db');
    return { db: { driver: 'sqlite', path: file, busyTimeoutMs: 10_000 }, url: `sqlite:${file}`, dataDir: dir };
  },
  async cleanup(db) {
    if (db.driver === 'sqlite') rmSync(path.dirname(path.dirname(db.path)), { recursive: true, force: true });
  },
};

const postgresTarget: Target = {
  name: 'postgresql',
  fresh() {
    const schema = `df_test_${RUN_ID}_${serial++}`;
    const url = `${PG_URL}?schema=${schema}`;
    return { db: parseDatabaseUrl(url, os.tmpdir(), 0), url, dataDir: os.tmpdir() };
  },
  async cleanup(db) {
    if (db.driver !== 'postgresql' || !db.schema?.startsWith(`df_test_${RUN_ID}_`)) return;
    const orm = await MikroORM.init(createOrmConfig({ driver: 'postgresql', url: db.url }));
    try {
      await orm.em.getConnection().execute(`drop schema if exists "${db.schema}" cascade`, [], 'run');
    } finally {
      await orm.close(true);
    }
  },
};

const TARGETS = [sqliteTarget, postgresTarget];

async function openOrm(db: DatabaseConfig): Promise<MikroORM> {
  return MikroORM.init(createOrmConfig(db));
}

function migrationNames(db: DatabaseConfig): string[] {
  return (db.driver === 'sqlite' ? sqliteMigrations : postgresqlMigrations).map((m) => m.name);
}

async function rows<T>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await em.getConnection().execute(sql, params, 'all')) as T[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(TARGETS)('persistence on $name', (target) => {
  const handedOut: DatabaseConfig[] = [];
  const fresh = () => {
    const f = target.fresh();
    handedOut.push(f.db);
    return f;
  };
  let main: ReturnType<Target['fresh']>;
  let db: DatabaseConfig;
  let orm: MikroORM;

  beforeAll(() => {
    main = fresh();
    db = main.db;
  });

  afterAll(async () => {
    await orm?.close(true);
    for (const d of handedOut) await target.cleanup(d);
  });

  it('reports every migration pending on a fresh database, without creating anything', async () => {
    expect(migrationNames(db).length).toBeGreaterThan(0);
    expect(await pendingMigrations(db)).toEqual(migrationNames(db));
    if (db.driver === 'sqlite') {
      expect(existsSync(db.path)).toBe(false);
    } else {
      const probe = await openOrm({ driver: 'postgresql', url: db.url });
      try {
        const found = await rows(probe.em, 'select 1 from information_schema.schemata where schema_name = ?', [
          db.schema,
        ]);
        expect(found).toHaveLength(0);
      } finally {
        await probe.close(true);
      }
    }
  });

  it('applies the migrations, and a second run applies nothing', async () => {
    const lines: string[] = [];
    const first = await migrateDatabase(db, (l) => lines.push(l));
    expect(first.applied).toEqual(migrationNames(db));
    expect(lines).toEqual(first.applied.map((n) => `applied ${n}`));
    if (db.driver === 'sqlite') expect(existsSync(db.path)).toBe(true);

    const second = await migrateDatabase(db, (l) => lines.push(l));
    expect(second.applied).toEqual([]);
    expect(lines.at(-1)).toBe('database is up to date');
    expect(await pendingMigrations(db)).toEqual([]);

    orm = await openOrm(db);
  });

  it.runIf(target.name === 'postgresql')('serialises concurrent migration runs', async () => {
    // (On SQLite, concurrent runs come from separate processes and queue on the file's write lock.)
    const other = fresh().db;
    const results = await Promise.all([migrateDatabase(other), migrateDatabase(other), migrateDatabase(other)]);
    expect(results.flatMap((r) => r.applied)).toEqual(migrationNames(other));
    expect(await pendingMigrations(other)).toEqual([]);
  });

  it('leaves no difference between the migrated database and the entities', async () => {
    const schema = db.driver === 'postgresql' ? db.schema : undefined;
    const sql = await orm.schema.getUpdateSchemaSQL({ wrap: false, ...(schema ? { schema } : {}) });
    expect(sql.trim()).toBe('');
  });

  it('has a committed snapshot that matches the entities (no migration is missing)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'df-snapshot-'));
    try {
      cpSync(path.join(MIGRATIONS_SOURCE_DIR, db.driver, '.snapshot.json'), path.join(dir, '.snapshot.json'));
      const result = await createMigration(db, { dir });
      expect(result).toEqual({ up: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('puts every table in the configured place', async () => {
    const expected = [
      'chunks',
      'crawl_urls',
      'dedup_bands',
      'exports',
      'job_counter_shards',
      'job_logs',
      'jobs',
      'llm_calls',
      'mikro_orm_migrations',
      'projects',
      'raw_documents',
      'training_examples',
      'webhook_deliveries',
      'webhooks',
    ];
    const names =
      db.driver === 'sqlite'
        ? await rows<{ name: string }>(
            orm.em,
            `select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`,
          )
        : await rows<{ name: string }>(
            orm.em,
            `select table_name as name from information_schema.tables where table_schema = ? order by table_name`,
            [db.schema],
          );
    expect(names.map((r) => r.name)).toEqual(expected);
  });

  it('round-trips every entity, with JSON columns and relations', async () => {
    const em = orm.em.fork();
    const project = em.create(Project, {
      name: 'Docs',
      description: 'Product documentation',
      config: { nested: { list: [1, 'two', null, { three: 3.5 }] }, flag: true, quote: `it's "quoted" ✓` },
    });
    const job = em.create(Job, {
      project,
      config: storedJobConfig({ scraping: { max_concurrent: 3, use_playwright: 'auto' } }),
    });
    const doc = em.create(RawDocument, {
      job,
      url: 'https://example.com/a/b?c=d&e=f#g',
      htmlPath: 'html/0001.html',
      title: 'A page',
      language: 'en',
      scrapeStatus: ScrapeStatus.Ok,
      httpStatus: 200,
      contentType: 'text/html; charset=utf-8',
      metadata: { headers: { etag: '"abc"' }, bytes: 12345 },
    });
    const chunk = em.create(Chunk, {
      document: doc,
      job,
      content: 'Hello ünïcödé — 世界 ✓',
      tokenCount: 7,
      chunkIndex: 0,
      metadata: { heading: 'Intro' },
    });
    const passed = em.create(TrainingExample, {
      chunk,
      job,
      templateType: 'qa',
      inputText: 'What is it?',
      outputText: 'It is a page.',
      modelUsed: 'gpt-4o-mini',
      tokenCount: 42,
      cost: 0.000123,
      qualityScore: 0.875,
      qualityDetails: { toxicity: 0.01, checks: ['format', 'readability'] },
      passedQc: true,
    });
    const failed = em.create(TrainingExample, {
      chunk,
      job,
      templateType: 'qa',
      inputText: 'Q',
      outputText: 'A',
      modelUsed: 'gpt-4o-mini',
      tokenCount: 2,
      cost: 0,
      qualityScore: 0.1,
      passedQc: false,
    });
    const unchecked = em.create(TrainingExample, {
      chunk,
      job,
      templateType: 'summary',
      inputText: 'Summarise',
      outputText: 'Short.',
      modelUsed: 'llama3',
      tokenCount: 3,
      cost: 0,
    });
    const exp = em.create(Export, {
      job,
      format: 'jsonl',
      filePath: 'exports/docs-1.0.0.jsonl',
      recordCount: 1,
      version: '1.0.0',
      datasetCard: '# Dataset card\n\nOne example.',
    });
    const log1 = em.create(JobLog, {
      job,
      level: LogLevel.Info,
      stage: Stage.Crawler,
      message: 'fetched 1 page',
      context: { url: doc.url },
    });
    const log2 = em.create(JobLog, { job, level: LogLevel.Error, message: 'boom' });
    await em.flush();

    expect(project.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(typeof log1.id).toBe('number');
    expect(log2.id).toBeGreaterThan(log1.id);

    const read = orm.em.fork();
    const p = await read.findOneOrFail(Project, project.id);
    expect(p).toMatchObject({ name: 'Docs', description: 'Product documentation', config: project.config });
    expect(p.createdAt).toBeInstanceOf(Date);
    expect(p.createdAt.getTime()).toBe(project.createdAt.getTime());
    expect(p.updatedAt.getTime()).toBe(project.updatedAt.getTime());

    const j = await read.findOneOrFail(Job, job.id);
    expect(j.project.id).toBe(project.id);
    expect(j.status).toBe(JobStatus.Pending);
    expect(j.stage).toBeNull();
    expect(j.progress).toEqual(emptyProgress());
    // The typed config round-trips: the JSON column holds the resolved config as is.
    expect(j.config).toEqual(job.config);
    expect(j.config.scraping).toMatchObject({ max_concurrent: 3, use_playwright: 'auto' });
    expect(j.costTotal).toBe(0);
    expect(j.error).toBeNull();
    expect(j.startedAt).toBeNull();
    expect(j.completedAt).toBeNull();

    const d = await read.findOneOrFail(RawDocument, doc.id);
    expect(d).toMatchObject({
      url: doc.url,
      htmlPath: 'html/0001.html',
      title: 'A page',
      language: 'en',
      scrapeStatus: 'ok',
      httpStatus: 200,
      contentType: 'text/html; charset=utf-8',
      error: null,
      metadata: { headers: { etag: '"abc"' }, bytes: 12345 },
    });
    expect(d.job.id).toBe(job.id);

    const c = await read.findOneOrFail(Chunk, chunk.id, { populate: ['document'] });
    expect(c).toMatchObject({
      content: 'Hello ünïcödé — 世界 ✓',
      tokenCount: 7,
      chunkIndex: 0,
      metadata: { heading: 'Intro' },
    });
    expect(c.document.url).toBe(doc.url);
    expect(c.job.id).toBe(job.id);

    const e1 = await read.findOneOrFail(TrainingExample, passed.id, { populate: ['chunk.document.job.project'] });
    expect(e1).toMatchObject({
      templateType: 'qa',
      inputText: 'What is it?',
      outputText: 'It is a page.',
      modelUsed: 'gpt-4o-mini',
      tokenCount: 42,
      cost: 0.000123,
      qualityScore: 0.875,
      qualityDetails: { toxicity: 0.01, checks: ['format', 'readability'] },
      passedQc: true,
    });
    expect(e1.chunk.document.job.project.name).toBe('Docs');
    const e2 = await read.findOneOrFail(TrainingExample, failed.id);
    expect(e2.passedQc).toBe(false);
    expect(e2.qualityDetails).toBeNull();
    const e3 = await read.findOneOrFail(TrainingExample, unchecked.id);
    expect(e3.passedQc).toBeNull();
    expect(e3.qualityScore).toBeNull();
    expect(await read.count(TrainingExample, { job: job.id, passedQc: true })).toBe(1);
    expect(await read.count(TrainingExample, { job: job.id, passedQc: null })).toBe(1);

    const x = await read.findOneOrFail(Export, exp.id);
    expect(x).toMatchObject({
      format: 'jsonl',
      filePath: 'exports/docs-1.0.0.jsonl',
      recordCount: 1,
      version: '1.0.0',
    });
    expect(x.datasetCard).toBe('# Dataset card\n\nOne example.');

    const logs = await read.find(JobLog, { job: job.id }, { orderBy: { id: 'asc' } });
    expect(logs.map((l) => [l.level, l.stage, l.message, l.context])).toEqual([
      ['info', 'crawler', 'fetched 1 page', { url: doc.url }],
      ['error', null, 'boom', null],
    ]);

    // Updates: status, stage, a mutated JSON column, dates; updatedAt moves.
    await sleep(5);
    const u = orm.em.fork();
    const running = await u.findOneOrFail(Job, job.id);
    running.status = JobStatus.Running;
    running.stage = Stage.Refiner;
    running.progress.crawler.done = 1;
    running.progress.crawler.total = 3;
    running.startedAt = new Date('2026-01-02T03:04:05.678Z');
    running.costTotal = 0.25;
    await u.flush();
    const again = await orm.em.fork().findOneOrFail(Job, job.id);
    expect(again.status).toBe('running');
    expect(again.stage).toBe('refiner');
    expect(again.progress.crawler).toEqual({ total: 3, done: 1, failed: 0 });
    expect(again.startedAt?.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(again.costTotal).toBe(0.25);
    expect(again.updatedAt.getTime()).toBeGreaterThan(job.updatedAt.getTime());
  });

  it('rejects values outside the contract enums', async () => {
    const em = orm.em.fork();
    const project = em.create(Project, { name: 'enum check' });
    await em.flush();
    const job = em.create(Job, { project });
    await em.flush();
    // MikroORM validates enum values in code...
    job.status = 'exploded' as JobStatus;
    await expect(em.flush()).rejects.toThrow(/exploded/);
    em.clear();
    // ...and the database checks them too.
    await expect(
      (em as SqlEntityManager).execute(`update jobs set status = 'exploded' where id = ?`, [job.id]),
    ).rejects.toThrow(/check|constraint/i);
  });

  it('removes everything under a project when the project is removed (FK cascades)', async () => {
    const em = orm.em.fork();
    const keep = em.create(Project, { name: 'keep' });
    const keepJob = em.create(Job, { project: keep });
    const gone = em.create(Project, { name: 'gone' });
    const jobs = [em.create(Job, { project: gone }), em.create(Job, { project: gone })];
    for (const job of [...jobs, keepJob]) {
      const doc = em.create(RawDocument, { job, url: 'https://example.com/', metadata: {} });
      const chunk = em.create(Chunk, { document: doc, job, content: 'c', tokenCount: 1, chunkIndex: 0 });
      em.create(TrainingExample, {
        chunk,
        job,
        templateType: 'qa',
        inputText: 'i',
        outputText: 'o',
        modelUsed: 'm',
        tokenCount: 1,
        cost: 0,
      });
      em.create(Export, { job, format: 'jsonl', filePath: 'f', recordCount: 1, version: '1' });
      em.create(JobLog, { job, level: 'info', message: 'm' });
    }
    await em.flush();

    const del = orm.em.fork();
    await del.remove(await del.findOneOrFail(Project, gone.id)).flush();

    const check = orm.em.fork();
    const jobIds = jobs.map((j) => j.id);
    expect(await check.count(Project, { id: gone.id })).toBe(0);
    expect(await check.count(Job, { id: { $in: jobIds } })).toBe(0);
    for (const entity of [RawDocument, Chunk, TrainingExample, Export, JobLog] as const) {
      expect(await check.count(entity as typeof RawDocument, { job: { $in: jobIds } })).toBe(0);
      expect(await check.count(entity as typeof RawDocument, { job: keepJob.id })).toBe(1);
    }
    expect(await check.count(Job, { id: keepJob.id })).toBe(1);
  });

  it("picks rag distractors from the job's other documents by a hash of the chunk id, the same every time", async () => {
    const em = orm.em.fork();
    const project = em.create(Project, { name: 'rag' });
    const job = em.create(Job, { project });
    const otherJob = em.create(Job, { project });
    const docs = [0, 1, 2, 3].map((i) =>
      em.create(RawDocument, { job, url: `https://example.com/${i}`, metadata: {} }),
    );
    const chunks = docs.flatMap((document, d) =>
      [0, 1, 2].map((i) =>
        em.create(Chunk, { document, job, content: `doc ${d} chunk ${i}`, tokenCount: 4, chunkIndex: i }),
      ),
    );
    const foreign = em.create(RawDocument, { job: otherJob, url: 'https://example.com/x', metadata: {} });
    em.create(Chunk, { document: foreign, job: otherJob, content: 'other job', tokenCount: 2, chunkIndex: 0 });
    // A near-duplicate is never a distractor.
    em.create(Chunk, {
      document: docs[1]!,
      job,
      content: 'dup',
      tokenCount: 1,
      chunkIndex: 9,
      duplicateOf: chunks[3]!,
    });
    await em.flush();

    const seen = new Set<string>();
    for (const chunk of chunks) {
      const target = { jobId: job.id, chunkId: chunk.id, documentId: chunk.document.id, count: 3 };
      const picked = await pickDistractorChunks(orm.em, target);
      expect(picked).toHaveLength(3);
      expect(await pickDistractorChunks(orm.em, target)).toEqual(picked);
      for (const p of picked) {
        expect(p.documentId).not.toBe(chunk.document.id);
        expect(p.text).toMatch(/^doc \d chunk \d$/);
        seen.add(p.chunkId);
      }
    }
    // Spread over the job, not always the same few.
    expect(seen.size).toBeGreaterThan(6);
    const all = await pickDistractorChunks(orm.em, {
      jobId: job.id,
      chunkId: chunks[0]!.id,
      documentId: chunks[0]!.document.id,
      count: 20,
    });
    expect(all).toHaveLength(9);
  });

  it('adds to job counters atomically, even from concurrent transactions', async () => {
    const em = orm.em.fork();
    const job = em.create(Job, { project: em.create(Project, { name: 'counters' }) });
    await em.flush();

    const written = await addToJobCounters(orm.em.fork(), job.id, { progress: { crawler: { total: 50 } } });
    expect(written).toMatchObject({ costTotal: null, costEstimated: null });
    // Counts go to the shards; the job's progress is what was folded in last: on PostgreSQL after the commit,
    // on SQLite (one writer) in the same transaction.
    expect((await orm.em.fork().findOneOrFail(Job, job.id)).progress.crawler.total).toBe(
      target.name === 'sqlite' ? 50 : 0,
    );
    expect(written?.folded?.progress.crawler.total).toBe(target.name === 'sqlite' ? 50 : undefined);
    const first = await foldJobCounters(orm.em.fork(), job.id);
    expect(first?.progress.crawler).toEqual({ total: 50, done: 0, failed: 0 });
    expect(first?.costTotal).toBe(0);

    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        orm.em.fork().transactional((tem) =>
          addToJobCounters(tem, job.id, {
            progress: { crawler: i % 5 === 0 ? { failed: 1 } : { done: 1 }, refiner: { total: 2 } },
            cost: 0.5,
          }),
        ),
      ),
    );
    // Every transaction committed before the fold: it sees them all.
    await foldJobCounters(orm.em.fork(), job.id);
    const after = await orm.em.fork().findOneOrFail(Job, job.id);
    expect(after.progressSeq).toBe(50 + 25 + 50);
    expect(after.progress).toEqual({
      ...emptyProgress(),
      crawler: { total: 50, done: 20, failed: 5 },
      refiner: { total: 50, done: 0, failed: 0 },
    });
    expect(after.costTotal).toBe(12.5);
    expect(after.updatedAt.getTime()).toBeGreaterThanOrEqual(job.updatedAt.getTime());

    // An estimate added and taken back when its call settles leaves exactly 0, not a floating-point residue.
    for (const amount of [0.1, 0.2, 0.000123456789, 0.3]) {
      await addToJobCounters(orm.em.fork(), job.id, { costEstimated: amount });
    }
    for (const amount of [0.3, 0.000123456789, 0.1, 0.2]) {
      await addToJobCounters(orm.em.fork(), job.id, { costEstimated: -amount });
    }
    expect((await orm.em.fork().findOneOrFail(Job, job.id)).costEstimated).toBe(0);

    expect(await addToJobCounters(orm.em.fork(), '00000000-0000-4000-8000-000000000000', { cost: 1 })).toBeNull();
    await expect(addToJobCounters(orm.em.fork(), job.id, { progress: { nope: { done: 1 } } as never })).rejects.toThrow(
      /unknown stage/,
    );
    await expect(addToJobCounters(orm.em.fork(), job.id, { progress: { crawler: { done: 0.5 } } })).rejects.toThrow(
      /integer/,
    );
    await expect(addToJobCounters(orm.em.fork(), job.id, { progress: { crawler: { done: -1 } } })).rejects.toThrow(
      /must not be negative/,
    );
    expect(
      await addToJobCounters(orm.em.fork(), '00000000-0000-4000-8000-000000000000', {
        progress: { crawler: { done: 1 } },
      }),
    ).toBeNull();
    expect(await foldJobCounters(orm.em.fork(), '00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('moves a job along with conditional updates that exactly one racer wins (JobRepository)', async () => {
    const em = orm.em.fork();
    const job = em.create(Job, {
      project: em.create(Project, { name: 'repository' }),
      status: JobStatus.Running,
      stage: Stage.Generator,
    });
    await em.flush();
    const jobs = new JobRepository(orm.em);
    const race = await Promise.all(
      Array.from({ length: 8 }, () =>
        jobs.moveStage(job.id, Stage.Exporter, { status: JobStatus.Running, notIn: [Stage.Crawler, Stage.Exporter] }),
      ),
    );
    expect(race.filter(Boolean)).toHaveLength(1);
    expect(await jobs.moveStage(job.id, Stage.Refiner, { from: Stage.Crawler })).toBe(false);
    const before = Date.now();
    const finished = await Promise.all([
      jobs.finishRunning(job.id, JobStatus.Completed, null),
      jobs.finishRunning(job.id, JobStatus.Failed, 'too late'),
    ]);
    expect(finished.filter(Boolean)).toHaveLength(1);
    const after = await orm.em.fork().findOneOrFail(Job, job.id);
    expect(after.stage).toBe(Stage.Exporter);
    expect([JobStatus.Completed, JobStatus.Failed]).toContain(after.status);
    // The datetime round-trips as a date on both databases (SQLite keeps epoch milliseconds).
    expect(after.completedAt).toBeInstanceOf(Date);
    expect(after.completedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);

    const docs = em.fork();
    [ScrapeStatus.Ok, ScrapeStatus.Ok, ScrapeStatus.Failed, ScrapeStatus.Skipped].forEach((scrapeStatus, i) =>
      docs.create(RawDocument, { job: job.id, url: `https://a.example/${i}`, scrapeStatus }),
    );
    await docs.flush();
    expect(await jobs.documentCounts(job.id)).toEqual({ ok: 2, skipped: 1, failed: 1, pending: 0 });

    const totals = await new StatsRepository(orm.em).totals();
    expect(totals.totalJobs).toBeGreaterThanOrEqual(1);
    expect(await new StatsRepository(orm.em).costByDayAndModel(new Date(Date.now() + 86_400_000))).toEqual([]);
  });

  it('reserves LLM calls against max_cost_usd as it records them, in one conditional update racers cannot overrun (LlmCallRepository)', async () => {
    const em = orm.em.fork();
    const job = em.create(Job, { project: em.create(Project, { name: 'budget' }), status: JobStatus.Running });
    await em.flush();
    const calls = new LlmCallRepository(orm.em);
    // A second ORM: its own connections, as a second worker process has.
    const otherOrm = await openOrm(db);
    const other = new LlmCallRepository(otherOrm.em);
    const call = (cost: number, reserve: number, maxCostUsd: number | null, jobId = job.id) => ({
      jobId,
      chunkId: null,
      kind: 'generate',
      model: 'm',
      promptTokens: 10,
      completionTokens: 20,
      cost,
      reserve,
      maxCostUsd,
    });
    const state = () => calls.budgetState(job.id);
    try {
      // Amounts exact in binary, so that the sums compared are exact too. Each racer counts its estimate
      // (0.125) and holds as much again for the longest reply: four of ten fit in 1.
      const race = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? other : calls).start(call(0.125, 0.125, 1))),
      );
      const granted = race.filter((r) => r !== null);
      expect(granted).toHaveLength(4);
      expect(await state()).toEqual({ costTotal: 0.5, costReserved: 0.5 });
      const free = await other.start(call(0, 0, 1)); // a free call still fits exactly
      expect(free).not.toBeNull();
      expect(await other.start(call(0.0625, 0, 1))).toBeNull();
      // A refused call writes nothing.
      expect(await orm.em.fork().count(LlmCall, { job: job.id })).toBe(5);

      // A settled call counts what it cost instead of its estimate and gives back its hold.
      const settled = await calls.settle(granted[0]!.id, {
        promptTokens: 10,
        completionTokens: 5,
        cost: 0.0625,
        costEstimated: 0,
      });
      expect(settled?.costTotal).toBe(0.4375);
      expect(await state()).toEqual({ costTotal: 0.4375, costReserved: 0.375 });
      expect(await other.start(call(0.125, 0.0625, 1))).not.toBeNull();
      expect(await other.start(call(0, 0.0625, 1))).toBeNull();
      // Settling twice changes nothing.
      expect(
        await calls.settle(granted[0]!.id, { promptTokens: 1, completionTokens: 1, cost: 1, costEstimated: 1 }),
      ).toBeNull();
      for (const g of granted.slice(1, 3)) {
        await other.settle(g!.id, { promptTokens: 10, completionTokens: 20, cost: 0.125, costEstimated: 0 });
      }
      // granted[3] is never settled (its worker was killed): counted at its estimate, its hold kept.
      expect(await state()).toEqual({ costTotal: 0.5625, costReserved: 0.1875 });
      const after = await orm.em.fork().findOneOrFail(Job, job.id);
      expect(after.costEstimated).toBe(0.25);
      const lost = await orm.em.fork().findOneOrFail(LlmCall, granted[3]!.id);
      expect(lost).toMatchObject({ status: 'started', estimated: true, cost: 0.125, reserved: 0.125 });

      // No limit: counted all the same, never refused.
      expect(await calls.start(call(100, 1, null))).not.toBeNull();
      expect(await state()).toEqual({ costTotal: 100.5625, costReserved: 1.1875 });

      const missing = '00000000-0000-4000-8000-000000000000';
      expect(await calls.start(call(0.1, 0, null, missing))).toBeNull();
      expect(await calls.budgetState(missing)).toBeNull();
      await expect(calls.start(call(-1, 0, 1))).rejects.toThrow(/non-negative/);
      await expect(calls.start(call(0.1, Number.NaN, 1))).rejects.toThrow(/non-negative/);
    } finally {
      await otherOrm.close(true);
    }
  });

  it('counts the examples that failed with one reason code (JobRepository)', async () => {
    const em = orm.em.fork();
    const job = em.create(Job, { project: em.create(Project, { name: 'reasons' }) });
    const doc = em.create(RawDocument, { job, url: 'https://a.example/r' });
    const chunk = em.create(Chunk, { document: doc, job, content: 'text', tokenCount: 1, chunkIndex: 0 });
    const example = (status: 'ok' | 'failed', error: string | null) =>
      em.create(TrainingExample, {
        chunk,
        job,
        templateType: 'qa',
        inputText: '',
        outputText: '',
        modelUsed: 'm',
        status,
        error,
      });
    example('ok', null);
    example('failed', 'budget_exhausted: generation stopped');
    example('failed', 'budget_exhausted: generation stopped');
    example('failed', 'request_failed: 500 budget_exhausted: not this one');
    await em.flush();
    const jobs = new JobRepository(orm.em);
    expect(await jobs.exampleFailuresWith(job.id, 'budget_exhausted')).toEqual({ failed: 2, examples: 4 });
    await expect(jobs.exampleFailuresWith(job.id, "x' or 1=1")).rejects.toThrow(/reason code/);
  });

  it('checkDatabase measures a round trip, and fails on a closed connection', async () => {
    // A measured round trip: a finite, non-negative number of milliseconds, rounded to 0.01 (how long it
    // took is the machine's business; that it answered before the timeout is what the call promises).
    const latency = await checkDatabase(orm);
    expect(Number.isFinite(latency)).toBe(true);
    expect(latency).toBeGreaterThanOrEqual(0);
    expect(Math.round(latency * 100) / 100).toBe(latency);
    expect(await checkDatabase(orm.em.fork(), 1_000)).toBeGreaterThanOrEqual(0);

    // A database that cannot be opened: a directory as the SQLite file, nothing listening for PostgreSQL.
    const broken: DatabaseConfig =
      db.driver === 'sqlite' ? { ...db, path: os.tmpdir() } : { ...db, url: 'postgres://postgres@127.0.0.1:1/test' };
    const unreachable = await openOrm(broken);
    try {
      await expect(checkDatabase(unreachable, 2_000)).rejects.toThrow();
    } finally {
      await unreachable.close(true).catch(() => {});
    }
  });

  it.runIf(target.name === 'postgresql')('checkDatabase gives up after its timeout', async () => {
    if (db.driver !== 'postgresql') return;
    // A server that accepts connections and never answers.
    const sockets: Socket[] = [];
    const blackhole = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const port = (blackhole.address() as AddressInfo).port;
    const silent = await openOrm({ ...db, url: `postgres://postgres@127.0.0.1:${port}/test` });
    try {
      // The error is the timeout's own (not a refused or reset connection): the server took the
      // connection and never answered, and checkDatabase gave up instead of waiting on it.
      await expect(checkDatabase(silent, 300)).rejects.toThrow('database did not answer within 300 ms');
      expect(sockets.length).toBeGreaterThan(0);
      expect(sockets.every((s) => !s.destroyed)).toBe(true);
    } finally {
      for (const s of sockets) s.destroy();
      blackhole.close();
      await silent.close(true).catch(() => {});
    }
  });

  it('PersistenceModule injects the EntityManager and never migrates on init', async () => {
    // On a database that was never migrated: init must not create any table.
    const untouched = fresh();
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(
          loadConfig({ DATABASE_URL: untouched.url, DATA_DIR: untouched.dataDir, NODE_ENV: 'test' }),
        ),
        PersistenceModule.forRoot(),
      ],
    }).compile();
    await moduleRef.init();
    try {
      const em = moduleRef.get(EntityManager);
      expect(moduleRef.get(SqlEntityManager)).toBe(em);
      expect(moduleRef.get(MikroORM).em).toBe(em);
      expect(await checkDatabase(em)).toBeGreaterThanOrEqual(0);
    } finally {
      await moduleRef.close();
    }
    expect(await pendingMigrations(untouched.db)).toEqual(migrationNames(untouched.db));

    // On the migrated database: a forked EntityManager reads what the suite wrote.
    const app = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(loadConfig({ DATABASE_URL: main.url, DATA_DIR: main.dataDir, NODE_ENV: 'test' })),
        PersistenceModule.forRoot(),
      ],
    }).compile();
    await app.init();
    try {
      const em = app.get(EntityManager).fork();
      expect(await em.count(Project, { name: 'Docs' })).toBe(1);
      // The global context is off: outside a request, code must fork.
      expect(() => app.get(EntityManager).create(Project, { name: 'x' })).toThrow(/global/i);
    } finally {
      await app.close();
    }
  });

  it.runIf(target.name === 'sqlite')('runs SQLite in WAL mode with busy_timeout and foreign keys on', async () => {
    if (db.driver !== 'sqlite') return;
    expect(await rows(orm.em, 'pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    expect(await rows(orm.em, 'pragma busy_timeout')).toEqual([{ timeout: db.busyTimeoutMs }]);
    expect(await rows(orm.em, 'pragma foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    expect(await rows(orm.em, 'pragma synchronous')).toEqual([{ synchronous: 1 }]);
    expect(existsSync(`${db.path}-wal`)).toBe(true);
  });

  it.runIf(target.name === 'sqlite')(
    'lets two processes and this one write the same SQLite file at once without SQLITE_BUSY',
    async () => {
      const em = orm.em.fork();
      const job = em.create(Job, { project: em.create(Project, { name: 'concurrent' }) });
      await em.flush();
      const count = 60;
      const writers = [spawnWriter(db, job.id, count, 'a'), spawnWriter(db, job.id, count, 'b')];
      try {
        await Promise.all(writers.map((w) => w.ready));
        for (const w of writers) w.child.stdin!.write('go\n');
        const [, ...exits] = await Promise.all([writeLoop(orm, job.id, count, 'main'), ...writers.map((w) => w.exit)]);
        for (const exit of exits) {
          expect(exit.stderr).not.toMatch(/SQLITE_BUSY|database is locked/i);
          expect(exit.code, exit.stderr).toBe(0);
          expect(exit.stdout).toContain(`"done":${count}`);
        }
      } finally {
        for (const w of writers) w.child.kill();
      }
      const check = orm.em.fork();
      expect(await check.count(JobLog, { job: job.id })).toBe(3 * 2 * count);
      expect((await check.findOneOrFail(Job, job.id)).costTotal).toBe(3 * count);
    },
    120_000,
  );
});

/** The writers' loop: a read-then-write transaction (the worker's pattern) and a plain insert, `count` times. */
async function writeLoop(
  orm: MikroORM,
  jobId: string,
  count: number,
  tag: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  for (let i = 0; i < count; i++) {
    await orm.em.fork().transactional(async (em) => {
      const job = await em.findOneOrFail(Job, jobId);
      em.create(JobLog, { job, level: 'info', message: `${tag} ${i}` });
      await (em as SqlEntityManager).execute('update jobs set cost_total = cost_total + 1 where id = ?', [jobId]);
    });
    const em = orm.em.fork();
    em.create(JobLog, { job: em.getReference(Job, jobId), level: 'debug', message: `${tag} plain ${i}` });
    await em.flush();
  }
  return { code: 0, stdout: `{"done":${count}}`, stderr: '' };
}

/**
 * A separate Node process with its own ORM on the same file (think: the API
 * and a worker). It loads the TypeScript sources through Vite with the same
 * aliases and SWC transform as vitest.config.ts, prints "ready", waits for
 * "go" on stdin, then runs the same loop as writeLoop().
 */
const WRITER = `
import path from 'node:path';
import { createInterface } from 'node:readline';
import swc from 'unplugin-swc';
import { runnerImport } from 'vite';
const { root, db, jobId, count, tag } = JSON.parse(process.env.DF_WRITER);
const alias = Object.fromEntries(['contracts', 'config', 'persistence'].map((l) => ['@datafactory/' + l, path.join(root, 'libs', l, 'src', 'index.ts')]));
const { module: lib } = await runnerImport(path.join(root, 'libs/persistence/src/index.ts'), {
  configFile: false, root, logLevel: 'error', resolve: { alias },
  plugins: [swc.vite({ jsc: { target: 'es2023', transform: { legacyDecorator: true, decoratorMetadata: true } } })],
});
const { MikroORM } = await import('@mikro-orm/core');
const orm = await MikroORM.init(lib.createOrmConfig(db));
await orm.em.getConnection().execute('select 1');
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\\n');
await new Promise((resolve) => lines.once('line', resolve));
lines.close();
for (let i = 0; i < count; i++) {
  await orm.em.fork().transactional(async (em) => {
    const job = await em.findOneOrFail(lib.Job, jobId);
    em.create(lib.JobLog, { job, level: 'info', message: tag + ' ' + i });
    await em.execute('update jobs set cost_total = cost_total + 1 where id = ?', [jobId]);
  });
  const em = orm.em.fork();
  em.create(lib.JobLog, { job: em.getReference(lib.Job, jobId), level: 'debug', message: tag + ' plain ' + i });
  await em.flush();
}
await orm.close();
process.stdout.write(JSON.stringify({ done: count }) + '\\n');
`;

function spawnWriter(db: DatabaseConfig, jobId: string, count: number, tag: string) {
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', WRITER], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, DF_WRITER: JSON.stringify({ root: PACKAGE_ROOT, db, jobId, count, tag }) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdout += `${line}\n`;
      if (line === 'ready') resolve();
    });
    child.once('exit', (code) => reject(new Error(`writer ${tag} exited (${code}) before it was ready: ${stderr}`)));
  });
  const exit = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return { child, ready, exit };
}

/*
 * The same schema on both databases: tables, columns (name, nullability, type
 * family), and index column lists, read from each database's own catalog.
 */

interface ColumnPicture {
  nullable: boolean;
  family: string;
}
interface SchemaPicture {
  tables: Record<string, { columns: Record<string, ColumnPicture>; indexes: string[] }>;
}

/** Type families; SQLite has no uuid or boolean type (MikroORM stores them as text and 0/1 integers). */
function family(dbType: string): string {
  const t = dbType
    .toLowerCase()
    .replace(/\(.*\)/, '')
    .trim();
  if (t === 'uuid') return 'uuid';
  if (['text', 'varchar', 'character varying', 'character', 'char'].includes(t)) return 'text';
  if (['integer', 'int', 'bigint', 'smallint', 'int4', 'int8', 'int2'].includes(t)) return 'int';
  if (['double', 'double precision', 'real', 'float', 'numeric', 'decimal'].includes(t)) return 'float';
  if (['boolean', 'bool'].includes(t)) return 'bool';
  if (['json', 'jsonb'].includes(t)) return 'json';
  if (['datetime', 'timestamp', 'timestamptz', 'timestamp with time zone', 'timestamp without time zone'].includes(t))
    return 'datetime';
  return `unknown:${t}`;
}

/** What a PostgreSQL family looks like once stored in SQLite. */
const IN_SQLITE: Record<string, string> = { uuid: 'text', bool: 'int' };

async function sqlitePicture(em: EntityManager): Promise<SchemaPicture> {
  const picture: SchemaPicture = { tables: {} };
  const tables = await rows<{ name: string }>(
    em,
    `select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`,
  );
  for (const { name } of tables) {
    const columns: Record<string, ColumnPicture> = {};
    for (const c of await rows<{ name: string; type: string; notnull: number; pk: number }>(
      em,
      `pragma table_info(\`${name}\`)`,
    )) {
      columns[c.name] = { nullable: !c.notnull && !c.pk, family: family(c.type) };
    }
    const indexes: string[] = [];
    for (const i of await rows<{ name: string; unique: number; origin: string }>(
      em,
      `pragma index_list(\`${name}\`)`,
    )) {
      if (i.origin === 'pk') continue;
      const cols = await rows<{ seqno: number; name: string }>(em, `pragma index_info(\`${i.name}\`)`);
      indexes.push(
        `${i.unique ? 'unique ' : ''}(${cols
          .sort((a, b) => a.seqno - b.seqno)
          .map((c) => c.name)
          .join(', ')})`,
      );
    }
    picture.tables[name] = { columns, indexes: indexes.sort() };
  }
  return picture;
}

async function postgresPicture(em: EntityManager, schema: string): Promise<SchemaPicture> {
  const picture: SchemaPicture = { tables: {} };
  const columns = await rows<{ table_name: string; column_name: string; is_nullable: string; data_type: string }>(
    em,
    `select table_name, column_name, is_nullable, data_type from information_schema.columns where table_schema = ? order by table_name, ordinal_position`,
    [schema],
  );
  for (const c of columns) {
    picture.tables[c.table_name] ??= { columns: {}, indexes: [] };
    picture.tables[c.table_name]!.columns[c.column_name] = {
      nullable: c.is_nullable === 'YES',
      family: family(c.data_type),
    };
  }
  const indexes = await rows<{ table_name: string; is_unique: boolean; columns: string }>(
    em,
    `select t.relname as table_name, ix.indisunique as is_unique, string_agg(a.attname, ', ' order by k.n) as columns
       from pg_index ix
       join pg_class t on t.oid = ix.indrelid
       join pg_namespace ns on ns.oid = t.relnamespace
       cross join lateral unnest(ix.indkey) with ordinality as k(attnum, n)
       join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
      where ns.nspname = ? and not ix.indisprimary
      group by ix.indexrelid, t.relname, ix.indisunique`,
    [schema],
  );
  for (const i of indexes) picture.tables[i.table_name]!.indexes.push(`${i.is_unique ? 'unique ' : ''}(${i.columns})`);
  for (const t of Object.values(picture.tables)) t.indexes.sort();
  return picture;
}

describe('same schema on both databases', () => {
  let sqlite: ReturnType<Target['fresh']>;
  let postgres: ReturnType<Target['fresh']>;
  let sqliteOrm: MikroORM;
  let postgresOrm: MikroORM;

  beforeAll(async () => {
    sqlite = sqliteTarget.fresh();
    postgres = postgresTarget.fresh();
    await migrateDatabase(sqlite.db);
    await migrateDatabase(postgres.db);
    sqliteOrm = await openOrm(sqlite.db);
    postgresOrm = await openOrm(postgres.db);
  });

  afterAll(async () => {
    await sqliteOrm?.close(true);
    await postgresOrm?.close(true);
    if (sqlite) await sqliteTarget.cleanup(sqlite.db);
    if (postgres) await postgresTarget.cleanup(postgres.db);
  });

  it('has the same tables, columns, nullability, type families and indexes', async () => {
    const lite = await sqlitePicture(sqliteOrm.em);
    const pg = await postgresPicture(postgresOrm.em, (postgres.db as { schema: string }).schema);

    expect(Object.keys(lite.tables).sort()).toEqual(Object.keys(pg.tables).sort());
    expect(Object.keys(pg.tables)).toHaveLength(14);
    for (const [table, pgTable] of Object.entries(pg.tables)) {
      const liteTable = lite.tables[table]!;
      expect(Object.keys(liteTable.columns).sort(), table).toEqual(Object.keys(pgTable.columns).sort());
      for (const [column, pgColumn] of Object.entries(pgTable.columns)) {
        const where = `${table}.${column}`;
        expect(pgColumn.family, where).not.toMatch(/^unknown/);
        expect(liteTable.columns[column], where).toEqual({
          nullable: pgColumn.nullable,
          family: IN_SQLITE[pgColumn.family] ?? pgColumn.family,
        });
      }
      expect(liteTable.indexes, table).toEqual(pgTable.indexes);
    }
    // The PostgreSQL side keeps its richer types.
    expect(pg.tables.jobs!.columns.id!.family).toBe('uuid');
    expect(pg.tables.training_examples!.columns.passed_qc!.family).toBe('bool');
    expect(pg.tables.jobs!.columns.progress!.family).toBe('json');
    expect(pg.tables.jobs!.columns.created_at!.family).toBe('datetime');
    expect(lite.tables.jobs!.columns.progress!.family).toBe('json');
    expect(lite.tables.jobs!.columns.created_at!.family).toBe('datetime');
    // Every foreign key and status column is indexed.
    for (const [table, column] of [
      ['jobs', 'project_id'],
      ['jobs', 'status'],
      ['raw_documents', 'job_id'],
      ['raw_documents', 'scrape_status'],
      ['chunks', 'document_id'],
      ['chunks', 'job_id'],
      ['training_examples', 'chunk_id'],
      ['training_examples', 'job_id'],
      ['training_examples', 'passed_qc'],
      ['training_examples', 'review_state'],
      ['exports', 'job_id'],
      ['job_logs', 'job_id'],
      ['job_logs', 'level'],
      ['llm_calls', 'job_id'],
      ['crawl_urls', 'job_id'],
      ['dedup_bands', 'job_id'],
      ['webhooks', 'project_id'],
      ['webhook_deliveries', 'webhook_id'],
    ] as const) {
      expect(pg.tables[table]!.indexes, `${table}.${column}`).toContain(`(${column})`);
    }
    expect(pg.tables.job_logs!.indexes).toContain('(job_id, created_at)');
    expect(pg.tables.crawl_urls!.indexes).toContain('(job_id, state)');
    expect(pg.tables.crawl_urls!.indexes).toContain('unique (job_id, kind, url_hash)');
    expect(pg.tables.dedup_bands!.indexes).toContain('(scope, band, hash)');
  });

  it('has no difference from the entities on either database', async () => {
    expect((await sqliteOrm.schema.getUpdateSchemaSQL({ wrap: false })).trim()).toBe('');
    const schema = (postgres.db as { schema: string }).schema;
    expect((await postgresOrm.schema.getUpdateSchemaSQL({ wrap: false, schema })).trim()).toBe('');
  });
});
