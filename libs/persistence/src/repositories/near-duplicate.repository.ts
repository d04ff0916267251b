import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { ExampleStatus } from '@datafactory/contracts';
import { Chunk, DedupBand, Job, TrainingExample } from '../entities/entities.js';
import { isSqlite } from './sql-dialect.js';

/** What a new item is compared with: the scope key of the band rows, and the job the rows belong to. */
export interface DedupScope {
  /** "chunks:job:<id>", "chunks:project:<id>", "examples:job:<id>" (see dedupScopeKey). */
  key: string;
  /** The job whose items are added (band rows are removed with it). */
  jobId: string;
  /** For chunks in a project scope: exact duplicates are looked up across the project's jobs. */
  projectId?: string;
}

export function dedupScopeKey(kind: 'chunks' | 'examples', scope: 'job' | 'project', id: string): string {
  return `${kind}:${scope}:${id}`;
}

/** An indexed item sharing at least one band hash with the new one. */
export interface BandCandidate {
  itemId: string;
  /** Bands shared with the new item (of all its bands). */
  shared: number;
  /** Insertion order of the item (smaller: indexed earlier). */
  order: number;
}

/**
 * The shared near-duplicate index in the database (table dedup_bands): one
 * row per LSH band hash of each original chunk or example. A check reads only
 * the rows sharing one of the new item's band hashes, through the index on
 * (scope, band, hash), never the whole job.
 *
 * Check-then-insert must not interleave between workers: call every method
 * inside one transaction that began with lock(). On PostgreSQL that takes a
 * transaction-scoped advisory lock on the scope; on SQLite the transaction is
 * BEGIN IMMEDIATE (see orm-config.ts), which already holds the database's
 * write lock across processes.
 */
export class NearDuplicateRepository {
  constructor(private readonly em: EntityManager) {}

  private get sql(): SqlEntityManager {
    return this.em as SqlEntityManager;
  }

  /** Serialises checks of one scope until the transaction ends (PostgreSQL; SQLite's transaction already does). */
  async lock(scope: DedupScope): Promise<void> {
    if (isSqlite(this.em)) return;
    await this.sql.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [scope.key], 'all');
  }

  /** Items of the scope sharing a band hash with `hashes` (band i = hashes[i]), most shared bands first, then oldest. */
  async candidates(scope: DedupScope, hashes: Int32Array, limit = 20): Promise<BandCandidate[]> {
    if (hashes.length === 0) return [];
    // The scope in every term: each term is then a point lookup in the (scope, band, hash) index
    // (SQLite's multi-index OR, PostgreSQL's bitmap OR), not a scan of the scope's rows.
    const terms = Array.from(hashes, () => '(scope = ? and band = ? and hash = ?)').join(' or ');
    const params: unknown[] = [];
    hashes.forEach((h, band) => params.push(scope.key, band, h));
    params.push(limit);
    const rows = (await this.sql.execute(
      `select item_id, count(*) as shared, min(id) as first from dedup_bands where ${terms} ` +
        `group by item_id order by shared desc, first asc limit ?`,
      params,
      'all',
    )) as { item_id: string; shared: number | string; first: number | string }[];
    return rows.map((r) => ({ itemId: r.item_id, shared: Number(r.shared), order: Number(r.first) }));
  }

  /** Indexes an original item under its band hashes. */
  async add(scope: DedupScope, itemId: string, hashes: Int32Array): Promise<void> {
    if (hashes.length === 0) return;
    const job = this.em.getReference(Job, scope.jobId);
    await this.em.insertMany(
      DedupBand,
      Array.from(hashes, (hash, band) => ({ scope: scope.key, band, hash, itemId, job })),
    );
  }

  /** The original (non-duplicate) chunk of the scope with this content hash, if any (index on content_hash). */
  async originalChunkWithHash(scope: DedupScope, contentHash: string): Promise<string | null> {
    const where = scope.projectId ? { job: { project: scope.projectId } } : { job: scope.jobId };
    const row = await this.em.findOne(
      Chunk,
      { ...where, contentHash, duplicateOf: null },
      { fields: ['id'], orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    return row?.id ?? null;
  }

  /** Texts of candidate chunks, for the exact similarity. */
  async chunkTexts(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.em.find(Chunk, { id: { $in: ids } }, { fields: ['id', 'content'] });
    return new Map(rows.map((r) => [r.id, r.content]));
  }

  /** Input and output of candidate examples (generated ones only), for the exact similarity. */
  async exampleTexts(ids: string[]): Promise<Map<string, { inputText: string; outputText: string }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.em.find(
      TrainingExample,
      { id: { $in: ids }, status: ExampleStatus.Ok },
      { fields: ['id', 'inputText', 'outputText'] },
    );
    return new Map(rows.map((r) => [r.id, { inputText: r.inputText, outputText: r.outputText }]));
  }
}
