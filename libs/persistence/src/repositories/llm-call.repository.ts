import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { addToJobCounters, type JobCountersWrite } from '../job-counters.js';
import { Job, LlmCall } from '../entities/entities.js';
import { isSqlite, sqlTimestamp } from './sql-dialect.js';

/** A call about to be made, with what it is estimated to cost. */
export interface LlmCallStart {
  jobId: string;
  chunkId: string | null;
  kind: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  /** USD; null when the model's price is unknown. */
  cost: number | null;
  /**
   * USD the job's budget holds for the call beyond `cost` while it runs (the
   * most it may cost, prompt plus its longest reply, less the estimate); 0 by default.
   */
  reserve?: number;
  /** The job's budget: the call is recorded only while cost_total + cost_reserved + cost + reserve fits it (null: no limit). */
  maxCostUsd?: number | null;
}

/** What a call cost once it ended. */
export interface LlmCallSettlement {
  promptTokens: number;
  completionTokens: number;
  /** USD; null when the model's price is unknown. */
  cost: number | null;
  /** The part of `cost` that is estimated (a reply or its usage lost); 0 when all is the provider's usage. */
  costEstimated: number;
}

/** The job's cost as the budget sees it. */
export interface LlmBudgetState {
  /** cost_total: settled calls at their cost, calls in flight (or lost) at their estimate. */
  costTotal: number;
  /** cost_reserved: what calls in flight may cost beyond their estimate. */
  costReserved: number;
}

/**
 * The job's LLM calls, each counted into the job's cost_total before it is
 * made and corrected after. `start` is also the budget reservation: one
 * conditional UPDATE of the job row adds the call's estimate to cost_total
 * and cost_estimated and its hold (the most it may cost beyond the estimate)
 * to cost_reserved, only while that stays within max_cost_usd, and writes
 * the call `started`; with several workers racing, the calls granted never
 * add up past the budget. `settle` replaces the estimate with what the call
 * cost and releases the hold, in one transaction. A call that is never
 * settled (its worker was killed) stays counted at its estimate and keeps
 * its hold.
 */
export class LlmCallRepository {
  /** What each call this repository started was counted at, so that settling it needs no read. */
  private readonly open = new Map<string, { jobId: string; cost: number; estimated: number; reserved: number }>();

  constructor(private readonly em: EntityManager) {}

  /**
   * Records a call as started and counts its estimate; null (nothing
   * written) when the job's budget has no room for it or the job is gone.
   */
  async start(call: LlmCallStart): Promise<{ id: string; costTotal: number } | null> {
    const cost = call.cost ?? 0;
    const reserve = call.reserve ?? 0;
    const max = call.maxCostUsd ?? null;
    if (!Number.isFinite(cost) || cost < 0) throw new Error(`cost must be a non-negative number (got ${cost})`);
    if (!Number.isFinite(reserve) || reserve < 0) {
      throw new Error(`reserve must be a non-negative number (got ${reserve})`);
    }
    if (max !== null && !Number.isFinite(max)) throw new Error('maxCostUsd must be a finite number or null');
    // The reservation is one statement, not a transaction around it and the insert: on SQLite a transaction
    // open in one connection would make a second one (another ORM in the same process) busy-wait on the lock.
    const fork = this.em.fork();
    const sqlite = isSqlite(fork);
    const estimated = sqlite
      ? 'round(cost_estimated + ?, 12)'
      : 'round((cost_estimated + ?)::numeric, 12)::double precision';
    const params: unknown[] = [cost, cost, reserve, sqlTimestamp(fork, new Date()), call.jobId];
    if (max !== null) params.push(cost + reserve, max);
    const rows = (await (fork as SqlEntityManager).execute(
      `update jobs set cost_total = cost_total + ?, cost_estimated = ${estimated}, ` +
        `cost_reserved = cost_reserved + ?, updated_at = ? where id = ?` +
        (max === null ? '' : ' and cost_total + cost_reserved + ? <= ?') +
        ' returning cost_total',
      params,
      'all',
    )) as { cost_total: number | string }[];
    if (!rows[0]) return null;
    const id = randomUUID();
    try {
      // A native insert (one statement, no unit of work to flush in a transaction of its own).
      await fork.insert(LlmCall, {
        id,
        job: call.jobId,
        chunkId: call.chunkId,
        kind: call.kind,
        model: call.model,
        status: 'started',
        estimated: true,
        promptTokens: call.promptTokens,
        completionTokens: call.completionTokens,
        cost: call.cost,
        costEstimated: cost,
        reserved: reserve,
        createdAt: new Date(),
      });
    } catch (e) {
      // No row to settle it by: give the reservation back. (A process killed right here leaves the call
      // counted without its row: over-counted, never under.)
      await addToJobCounters(this.em.fork(), call.jobId, {
        cost: -cost,
        costEstimated: -cost,
        costReserved: -reserve,
      });
      throw e;
    }
    this.open.set(id, { jobId: call.jobId, cost, estimated: cost, reserved: reserve });
    return { id, costTotal: Number(rows[0].cost_total) };
  }

