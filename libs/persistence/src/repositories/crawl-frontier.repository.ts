import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { Stage } from '@datafactory/contracts';
import { CrawlUrlKind, CrawlUrlState } from '../entities/entities.js';
import { addToJobCounters } from '../job-counters.js';
import { isSqlite, sqlTimestamp } from './sql-dialect.js';

/** A URL offered to the frontier: a seed, a link found on a page, a sitemap or a URL a sitemap lists. */
export interface FrontierCandidate {
  kind: typeof CrawlUrlKind.Page | typeof CrawlUrlKind.Sitemap;
  url: string;
  depth: number;
  discoveredFrom?: string | null;
  /** Why this seed is not fetched (its item stores that outcome instead). */
  note?: string | null;
  /** The unique key when it is not the URL (a seed that is not fetched: its position among the seeds). */
  key?: string;
}

export interface FrontierRow {
  id: number;
  kind: CrawlUrlKind;
  url: string;
  depth: number;
  discoveredFrom: string | null;
  note: string | null;
  state: CrawlUrlState;
  documentId: string | null;
}

export interface AdmitLimits {
  maxPages: number;
  maxSitemaps: number;
  /**
   * Seeds: a page past max_pages still gets a row, noted `max_pages` (the user asked for it, so it ends
   * as a skipped document). Discovered URLs past it are recorded as dropped and counted.
   */
  seeds: boolean;
}

export interface AdmitResult {
  /** Rows new in the frontier, to be enqueued. */
  queued: FrontierRow[];
  /** Candidates already in the frontier and still queued (a retried item enqueues them again). */
  alreadyQueued: FrontierRow[];
  /** Discovered pages left out because max_pages was reached. */
  dropped: number;
}

const BATCH = 400;

function urlHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

type RawRow = {
  id: number | string;
  kind: CrawlUrlKind;
  url: string;
  url_hash: string;
  depth: number | string;
  discovered_from: string | null;
  note: string | null;
  state: CrawlUrlState;
  document_id: string | null;
};

const COLUMNS = 'id, kind, url, url_hash, depth, discovered_from, note, state, document_id';

function toRow(r: RawRow): FrontierRow {
  return {
    id: Number(r.id),
    kind: r.kind,
    url: r.url,
    depth: Number(r.depth),
    discoveredFrom: r.discovered_from,
    note: r.note,
    state: r.state,
    documentId: r.document_id,
  };
}

/**
 * The crawl frontier of a job in the database, shared by every worker: one
 * row per URL and kind (unique per job), `queued` until the item that fetches
 * it has stored its outcome. Admission takes the job row's lock (`FOR UPDATE`
 * on PostgreSQL, the immediate transaction on SQLite), so dedup and the
 * max_pages reservation hold exactly however many workers admit at once.
 */
export class CrawlFrontierRepository {
  constructor(private readonly em: EntityManager) {}

  private sql(em: EntityManager): SqlEntityManager {
    return em as SqlEntityManager;
  }

  /**
   * Adds candidates (in order) that are not in the frontier yet, within the
   * job's max_pages and sitemap caps, in one transaction. Discovered pages
   * admitted are added to the crawler's `total` counter in it too.
   */
  async admit(jobId: string, candidates: readonly FrontierCandidate[], limits: AdmitLimits): Promise<AdmitResult> {
    const result: AdmitResult = { queued: [], alreadyQueued: [], dropped: 0 };
    if (!candidates.length) return result;
    const keyed = new Map<string, FrontierCandidate & { hash: string }>();
    for (const c of candidates) {
      const hash = urlHash(c.key ?? c.url);
      const k = `${c.kind} ${hash}`;
      if (!keyed.has(k)) keyed.set(k, { ...c, hash });
    }
    await this.em.fork().transactional(async (tem) => {
      const sqlite = isSqlite(tem);
      const [lock] = (await this.sql(tem).execute(
        `select crawl_pages_admitted, crawl_sitemaps_admitted from jobs where id = ?${sqlite ? '' : ' for update'}`,
        [jobId],
        'all',
      )) as { crawl_pages_admitted: number | string; crawl_sitemaps_admitted: number | string }[];
      if (!lock) return;
      let pages = Number(lock.crawl_pages_admitted);
      let sitemaps = Number(lock.crawl_sitemaps_admitted);

      const all = [...keyed.values()];
      const existing = new Set<string>();
      for (let i = 0; i < all.length; i += BATCH) {
        const part = all.slice(i, i + BATCH);
        const rows = (await this.sql(tem).execute(
          `select ${COLUMNS} from crawl_urls where job_id = ? and url_hash in (${part.map(() => '?').join(', ')})`,
          [jobId, ...part.map((c) => c.hash)],
          'all',
        )) as RawRow[];
        for (const r of rows) {
          existing.add(`${r.kind} ${r.url_hash}`);
          if (r.state === CrawlUrlState.Queued && keyed.has(`${r.kind} ${r.url_hash}`)) {
            result.alreadyQueued.push(toRow(r));
          }
        }
      }

      const inserts: { c: FrontierCandidate & { hash: string }; state: CrawlUrlState; note: string | null }[] = [];
      let discoveredAdmitted = 0;
      for (const c of all) {
        if (existing.has(`${c.kind} ${c.hash}`)) continue;
        if (c.kind === CrawlUrlKind.Sitemap) {
          if (sitemaps >= limits.maxSitemaps) continue;
          sitemaps++;
          inserts.push({ c, state: CrawlUrlState.Queued, note: null });
          continue;
        }
        if (c.note) {
          inserts.push({ c, state: CrawlUrlState.Queued, note: c.note });
        } else if (pages < limits.maxPages) {
          pages++;
          if (!limits.seeds) discoveredAdmitted++;
          inserts.push({ c, state: CrawlUrlState.Queued, note: null });
        } else if (limits.seeds) {
          inserts.push({ c, state: CrawlUrlState.Queued, note: 'max_pages' });
        } else {
          result.dropped++;
          inserts.push({ c, state: CrawlUrlState.Dropped, note: 'max_pages' });
        }
      }

      const now = sqlTimestamp(tem, new Date());
      for (let i = 0; i < inserts.length; i += BATCH) {
        const part = inserts.slice(i, i + BATCH);
        const params: unknown[] = [];
        for (const { c, state, note } of part) {
          params.push(jobId, c.kind, c.url, c.hash, c.depth, c.discoveredFrom ?? null, note, state, now);
        }
        const rows = (await this.sql(tem).execute(
          `insert into crawl_urls (job_id, kind, url, url_hash, depth, discovered_from, note, state, created_at) values ${part
            .map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)')
            .join(', ')} returning ${COLUMNS}`,
          params,
          'all',
        )) as RawRow[];
        for (const r of rows) if (r.state === CrawlUrlState.Queued) result.queued.push(toRow(r));
      }
      result.queued.sort((a, b) => a.id - b.id);

      await this.sql(tem).execute(
        'update jobs set crawl_pages_admitted = ?, crawl_sitemaps_admitted = ? where id = ?',
        [pages, sitemaps, jobId],
        'run',
      );
      if (discoveredAdmitted) {
        await addToJobCounters(tem, jobId, { progress: { [Stage.Crawler]: { total: discoveredAdmitted } } });
      }
    });
    return result;
  }

