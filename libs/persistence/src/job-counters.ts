import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { type JobProgress, type Stage, STAGES, type StageCounters } from '@datafactory/contracts';
import { Job, JobCounterShard } from './entities/entities.js';
import { isSqlite, sqlTimestamp } from './repositories/sql-dialect.js';

export interface JobCountersDelta {
  /** Amounts to add to per-stage counters, e.g. `{ crawler: { done: 1 } }`. */
  progress?: Partial<Record<Stage, Partial<StageCounters>>>;
  /** Amount to add to the job's cost_total. */
  cost?: number;
  /** Amount to add to the job's cost_estimated (the estimated part of cost_total). */
  costEstimated?: number;
  /** Amount to add to the job's cost_reserved (the budget held by calls in flight); it never goes below 0. */
  costReserved?: number;
}

export interface JobCounters {
  progress: JobProgress;
  costTotal: number;
  /** The part of costTotal that is estimated (absent where only costTotal was read). */
  costEstimated?: number;
}

const COUNTERS = ['total', 'done', 'failed'] as const;

/** What addToJobCounters wrote: the job's cost after it, when the delta had a cost part (else null). */
export interface JobCountersWrite {
  costTotal: number | null;
  costEstimated: number | null;
  /**
   * On SQLite, the job's counters folded in the same transaction (one writer at a time: the transaction that
   * commits last has read every earlier one), so that the caller needs no fold of its own after the commit.
   */
  folded?: JobCounters;
}

/**
 * Rows per stage a PostgreSQL job's counters are spread over: two items finishing at the same time on
 * different workers add to the same row only when they draw the same shard (1 in 16). SQLite has one writer at a
 * time, so one row per stage there.
 */
const PG_SHARDS = 16;
/** The next shard this process adds to: a random start, then in turn (items at once in one process differ). */
let nextShard = Math.floor(Math.random() * PG_SHARDS);

/**
 * Adds to a job's per-stage counters and costs, in `em`'s transaction when it
 * has one (atomic with what the item stored), and returns the cost after it;
 * null when there is no such job.
 *
 * Progress goes to the job's counter shards (job_counter_shards), not to the
 * job's row: an item holds no lock another worker's item waits for until it
 * commits. The job's `progress` is brought up to date by foldJobCounters,
 * which the caller runs after the commit (PipelineCoordinator.afterItem does);
 * on SQLite (one writer) it runs here, in the same transaction (`folded`).
 * Costs go to the job's row (the budget check reads them there), in one atomic
 * UPDATE. Counters only grow: a negative progress amount is refused.
 *
 * Use this, not read-modify-write through an entity, from concurrent workers:
 * on PostgreSQL two transactions that read a job, add one and flush lose one
 * of the increments (READ COMMITTED). The entity in an EntityManager's
 * identity map is not refreshed.
 */
