import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { ItemStatus } from '@datafactory/contracts';
import { Chunk, type DedupScope, NearDuplicateRepository, type RawDocument } from '@datafactory/persistence';
import type { PreparedText, SharedChunkIndex } from './dedup.js';
import type { RefinedDocument } from './refine.js';

export interface StoreResult {
  /** Chunks written (duplicates included: they are kept, pointing at what they repeat). */
  chunks: number;
  exactDuplicates: number;
  nearDuplicates: number;
}

/** What storeRefined checks the chunks against: the shared index, the scope, and the chunks already prepared. */
export interface ChunkDedup {
  index: SharedChunkIndex;
  scope: DedupScope;
  /** index.prepare() of each chunk, in order (done before the transaction: it is the CPU part). */
  prepared?: PreparedText[];
}

/**
 * Writes a refined page through `em` (a transaction that holds the scope's
 * lock, see NearDuplicateRepository.lock): the document's refine status,
 * reason, language and metadata, and one Chunk row per chunk. Each chunk is
 * checked against (and added to) the shared index; a duplicate is stored
 * with `duplicateOf` set, never dropped.
 */
export async function storeRefined(
  em: EntityManager,
  document: RawDocument,
  refined: RefinedDocument,
  dedup: ChunkDedup,
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
      ...(refined.pdf ? { pdf: refined.pdf } : {}),
      elapsedMs: Math.round(refined.elapsedMs),
      // The extracted text the chunks' start/end offsets point into (before PII redaction), for provenance.
      ...(refined.text
        ? { textSha256: createHash('sha256').update(refined.text).digest('hex'), textChars: refined.text.length }
        : {}),
      ...(Object.keys(refined.pii).length ? { pii: refined.pii } : {}),
    },
  };
  const repo = new NearDuplicateRepository(em);
  const prepared = dedup.prepared ?? refined.chunks.map((c) => dedup.index.prepare(c.content));
  const ids = refined.chunks.map(() => randomUUID());
  const verdicts = await dedup.index.checkAll(
    repo,
    dedup.scope,
    ids.map((id, i) => ({ id, text: prepared[i]! })),
  );
  const created = new Map<string, Chunk>();
  for (const [i, c] of refined.chunks.entries()) {
    const id = ids[i]!;
    const verdict = verdicts[i]!;
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
        ...(c.pages ? { pages: c.pages } : {}),
        ...(c.pii && Object.keys(c.pii).length ? { pii: c.pii } : {}),
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