  /** One frontier row, or null. */
  async find(id: number): Promise<(FrontierRow & { jobId: string }) | null> {
    const rows = (await this.sql(this.em.fork()).execute(
      `select ${COLUMNS}, job_id from crawl_urls where id = ?`,
      [id],
      'all',
    )) as (RawRow & { job_id: string })[];
    const r = rows[0];
    return r ? { ...toRow(r), jobId: r.job_id } : null;
  }

  /** The ids of the job's pages and sitemaps still queued (in order of admission). */
  async queuedIds(jobId: string): Promise<number[]> {
    const rows = (await this.sql(this.em.fork()).execute(
      `select id from crawl_urls where job_id = ? and state = ? and kind in (?, ?) order by id`,
      [jobId, CrawlUrlState.Queued, CrawlUrlKind.Page, CrawlUrlKind.Sitemap],
      'all',
    )) as { id: number | string }[];
    return rows.map((r) => Number(r.id));
  }

  /**
   * Claims `finalUrl` (after redirects) for the ok page `url`; returns the
   * page that claimed it first when that was another one (a duplicate).
   */
  async claimFinalUrl(jobId: string, finalUrl: string, url: string): Promise<string | undefined> {
    const em = this.sql(this.em.fork());
    const hash = urlHash(finalUrl);
    await em.execute(
      `insert into crawl_urls (job_id, kind, url, url_hash, depth, discovered_from, state, created_at) values (?, ?, ?, ?, 0, ?, ?, ?) on conflict do nothing`,
      [jobId, CrawlUrlKind.Final, finalUrl, hash, url, CrawlUrlState.Settled, sqlTimestamp(em, new Date())],
      'run',
    );
    const rows = (await em.execute(
      'select discovered_from from crawl_urls where job_id = ? and kind = ? and url_hash = ?',
      [jobId, CrawlUrlKind.Final, hash],
      'all',
    )) as { discovered_from: string | null }[];
    const earlier = rows[0]?.discovered_from ?? undefined;
    return earlier && earlier !== url ? earlier : undefined;
  }

  /** Marks a queued row settled (in `em`'s transaction); true for the one caller that did it. */
  async settle(em: EntityManager, id: number, documentId: string | null): Promise<boolean> {
    const rows = (await this.sql(em).execute(
      'update crawl_urls set state = ?, document_id = ? where id = ? and state = ? returning id',
      [CrawlUrlState.Settled, documentId, id, CrawlUrlState.Queued],
      'all',
    )) as unknown[];
    return rows.length > 0;
  }

  /**
   * Ends the crawl stage when nothing of the frontier is queued any more: one
   * conditional UPDATE, so exactly one caller sees true. Every item settles
   * its row only after adding what it discovered, and calls this after its
   * commit, so the last one to settle sees an empty frontier.
   */
  async finishIfDrained(jobId: string): Promise<boolean> {
    const rows = (await this.sql(this.em.fork()).execute(
      `update jobs set stage = ? where id = ? and stage = ? and not exists (select 1 from crawl_urls where job_id = ? and state = ?) returning id`,
      [Stage.Refiner, jobId, Stage.Crawler, jobId, CrawlUrlState.Queued],
      'all',
    )) as unknown[];
    return rows.length > 0;
  }

  /** How many of the job's pages were admitted, dropped by max_pages, and are queued (for logs and tests). */
  async counts(jobId: string): Promise<{ pages: number; dropped: number; queued: number }> {
    const rows = (await this.sql(this.em.fork()).execute(
      `select state, count(*) as n from crawl_urls where job_id = ? and kind = ? group by state`,
      [jobId, CrawlUrlKind.Page],
      'all',
    )) as { state: CrawlUrlState; n: number | string }[];
    const by = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    return {
      pages: (by[CrawlUrlState.Queued] ?? 0) + (by[CrawlUrlState.Settled] ?? 0),
      dropped: by[CrawlUrlState.Dropped] ?? 0,
      queued: by[CrawlUrlState.Queued] ?? 0,
    };
  }
}
