import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { ExampleStatus, ReviewState } from '@datafactory/contracts';
import {
  type ExampleExportRow,
  type ExampleSelection,
  ExportReadRepository,
  jsonObjectColumn,
  MIN_UUID,
  type TrainingExample,
} from '@datafactory/persistence';
import { type Provenance, provenanceOf } from './provenance.js';
import { domainOf, type ExampleRow } from './shapes.js';

/** Rows per database page. */
export const DEFAULT_PAGE_SIZE = 1_000;

/**
 * Which examples an export takes: by default those generated ok that passed quality control and
 * that no reviewer rejected (with `includeUnreviewed: false`, only the accepted and edited ones).
 */
export function exportedExamplesWhere(
  jobId: string,
  selection: ExampleSelection | boolean,
): FilterQuery<TrainingExample> {
  const s = typeof selection === 'boolean' ? { includeFailed: selection, includeUnreviewed: true } : selection;
  const review = s.includeUnreviewed
    ? { reviewState: { $ne: ReviewState.Rejected } }
    : { reviewState: { $in: [ReviewState.Accepted, ReviewState.Edited] } };
  return s.includeFailed
    ? { job: jobId, ...review }
    : { job: jobId, status: ExampleStatus.Ok, passedQc: true, ...review };
}

/**
 * Streams a job's examples page by page (keyset pagination on the primary
 * key, see ExportReadRepository), with the chunk and its document joined in.
 * Memory holds one page at a time.
 */
export async function* streamExamples(
  em: EntityManager,
  jobId: string,
  options: ExampleSelection & { pageSize?: number; signal?: AbortSignal },
): AsyncGenerator<ExampleRow[]> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const reads = new ExportReadRepository(em);
  let after = MIN_UUID;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = await reads.examplePage(jobId, after, pageSize, options);
    if (page.length === 0) return;
    after = page.at(-1)!.id;
    yield page.map(toRow);
    if (page.length < pageSize) return;
  }
}

/** Numbers come back as numbers or numeric strings depending on the driver. */
const toNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function retrievalOf(value: unknown): ExampleRow['retrieval'] {
  const r = jsonObjectColumn(value);
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

/**
 * The fields with the reviewer's output in place of the generated one: every field (or the last
 * turn of `turns`) whose text is the generated output, so each shape's answer is the edited one.
 */
export function withEditedFields(
  fields: Record<string, unknown> | null,
  generated: string,
  edited: string,
): Record<string, unknown> | null {
  if (!fields) return null;
  const same = (v: unknown) => typeof v === 'string' && v.trim() === generated.trim();
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (same(value)) out[key] = edited;
    else if (key === 'turns' && Array.isArray(value) && value.length > 0) {
      const last = value.at(-1) as { content?: unknown } | null;
      out[key] = last && same(last.content) ? [...value.slice(0, -1), { ...last, content: edited }] : value;
    } else out[key] = value;
  }
  return out;
}

function toRow(r: ExampleExportRow): ExampleRow {
  const lineage = jsonObjectColumn(r.lineage) ?? {};
  const generatedFields = jsonObjectColumn(lineage.fields);
  const sourceUrl = r.final_url ?? r.url ?? (typeof lineage.sourceUrl === 'string' ? lineage.sourceUrl : null);
  const review = (r.review_state ?? ReviewState.Unreviewed) as ReviewState;
  const edited = review === ReviewState.Edited && r.edited_output !== null ? r.edited_output : null;
  const fields = edited === null ? generatedFields : withEditedFields(generatedFields, r.output_text, edited);
  return {
    id: r.id,
    templateType: r.template_type,
    inputText: r.input_text,
    outputText: edited ?? r.output_text,
    review,
    originalOutput: edited === null ? null : r.output_text,
    modelUsed: r.model_used,
    status: r.status,
    error: r.error ?? null,
    templateHash: r.template_hash ?? null,
    fields,
    retrieval: retrievalOf(lineage.retrieval),
    tokenCount: Number(r.token_count),
    cost: toNumber(r.cost),
    qualityScore: toNumber(r.quality_score),
    qualityDetails: jsonObjectColumn(r.quality_details),
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
  options: ExampleSelection & { pageSize?: number; signal?: AbortSignal },
): AsyncGenerator<{ url: string; finalUrl: string | null; provenance: Provenance }[]> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const reads = new ExportReadRepository(em);
  let after = MIN_UUID;
  for (;;) {
    options.signal?.throwIfAborted();
    const rows = await reads.sourcePage(jobId, after, pageSize, options);
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
