import { costOf, findPrice, type PricingTable } from './pricing/pricing.js';
import type { CallLedger, CallStart } from './generator.js';
import { type ChatMessageText, countChatTokens } from './tokens.js';

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
 * The ledger and budget of calls in this process's memory (a Generator
 * without a job row: tests, library use), with the job ledger's rules: a
 * call starts only while spent + held + the most it may cost fits
 * `maxCostUsd`; its estimate counts as spent until it settles at its cost.
 */
export function memoryCallLedger(maxCostUsd: number | null): CallLedger {
  let spent = 0;
  let reserved = 0;
  let next = 0;
  const open = new Map<string, { cost: number; hold: number }>();
  return {
    maxCostUsd,
    async start(call) {
      const cost = call.cost ?? 0;
      const hold = Math.max(0, (call.maxCost ?? cost) - cost);
      if (maxCostUsd !== null && spent + reserved + cost + hold > maxCostUsd) return null;
      spent += cost;
      reserved += hold;
      const id = String(++next);
      open.set(id, { cost, hold });
      return id;
    },
    async settle(id, settlement) {
      const entry = open.get(id);
      if (!entry) return;
      open.delete(id);
      spent += (settlement.cost ?? 0) - entry.cost;
      reserved = reserved - entry.hold > 1e-12 ? reserved - entry.hold : 0;
    },
    async state() {
      return { spentUsd: spent, reservedUsd: reserved };
    },
  };
}

/** A call of the inspector's judge as it asks for room (libs/inspector JudgeCall). */
export interface ReservedCall {
  model: string;
  messages: readonly ChatMessageText[];
  /** The reply tokens it may use (it sends no max_tokens): it is counted at this until it settles. */
  maxOutputTokens: number;
}

/**
 * A call made outside the Generator (the judge's) through a ledger: recorded
 * with its prompt counted and its reply at `maxOutputTokens` before it is
 * made (null: the budget has no room, make no call), settled with what it
 * cost after; a call that failed or whose reply had no usage stays counted
 * at its estimate, marked estimated.
 */
export function reserveThrough(
  ledger: CallLedger,
  kind: CallStart['kind'],
  price: (model: string, usage: { promptTokens: number; completionTokens: number }) => number | null,
) {
  return async (
    call: ReservedCall,
  ): Promise<{
    settle(costUsd: number | null, usage: { promptTokens: number; completionTokens: number } | null): Promise<void>;
  } | null> => {
    const estimate = {
      promptTokens: countChatTokens(call.messages, call.model),
      completionTokens: call.maxOutputTokens,
    };
    const cost = price(call.model, estimate);
    const id = await ledger.start({ chunkId: null, kind, model: call.model, ...estimate, cost, maxCost: cost });
    if (id === null) return null;
    return {
      settle: (actual, usage) =>
        ledger.settle(
          id,
          actual === null || !usage
            ? { ...estimate, cost, costEstimated: cost ?? 0 }
            : { ...usage, cost: actual, costEstimated: 0 },
        ),
    };
  };
}
