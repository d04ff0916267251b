import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { ItemStatus } from '@datafactory/contracts';
import { Chunk, type RawDocument } from '@datafactory/persistence';
import { type DedupOptions, Deduplicator } from './dedup.js';
import type { RefinedDocument } from './refine.js';

export interface StoreResult {
  /** Chunks written (duplicates included: they are kept, pointing at what they repeat). */
  chunks: number;
  exactDuplicates: number;
  nearDuplicates: number;
}

/**
 * Writes a refined page through `em` (pass a fork per job): the document's
 * refine status, reason, language and metadata, and one Chunk row per chunk.
 * Each chunk is checked against (and added to) the job's `deduplicator`; a
 * duplicate is stored with `duplicateOf` set, never dropped. The MinHash
 * signature goes into the chunk's metadata so the index can be rebuilt by
 * any worker (see loadDeduplicator).
 */
export async function storeRefined(
  em: EntityManager,
  document: RawDocument,
  refined: RefinedDocument,
  deduplicator: Deduplicator,
): Promise<StoreResult> {
  const result: StoreResult = { chunks: 0, exactDuplicates: 0, nearDuplicates: 0 };
  document.refineStatus =
    refined.status === 'ok' ? ItemStatus.Ok : refined.status === 'skipped' ? ItemStatus.Skipped : ItemStatus.Failed;
  document.refineError = refined.reason;
  document.language = refined.language;
  if (!document.title && refined.title) document.title = refined.title;
  if (!document.publishedAt && refined.publishedAt) document.publishedAt = new Date(refined.publishedAt);
  document.metadata = {
    ...document.metadata,
    refiner: {
      words: refined.words,
      byline: refined.byline,
      method: refined.method,
      quality: refined.quality,
      elapsedMs: Math.round(refined.elapsedMs),
    },
  };
  const created = new Map<string, Chunk>();
  for (const c of refined.chunks) {
    const id = randomUUID();
    const verdict = deduplicator.add(id, c.content);
    const duplicateOf = verdict.duplicateOf
      ? (created.get(verdict.duplicateOf) ?? em.getReference(Chunk, verdict.duplicateOf))
      : null;
    const row = em.create(Chunk, {
      id,
      document,
      job: document.job,
      content: c.content,
      tokenCount: c.tokenCount,
      chunkIndex: c.index,
      language: c.language,
      contentHash: verdict.contentHash,
      duplicateOf,
      metadata: {
        headingPath: c.headingPath,
        sourceUrl: c.sourceUrl,
        start: c.start,
        end: c.end,
        overlapChars: c.overlapChars,
        minhash: verdict.signature,
        minhashKey: signatureKey(deduplicator),
        ...(verdict.kind ? { dedup: { kind: verdict.kind, similarity: Number(verdict.similarity.toFixed(3)) } } : {}),
      },
    });
    created.set(id, row);
    result.chunks++;
    if (verdict.kind === 'exact') result.exactDuplicates++;
    if (verdict.kind === 'near') result.nearDuplicates++;
  }
  await em.flush();
  return result;
}

/**
 * A job's deduplication index rebuilt from its stored chunks (the originals
 * only), optionally with the project's other jobs too (`dedup_scope: project`).
 */
export async function loadDeduplicator(
  em: EntityManager,
  scope: { jobId: string } | { projectId: string },
  options: DedupOptions = {},
): Promise<Deduplicator> {
  const deduplicator = new Deduplicator(options);
  const where = 'jobId' in scope ? { job: scope.jobId } : { job: { project: scope.projectId } };
  const pageSize = 2_000;
  for (let offset = 0; ; offset += pageSize) {
    const rows = await em.find(
      Chunk,
      { ...where, duplicateOf: null },
      {
        orderBy: { createdAt: 'asc', id: 'asc' },
        limit: pageSize,
        offset,
        fields: ['id', 'contentHash', 'content', 'metadata'],
      },
    );
    for (const row of rows) {
      // A signature made with other MinHash settings is useless here: rebuild it from the text.
      const usable =
        row.metadata?.minhashKey === signatureKey(deduplicator) && typeof row.metadata.minhash === 'string';
      const signature = usable ? (row.metadata.minhash as string) : null;
      deduplicator.addStored({ id: row.id, contentHash: row.contentHash, signature, content: row.content });
    }
    if (rows.length < pageSize) break;
  }
  return deduplicator;
}

/** Identifies the MinHash settings a stored signature was made with. */
function signatureKey(d: Deduplicator): string {
  return `${d.hasher.numPerm}/${d.hasher.shingleSize}/${d.seed}`;
}