export async function addToJobCounters(
  em: EntityManager,
  jobId: string,
  delta: JobCountersDelta,
): Promise<JobCountersWrite | null> {
  const sqlite = isSqlite(em);
  const sql = em as SqlEntityManager;
  const stages: [Stage, number, number, number][] = [];
  for (const [stage, counters] of Object.entries(delta.progress ?? {})) {
    if (!(STAGES as string[]).includes(stage)) throw new Error(`unknown stage "${stage}"`);
    const amounts = { total: 0, done: 0, failed: 0 };
    for (const [key, amount] of Object.entries(counters ?? {})) {
      if (!(COUNTERS as readonly string[]).includes(key)) throw new Error(`unknown counter "${key}"`);
      if (!Number.isInteger(amount)) throw new Error(`${stage}.${key} must be an integer (got ${String(amount)})`);
      if (amount < 0) throw new Error(`${stage}.${key} must not be negative (got ${amount}): counters only grow`);
      amounts[key as keyof typeof amounts] = amount;
    }
    if (amounts.total || amounts.done || amounts.failed) {
      stages.push([stage as Stage, amounts.total, amounts.done, amounts.failed]);
    }
  }
  const cost = delta.cost ?? 0;
  const estimated = delta.costEstimated ?? 0;
  if (!Number.isFinite(cost)) throw new Error(`cost must be a finite number (got ${cost})`);
  if (!Number.isFinite(estimated)) throw new Error(`costEstimated must be a finite number (got ${estimated})`);
  const reserved = delta.costReserved ?? 0;
  if (!Number.isFinite(reserved)) throw new Error(`costReserved must be a finite number (got ${reserved})`);

  let exists: boolean | null = null;
  if (stages.length) {
    const shard = sqlite ? 0 : nextShard++ % PG_SHARDS;
    const params: unknown[] = [];
    const values = stages
      .map(([stage, total, done, failed]) => {
        params.push(jobId, stage, shard, total, done, failed);
        return sqlite
          ? '(?, ?, ?, ?, ?, ?)'
          : '(cast(? as uuid), cast(? as text), cast(? as integer), cast(? as integer), cast(? as integer), cast(? as integer))';
      })
      .join(', ');
    params.push(jobId);
    // `where exists`: no rows for a job that is gone (SQLite also needs a WHERE to read `on conflict` as
    // the upsert's, not as a join's).
    const rows = (await sql.execute(
      `insert into job_counter_shards (job_id, stage, shard, total, done, failed) ` +
        (sqlite
          ? `select column1, column2, column3, column4, column5, column6 from (values ${values})`
          : `select v.* from (values ${values}) as v(job_id, stage, shard, total, done, failed)`) +
        ` where exists (select 1 from jobs where id = ?)` +
        ` on conflict (job_id, stage, shard) do update set total = job_counter_shards.total + excluded.total,` +
        ` done = job_counter_shards.done + excluded.done, failed = job_counter_shards.failed + excluded.failed` +
        ` returning shard`,
      params,
      'all',
    )) as unknown[];
    exists = rows.length > 0;
    if (!exists) return null;
  }

  let written: JobCountersWrite = { costTotal: null, costEstimated: null };
  if (cost !== 0 || estimated !== 0 || reserved !== 0) {
    const params: unknown[] = [cost, estimated];
    // Holds are added and taken back in doubles: what is left once all have settled is 0, not 1e-18.
    let hold = '';
    if (reserved !== 0) {
      hold = ', cost_reserved = case when cost_reserved + ? > 1e-12 then cost_reserved + ? else 0 end';
      params.push(reserved, reserved);
    }
    params.push(sqlTimestamp(em, new Date()), jobId);
    const rows = (await sql.execute(
      // cost_estimated goes up by an estimate and down by the same when the call settles: rounded to 1e-12 USD so
      // that it comes back to 0, not to a floating-point residue that would read as "some of it is estimated".
      `update jobs set cost_total = cost_total + ?, cost_estimated = ${
        sqlite ? 'round(cost_estimated + ?, 12)' : 'round((cost_estimated + ?)::numeric, 12)::double precision'
      }${hold}, updated_at = ? where id = ? returning cost_total, cost_estimated`,
      params,
      'all',
    )) as { cost_total: number | string; cost_estimated: number | string }[];
    const row = rows[0];
    if (!row) return null;
    written = { costTotal: Number(row.cost_total), costEstimated: Number(row.cost_estimated) };
  } else if (exists === null) {
    const rows = (await sql.execute('select 1 as one from jobs where id = ?', [jobId], 'all')) as unknown[];
    if (!rows.length) return null;
  }
  // SQLite: the fold in this transaction (see JobCountersWrite.folded); PostgreSQL: the caller's, after commit.
  if (sqlite && stages.length) written.folded = (await foldJobCounters(em, jobId))!;
  return written;
}

/**
 * Brings the job's `progress` up to the sum of its counter shards and returns
 * the job's counters (null when there is no such job). Run it after the
 * transaction that added to them has committed: whichever item commits last
 * then reads every item's counts, so the one check "is every item settled?"
 * that matters sees them all, however the commits of N workers interleave.
 *
 * A fold writes only a larger `progress_seq` (the sum of every counter):
 * counters only grow, so a fold that read older shards than one already
 * written leaves the newer one alone and returns what the row holds.
 */
