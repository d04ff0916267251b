import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { ExampleStatus } from '@datafactory/contracts';
import { type ExampleExportRow, ExportReadRepository, MIN_UUID, type TrainingExample } from '@datafactory/persistence';
import { type Provenance, provenanceOf } from './provenance.js';
import { domainOf, type ExampleRow } from './shapes.js';

/** Rows per database page. */
export const DEFAULT_PAGE_SIZE = 1_000;

/** Which examples an export takes: by default those generated ok that passed quality control. */
export function exportedExamplesWhere(jobId: string, includeFailed: boolean): FilterQuery<TrainingExample> {
  return includeFailed ? { job: jobId } : { job: jobId, status: ExampleStatus.Ok, passedQc: true };
}

/**
 * Streams a job's examples page by page (keyset pagination on the primary
 * key, see ExportReadRepository), with the chunk and its document joined in.
 * Memory holds one page at a time.
 */
export async function* streamExamples(
  em: EntityManager,
  jobId: string,
  options: { includeFailed: boolean; pageSize?: number; signal?: AbortSignal },
): AsyncGenerator<ExampleRow[]> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const reads = new ExportReadRepository(em);
  let after = MIN_UUID;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = await reads.examplePage(jobId, after, pageSize, options.includeFailed);
    if (page.length === 0) return;
    after = page.at(-1)!.id;
    yield page.map(toRow);
    if (page.length < pageSize) return;
  }
}

/** JSON columns come back as text (SQLite) or parsed (PostgreSQL). */
function json(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
}

/** Numbers come back as numbers or numeric strings depending on the driver. */
const toNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function retrievalOf(value: unknown): ExampleRow['retrieval'] {
  const r = json(value);
  if (!r || !Array.isArray(r.documents)) return null;
  const documents = (r.documents as { chunkId?: unknown; text?: unknown }[]).map((d) => ({
    chunkId: String(d.chunkId ?? ''),
    text: String(d.text ?? ''),
  }));
  const count = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    documents,
    oracleIndex: typeof r.oracleIndex === 'number' ? r.oracleIndex : null,
    distractorsWanted: count(r.distractorsWanted),
    distractorsFound: count(r.distractorsFound),
  };
}

function toRow(r: ExampleExportRow): ExampleRow {
  const lineage = json(r.lineage) ?? {};
  const fields = json(lineage.fields);
  const sourceUrl = r.final_url ?? r.url ?? (typeof lineage.sourceUrl === 'string' ? lineage.sourceUrl : null);
  return {
    id: r.id,
    templateType: r.template_type,
    inputText: r.input_text,
    outputText: r.output_text,
    modelUsed: r.model_used,
    status: r.status,
    error: r.error ?? null,
    templateHash: r.template_hash ?? null,
    fields,
    retrieval: retrievalOf(lineage.retrieval),
    tokenCount: Number(r.token_count),
    cost: toNumber(r.cost),
    qualityScore: toNumber(r.quality_score),
    qualityDetails: json(r.quality_details),
    passedQc: r.passed_qc === null || r.passed_qc === undefined ? null : Boolean(r.passed_qc),
    chunkText: r.chunk_text,
    language: r.chunk_language ?? r.document_language ?? null,
    sourceUrl,
    sourceTitle: r.title ?? null,
    domain: domainOf(sourceUrl),
    provenance: provenanceOf({
      url: r.url,
      finalUrl: r.final_url ?? null,
      httpStatus: r.http_status,
      fetchedAt: r.fetched_at,
      metadata: r.document_metadata,
      chunkMetadata: r.chunk_metadata,
    }),
  };
}

/** Streams the URL of every document that has an exported example, page by page (keyset on the document id). */
export async function* streamSourceUrls(
  em: EntityManager,
  jobId: string,
  options: { includeFailed: boolean; pageSize?: number; signal?: AbortSignal },
): AsyncGenerator<{ url: string; finalUrl: string | null; provenance: Provenance }[]> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const reads = new ExportReadRepository(em);
  let after = MIN_UUID;
  for (;;) {
    options.signal?.throwIfAborted();
    const rows = await reads.sourcePage(jobId, after, pageSize, options.includeFailed);
    if (rows.length === 0) return;
    after = rows.at(-1)!.id;
    yield rows.map((r) => ({
      url: r.url,
      finalUrl: r.final_url,
      provenance: provenanceOf({
        url: r.url,
        finalUrl: r.final_url,
        httpStatus: r.http_status,
        fetchedAt: r.fetched_at,
        metadata: r.metadata,
      }),
    }));
    if (rows.length < pageSize) return;
  }
}
