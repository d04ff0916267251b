import type { EntityManager } from '@mikro-orm/core';
import { ExampleStatus } from '@datafactory/contracts';
import { Chunk, type JsonObject, pickDistractorChunks, TrainingExample } from '@datafactory/persistence';
import { type DistractorChunk, retrievalContext } from './controls.js';
import type { RagRetrieval } from './generator.js';

const PAGE = 500;

export interface DistractorCompletion {
  /** rag examples that had fewer distractors than asked. */
  short: number;
  /** Of them, those that now have more (all asked, or all the job has). */
  completed: number;
  /** Those still short: the job has too few chunks of other documents. */
  stillShort: number;
}

/**
 * A rag example's distractors are picked when its chunk is generated, from
 * the chunks of the job's other documents stored by then, so a chunk
 * generated early in a job can find fewer than asked (the shortfall). The
 * export stage calls this once every chunk is stored: each example short of
 * distractors gets them picked again (the same pick by chunk id, now over the
 * whole job) and its documents rebuilt (the oracle kept or left out as
 * before), with `distractorsFound` and `distractorsCompletedAt: "export"` in
 * its lineage. The distractors are not in the generation prompt (the answer
 * is written from the chunk alone), so completing them later changes no
 * answer. Those still short (a job with too few other documents) keep the
 * count they have, and the dataset card flags them.
 */
export async function completeRagDistractors(em: EntityManager, jobId: string): Promise<DistractorCompletion> {
  const fork = em.fork();
  const result: DistractorCompletion = { short: 0, completed: 0, stillShort: 0 };
  // Per chunk: its text and its pick (the examples of a chunk share both).
  const picks = new Map<string, { text: string; pick: DistractorChunk[] }>();
  for (let offset = 0; ; offset += PAGE) {
    const rows = await fork.find(
      TrainingExample,
      { job: jobId, status: ExampleStatus.Ok },
      {
        fields: ['id', 'lineage', 'chunk'],
        orderBy: { id: 'asc' },
        limit: PAGE,
        offset,
      },
    );
    for (const row of rows) {
      const lineage = (row.lineage ?? {}) as Record<string, unknown>;
      const retrieval = lineage.retrieval as RagRetrieval | undefined;
      if (!retrieval || typeof retrieval.distractorsWanted !== 'number') continue;
      if (retrieval.distractorsFound >= retrieval.distractorsWanted) continue;
      result.short++;
      const chunkId = row.chunk.id;
      let cached = picks.get(chunkId);
      if (!cached) {
        const chunk = await fork.findOneOrFail(Chunk, { id: chunkId }, { fields: ['id', 'content', 'document'] });
        const pick = await pickDistractorChunks(em, {
          jobId,
          chunkId,
          documentId: chunk.document.id,
          count: retrieval.distractorsWanted,
        });
        cached = { text: chunk.content, pick };
        picks.set(chunkId, cached);
      }
      const { text, pick } = cached;
      if (pick.length <= retrieval.distractorsFound) {
        result.stillShort++;
        continue;
      }
      const index = typeof lineage.exampleIndex === 'number' ? lineage.exampleIndex : 0;
      // The oracle stays in (or out) as at generation: the same hash of chunk and index, the job's share.
      const share = retrieval.oracleIndex === null ? 1 : 0;
      const rebuilt = retrievalContext({ id: chunkId, text }, pick, index, share);
      const next: RagRetrieval = {
        ...rebuilt,
        distractorsWanted: retrieval.distractorsWanted,
        distractorsFound: pick.length,
        distractorsCompletedAt: 'export',
      };
      await fork.nativeUpdate(
        TrainingExample,
        { id: row.id },
        { lineage: { ...lineage, retrieval: next } as unknown as JsonObject },
      );
      result.completed++;
      if (pick.length < retrieval.distractorsWanted) result.stillShort++;
    }
    if (rows.length < PAGE) break;
  }
  return result;
}
