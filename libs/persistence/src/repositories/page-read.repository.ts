import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { RawDocument } from '../entities/entities.js';

/** Fetch or refine state of a page, as the pages list filters on it. */
export type PageItemState = 'pending' | 'ok' | 'failed' | 'skipped';

export interface PageQuery {
  /** Only pages whose fetch ended so. */
  fetch?: PageItemState;
  /** Only pages whose extraction (the refiner's verdict) ended so. */
  refine?: PageItemState;
  page: number;
  pageSize: number;
}

/** The refiner's per-page extraction verdict, as stored in `raw_documents.metadata.refiner.quality`. */
export interface PageExtraction {
  score: number;
  method: string;
  words: number;
  linkDensity: number;
  boilerplateShare: number;
  agreement: number;
  errorPage: boolean;
}

export interface PageRow {
  id: string;
  url: string;
  finalUrl: string | null;
  title: string | null;
  fetchStatus: PageItemState;
  httpStatus: number | null;
  fetchMethod: string | null;
  fetchError: string | null;
  fetchedAt: Date | null;
  refineStatus: PageItemState;
  refineError: string | null;
  language: string | null;
  extraction: PageExtraction | null;
  chunks: number;
}

/**
 * A job's pages, one row per document in the order they were stored, with what the fetch and the
 * extraction made of each: the page-level view behind the funnel's fetch and refine counts.
 */
export class PageReadRepository {
  constructor(private readonly em: EntityManager) {}

  async list(jobId: string, query: PageQuery): Promise<{ items: PageRow[]; total: number }> {
    const where = {
      job: jobId,
      ...(query.fetch ? { scrapeStatus: query.fetch } : {}),
      ...(query.refine ? { refineStatus: query.refine } : {}),
    };
    const [docs, total] = await this.em.findAndCount(RawDocument, where, {
      orderBy: { createdAt: 'asc', id: 'asc' },
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
      fields: [
        'id',
        'url',
        'finalUrl',
        'title',
        'scrapeStatus',
        'httpStatus',
        'fetchMethod',
        'error',
        'fetchedAt',
        'refineStatus',
        'refineError',
        'language',
        'metadata',
      ],
    });
    const chunks = new Map<string, number>();
    if (docs.length > 0) {
      const ids = docs.map((d) => d.id);
      const rows = (await (this.em as SqlEntityManager).execute(
        `select document_id as document, count(*) as n from chunks
          where document_id in (${ids.map(() => '?').join(', ')}) group by document_id`,
        ids,
        'all',
      )) as { document: string; n: number | string }[];
      for (const r of rows) chunks.set(r.document, Number(r.n));
    }
    return { items: docs.map((d) => toRow(d, chunks.get(d.id) ?? 0)), total };
  }
}

type ListedDocument = Pick<
  RawDocument,
  | 'id'
  | 'url'
  | 'finalUrl'
  | 'title'
  | 'scrapeStatus'
  | 'httpStatus'
  | 'fetchMethod'
  | 'error'
  | 'fetchedAt'
  | 'refineStatus'
  | 'refineError'
  | 'language'
  | 'metadata'
>;

function toRow(d: ListedDocument, chunks: number): PageRow {
  const refiner = (d.metadata as { refiner?: { quality?: PageExtraction | null } } | null)?.refiner;
  return {
    id: d.id,
    url: d.url,
    finalUrl: d.finalUrl ?? null,
    title: d.title ?? null,
    fetchStatus: d.scrapeStatus,
    httpStatus: d.httpStatus ?? null,
    fetchMethod: d.fetchMethod ?? null,
    fetchError: d.error ?? null,
    fetchedAt: d.fetchedAt ?? null,
    refineStatus: d.refineStatus,
    refineError: d.refineError ?? null,
    language: d.language ?? null,
    extraction: refiner?.quality ?? null,
    chunks,
  };
}
