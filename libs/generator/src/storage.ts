import type { EntityManager } from '@mikro-orm/core';
import {
  addToJobCounters,
  Chunk,
  Job,
  type JobCounters,
  type JobCountersDelta,
  TrainingExample,
} from '@datafactory/persistence';
import type { ChunkGeneration } from './generator.js';

export interface StoredGeneration {
  exampleIds: string[];
  ok: number;
  failed: number;
  /** The job's cost_total after adding this chunk's cost (null when the job is gone). */
  jobCostTotal: number | null;
  /** The job's counters after this write (for progress events). */
  counters: JobCounters | null;
}

/**
 * Writes a chunk's examples as TrainingExample rows and adds the chunk's cost
 * to the job's cost_total, in one transaction of a forked EntityManager (so
 * it is safe from concurrent queue jobs). Unknown cost (null) adds nothing;
 * so does `costCounted` (the generator's job budget added each call's cost
 * when it settled).
 */
export async function storeChunkGeneration(
  em: EntityManager,
  target: { jobId: string; chunkId: string },
  generation: ChunkGeneration,
  /** Counters to add in the same transaction (the pipeline's: this item done, the next stage's total). */
  progress?: JobCountersDelta['progress'],
  options: { costCounted?: boolean } = {},
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
    const counters = await addToJobCounters(tx, target.jobId, {
      cost: options.costCounted ? 0 : (generation.cost ?? 0),
      progress,
    });
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
