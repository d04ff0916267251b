import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { ExampleStatus, ItemStatus } from '@datafactory/contracts';
import { Chunk, Job, type JsonObject, RawDocument, TrainingExample } from '../entities/entities.js';
import { isSqlite } from './sql-dialect.js';

/**
 * What a refresh compares of a page: its content hash and the validators of
 * the response (ETag, Last-Modified), kept in `raw_documents.metadata.revision`
 * by the crawler's storage. Read only through `documentRevision`, so that
 * moving them to columns of their own changes this one place.
 */
export interface DocumentRevision {
  /** sha256 (hex) of the page as stored (the decoded body). */
  contentHash: string;
  etag?: string;
  lastModified?: string;
  /** The refresh's conditional request was answered 304: the parent's copy was kept. */
  notModified?: boolean;
}

/** A stored document's revision, or null when it has none (not ok, or stored before revisions were kept). */
export function documentRevision(doc: Pick<RawDocument, 'metadata'>): DocumentRevision | null {
  const r = (doc.metadata as { revision?: Partial<DocumentRevision> } | null)?.revision;
  return r && typeof r.contentHash === 'string' ? (r as DocumentRevision) : null;
}

/** A page of the job a refresh fetches again. */
export interface ParentPage {
  url: string;
  depth: number;
  htmlPath: string | null;
  contentType: string | null;
  revision: DocumentRevision | null;
}

/** A page in a refresh's diff. */
export interface DiffPage {
  url: string;
  /** Why a removed page is gone: `HTTP 404`, `HTTP 410`, or its other failure. */
  reason?: string;
}

/** What a refresh changed against its parent, by page (URL as requested). */
export interface RefreshDiff {
  parentJobId: string;
  added: DiffPage[];
  changed: DiffPage[];
  removed: DiffPage[];
  unchanged: DiffPage[];
  /** Pages answered 304 Not Modified to the conditional request (a part of `unchanged`). */
  notModified: number;
  /** Examples copied from the parent (their chunk was unchanged), and examples generated anew. */
  examplesCarried: number;
  examplesGenerated: number;
}

/**
 * The reads and copies of a refresh (a job with `refresh_of` set): the parent's
 * pages and their validators for the conditional requests, the carry-over of
 * unchanged chunks' examples, and the diff the dataset card shows.
 */
export class RefreshRepository {
  constructor(private readonly em: EntityManager) {}

  /** The job's parent (the job it refreshes), or null for a job that is no refresh. */
  async parentOf(jobId: string): Promise<string | null> {
    const job = await this.em.fork().findOne(Job, { id: jobId }, { fields: ['refreshOf'] });
    return job?.refreshOf ?? null;
  }

  /** The parent's pages fetched ok, with their depth and validators: a refresh fetches each of them again. */
  async parentPages(parentJobId: string): Promise<ParentPage[]> {
    const docs = await this.em
      .fork()
      .find(
        RawDocument,
        { job: parentJobId, scrapeStatus: ItemStatus.Ok },
        { fields: ['url', 'htmlPath', 'contentType', 'metadata'], orderBy: { createdAt: 'asc', id: 'asc' } },
      );
    return docs.map((d) => toParentPage(d));
  }

  /** The parent's ok page fetched from `url` (as requested), or null. */
  async parentPage(parentJobId: string, url: string): Promise<ParentPage | null> {
    const doc = await this.em
      .fork()
      .findOne(
        RawDocument,
        { job: parentJobId, url, scrapeStatus: ItemStatus.Ok },
        { fields: ['url', 'htmlPath', 'contentType', 'metadata'] },
      );
    return doc ? toParentPage(doc) : null;
  }

