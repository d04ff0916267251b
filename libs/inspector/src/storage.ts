import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { ExampleStatus, type ReviewState } from '@datafactory/contracts';
import {
  addToJobCounters,
  type DedupScope,
  dedupScopeKey,
  type JobCountersDelta,
  type JobCountersWrite,
  NearDuplicateRepository,
  StageReadRepository,
  TrainingExample,
} from '@datafactory/persistence';
import { cosine, type SparseVector } from '@datafactory/text';
import type { CheckName } from './config.js';
import {
  type DuplicateChecker,
  type DuplicateMatch,
  duplicateText,
  ExampleHasher,
  type NearDuplicateIndex,
} from './checks/duplicates.js';
import { round } from './text.js';
import { QualityReportBuilder, type QualityReport } from './report.js';
import type { InspectableExample, InspectionResult } from './types.js';

/*
 * The inspector's database side. Every function takes an EntityManager and
 * works in a fork of it, so it can be called from a queue processor, the CLI
 * or a request handler alike.
 */

const PAGE = 500;

/**
 * Writes qualityScore, qualityDetails and passedQc of each result, in one transaction, with `progress` added
 * to the job's counters in it when given (what addToJobCounters returned, for the coordinator's fold).
 */
export async function saveInspectionResults(
  em: EntityManager,
  results: InspectionResult[],
  counted?: { jobId: string; progress: JobCountersDelta['progress'] },
): Promise<JobCountersWrite | null> {
  if (results.length === 0 && !counted) return null;
  return em.fork().transactional(async (tx) => {
    await new StageReadRepository(tx).saveQuality(results);
    return counted ? addToJobCounters(tx, counted.jobId, { progress: counted.progress }) : null;
  });
}

/**
 * The chunk's generated (status ok) examples of the job not inspected yet, with the chunk's text, oldest
 * first, in one statement (what the pipeline's inspect item reads).
 */
export async function loadChunkExamplesToInspect(
  em: EntityManager,
  jobId: string,
  chunkId: string,
): Promise<InspectableExample[]> {
  const rows = await new StageReadRepository(em).examplesOfChunk(chunkId);
  return rows
    .filter((r) => r.jobId === jobId && r.status === ExampleStatus.Ok && r.qualityScore === null)
    .map((r) => inspectable(r, { content: r.chunkText, language: r.chunkLanguage }));
}

/** Turns a stored example (with its chunk loaded) into what the inspector reads. */
export function toInspectable(example: TrainingExample): InspectableExample {
  return inspectable(example, example.chunk as { content?: string; language?: string | null } | undefined);
}

function inspectable(
  example: Pick<TrainingExample, 'id' | 'templateType' | 'inputText' | 'outputText' | 'lineage'>,
  chunk: { content?: string; language?: string | null } | undefined,
): InspectableExample {
  const lineage = (example.lineage ?? {}) as Record<string, unknown>;
  const fields = lineage.example ?? lineage.fields;
  return {
    id: example.id,
    templateType: example.templateType,
    inputText: example.inputText,
    outputText: example.outputText,
    fields: fields && typeof fields === 'object' && !Array.isArray(fields) ? (fields as Record<string, unknown>) : null,
    chunkText: chunk?.content ?? null,
    chunkLanguage: chunk?.language ?? null,
  };
}

export interface LoadExamplesOptions {
  /** Only these examples (e.g. the ones a generate job just wrote). */
  ids?: string[];
  /** Only examples without a quality score yet (default true). */
  uninspectedOnly?: boolean;
  limit?: number;
}

/** A job's generated (status ok) examples with their chunks, oldest first, ready to inspect. */
export async function loadExamplesToInspect(
  em: EntityManager,
  jobId: string,
  options: LoadExamplesOptions = {},
): Promise<InspectableExample[]> {
  const where: FilterQuery<TrainingExample> = {
    job: jobId,
    status: ExampleStatus.Ok,
    ...(options.ids ? { id: { $in: options.ids } } : {}),
    ...((options.uninspectedOnly ?? true) ? { qualityScore: null } : {}),
  };
  const rows = await em.fork().find(TrainingExample, where, {
    populate: ['chunk'],
    orderBy: { createdAt: 'asc', id: 'asc' },
    ...(options.limit ? { limit: options.limit } : {}),
  });
  return rows.map(toInspectable);
}

/**
 * Puts the already inspected, non-duplicate examples of a job (or of a whole
 * project's earlier jobs) into a near-duplicate index, oldest first: what a
 * restarted worker, or a project-wide comparison, needs before inspecting more.
 */
export async function seedDuplicateIndex(
  em: EntityManager,
  index: NearDuplicateIndex,
  scope: { jobId: string } | { projectId: string; excludeJobId?: string },
): Promise<number> {
  const fork = em.fork();
  const where: FilterQuery<TrainingExample> =
    'jobId' in scope
      ? { job: scope.jobId, status: ExampleStatus.Ok, qualityScore: { $ne: null } }
      : {
          job: { project: scope.projectId, ...(scope.excludeJobId ? { id: { $ne: scope.excludeJobId } } : {}) },
          status: ExampleStatus.Ok,
          qualityScore: { $ne: null },
        };
  let added = 0;
  for (let offset = 0; ; offset += PAGE) {
    const rows = await fork.find(TrainingExample, where, {
      fields: ['id', 'inputText', 'outputText', 'qualityDetails'],
      orderBy: { createdAt: 'asc', id: 'asc' },
      limit: PAGE,
      offset,
    });
    for (const row of rows) {
      const checks = (row.qualityDetails as { checks?: Record<string, { status?: string }> } | null)?.checks;
      if (checks?.duplicates?.status === 'fail') continue;
      index.seed(row.id, duplicateText(row.inputText, row.outputText));
      added++;
    }
    fork.clear();
    if (rows.length < PAGE) return added;
  }
}

