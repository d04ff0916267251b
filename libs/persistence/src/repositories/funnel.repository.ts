import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { ExampleStatus, ItemStatus, type JobFunnel, JobStatus, NO_TEMPLATE } from '@datafactory/contracts';
import { Job } from '../entities/entities.js';
import { buildFunnel, type FunnelRows } from '../funnel.js';
import { MIN_UUID } from './export-read.repository.js';
import { isSqlite } from './sql-dialect.js';

export interface FunnelOptions {
  /**
   * Examples asked per original chunk, when the caller knows it (the job's
   * `examples_per_chunk`, else its template's default). Without it: the
   * job's setting, else what the generated chunks show (each writes exactly
   * the examples asked), else unknown.
   */
  examplesPerChunk?: number | null;
  /** The export being written (the card's own numbers): records, examples left out, whether unreviewed ones were in. */
  export?: { records: number; leftOut: number; includeUnreviewed?: boolean };
}

const FINAL: readonly string[] = [JobStatus.Completed, JobStatus.Failed, JobStatus.Cancelled];

/**
 * A job's funnel (libs/contracts JobFunnel) from its stored rows: one
 * GROUP BY per table, the same SQL on SQLite and PostgreSQL but for how a
 * JSON field is read. Reads O(groups), not O(rows), but for the document
 * URLs, which it pages through to match them with the URLs given.
 */
export class FunnelRepository {
  constructor(private readonly em: EntityManager) {}

  /** The funnel, or null when there is no such job. */
  async funnel(jobId: string, options: FunnelOptions = {}): Promise<JobFunnel | null> {
    const em = this.em.fork();
    const job = await em.findOne(Job, { id: jobId }, { fields: ['id', 'status', 'config'] });
    if (!job) return null;
    return buildFunnel(await this.rows(job, options));
  }

