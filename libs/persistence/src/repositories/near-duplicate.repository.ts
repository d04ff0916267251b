import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { ExampleStatus } from '@datafactory/contracts';
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
/** Band pairs per candidates statement (2 parameters each: well under SQLite's and PostgreSQL's limits). */
const CANDIDATE_TERMS = 1000;
/**
 * Keys one check may lock one by one (see lock()); a check with more takes the scope's lock alone. A chunk
 * has 19 keys at the default threshold (18 bands and its content hash), so pages of up to 13 chunks lock
 * their keys; PostgreSQL's shared lock table holds max_locks_per_transaction × max_connections entries
 * (6,400 by default) for every transaction at once.
 */
export const MAX_KEY_LOCKS = 256;

/**
 * The advisory-lock keys of a check: each distinct (band, hash) and content hash, hashed with the scope's
 * key to two 32-bit integers, sorted (the order every check takes them in).
 */
export function lockKeys(
  scopeKey: string,
  keys: { bands: readonly Int32Array[]; hashes?: readonly string[] },
): [number, number][] {
  const names = new Set<string>();
  for (const bands of keys.bands) bands.forEach((hash, band) => names.add(`b${band}:${hash}`));
  for (const hash of keys.hashes ?? []) names.add(`h${hash}`);
  const pairs = [...names].map((name): [number, number] => {
    const digest = createHash('sha1').update(scopeKey).update('\u0000').update(name).digest();
    return [digest.readInt32BE(0), digest.readInt32BE(4)];
  });
  return pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** Band rows per INSERT (5 parameters each). */
const BAND_ROWS = 1000;

export class NearDuplicateRepository {
  constructor(private readonly em: EntityManager) {}

  private get sql(): SqlEntityManager {
    return this.em as SqlEntityManager;
  }

  /**
   * Serialises, until the transaction ends, the checks of the scope that could see each other (PostgreSQL;
   * SQLite's transaction already serialises every write).
   *
   * Two items can only match if they share a band hash (a near-duplicate is found through its LSH bands) or
   * their content hash (an exact repeat). So with `keys` (the bands of every item checked, and their content
   * hashes) the check holds the scope's lock shared and each of those keys exclusively: pages that share
   * nothing are checked side by side, by as many workers as run, and two that could match take turns, the
   * second seeing the first's rows. Without keys, or with more than MAX_KEY_LOCKS of them (PostgreSQL's lock
   * table is finite), it holds the whole scope exclusively. Keys are taken in one sorted order, so no two
   * checks wait for each other in a cycle.
   */
  async lock(scope: DedupScope, keys?: { bands: readonly Int32Array[]; hashes?: readonly string[] }): Promise<void> {
    if (isSqlite(this.em)) return;
    const pairs = keys ? lockKeys(scope.key, keys) : null;
    if (!pairs || pairs.length > MAX_KEY_LOCKS) {
      await this.sql.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [scope.key], 'all');
      return;
    }
    // One statement: the scope shared, then the keys in their sorted order (the subquery's, in which the
    // aggregate takes them). The order of the two does not matter: a check that holds the scope exclusively
    // takes no keys, so no cycle can form through it.
    const keyLocks = pairs.length
      ? `(select count(pg_advisory_xact_lock(k1, k2)) from (select k1, k2 from (values ${pairs
          .map(() => '(cast(? as integer), cast(? as integer))')
          .join(', ')}) as v (k1, k2) order by k1, k2) as s)`
      : '0';
    await this.sql.execute(
      `select pg_advisory_xact_lock_shared(hashtextextended(?, 0)) as scope, ${keyLocks} as keys`,
      [scope.key, ...pairs.flat()],
      'all',
    );
  }

  /** Items of the scope sharing a band hash with `hashes` (band i = hashes[i]), most shared bands first, then oldest. */
  async candidates(scope: DedupScope, hashes: Int32Array, limit = 20): Promise<BandCandidate[]> {
    if (hashes.length === 0) return [];
    return (await this.candidatesOf(scope, [hashes], limit))[0]!;
  }

  /**
   * For each item of `bandsOf` (band i of item k = bandsOf[k][i]), the indexed
   * items sharing a band hash with it, most shared bands first, then oldest,
   * at most `limit` each: the candidates of a page's chunks read in one
   * statement (per CANDIDATE_TERMS distinct band hashes).
   */
  async candidatesOf(scope: DedupScope, bandsOf: readonly Int32Array[], limit = 20): Promise<BandCandidate[][]> {
    const out: BandCandidate[][] = bandsOf.map(() => []);
    // Which items ask for each (band, hash): one term per distinct pair.
    const askers = new Map<string, number[]>();
    bandsOf.forEach((bands, k) =>
      bands.forEach((hash, band) => {
        const key = `${band}:${hash}`;
        const list = askers.get(key);
        if (list) list.push(k);
        else askers.set(key, [k]);
      }),
    );
    const pairs = [...askers.keys()];
    const shared = bandsOf.map(() => new Map<string, { shared: number; first: number }>());
    for (let from = 0; from < pairs.length; from += CANDIDATE_TERMS) {
      const batch = pairs.slice(from, from + CANDIDATE_TERMS);
      const params: unknown[] = [];
      for (const key of batch) {
        const [band, hash] = key.split(':');
        params.push(Number(band), Number(hash));
      }
      params.push(scope.key);
      // A join with the wanted pairs: one index lookup on (scope, band, hash) per pair, and a plan PostgreSQL
      // makes in under a millisecond (an OR of 60-odd terms took it 4-6 ms to plan).
      const rows = (await this.sql.execute(
        `with wanted (band, hash) as (values ${batch.map(() => '(cast(? as integer), cast(? as integer))').join(', ')}) ` +
          // CROSS JOIN: SQLite then keeps `wanted` as the outer loop (without table statistics it chose to
          // scan the scope's rows for each pair: 3.6 ms against 0.24 ms at 17,000 rows).
          'select d.item_id, d.band, d.hash, d.id from wanted w cross join dedup_bands d ' +
          'where d.scope = ? and d.band = w.band and d.hash = w.hash',
        params,
        'all',
      )) as { item_id: string; band: number | string; hash: number | string; id: number | string }[];
      for (const r of rows) {
        const id = Number(r.id);
        for (const k of askers.get(`${Number(r.band)}:${Number(r.hash)}`) ?? []) {
          const seen = shared[k]!.get(r.item_id);
          if (seen) {
            seen.shared++;
            seen.first = Math.min(seen.first, id);
          } else shared[k]!.set(r.item_id, { shared: 1, first: id });
        }
      }
    }
    shared.forEach((items, k) => {
      out[k] = [...items]
        .map(([itemId, { shared: n, first }]) => ({ itemId, shared: n, order: first }))
        .sort((a, b) => b.shared - a.shared || a.order - b.order)
        .slice(0, limit);
    });
    return out;
  }

  /**
   * Indexes original items under their band hashes: one hand-written INSERT (per BAND_ROWS rows), in the
   * order given, which is the order the ids (insertion order, the tie-break) take.
   */
  async addAll(scope: DedupScope, items: readonly { id: string; bands: Int32Array }[]): Promise<void> {
    const rows: unknown[][] = [];
    for (const { id, bands } of items)
      bands.forEach((hash, band) => rows.push([scope.key, band, hash, id, scope.jobId]));
    for (let from = 0; from < rows.length; from += BAND_ROWS) {
      const batch = rows.slice(from, from + BAND_ROWS);
      await this.sql.execute(
        `insert into dedup_bands (scope, band, hash, item_id, job_id) values ${batch.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
        batch.flat(),
        'run',
      );
    }
  }

  /**
   * The original (non-duplicate) chunk of the scope with each of these content
   * hashes (the oldest when several), in one statement (index on content_hash).
   */
  async originalChunksWithHashes(scope: DedupScope, hashes: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (hashes.length === 0) return found;
    // SQLite keeps no table statistics here, and without them it reads the job's chunks through the job_id
    // index (or every original through duplicate_of_id) and sorts them, for every page: the job's size per
    // call. INDEXED BY makes it look the hashes up, as PostgreSQL's planner does from its statistics.
    const byHash = isSqlite(this.em) ? ' indexed by chunks_content_hash_index' : '';
    const list = hashes.map(() => '?').join(', ');
    const rows = (await this.sql.execute(
      scope.projectId
        ? `select c.id, c.content_hash from chunks c${byHash} join jobs j on j.id = c.job_id ` +
            `where j.project_id = ? and c.content_hash in (${list}) and c.duplicate_of_id is null ` +
            'order by c.created_at, c.id'
        : `select c.id, c.content_hash from chunks c${byHash} ` +
            `where c.job_id = ? and c.content_hash in (${list}) and c.duplicate_of_id is null ` +
            'order by c.created_at, c.id',
      [scope.projectId ?? scope.jobId, ...hashes],
      'all',
    )) as { id: string; content_hash: string }[];
    for (const r of rows) if (!found.has(r.content_hash)) found.set(r.content_hash, r.id);
    return found;
  }

  /** Indexes an original item under its band hashes. */
  async add(scope: DedupScope, itemId: string, hashes: Int32Array): Promise<void> {
    await this.addAll(scope, [{ id: itemId, bands: hashes }]);
  }

  /** Texts of candidate chunks, for the exact similarity. */
  async chunkTexts(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = (await this.sql.execute(
      `select id, content from chunks where id in (${ids.map(() => '?').join(', ')})`,
      ids,
      'all',
    )) as { id: string; content: string }[];
    return new Map(rows.map((r) => [r.id, r.content]));
  }

  /** Input and output of candidate examples (generated ones only), for the exact similarity. */
  async exampleTexts(ids: string[]): Promise<Map<string, { inputText: string; outputText: string }>> {
    if (ids.length === 0) return new Map();
    // By id alone, the status checked here: with `status = 'ok'` in the query SQLite (no statistics) read every
    // generated example of the database through the status index for each check (2.4 ms at 3,200 examples).
    const rows = (await this.sql.execute(
      `select id, input_text, output_text, status from training_examples where id in (${ids.map(() => '?').join(', ')})`,
      ids,
      'all',
    )) as { id: string; input_text: string; output_text: string; status: string }[];
    return new Map(
      rows
        .filter((r) => r.status === ExampleStatus.Ok)
        .map((r) => [r.id, { inputText: r.input_text, outputText: r.output_text }]),
    );
  }
}