/**
 * The job's example index in the database (NearDuplicateRepository), shared
 * by every worker: an example is compared with the kept examples of the job
 * whichever process inspected them, reading only the candidates that share a
 * band hash. The n-grams and MinHash are computed before the transaction;
 * the candidate check and the insert run under the scope's lock.
 */
export class SharedExampleIndex implements DuplicateChecker {
  private readonly hashing: ExampleHasher;
  readonly scope: DedupScope;

  constructor(
    private readonly em: EntityManager,
    options: { jobId: string; threshold: number; ngram?: number },
  ) {
    this.hashing = new ExampleHasher(options);
    this.scope = {
      key: `${dedupScopeKey('examples', 'job', options.jobId)}:${this.hashing.key}`,
      jobId: options.jobId,
    };
  }

  async add(id: string, text: string): Promise<DuplicateMatch | null> {
    return (await this.addAll([{ id, text }]))[0]!;
  }

  /**
   * Each item compared, in order, with the kept examples of the job and with the items before it that were
   * kept: under the scope's lock, one statement for the candidates of all of them, one for the candidates'
   * texts and one for the band rows of those kept.
   */
  async addAll(items: readonly { id: string; text: string }[]): Promise<(DuplicateMatch | null)[]> {
    if (items.length === 0) return [];
    const prepared = items.map(({ id, text }) => ({ id, ...this.hashing.prepare(text) }));
    return this.em.fork().transactional(async (tx) => {
      const repo = new NearDuplicateRepository(tx);
      // The scope shared, these examples' band hashes exclusively: batches that cannot match run side by side.
      await repo.lock(this.scope, { bands: prepared.map((p) => p.bands) });
      const candidatesOf = await repo.candidatesOf(
        this.scope,
        prepared.map((p) => p.bands),
      );
      const texts = await repo.exampleTexts([...new Set(candidatesOf.flat().map((c) => c.itemId))]);
      const vectors = new Map<string, SparseVector>();
      const vectorOf = (itemId: string, other: { inputText: string; outputText: string }): SparseVector => {
        let vector = vectors.get(itemId);
        if (!vector) {
          vector = this.hashing.vector(duplicateText(other.inputText, other.outputText));
          vectors.set(itemId, vector);
        }
        return vector;
      };
      const kept: typeof prepared = [];
      const matches = prepared.map((item, k): DuplicateMatch | null => {
        const candidates = candidatesOf[k]!.sort((a, b) => a.order - b.order);
        // Checked before (a retried batch) and kept: it stays the original (its own rows share every band).
        if (candidates.some((c) => c.itemId === item.id)) return null;
        // The earliest kept example wins: the stored ones, then this batch's in order.
        for (const c of candidates) {
          const other = texts.get(c.itemId);
          if (!other) continue;
          const similarity = cosine(item.vector, vectorOf(c.itemId, other));
          if (similarity >= this.hashing.threshold) return { duplicateOf: c.itemId, similarity: round(similarity) };
        }
        for (const earlier of kept) {
          if (!earlier.bands.some((hash, band) => item.bands[band] === hash)) continue;
          const similarity = cosine(item.vector, earlier.vector);
          if (similarity >= this.hashing.threshold) return { duplicateOf: earlier.id, similarity: round(similarity) };
        }
        kept.push(item);
        return null;
      });
      await repo.addAll(
        this.scope,
        kept.map(({ id, bands }) => ({ id, bands })),
      );
      return matches;
    });
  }
}

/** The quality report of a job, read page by page. */
export async function loadQualityReport(em: EntityManager, jobId: string): Promise<QualityReport> {
  const fork = em.fork();
  const builder = new QualityReportBuilder();
  for (let offset = 0; ; offset += PAGE) {
    const rows = await fork.find(
      TrainingExample,
      { job: jobId },
      {
        fields: ['id', 'status', 'tokenCount', 'qualityScore', 'passedQc', 'qualityDetails'],
        orderBy: { id: 'asc' },
        limit: PAGE,
        offset,
      },
    );
    for (const row of rows) {
      builder.add({
        status: row.status,
        tokenCount: row.tokenCount,
        qualityScore: row.qualityScore == null ? null : Number(row.qualityScore),
        passedQc: row.passedQc ?? null,
        qualityDetails: row.qualityDetails ?? null,
      });
    }
    fork.clear();
    if (rows.length < PAGE) return builder.build();
  }
}

export interface ExampleQuery {
  /** true: passed examples; false: inspected and not passed. */
  passed?: boolean;
  /** Only examples on which this check failed. */
  check?: CheckName;
  /** Only examples in this review state. */
  review?: ReviewState;
  page: number;
  pageSize: number;
}

/** One page of a job's inspected examples, oldest first, with the total count. */
export async function findInspectedExamples(
  em: EntityManager,
  jobId: string,
  query: ExampleQuery,
): Promise<{ items: TrainingExample[]; total: number }> {
  const where: Record<string, unknown> = { job: jobId, passedQc: query.passed ?? { $ne: null } };
  if (query.check) where.qualityDetails = { checks: { [query.check]: { status: 'fail' } } };
  if (query.review) where.reviewState = query.review;
  const [items, total] = await em.fork().findAndCount(TrainingExample, where as FilterQuery<TrainingExample>, {
    orderBy: { createdAt: 'asc', id: 'asc' },
    limit: query.pageSize,
    offset: (query.page - 1) * query.pageSize,
  });
  return { items, total };
}