  private async rows(job: Pick<Job, 'id' | 'status' | 'config'>, options: FunnelOptions): Promise<FunnelRows> {
    const jobId = job.id;
    const config = job.config;
    const template = config.generation?.template ?? NO_TEMPLATE;
    const given = [...new Set(Array.isArray(config.urls) ? config.urls : [])];
    const json = (column: string, ...path: (string | number)[]) => this.jsonText(column, path);

    const documents = await this.sql<{ status: string; reason: string | null; n: number | string }>(
      `select scrape_status as status, coalesce(${json('metadata', 'reasonCode')}, substr(error, 1, 80)) as reason,
              count(*) as n
         from raw_documents where job_id = ? group by 1, 2`,
      [jobId],
    );
    const refined = await this.sql<{ status: string; reason: string | null; n: number | string }>(
      `select refine_status as status, substr(refine_error, 1, 80) as reason, count(*) as n
         from raw_documents where job_id = ? and scrape_status = ? group by 1, 2`,
      [jobId, ItemStatus.Ok],
    );
    const chunks = await this.sql<{ kind: string | null; dup: number | string; n: number | string }>(
      `select case when duplicate_of_id is null then 0 else 1 end as dup, ${json('metadata', 'dedup', 'kind')} as kind,
              count(*) as n
         from chunks where job_id = ? group by 1, 2`,
      [jobId],
    );
    const examples = await this.sql<{ status: string; reason: string | null; n: number | string }>(
      `select status, coalesce(${json('lineage', 'failureReason')}, substr(error, 1, 40)) as reason, count(*) as n
         from training_examples where job_id = ? group by 1, 2`,
      [jobId],
    );
    // A refresh's examples copied from its parent (lineage.carriedFrom): their chunk was unchanged.
    const [carried] = await this.sql<{ n: number | string }>(
      `select count(*) as n from training_examples
        where job_id = ? and status = ? and ${json('lineage', 'carriedFrom')} is not null`,
      [jobId, ExampleStatus.Ok],
    );
    const [generated] = await this.sql<{ n: number | string; most: number | string | null }>(
      `select count(*) as n, max(k) as most
         from (select chunk_id, count(*) as k from training_examples where job_id = ? group by chunk_id) per_chunk`,
      [jobId],
    );
    const inspected = await this.sql<{
      passed: boolean | number | null;
      failed: string | null;
      unavailable: string | null;
      n: number | string;
    }>(
      `select passed_qc as passed, ${json('quality_details', 'failed', 0)} as failed,
              ${json('quality_details', 'unavailable', 0)} as unavailable, count(*) as n
         from training_examples where job_id = ? and status = ? group by 1, 2, 3`,
      [jobId, ExampleStatus.Ok],
    );
    const includeFailed = config.export?.include_failed === true;
    // The job's own export saw the reviews made before it: a decision made later counts as unreviewed there
    // (the card of a new export passes its own numbers and takes every decision as it is now).
    const state = options.export
      ? 'review_state'
      : `case when reviewed_at > (select min(x.created_at) from exports x where x.job_id = training_examples.job_id)
              then 'unreviewed' else review_state end`;
    const reviews = await this.sql<{ state: string; reason: string | null; n: number | string }>(
      `select ${state} as state,
              case when review_state = 'rejected' then substr(review_reason, 1, 40) else null end as reason,
              count(*) as n
         from training_examples where job_id = ?${includeFailed ? '' : " and status = 'ok' and passed_qc = true"}
        group by 1, 2`,
      [jobId],
    );
    const [own] = await this.sql<{ records: number | string }>(
      'select record_count as records from exports where job_id = ? order by created_at asc, id asc limit 1',
      [jobId],
    );

    const configured =
      config.generation && 'examples_per_chunk' in config.generation ? config.generation.examples_per_chunk : null;
    const most = generated?.most === null || generated?.most === undefined ? null : Number(generated.most);
    const examplesPerChunk = template === NO_TEMPLATE ? null : (options.examplesPerChunk ?? configured ?? most ?? null);
    const includeUnreviewed = config.export?.include_unreviewed !== false;

    return {
      jobId,
      template,
      final: FINAL.includes(job.status),
      urlsGiven: given.length,
      givenWithoutRow: await this.givenWithoutRow(jobId, given),
      documents: documents.map((d) => ({ status: d.status, reason: d.reason, count: Number(d.n) })),
      refined: refined.map((d) => ({ status: d.status, reason: d.reason, count: Number(d.n) })),
      chunks: chunks.map((c) => ({
        kind: Number(c.dup) === 0 ? 'original' : c.kind === 'near' ? 'near' : 'exact',
        count: Number(c.n),
      })),
      examplesPerChunk,
      chunksGenerated: Number(generated?.n ?? 0),
      examples: examples.map((e) => ({ status: e.status, reason: e.reason, count: Number(e.n) })),
      carried: Number(carried?.n ?? 0),
      inspected: inspected.map((i) => ({
        passed: i.passed === null || i.passed === undefined ? null : Boolean(Number(i.passed)),
        failedCheck: i.failed ?? null,
        unavailableCheck: i.unavailable ?? null,
        count: Number(i.n),
      })),
      reviews: reviews.map((v) => ({ state: v.state, reason: v.reason, count: Number(v.n) })),
      export: options.export
        ? { includeUnreviewed, ...options.export, includeFailed }
        : own
          ? { records: Number(own.records), leftOut: null, includeFailed, includeUnreviewed }
          : null,
    };
  }

  /** How many of the given URLs have no document row (not fetched yet, or never: the crawl ended early). */
  private async givenWithoutRow(jobId: string, given: string[]): Promise<number> {
    if (given.length === 0) return 0;
    const missing = new Set(given);
    let after = MIN_UUID;
    for (;;) {
      // Plain rows, not entities: a job can have as many documents as URLs (10,000 and more).
      const page = await this.sql<{ id: string; url: string }>(
        'select id, url from raw_documents where job_id = ? and id > ? order by id limit 5000',
        [jobId, after],
      );
      for (const d of page) missing.delete(d.url);
      if (page.length < 5000 || missing.size === 0) break;
      after = page.at(-1)!.id;
    }
    return missing.size;
  }

  /** A JSON field of `column` as text (null when absent). */
  private jsonText(column: string, path: (string | number)[]): string {
    if (isSqlite(this.em)) {
      const p = path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
      return `json_extract(${column}, '$${p}')`;
    }
    const steps = path.map((k) => (typeof k === 'number' ? String(k) : `'${k}'`));
    return `(${column}${steps.map((s, i) => `${i === steps.length - 1 ? '->>' : '->'}${s}`).join('')})`;
  }

  private sql<T>(query: string, params: unknown[]): Promise<T[]> {
    return (this.em as SqlEntityManager).execute(query, params, 'all') as Promise<T[]>;
  }
}
