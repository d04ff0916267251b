/**
 * `npm run bench -- funnel [PAGES] [sqlite|postgresql]`: how long a job's
 * funnel takes to compute from its rows, as name=value lines.
 *
 * A finished qa job of PAGES (default 10,000) URLs is written into a fresh
 * SQLite file (or a fresh schema of the PostgreSQL at
 * postgres://postgres@127.0.0.1:5432/test, dropped afterwards): 5% of the
 * URLs failed, 3% of the pages without text, two chunks per page of which 10%
 * duplicates, three examples per original chunk with 4% failed and 10%
 * rejected. Then FunnelRepository.funnel() runs five times:
 * - funnel_ms_median / funnel_ms_max: the time of one computation;
 * - funnel_heap_growth_mb: heap after minus before the five runs;
 * - rows: documents + chunks + examples of the job.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import { type DatabaseConfig, parseDatabaseUrl } from '@datafactory/config';
import { ExampleStatus, ItemStatus, JobStatus, type StoredJobConfig } from '@datafactory/contracts';
import {
  Chunk,
  createOrmConfig,
  FunnelRepository,
  Job,
  migrateDatabase,
  Project,
  RawDocument,
  TrainingExample,
} from '@datafactory/persistence';

const MB = 2 ** 20;
const print = (name: string, value: number | string) =>
  console.log(`${name}=${typeof value === 'number' ? Number(value.toFixed(3)) : value}`);

export async function run(args: string[]): Promise<void> {
  const pages = Number(args[0] ?? 10_000);
  const driver = args[1] === 'postgresql' ? 'postgresql' : 'sqlite';
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'df-bench-funnel-'));
  const schema = `df_test_bench_${randomBytes(4).toString('hex')}`;
  const db: DatabaseConfig =
    driver === 'sqlite'
      ? { driver: 'sqlite', path: path.join(tmp, 'bench.db'), busyTimeoutMs: 10_000 }
      : parseDatabaseUrl(`postgres://postgres@127.0.0.1:5432/test?schema=${schema}`, tmp, 0);
  await migrateDatabase(db);
  const orm = await MikroORM.init(createOrmConfig(db));
  try {
    const t0 = performance.now();
    const { jobId, rows } = await insert(orm, pages);
    print('pages', pages);
    print('database', driver);
    print('rows', rows);
    print('insert_s', (performance.now() - t0) / 1000);
    const repo = new FunnelRepository(orm.em);
    const before = process.memoryUsage().heapUsed;
    const times: number[] = [];
    let holds = true;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const funnel = await repo.funnel(jobId, { examplesPerChunk: 3 });
      times.push(performance.now() - t);
      holds &&= funnel?.holds === true;
    }
    times.sort((a, b) => a - b);
    print('funnel_ms_median', times[2]!);
    print('funnel_ms_max', times[4]!);
    print('funnel_heap_growth_mb', (process.memoryUsage().heapUsed - before) / MB);
    print('funnel_holds', String(holds));
  } finally {
    if (db.driver === 'postgresql') await orm.em.getConnection().execute(`drop schema if exists "${schema}" cascade`);
    await orm.close(true);
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function insert(orm: MikroORM, pages: number): Promise<{ jobId: string; rows: number }> {
  const em = orm.em.fork();
  const urls = Array.from({ length: pages }, (_, i) => `https://bench${i % 50}.example/page/${i}`);
  const project = em.create(Project, { name: 'bench', config: {} });
  const job = em.create(Job, {
    project,
    status: JobStatus.Completed,
    config: { urls, generation: { template: 'qa', examples_per_chunk: 3 } } as unknown as StoredJobConfig,
  });
  await em.flush();
  let rows = 0;
  const docs: { id: string; ok: boolean }[] = [];
  const batch = async <T extends object>(entity: new () => T, all: Record<string, unknown>[]) => {
    for (let i = 0; i < all.length; i += 1_000) await em.insertMany(entity as never, all.slice(i, i + 1_000) as never);
    rows += all.length;
  };
  const documents = urls.map((url, i) => {
    const failed = i % 20 === 0;
    const noText = !failed && i % 33 === 0;
    const id = randomUUID();
    docs.push({ id, ok: !failed && !noText });
    return {
      id,
      job: job.id,
      url,
      scrapeStatus: failed ? ItemStatus.Failed : ItemStatus.Ok,
      error: failed ? 'HTTP 404' : null,
      metadata: failed ? { reasonCode: 'http' } : {},
      refineStatus: failed ? ItemStatus.Pending : noText ? ItemStatus.Skipped : ItemStatus.Ok,
      refineError: noText ? 'no article: 3 word(s) of text found (min_words 30)' : null,
      createdAt: new Date(),
    };
  });
  await batch(RawDocument, documents);
  const chunks: Record<string, unknown>[] = [];
  const originals: string[] = [];
  for (const d of docs.filter((x) => x.ok)) {
    for (let c = 0; c < 2; c++) {
      const id = randomUUID();
      const duplicate = originals.length > 0 && chunks.length % 10 === 0;
      chunks.push({
        id,
        document: d.id,
        job: job.id,
        content: `chunk ${id}`,
        tokenCount: 100,
        chunkIndex: c,
        contentHash: id,
        duplicateOf: duplicate ? originals[0] : null,
        metadata: duplicate ? { dedup: { kind: chunks.length % 20 === 0 ? 'exact' : 'near' } } : {},
        createdAt: new Date(),
      });
      if (!duplicate) originals.push(id);
    }
  }
  await batch(Chunk, chunks);
  const examples: Record<string, unknown>[] = [];
  for (const chunk of originals) {
    for (let e = 0; e < 3; e++) {
      const n = examples.length;
      const failed = n % 25 === 0;
      const rejected = !failed && n % 10 === 0;
      examples.push({
        id: randomUUID(),
        chunk,
        job: job.id,
        templateType: 'qa',
        inputText: failed ? '' : `Question ${n}?`,
        outputText: failed ? '' : `Answer ${n}.`,
        modelUsed: 'gpt-4o-mini',
        status: failed ? ExampleStatus.Failed : ExampleStatus.Ok,
        error: failed ? 'too_few_examples: the reply had 2 of the 3 examples asked for' : null,
        lineage: { failureReason: failed ? 'too_few_examples' : null },
        tokenCount: 10,
        qualityScore: failed ? null : rejected ? 0.4 : 0.9,
        qualityDetails: failed ? null : { failed: rejected ? ['format'] : [], unavailable: [] },
        passedQc: failed ? null : !rejected,
        createdAt: new Date(),
      });
    }
  }
  await batch(TrainingExample, examples);
  if (/postgre/i.test(orm.em.getPlatform().constructor.name)) {
    await orm.em.getConnection().execute('analyze');
  }
  return { jobId: job.id, rows };
}
