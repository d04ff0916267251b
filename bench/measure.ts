import { MikroORM } from '@mikro-orm/core';
import { type AppConfig, loadConfig } from '@datafactory/config';
import { createOrmConfig } from '@datafactory/persistence';
import { REPO_ROOT, startStack, tempDir } from '@datafactory/testing';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * What the pipeline and scale benchmarks measure around a job: the processes'
 * peak RSS and CPU time (from /proc), the machine's load while it ran, and
 * the job's stage spans read back from its rows.
 */

/** utime + stime (+ waited-for children's) of `pid`, in seconds; null once it has exited. */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(stat[i]), 0) / 100;
  } catch {
    return null;
  }
}

function peakRssMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Busy and total jiffies of the whole machine (/proc/stat), to say how much of it other work took. */
function machineJiffies(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

export interface ProcessFigures {
  name: string;
  peakRssMb: number;
  cpuS: number;
}

export interface MachineFigures {
  /** 1-minute load average: mean and max of the samples taken while the job ran. */
  loadMean: number;
  loadMax: number;
  /** CPU seconds the whole machine spent busy during the run (all processes, every engineer's). */
  machineBusyS: number;
  cores: number;
}

/** Samples named processes (every 250 ms) and the machine until stop(). */
export class Sampler {
  private readonly peak = new Map<string, number>();
  private readonly cpu = new Map<string, number>();
  /** CPU seconds at the first sample: a process started before the job (a worker) counts from there. */
  private readonly cpuAtStart = new Map<string, number>();
  private readonly loads: number[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly start = machineJiffies();
  private readonly clockTicks = 100;

  constructor(private readonly pids: () => { name: string; pid: number }[]) {
    this.timer = setInterval(() => this.sample(), 250);
    this.sample();
  }

  private sample(): void {
    this.loads.push(os.loadavg()[0]!);
    for (const { name, pid } of this.pids()) {
      const rss = peakRssMb(pid);
      if (rss !== null) this.peak.set(name, Math.max(this.peak.get(name) ?? 0, rss));
      const cpu = cpuSeconds(pid);
      if (cpu !== null) {
        if (!this.cpuAtStart.has(name)) this.cpuAtStart.set(name, cpu);
        this.cpu.set(name, Math.max(this.cpu.get(name) ?? 0, cpu));
      }
    }
  }

  /** Stops sampling (after one last sample, so call it before the processes exit when possible). */
  stop(): { processes: ProcessFigures[]; machine: MachineFigures } {
    this.sample();
    clearInterval(this.timer);
    const end = machineJiffies();
    return {
      processes: [...this.peak.keys()].map((name) => ({
        name,
        peakRssMb: Math.round(this.peak.get(name) ?? 0),
        cpuS: (this.cpu.get(name) ?? 0) - (this.cpuAtStart.get(name) ?? 0),
      })),
      machine: {
        loadMean: this.loads.reduce((a, b) => a + b, 0) / Math.max(1, this.loads.length),
        loadMax: Math.max(...this.loads),
        machineBusyS: (end.busy - this.start.busy) / this.clockTicks,
        cores: os.cpus().length,
      },
    };
  }
}

export interface JobFigures {
  status: string;
  documents: number;
  chunks: number;
  originalChunks: number;
  llmCalls: number;
  examples: number;
  passed: number;
  /** First to last document fetched, in seconds. */
  crawlSpanS: number;
  /** First LLM call made to the last settled, in seconds. */
  generateSpanS: number;
  /** Job started to the last document fetched / last call settled / completed. */
  crawlEndS: number;
  generateEndS: number;
  jobS: number;
}

const asMs = (v: unknown): number | null => {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  const s = String(v);
  return /^\d+$/.test(s) ? Number(s) : Date.parse(s);
};

/** The job's figures from its rows (the database holds that one job). */
export async function jobFigures(database: AppConfig['database']): Promise<JobFigures> {
  const orm = await MikroORM.init(createOrmConfig(database));
  try {
    const db = orm.em.getConnection();
    const one = async (sql: string) => ((await db.execute(sql, [], 'all')) as Record<string, unknown>[])[0] ?? {};
    const job = await one(`select status, started_at, completed_at from jobs`);
    const docs = await one(
      `select count(*) as n, min(fetched_at) as first, max(fetched_at) as last from raw_documents`,
    );
    const chunks = await one(
      `select count(*) as n, sum(case when duplicate_of_id is null then 1 else 0 end) as originals from chunks`,
    );
    const calls = await one(`select count(*) as n, min(created_at) as first, max(settled_at) as last from llm_calls`);
    const examples = await one(
      `select count(*) as n, sum(case when passed_qc then 1 else 0 end) as passed from training_examples`,
    );
    const started = asMs(job.started_at) ?? 0;
    const span = (a: unknown, b: unknown) => ((asMs(b) ?? 0) - (asMs(a) ?? 0)) / 1000;
    return {
      status: String(job.status),
      documents: Number(docs.n),
      chunks: Number(chunks.n),
      originalChunks: Number(chunks.originals ?? 0),
      llmCalls: Number(calls.n),
      examples: Number(examples.n),
      passed: Number(examples.passed ?? 0),
      crawlSpanS: span(docs.first, docs.last),
      generateSpanS: calls.first ? span(calls.first, calls.last) : 0,
      crawlEndS: span(started, docs.last),
      generateEndS: calls.last ? span(started, calls.last) : 0,
      jobS: span(started, job.completed_at),
    };
  } finally {
    await orm.close(true);
  }
}

export interface RunFigures {
  wallS: number;
  job: JobFigures;
  exported: number;
  processes: ProcessFigures[];
  machine: MachineFigures;
  /** The processes' output when the job did not complete. */
  output?: string;
}

/**
 * `datafactory run` (the built CLI, one process, SQLite in a fresh data dir)
 * with `args` after `run`, `jobConfig` as its --config and `env` on top.
 */
export async function runOneProcess(
  urls: string[],
  jobConfig: object,
  args: string[],
  env: Record<string, string>,
): Promise<RunFigures> {
  const dir = await tempDir('df-bench-run-');
  try {
    const urlFile = path.join(dir.path, 'urls.txt');
    await writeFile(urlFile, urls.join('\n'));
    const configFile = path.join(dir.path, 'job.json');
    await writeFile(configFile, JSON.stringify(jobConfig));
    const dataDir = path.join(dir.path, 'data');
    const cli = path.join(REPO_ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');
    const started = performance.now();
    const child = spawn(process.execPath, [cli, 'run', '--urls', urlFile, '--config', configFile, ...args], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir.path,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    const sampler = new Sampler(() => [{ name: 'run', pid: child.pid! }]);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const wallS = (performance.now() - started) / 1000;
    const sampled = sampler.stop();
    const job = await jobFigures(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }).database);
    const exported = Number(/(\d+) record\(s\)/.exec(output)?.[1] ?? 0);
    return { wallS, job, exported, ...sampled, ...(code === 0 ? {} : { output }) };
  } finally {
    await dir.remove();
  }
}

/**
 * The distributed path: the built API and `workers` workers on a private
 * PostgreSQL schema and Redis prefix (libs/testing startStack); the job is
 * created over HTTP and polled until it ends.
 */
export async function runDistributed(
  workers: number,
  urls: string[],
  jobConfig: object,
  env: Record<string, string>,
): Promise<RunFigures> {
  const stack = await startStack({ workers, database: 'postgres', env, timeoutMs: 120_000 });
  try {
    const sampler = new Sampler(() => [
      { name: 'api', pid: stack.api.child.pid! },
      ...stack.workers.map((w, i) => ({ name: `worker${i}`, pid: w.child.pid! })),
    ]);
    const project = await stack.json('POST', '/api/projects', { name: 'bench' });
    if (project.status !== 201)
      throw new Error(`POST /api/projects: ${project.status} ${JSON.stringify(project.body)}`);
    const started = performance.now();
    const created = await stack.json('POST', `/api/projects/${project.body.id}/jobs`, { urls, config: jobConfig });
    if (created.status !== 201) throw new Error(`POST jobs: ${created.status} ${JSON.stringify(created.body)}`);
    const id = String(created.body.id);
    let status = String(created.body.status);
    while (status === 'pending' || status === 'running') {
      await new Promise((r) => setTimeout(r, 500));
      status = String((await stack.json('GET', `/api/jobs/${id}`)).body.status);
    }
    const wallS = (performance.now() - started) / 1000;
    const sampled = sampler.stop();
    const exports = await stack.json('GET', `/api/jobs/${id}/exports`);
    const exported = Number(exports.body?.items?.[0]?.recordCount ?? 0);
    const job = await jobFigures(loadConfig({ ...stack.env, NODE_ENV: 'test', LOG_LEVEL: 'silent' }).database);
    const output =
      status === 'completed'
        ? undefined
        : stack.workers.map((w, i) => `worker ${i}: ${w.output().slice(-1500)}`).join('\n');
    return { wallS, job, exported, ...sampled, ...(output ? { output } : {}) };
  } finally {
    await stack.stop();
  }
}

/** Prints a run's common figures as `prefix_name=value` lines. */
export function printRun(prefix: string, r: RunFigures): void {
  const line = (name: string, value: string | number) => console.log(`${prefix}_${name}=${value}`);
  line('status', r.job.status);
  line('wall_s', r.wallS.toFixed(1));
  line('documents', r.job.documents);
  line('chunks', r.job.chunks);
  line('chunks_original', r.job.originalChunks);
  line('llm_calls', r.job.llmCalls);
  line('examples', r.job.examples);
  line('examples_exported', r.exported);
  line('crawl_end_s', r.job.crawlEndS.toFixed(1));
  line('crawl_pages_per_s', (r.job.documents / Math.max(r.job.crawlSpanS, 1e-9)).toFixed(2));
  line('generate_end_s', r.job.generateEndS.toFixed(1));
  let cpu = 0;
  for (const p of r.processes) {
    line(`${p.name}_peak_rss_mb`, p.peakRssMb);
    line(`${p.name}_cpu_s`, p.cpuS.toFixed(1));
    cpu += p.cpuS;
  }
  line('cpu_s', cpu.toFixed(1));
  line('load_avg_mean', r.machine.loadMean.toFixed(1));
  line('load_avg_max', r.machine.loadMax.toFixed(1));
  line('machine_busy_cpu_s', r.machine.machineBusyS.toFixed(1));
  line('machine_cpu_capacity_s', (r.wallS * r.machine.cores).toFixed(1));
  if (r.output) console.error(`${prefix}: the job ended ${r.job.status}:\n${r.output}`);
}
