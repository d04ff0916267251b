import type { EntityManager } from '@mikro-orm/core';
import { addToJobCounters, type JobCounters } from '../job-counters.js';
import { Job, LlmCall } from '../entities/entities.js';

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

/**
 * The job's LLM calls, each counted into the job's cost_total before it is
 * made and corrected after: `start` writes the call with its estimate and adds
 * the estimate to cost_total and cost_estimated; `settle` replaces it with
 * what the call cost. A call that is never settled (its worker was killed)
 * stays counted at its estimate. Each step is one transaction.
 */
export class LlmCallRepository {
  constructor(private readonly em: EntityManager) {}

  /** Records a call as started; returns its id and the job's counters after adding its estimate. */
  async start(call: LlmCallStart): Promise<{ id: string; counters: JobCounters | null }> {
    return this.em.fork().transactional(async (tx) => {
      const row = tx.create(LlmCall, {
        job: tx.getReference(Job, call.jobId),
        chunkId: call.chunkId,
        kind: call.kind,
        model: call.model,
        status: 'started',
        estimated: true,
        promptTokens: call.promptTokens,
        completionTokens: call.completionTokens,
        cost: call.cost,
        costEstimated: call.cost ?? 0,
      });
      await tx.flush();
      const cost = call.cost ?? 0;
      const counters = await addToJobCounters(tx, call.jobId, { cost, costEstimated: cost });
      return { id: row.id, counters };
    });
  }

  /** Settles a started call with what it cost; a call settled already is left as it is. */
  async settle(id: string, settlement: LlmCallSettlement): Promise<JobCounters | null> {
    return this.em.fork().transactional(async (tx) => {
      const row = await tx.findOne(LlmCall, { id, status: 'started' }, { populate: [] });
      if (!row) return null;
      const before = { cost: Number(row.cost ?? 0), estimated: Number(row.costEstimated) };
      const cost = settlement.cost ?? 0;
      const estimated = Math.min(settlement.costEstimated, cost);
      row.status = 'settled';
      row.promptTokens = settlement.promptTokens;
      row.completionTokens = settlement.completionTokens;
      row.cost = settlement.cost;
      row.costEstimated = estimated;
      row.estimated = estimated > 0;
      row.settledAt = new Date();
      await tx.flush();
      return addToJobCounters(tx, row.job.id, {
        cost: cost - before.cost,
        costEstimated: estimated - before.estimated,
      });
    });
  }
}