  /**
   * Settles a started call with what it cost and releases its hold; a call settled already is left as it is.
   * A call this repository started is settled in two statements (the conditional UPDATE of the call, whose
   * row count says whether it was still started, and the job's costs) from what it was counted at; another's
   * is read first.
   */
  async settle(id: string, settlement: LlmCallSettlement): Promise<JobCountersWrite | null> {
    const known = this.open.get(id);
    this.open.delete(id);
    const fork = this.em.fork();
    if (known && !isSqlite(fork)) return this.settleKnown(fork, id, known, settlement);
    return fork.transactional(async (tx) => {
      let before = known;
      if (!before) {
        const row = await tx.findOne(LlmCall, { id, status: 'started' }, { populate: [] });
        if (!row) return null;
        before = {
          jobId: row.job.id,
          cost: Number(row.cost ?? 0),
          estimated: Number(row.costEstimated),
          reserved: Number(row.reserved),
        };
      }
      const cost = settlement.cost ?? 0;
      const estimated = Math.min(settlement.costEstimated, cost);
      const changed = await tx.nativeUpdate(
        LlmCall,
        { id, status: 'started' },
        {
          status: 'settled',
          promptTokens: settlement.promptTokens,
          completionTokens: settlement.completionTokens,
          cost: settlement.cost,
          costEstimated: estimated,
          estimated: estimated > 0,
          reserved: 0,
          settledAt: new Date(),
        },
      );
      if (changed === 0) return null;
      return addToJobCounters(tx, before.jobId, {
        cost: cost - before.cost,
        costEstimated: estimated - before.estimated,
        costReserved: -before.reserved,
      });
    });
  }

  /**
   * PostgreSQL, a call this repository started: the call's conditional UPDATE and the job's costs in one
   * statement (a data-modifying CTE), so the job row, which every call of every worker updates, is locked
   * for that statement and its commit only, not across a transaction's round trips.
   */
  private async settleKnown(
    em: EntityManager,
    id: string,
    before: { jobId: string; cost: number; estimated: number; reserved: number },
    settlement: LlmCallSettlement,
  ): Promise<JobCountersWrite | null> {
    const cost = settlement.cost ?? 0;
    const estimated = Math.min(settlement.costEstimated, cost);
    const now = sqlTimestamp(em, new Date());
    const rows = (await (em as SqlEntityManager).execute(
      `with c as (update llm_calls set status = 'settled', prompt_tokens = ?, completion_tokens = ?, cost = ?,` +
        ` cost_estimated = ?, estimated = ?, reserved = 0, settled_at = ? where id = ? and status = 'started' returning id)` +
        ` update jobs set cost_total = cost_total + ?,` +
        ` cost_estimated = round((cost_estimated + ?)::numeric, 12)::double precision,` +
        ` cost_reserved = case when cost_reserved + ? > 1e-12 then cost_reserved + ? else 0 end, updated_at = ?` +
        ` where id = ? and exists (select 1 from c) returning cost_total, cost_estimated`,
      [
        settlement.promptTokens,
        settlement.completionTokens,
        settlement.cost,
        estimated,
        estimated > 0,
        now,
        id,
        cost - before.cost,
        estimated - before.estimated,
        -before.reserved,
        -before.reserved,
        now,
        before.jobId,
      ],
      'all',
    )) as { cost_total: number | string; cost_estimated: number | string }[];
    const row = rows[0];
    return row ? { costTotal: Number(row.cost_total), costEstimated: Number(row.cost_estimated) } : null;
  }

  /** The job's cost_total and cost_reserved (null when there is no such job). */
  async budgetState(jobId: string): Promise<LlmBudgetState | null> {
    const job = await this.em.fork().findOne(Job, { id: jobId }, { fields: ['costTotal', 'costReserved'] });
    return job ? { costTotal: Number(job.costTotal), costReserved: Number(job.costReserved) } : null;
  }
}