export async function foldJobCounters(em: EntityManager, jobId: string): Promise<JobCounters | null> {
  const sqlite = isSqlite(em);
  const sql = em as SqlEntityManager;
  const now = sqlTimestamp(em, new Date());
  const rows = (await sql.execute(
    sqlite
      ? `with s as (select stage, sum(total) as t, sum(done) as d, sum(failed) as f from job_counter_shards` +
          ` where job_id = ? group by stage),` +
          ` a as (select json_group_object(stage, json_object('total', t, 'done', d, 'failed', f)) as p,` +
          ` coalesce(sum(t + d + f), 0) as seq from s)` +
          ` update jobs set progress = json_patch(progress, (select p from a)), progress_seq = (select seq from a),` +
          ` updated_at = ? where id = ? and progress_seq < (select seq from a)` +
          ` returning progress, cost_total, cost_estimated`
      : `with s as (select stage, sum(total) as t, sum(done) as d, sum(failed) as f from job_counter_shards` +
          ` where job_id = ? group by stage),` +
          ` a as (select jsonb_object_agg(stage, jsonb_build_object('total', t, 'done', d, 'failed', f)) as p,` +
          ` coalesce(sum(t + d + f), 0) as seq from s)` +
          ` update jobs set progress = jobs.progress || a.p, progress_seq = a.seq, updated_at = ? from a` +
          ` where jobs.id = ? and jobs.progress_seq < a.seq` +
          ` returning jobs.progress, jobs.cost_total, jobs.cost_estimated`,
    [jobId, now, jobId],
    'all',
  )) as CountersRow[];
  const row =
    rows[0] ??
    (
      (await sql.execute('select progress, cost_total, cost_estimated from jobs where id = ?', [jobId], 'all')) as
        CountersRow[] | undefined
    )?.[0];
  if (!row) return null;
  return {
    progress: typeof row.progress === 'string' ? (JSON.parse(row.progress) as JobProgress) : row.progress,
    costTotal: Number(row.cost_total),
    costEstimated: Number(row.cost_estimated),
  };
}

/**
 * The job's counters as a fold would write them (its `progress` with the sums of its counter shards), read
 * without writing: no lock on the job row. For a caller that folds only now and then (the coordinator on
 * PostgreSQL, where every worker's fold of every item queued on the job row and on its commit's WAL flush).
 * Null when there is no such job.
 */
export async function readJobCounters(em: EntityManager, jobId: string): Promise<JobCounters | null> {
  const sql = em as SqlEntityManager;
  const [row] = (await sql.execute(
    isSqlite(em)
      ? `select json_patch(j.progress, coalesce((select json_group_object(stage, json_object('total', t, 'done', d, 'failed', f))` +
          ` from (select stage, sum(total) as t, sum(done) as d, sum(failed) as f from job_counter_shards` +
          ` where job_id = j.id group by stage)), '{}')) as progress, j.cost_total, j.cost_estimated from jobs j where j.id = ?`
      : `select j.progress || coalesce((select jsonb_object_agg(stage, jsonb_build_object('total', t, 'done', d, 'failed', f))` +
          ` from (select stage, sum(total) as t, sum(done) as d, sum(failed) as f from job_counter_shards` +
          ` where job_id = j.id group by stage) s), '{}'::jsonb) as progress, j.cost_total, j.cost_estimated` +
          ` from jobs j where j.id = ?`,
    [jobId],
    'all',
  )) as CountersRow[];
  if (!row) return null;
  return {
    progress: typeof row.progress === 'string' ? (JSON.parse(row.progress) as JobProgress) : row.progress,
    costTotal: Number(row.cost_total),
    costEstimated: Number(row.cost_estimated),
  };
}

interface CountersRow {
  progress: JobProgress | string;
  cost_total: number | string;
  cost_estimated: number | string;
}

/** addToJobCounters, then foldJobCounters: for a caller outside a transaction that wants the counters after it. */
export async function countJob(em: EntityManager, jobId: string, delta: JobCountersDelta): Promise<JobCounters | null> {
  const written = await addToJobCounters(em, jobId, delta);
  if (!written) return null;
  return written.folded ?? foldJobCounters(em, jobId);
}

/**
 * A new job's starting counts (seeds to fetch, uploads fetched already), before the flush that inserts it:
 * in its progress, and in shard 0 of its counters, which every fold sums (a fold replaces each stage it has
 * shards for with their sum).
 */
export function seedJobCounters(em: EntityManager, job: Job, progress: JobProgress): void {
  job.progress = progress;
  let seq = 0;
  for (const stage of STAGES) {
    const c = progress[stage];
    if (!c || !(c.total || c.done || c.failed)) continue;
    em.create(JobCounterShard, { job, stage, shard: 0, total: c.total, done: c.done, failed: c.failed });
    seq += c.total + c.done + c.failed;
  }
  job.progressSeq = seq;
}
