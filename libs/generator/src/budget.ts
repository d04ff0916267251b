import type { EntityManager } from '@mikro-orm/core';
import { JobRepository } from '@datafactory/persistence';
import { costOf, findPrice, type PricingTable } from './pricing/pricing.js';
import { type ChatMessageText, countChatTokens } from './tokens.js';

/**
 * Where a job's max_cost_usd is kept: every LLM call reserves its estimated
 * cost before it starts and settles its real cost when it ends. The job's
 * budget lives on the job row (jobCallBudget), so every worker sees the same
 * one; a Generator used on its own keeps it in memory (memoryCallBudget).
 */
export interface CallBudget {
  /** Reserves `estimateUsd` for one call; null when that would take the job past max_cost_usd. */
  reserve(estimateUsd: number): Promise<BudgetReservation | null>;
  /** USD settled (spent) and reserved by calls in flight, now. */
  state(): Promise<BudgetState>;
  /** The limit (null: none). */
  readonly maxCostUsd: number | null;
}

export interface BudgetReservation {
  /** Releases the reservation and counts what the call really cost (null: unknown price, counts 0). Once. */
  settle(costUsd: number | null): Promise<void>;
}

export interface BudgetState {
  spentUsd: number;
  reservedUsd: number;
}

/**
 * The most one chat call can cost: its prompt counted by the model's
 * tokenizer plus `maxOutputTokens`, at the table's price (no prompt-cache
 * discount). null when the model has no price.
 */
export function estimateCallCost(
  messages: readonly ChatMessageText[],
  model: string,
  maxOutputTokens: number,
  pricing: PricingTable,
): number | null {
  const price = findPrice(pricing, model);
  if (!price) return null;
  return costOf(price, {
    promptTokens: countChatTokens(messages, model),
    cachedPromptTokens: 0,
    completionTokens: maxOutputTokens,
  });
}

/**
 * The job's budget on its row (jobs.cost_total + jobs.cost_reserved against
 * max_cost_usd), shared by every worker and seen by a restarted one: a
 * reservation is one conditional UPDATE, a settlement another. Settled cost
 * is added to the job's cost_total here, so whoever stores the call's
 * results must not add it again.
 */
export function jobCallBudget(em: EntityManager, jobId: string, maxCostUsd: number | null): CallBudget {
  const jobs = new JobRepository(em);
  return {
    maxCostUsd,
    async reserve(estimateUsd) {
      if (!(await jobs.reserveBudget(jobId, estimateUsd, maxCostUsd))) return null;
      return once(async (cost) => void (await jobs.settleBudget(jobId, estimateUsd, cost ?? 0)));
    },
    async state() {
      const s = await jobs.budgetState(jobId);
      return { spentUsd: s?.costTotal ?? 0, reservedUsd: s?.costReserved ?? 0 };
    },
  };
}

/** The same budget in this process's memory (a Generator without a job row: tests, library use). */
export function memoryCallBudget(maxCostUsd: number | null): CallBudget {
  let spent = 0;
  let reserved = 0;
  return {
    maxCostUsd,
    async reserve(estimateUsd) {
      if (maxCostUsd !== null && spent + reserved + estimateUsd > maxCostUsd) return null;
      reserved += estimateUsd;
      return once(async (cost) => {
        reserved = Math.max(0, reserved - estimateUsd);
        spent += cost ?? 0;
      });
    },
    async state() {
      return { spentUsd: spent, reservedUsd: reserved };
    },
  };
}

function once(settle: (cost: number | null) => Promise<void>): BudgetReservation {
  let done = false;
  return {
    async settle(cost) {
      if (done) return;
      done = true;
      await settle(cost);
    },
  };
}