  /**
   * Copies the examples of the parent's chunk with the same content hash into
   * `chunk` (in `tx`, the refine transaction), when that chunk was generated
   * (at least one example ok): every row of it, ok and failed, with its
   * inspection, so the funnel's asked = ok + failed holds. Lineage says where
   * it came from (`carriedFrom`: the job copied from, `carriedFromExample`,
   * `generatedIn`: the job that made it). Returns the number copied (0: the
   * chunk is new or changed and must be generated).
   */
  async carryOver(tx: EntityManager, args: { jobId: string; parentJobId: string; chunk: Chunk }): Promise<number> {
    const { jobId, parentJobId, chunk } = args;
    if (!chunk.contentHash) return 0;
    const candidates = await tx.find(
      Chunk,
      { job: parentJobId, contentHash: chunk.contentHash, duplicateOf: null },
      { fields: ['id'], orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    for (const c of candidates) {
      const examples = await tx.find(TrainingExample, { chunk: c.id }, { orderBy: { createdAt: 'asc', id: 'asc' } });
      if (!examples.some((e) => e.status === ExampleStatus.Ok)) continue;
      for (const e of examples) {
        const lineage: JsonObject = e.lineage ?? {};
        tx.create(TrainingExample, {
          chunk,
          job: tx.getReference(Job, jobId),
          templateType: e.templateType,
          inputText: e.inputText,
          outputText: e.outputText,
          modelUsed: e.modelUsed,
          status: e.status,
          error: e.error,
          rawReply: e.rawReply,
          templateHash: e.templateHash,
          lineage: {
            ...lineage,
            carriedFrom: parentJobId,
            carriedFromExample: e.id,
            generatedIn: (lineage.generatedIn as string | undefined) ?? parentJobId,
          },
          tokenCount: e.tokenCount,
          cost: e.cost,
          qualityScore: e.qualityScore,
          qualityDetails: e.qualityDetails,
          passedQc: e.passedQc,
        });
      }
      await tx.flush();
      return examples.length;
    }
    return 0;
  }

  /** How many of the job's examples were carried over from its parent (counted in SQL: a job has many). */
  async carriedCount(jobId: string): Promise<{ carried: number; total: number }> {
    const em = this.em.fork();
    const carriedFrom = isSqlite(em) ? "json_extract(lineage, '$.carriedFrom')" : "(lineage->>'carriedFrom')";
    const [row] = (await (em as SqlEntityManager).execute(
      `select count(*) as total, count(${carriedFrom}) as carried from training_examples where job_id = ?`,
      [jobId],
      'all',
    )) as { total: number | string; carried: number | string }[];
    return { carried: Number(row?.carried ?? 0), total: Number(row?.total ?? 0) };
  }

  /** What the refresh `jobId` changed against its parent; null when the job is no refresh. */
  async diff(jobId: string): Promise<RefreshDiff | null> {
    const parentJobId = await this.parentOf(jobId);
    if (!parentJobId) return null;
    const em = this.em.fork();
    const before = new Map<string, string | null>();
    for (const d of await em.find(
      RawDocument,
      { job: parentJobId, scrapeStatus: ItemStatus.Ok },
      { fields: ['url', 'metadata'] },
    )) {
      before.set(d.url, documentRevision(d)?.contentHash ?? null);
    }
    const after = await em.find(
      RawDocument,
      { job: jobId },
      { fields: ['url', 'metadata', 'scrapeStatus', 'error'], orderBy: { url: 'asc' } },
    );
    const diff: RefreshDiff = {
      parentJobId,
      added: [],
      changed: [],
      removed: [],
      unchanged: [],
      notModified: 0,
      examplesCarried: 0,
      examplesGenerated: 0,
    };
    const seen = new Set<string>();
    for (const d of after) {
      seen.add(d.url);
      const had = before.has(d.url);
      if (d.scrapeStatus !== ItemStatus.Ok) {
        if (had) diff.removed.push({ url: d.url, reason: d.error ?? d.scrapeStatus });
        continue;
      }
      const revision = documentRevision(d);
      if (!had) diff.added.push({ url: d.url });
      else if (revision && revision.contentHash === before.get(d.url)) {
        diff.unchanged.push({ url: d.url });
        if (revision.notModified) diff.notModified++;
      } else diff.changed.push({ url: d.url });
    }
    for (const url of [...before.keys()].sort()) {
      if (!seen.has(url)) diff.removed.push({ url, reason: 'not fetched again' });
    }
    diff.removed.sort((a, b) => a.url.localeCompare(b.url));
    const { carried, total } = await this.carriedCount(jobId);
    diff.examplesCarried = carried;
    diff.examplesGenerated = total - carried;
    return diff;
  }
}

function toParentPage(d: Pick<RawDocument, 'url' | 'htmlPath' | 'contentType' | 'metadata'>): ParentPage {
  const depth = (d.metadata as { depth?: unknown } | null)?.depth;
  return {
    url: d.url,
    depth: typeof depth === 'number' ? depth : 0,
    htmlPath: d.htmlPath ?? null,
    contentType: d.contentType ?? null,
    revision: documentRevision(d),
  };
}
