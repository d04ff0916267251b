import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { JsonObject } from '../entities/entities.js';
import { isSqlite } from './sql-dialect.js';

/*
 * The reads every generate and inspect item makes, as single hand-written
 * statements: MikroORM's find (query building, hydration, the identity map)
 * cost more CPU than the query itself, and on SQLite that CPU is the one
 * thread every stage of `datafactory run` shares.
 */

/** A chunk as the generator reads it, with its document, and whether it has examples already (a retry). */
export interface ChunkToGenerate {
  id: string;
  content: string;
  chunkIndex: number;
  tokenCount: number;
  language: string | null;
  metadata: JsonObject;
  document: { id: string; url: string; finalUrl: string | null; title: string | null; language: string | null };
  hasExamples: boolean;
}

/** A generated example of a chunk with the chunk's text (what the inspector reads), and its state. */
export interface ChunkExampleRow {
  id: string;
  jobId: string;
  templateType: string;
  inputText: string;
  outputText: string;
  status: string;
  lineage: JsonObject | null;
  qualityScore: number | null;
  chunkText: string;
  chunkLanguage: string | null;
}

/** A JSON object column as the driver returns it (text on SQLite, parsed on PostgreSQL); null for anything else. */
export function jsonObjectColumn(value: unknown): JsonObject | null {
  if (value === null || value === undefined) return null;
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as JsonObject) : null;
}

const truthy = (value: unknown): boolean => value === true || Number(value) === 1;

export class StageReadRepository {
  constructor(private readonly em: EntityManager) {}

  /** Runs in `em`'s transaction when it is one. */
  private get sql(): SqlEntityManager {
    return this.em as SqlEntityManager;
  }

  /** The chunk and its document in one statement; null when there is no such chunk. */
  async chunkToGenerate(chunkId: string): Promise<ChunkToGenerate | null> {
    const rows = (await this.sql.execute(
      `select c.id, c.content, c.chunk_index, c.token_count, c.language, c.metadata,
        d.id as document_id, d.url, d.final_url, d.title, d.language as document_language,
        exists (select 1 from training_examples t where t.chunk_id = c.id) as has_examples
      from chunks c join raw_documents d on d.id = c.document_id where c.id = ?`,
      [chunkId],
      'all',
    )) as Record<string, unknown>[];
    const r = rows[0];
    if (!r) return null;
    return {
      id: String(r.id),
      content: String(r.content),
      chunkIndex: Number(r.chunk_index),
      tokenCount: Number(r.token_count),
      language: (r.language as string | null) ?? null,
      metadata: jsonObjectColumn(r.metadata) ?? {},
      document: {
        id: String(r.document_id),
        url: String(r.url),
        finalUrl: (r.final_url as string | null) ?? null,
        title: (r.title as string | null) ?? null,
        language: (r.document_language as string | null) ?? null,
      },
      hasExamples: truthy(r.has_examples),
    };
  }

  /**
   * Every example of the chunk with the chunk's text, oldest first. Only the chunk's id is in the query (its
   * index then serves it on SQLite too, which has no statistics to choose by); callers filter on the rest.
   */
  async examplesOfChunk(chunkId: string): Promise<ChunkExampleRow[]> {
    const rows = (await this.sql.execute(
      `select e.id, e.job_id, e.template_type, e.input_text, e.output_text, e.status, e.lineage, e.quality_score,
        c.content as chunk_text, c.language as chunk_language
      from training_examples e join chunks c on c.id = e.chunk_id
      where e.chunk_id = ? order by e.created_at, e.id`,
      [chunkId],
      'all',
    )) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: String(r.id),
      jobId: String(r.job_id),
      templateType: String(r.template_type),
      inputText: String(r.input_text),
      outputText: String(r.output_text),
      status: String(r.status),
      lineage: jsonObjectColumn(r.lineage),
      qualityScore: r.quality_score === null || r.quality_score === undefined ? null : Number(r.quality_score),
      chunkText: String(r.chunk_text),
      chunkLanguage: (r.chunk_language as string | null) ?? null,
    }));
  }

  /**
   * Writes each example's score, details and verdict: one UPDATE a row, hand-written (the inspector's
   * results, inside the caller's transaction when `em` is one).
   */
  async saveQuality(
    results: readonly { id: string; score: number; details: unknown; passed: boolean }[],
  ): Promise<void> {
    const sqlite = isSqlite(this.em);
    for (const r of results) {
      await this.sql.execute(
        'update training_examples set quality_score = ?, quality_details = ?, passed_qc = ? where id = ?',
        [r.score, JSON.stringify(r.details), sqlite ? (r.passed ? 1 : 0) : r.passed, r.id],
        'run',
      );
    }
  }
}
