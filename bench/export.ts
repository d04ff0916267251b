/**
 * `npm run bench -- export [COUNT] [sqlite|postgresql]`: the exporter's
 * throughput and memory, as name=value lines.
 *
 * COUNT (default 100,000) passed examples of about 1 KB of text each, spread
 * over 20 domains, are written into a fresh SQLite file (or, with
 * `postgresql`, a fresh schema of the PostgreSQL at
 * postgres://postgres@127.0.0.1:5432/test, dropped afterwards), then
 * exported to JSONL and to Parquet the way the worker and the API do:
 * - <format>_examples_per_s: examples exported per second (read, map, write, card);
 * - <format>_file_mb: the data file's size;
 * - <format>_peak_heap_mb / <format>_peak_rss_mb: the highest heap and RSS seen
 *   at page boundaries during the export, and <format>_heap_growth_mb the
 *   peak heap minus the heap before it started (flat = a few MB, whatever COUNT);
 * - peak_rss_mb: the peak RSS of the exporting process (the rows are inserted
 *   by a child process, so that its memory does not count).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MikroORM } from '@mikro-orm/core';
import { type DatabaseConfig, parseDatabaseUrl } from '@datafactory/config';
import { ExampleStatus, JobStatus, ScrapeStatus } from '@datafactory/contracts';
import { exportJob } from '@datafactory/exporter';
import {
  Chunk,
  createOrmConfig,
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
  const count = Number(args[0] ?? 100_000);
  const driver = args[1] === 'postgresql' ? 'postgresql' : 'sqlite';
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'df-bench-export-'));
  const schema = `df_test_bench_${randomBytes(4).toString('hex')}`;
  const db: DatabaseConfig =
    driver === 'sqlite'
      ? { driver: 'sqlite', path: path.join(tmp, 'bench.db'), busyTimeoutMs: 10_000 }
      : parseDatabaseUrl(`postgres://postgres@127.0.0.1:5432/test?schema=${schema}`, tmp, 0);
  await migrateDatabase(db);
  const started = performance.now();
  const script = `import(${JSON.stringify(import.meta.url)}).then((m) => m.insertForBench(${JSON.stringify(db)}, ${count}))`;
  const jobId = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: path.dirname(fileURLToPath(import.meta.url)),
    encoding: 'utf8',
  }).trim();
  const orm = await MikroORM.init(createOrmConfig(db));
  try {
    print('examples', count);
    print('database', driver);
    print('insert_s', (performance.now() - started) / 1000);

    const runs = [
      ['jsonl', { format: 'jsonl' }],
      ['parquet', { format: 'parquet' }],
      // A split export first compares every example for near-duplicates across domains (split hygiene).
      ['jsonl_split', { format: 'jsonl', split: { train: 0.8, validation: 0.1, test: 0.1 } }],
    ] as const;
    for (const [format, config] of runs) {
      const before = process.memoryUsage();
      let peakHeap = before.heapUsed;
      let peakRss = before.rss;
      const t0 = performance.now();
      const result = await exportJob(orm.em, jobId, config, {
        dataDir: tmp,
        onProgress: () => {
          const m = process.memoryUsage();
          peakHeap = Math.max(peakHeap, m.heapUsed);
          peakRss = Math.max(peakRss, m.rss);
        },
      });
      const seconds = (performance.now() - t0) / 1000;
      print(`${format}_examples_per_s`, result.recordCount / seconds);
      print(`${format}_seconds`, seconds);
      print(`${format}_file_mb`, result.files.reduce((n, f) => n + statSync(f.path).size, 0) / MB);
      print(`${format}_peak_heap_mb`, peakHeap / MB);
      print(`${format}_heap_growth_mb`, (peakHeap - before.heapUsed) / MB);
      print(`${format}_peak_rss_mb`, peakRss / MB);
    }
  } finally {
    if (db.driver === 'postgresql') await orm.em.getConnection().execute(`drop schema if exists "${schema}" cascade`);
    await orm.close(true);
    rmSync(tmp, { recursive: true, force: true });
  }
  print('peak_rss_mb', process.resourceUsage().maxRSS / 1024);
}

/** Run in a child process by run(): inserts the examples and prints the job id. */
export async function insertForBench(db: DatabaseConfig, count: number): Promise<void> {
  const orm = await MikroORM.init(createOrmConfig(db));
  try {
    process.stdout.write(`${await insert(orm, count)}\n`);
  } finally {
    await orm.close(true);
  }
}

async function insert(orm: MikroORM, count: number): Promise<string> {
  const em = orm.em.fork();
  const project = em.create(Project, { name: 'bench', config: {} });
  const job = em.create(Job, { project, status: JobStatus.Completed });
  const chunks: Chunk[] = [];
  for (let d = 0; d < 20; d++) {
    const doc = em.create(RawDocument, { job, url: `https://bench${d}.example/page`, scrapeStatus: ScrapeStatus.Ok });
    chunks.push(em.create(Chunk, { document: doc, job, content: `chunk ${d}`, tokenCount: 2, chunkIndex: 0 }));
  }
  await em.flush();
  const filler = 'lorem ipsum '.repeat(38);
  await em.transactional(async (tx) => {
    for (let start = 0; start < count; start += 1_000) {
      const rows = [];
      for (let i = start; i < Math.min(count, start + 1_000); i++) {
        const question = `Question ${i}: ${filler}?`;
        const answer = `Answer ${i}: ${filler}.`;
        rows.push({
          id: randomUUID(),
          chunk: chunks[i % chunks.length]!.id,
          job: job.id,
          templateType: 'qa',
          inputText: question,
          outputText: answer,
          modelUsed: 'gpt-4o-mini',
          status: ExampleStatus.Ok,
          templateHash: 'bench',
          lineage: { fields: { question, answer } },
          tokenCount: 100 + (i % 50),
          cost: 0.0001,
          qualityScore: 0.9,
          passedQc: true,
          createdAt: new Date(),
        });
      }
      await tx.insertMany(TrainingExample, rows);
    }
  });
  if (/postgre/i.test(orm.em.getPlatform().constructor.name)) {
    await orm.em.getConnection().execute('analyze training_examples');
  }
  return job.id;
}
