import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/core';
import { type DocumentRevision, Job, RawDocument } from '@datafactory/persistence';
import type { CrawledDocument } from './types.js';

/** Where a job's raw pages live, relative to DATA_DIR. */
export function rawDocumentDir(jobId: string): string {
  return path.join('raw', jobId);
}

/**
 * The stored file of a document, relative to DATA_DIR (`raw/<jobId>/<sha256 of the URL>.html`, `.txt` for
 * plain text). The row keeps this relative path: `path.resolve(dataDir, htmlPath)` opens it on any machine
 * that mounts DATA_DIR.
 */
export function rawDocumentPath(jobId: string, doc: Pick<CrawledDocument, 'url' | 'contentType'>): string {
  const hash = createHash('sha256').update(doc.url).digest('hex').slice(0, 32);
  const ext = doc.contentType?.toLowerCase().startsWith('text/plain') ? 'txt' : 'html';
  return path.join(rawDocumentDir(jobId), `${hash}.${ext}`);
}

/**
 * Persists one crawled document: its content as a UTF-8 file under DATA_DIR
 * (written to a temporary name, then renamed, so a reader never sees half a
 * page) and a `raw_documents` row, in a fork of `em` of its own.
 */
export async function storeCrawledDocument(
  em: EntityManager,
  args: { jobId: string; dataDir: string; document: CrawledDocument },
): Promise<RawDocument> {
  const htmlPath = await writeCrawledContent(args);
  const fork = em.fork();
  const row = createCrawledDocumentRow(fork, { jobId: args.jobId, document: args.document, htmlPath });
  await fork.flush();
  return row;
}

/** Writes an ok document's content under DATA_DIR (tmp file, then rename); its path relative to DATA_DIR, or null. */
export async function writeCrawledContent(args: {
  jobId: string;
  dataDir: string;
  document: CrawledDocument;
}): Promise<string | null> {
  const { jobId, dataDir, document: doc } = args;
  if (doc.status !== 'ok' || doc.content === undefined) return null;
  const htmlPath = rawDocumentPath(jobId, doc);
  const file = path.resolve(dataDir, htmlPath);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, doc.content, 'utf8');
  await rename(tmp, file);
  return htmlPath;
}

/**
 * The `raw_documents` row of a document, created in `em` (flushed with the
 * caller's unit of work or transaction; the crawl handler stores it in the
 * transaction that settles the frontier row).
 */
export function createCrawledDocumentRow(
  em: EntityManager,
  args: { id?: string; jobId: string; document: CrawledDocument; htmlPath: string | null },
): RawDocument {
  const { jobId, document: doc, htmlPath } = args;
  return em.create(RawDocument, {
    ...(args.id ? { id: args.id } : {}),
    job: em.getReference(Job, jobId),
    url: doc.url,
    htmlPath,
    title: doc.title ?? null,
    language: doc.language ?? null,
    scrapeStatus: doc.status,
    httpStatus: doc.httpStatus ?? null,
    contentType: doc.contentType ?? null,
    error: doc.reason ?? null,
    finalUrl: doc.finalUrl ?? null,
    canonicalUrl: doc.canonicalUrl ?? null,
    fetchMethod: doc.fetchMethod ?? null,
    bytes: doc.bytes ?? null,
    publishedAt: doc.publishedAt ?? null,
    fetchedAt: doc.fetchedAt ?? null,
    robotsIgnored: doc.robotsIgnored,
    metadata: documentMetadata(doc),
  });
}

/** The page's validators and content hash (`metadata.revision`), what a refresh compares; none for a page not ok. */
function documentRevisionOf(doc: CrawledDocument): DocumentRevision | undefined {
  if (doc.status !== 'ok' || doc.content === undefined) return undefined;
  return {
    contentHash: createHash('sha256').update(doc.content).digest('hex'),
    ...(doc.etag ? { etag: doc.etag } : {}),
    ...(doc.lastModified ? { lastModified: doc.lastModified } : {}),
    ...(doc.notModified ? { notModified: true } : {}),
  };
}

/** What has no column of its own goes to `raw_documents.metadata`. */
export function documentMetadata(doc: CrawledDocument): Record<string, unknown> {
  const meta: Record<string, unknown> = {
    reasonCode: doc.reasonCode,
    depth: doc.depth,
    discoveredFrom: doc.discoveredFrom,
    redirects: doc.redirects.length ? doc.redirects : undefined,
    charset: doc.charset,
    attempts: doc.attempts,
    timings: doc.timings,
    browserReason: doc.browserReason,
    browserError: doc.browserError,
    linksFound: doc.linksFound,
    privateNetworksAllowed: doc.privateNetworksAllowed || undefined,
    revision: documentRevisionOf(doc),
    etag: doc.etag,
    lastModified: doc.lastModified,
    terms: doc.terms,
  };
  return Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined));
}
