import type { EntityManager } from '@mikro-orm/core';
import {
  addToJobCounters,
  Chunk,
  Job,
  type JobCountersWrite,
  type JobCountersDelta,
  LlmCallRepository,
  TrainingExample,
} from '@datafactory/persistence';
import { ExampleStatus } from '@datafactory/contracts';
import type { CallLedger, ChunkGeneration } from './generator.js';
import type { FailureReason } from './reply-accounting.js';

export interface StoredGeneration {
  exampleIds: string[];
  ok: number;
  failed: number;
  /** The job's cost_total after adding this chunk's cost (null when the job is gone). */
  jobCostTotal: number | null;
  /** The job's counters after this write (for progress events). */
  counters: JobCountersWrite | null;
}

/**
 * The job's calls in the llm_calls table (LlmCallRepository), which is also
 * the job's budget, shared by every worker: each call is written `started`
 * before the request, its estimated cost counted into the job's cost_total
 * and cost_estimated and the most it may cost beyond that held in
 * cost_reserved, in one conditional UPDATE against `maxCostUsd` (refused:
 * null, nothing written); it is settled with what it cost after. A call
 * whose process died stays counted at its estimate. The generator's and the
 * judge's calls go through it.
 */
export function jobCallLedger(em: EntityManager, jobId: string, maxCostUsd: number | null): CallLedger {
  const calls = new LlmCallRepository(em);
  return {
    maxCostUsd,
    async start({ maxCost, ...call }) {
      const reserve = Math.max(0, (maxCost ?? call.cost ?? 0) - (call.cost ?? 0));
      return (await calls.start({ jobId, ...call, reserve, maxCostUsd }))?.id ?? null;
    },
    settle: async (id, settlement) => void (await calls.settle(id, settlement)),
    async state() {
      const s = await calls.budgetState(jobId);
      return { spentUsd: s?.costTotal ?? 0, reservedUsd: s?.costReserved ?? 0 };
    },
  };
}

/**
 * Writes a chunk's examples as TrainingExample rows and adds the chunk's cost
 * to the job's cost_total (unless its calls were counted as they were made,
 * `costCounted`: through jobCallLedger), in one transaction of a forked
 * EntityManager (so it is safe from concurrent queue jobs). Unknown cost
 * (null) adds nothing.
 */
export async function storeChunkGeneration(
  em: EntityManager,
  target: { jobId: string; chunkId: string },
  generation: ChunkGeneration,
  /** Counters to add in the same transaction (the pipeline's: this item done, the next stage's total). */
  progress?: JobCountersDelta['progress'],
): Promise<StoredGeneration> {
  const fork = em.fork();
  return fork.transactional(async (tx) => {
    const job = tx.getReference(Job, target.jobId);
    const chunk = tx.getReference(Chunk, target.chunkId);
    const rows = generation.examples.map((e) =>
      tx.create(TrainingExample, {
        job,
        chunk,
        templateType: generation.templateType,
        templateHash: generation.templateHash,
        modelUsed: generation.model,
        status: e.status,
        inputText: e.inputText,
        outputText: e.outputText,
        error: e.error,
        rawReply: e.rawReply,
        tokenCount: e.tokenCount,
        cost: e.cost,
        lineage: { ...e.lineage },
      }),
    );
    await tx.flush();
    const cost = generation.costCounted ? 0 : (generation.cost ?? 0);
    const costEstimated = generation.costCounted ? 0 : generation.calls.reduce((n, c) => n + c.costEstimated, 0);
    const counters = await addToJobCounters(tx, target.jobId, { cost, costEstimated, progress });
    const ok = generation.examples.filter((e) => e.status === 'ok').length;
    return {
      exampleIds: rows.map((r) => r.id),
      ok,
      failed: generation.examples.length - ok,
      jobCostTotal: counters?.costTotal ?? null,
      counters,
    };
  });
}

/** A chunk that was never generated, as its failed examples are stored. */
export interface ChunkFailure {
  /** Examples that were asked for (examples_per_chunk). */
  count: number;
  reason: FailureReason;
  /** Why, in words; stored as `<reason>: <error>`. */
  error: string;
  templateType: string;
  templateHash: string | null;
  model: string;
}

/**
 * Records a chunk whose generation never produced a reply (the budget was
 * spent first, or its queue item failed for good) as `count` failed examples
 * with the reason, so that asked = ok + failed holds for it too; unless the
 * chunk already has its examples (then nothing is written or counted: it was
 * counted done with them). One transaction with `progress`. Returns
 * the rows written (0 when the chunk had examples) and the job's counters.
 */
export async function storeChunkFailure(
  em: EntityManager,
  target: { jobId: string; chunkId: string },
  failure: ChunkFailure,
  progress?: JobCountersDelta['progress'],
): Promise<{ written: number; counters: JobCountersWrite | null }> {
  return em.fork().transactional(async (tx) => {
    const existing = await tx.count(TrainingExample, { chunk: target.chunkId });
    const job = tx.getReference(Job, target.jobId);
    const chunk = tx.getReference(Chunk, target.chunkId);
    const written = existing > 0 ? 0 : failure.count;
    for (let i = 0; i < written; i++) {
      tx.create(TrainingExample, {
        job,
        chunk,
        templateType: failure.templateType,
        templateHash: failure.templateHash,
        modelUsed: failure.model,
        status: ExampleStatus.Failed,
        inputText: '',
        outputText: '',
        error: `${failure.reason}: ${failure.error}`,
        rawReply: null,
        tokenCount: 0,
        cost: 0,
        lineage: {
          chunkId: target.chunkId,
          templateType: failure.templateType,
          templateHash: failure.templateHash,
          model: failure.model,
          calls: 0,
          exampleIndex: i,
          failureReason: failure.reason,
          fields: null,
        },
      });
    }
    await tx.flush();
    // A chunk with its examples was counted done when they were stored.
    const counters = await addToJobCounters(tx, target.jobId, { progress: written ? progress : undefined });
    return { written, counters };
  });
}
