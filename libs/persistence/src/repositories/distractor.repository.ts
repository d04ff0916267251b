import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { Chunk } from '../entities/entities.js';

export interface DistractorChunkRow {
  chunkId: string;
  documentId: string;
  text: string;
}

/** A UUID-shaped key from a hash of `value`: where a chunk's pick starts in the id order. */
function hashKey(value: string): string {
  const h = createHash('sha256').update(value).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * Up to `count` chunks of the job's other documents (duplicates left out),
 * for a `rag` example of `chunkId`: the first ones in id order from a key
 * hashed from the chunk id, wrapping around. Ids are random UUIDs, so the
 * pick is spread over the job; it reads at most 2 × `count` rows through the
 * primary key, whatever the size of the job, and the same stored chunks
 * always give the same pick.
 */
export async function pickDistractorChunks(
  em: EntityManager,
  target: { jobId: string; chunkId: string; documentId: string; count: number },
): Promise<DistractorChunkRow[]> {
  if (target.count <= 0) return [];
  const fork = em.fork();
  const key = hashKey(target.chunkId);
  const where = { job: target.jobId, document: { $ne: target.documentId }, duplicateOf: null };
  const options = { orderBy: { id: 'asc' as const }, fields: ['id', 'content', 'document'] as const };
  const after = await fork.find(Chunk, { ...where, id: { $gte: key } }, { ...options, limit: target.count });
  const before =
    after.length < target.count
      ? await fork.find(Chunk, { ...where, id: { $lt: key } }, { ...options, limit: target.count - after.length })
      : [];
  return [...after, ...before].map((c) => ({ chunkId: c.id, documentId: c.document.id, text: c.content }));
}
