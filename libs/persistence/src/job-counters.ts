import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { type JobProgress, type Stage, STAGES, type StageCounters } from '@datafactory/contracts';
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

/**
 * Adds to a job's per-stage counters and total cost in one atomic UPDATE, and
 * returns the values after it (null when there is no such job).
 *
 * Use this, not read-modify-write through an entity, from concurrent workers:
 * on PostgreSQL two transactions that read a job, add one and flush lose one
 * of the increments (READ COMMITTED), and on SQLite they queue on the write
 * lock. The entity in an EntityManager's identity map is not refreshed.
 */
export async function addToJobCounters(
  em: EntityManager,
  jobId: string,
  delta: JobCountersDelta,
): Promise<JobCounters | null> {
  const sqlite = isSqlite(em);
  const params: unknown[] = [];
  let progress = 'progress';
  for (const [stage, counters] of Object.entries(delta.progress ?? {})) {
    if (!(STAGES as string[]).includes(stage)) throw new Error(`unknown stage "${stage}"`);
    for (const [key, amount] of Object.entries(counters ?? {})) {
      if (!(COUNTERS as readonly string[]).includes(key)) throw new Error(`unknown counter "${key}"`);
      if (!Number.isInteger(amount)) throw new Error(`${stage}.${key} must be an integer (got ${String(amount)})`);
      if (amount === 0) continue;
      // `stage` and `key` were checked against fixed lists above: safe inside the SQL text.
      progress = sqlite
        ? `json_set(${progress}, '$.${stage}.${key}', coalesce(json_extract(progress, '$.${stage}.${key}'), 0) + ?)`
        : `jsonb_set(${progress}, '{${stage},${key}}', to_jsonb(coalesce((progress #>> '{${stage},${key}}')::bigint, 0) + ?::bigint), true)`;
      params.push(amount);
    }
  }
  const cost = delta.cost ?? 0;
  const estimated = delta.costEstimated ?? 0;
  if (!Number.isFinite(cost)) throw new Error(`cost must be a finite number (got ${cost})`);
  if (!Number.isFinite(estimated)) throw new Error(`costEstimated must be a finite number (got ${estimated})`);
  const reserved = delta.costReserved ?? 0;
  if (!Number.isFinite(reserved)) throw new Error(`costReserved must be a finite number (got ${reserved})`);
  params.push(cost, estimated);
  // Holds are added and taken back in doubles: what is left once all have settled is 0, not 1e-18.
  let hold = '';
  if (reserved !== 0) {
    hold = ', cost_reserved = case when cost_reserved + ? > 1e-12 then cost_reserved + ? else 0 end';
    params.push(reserved, reserved);
  }
  params.push(sqlTimestamp(em, new Date()), jobId);
  const rows = (await (em as SqlEntityManager).execute(
    // cost_estimated goes up by an estimate and down by the same when the call settles: rounded to 1e-12 USD so
    // that it comes back to 0, not to a floating-point residue that would read as "some of it is estimated".
    `update jobs set progress = ${progress}, cost_total = cost_total + ?, cost_estimated = ${
      sqlite ? 'round(cost_estimated + ?, 12)' : 'round((cost_estimated + ?)::numeric, 12)::double precision'
    }${hold}, updated_at = ? where id = ? returning progress, cost_total, cost_estimated`,
    params,
    'all',
  )) as { progress: JobProgress | string; cost_total: number | string; cost_estimated: number | string }[];
  const row = rows[0];
  if (!row) return null;
  return {
    progress: typeof row.progress === 'string' ? (JSON.parse(row.progress) as JobProgress) : row.progress,
    costTotal: Number(row.cost_total),
    costEstimated: Number(row.cost_estimated),
  };
}
