import {
  type GenerateItem,
  ItemStatus,
  QueueName,
  rawDocumentKind,
  type RefineItem,
  Stage,
  usesLlm,
} from '@datafactory/contracts';
import { LockMode } from '@mikro-orm/core';
import {
  addToJobCounters,
  Chunk,
  isSqlite,
  NearDuplicateRepository,
  RawDocument,
  RefreshRepository,
  TrainingExample,
} from '@datafactory/persistence';
import { Refiner, SharedChunkIndex, storeRefined } from '@datafactory/refiner';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { StageContext, StageHandler } from '../stage-handlers.js';
import { JobInfoCache } from './job-info.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { StageDeps, StoredJobConfig } from './stage-deps.js';

/**
 * How the refiner reads a document's file: PDFs and Word files by their bytes, uploaded texts as they are,
 * everything else (crawled HTML and text/plain) as a page.
 */
function refineKind(doc: RawDocument): 'html' | 'text' | 'pdf' | 'docx' {
  const kind = rawDocumentKind(doc.contentType);
  if (kind === 'pdf' || kind === 'docx') return kind;
  if (kind === 'txt' && (doc.metadata as { source?: unknown }).source === 'upload') return 'text';
  return 'html';
}

/**
 * One document: extract, chunk, deduplicate against the scope's original
 * chunks in the shared index (reading only the candidates), store the chunks
 * and hand every original (non-duplicate) chunk to the generator, in one
 * transaction with the counters.
 */
export class RefineHandler implements StageHandler<RefineItem> {
  readonly queue = QueueName.Refine;
  private readonly refiners = new Map<string, Refiner>();
  private readonly dedupLock = new KeyedMutex();
  /** The shared chunk index's settings per dedup threshold (the index itself is in the database). */
  private readonly indexes = new Map<number, SharedChunkIndex>();

  private readonly jobs: JobInfoCache;

  constructor(private readonly deps: StageDeps) {
    this.jobs = new JobInfoCache(deps.em);
  }

  async handle({ jobId, documentId }: RefineItem, ctx: StageContext): Promise<void> {
    const { em, coordinator, config } = this.deps;
    if (!(await coordinator.isRunning(jobId))) return;
    const job = await this.jobs.get(jobId);
    const jobConfig = job.config;
    const doc = await em.fork().findOneOrFail(RawDocument, { id: documentId });
    if (doc.refineStatus !== ItemStatus.Pending) {
      // A retry after the write: the hand-over and the fold of its counts may be missing (its worker died).
      await this.handOn(jobId, documentId, jobConfig, job.refreshOf);
      await coordinator.afterItem(jobId, true);
      return;
    }
    const file = path.resolve(config.dataDir, doc.htmlPath!);
    const kind = refineKind(doc);
    // A PDF's or a Word file's file holds its bytes; pages and texts are UTF-8.
    const html =
      kind === 'pdf' || kind === 'docx' ? new Uint8Array(await readFile(file)) : await readFile(file, 'utf8');
    ctx.signal.throwIfAborted();
    const refined = await this.refiner(jobConfig).refine({ html, kind, url: doc.finalUrl ?? doc.url });
    const processing = jobConfig.processing;
    const generate = usesLlm(jobConfig.generation);

    // The CPU part of the dedup check (shingles, MinHash, band hashes) before the write transaction.
    const index = this.chunkIndex(processing.dedup_threshold);
    const scope = index.scope({ jobId, projectId: job.projectId, scope: processing.dedup_scope });
    const prepared = refined.chunks.map((c) => index.prepare(c.content));

    // The check-and-insert under the dedup lock (NearDuplicateRepository.lock): on PostgreSQL the scope shared
    // and the page's band and content hashes exclusively, so that pages which cannot match are stored side by
    // side by every worker; on SQLite the write transaction, one at a time in this process by the mutex.
    const sqlite = isSqlite(em);
    const store = () =>
      em.fork().transactional(async (tx) => {
        // The document first (on PostgreSQL its row locked: a retry running at once waits, then sees it done),
        // so that the dedup lock is taken as late as it can be.
        const fresh = await tx.findOneOrFail(
          RawDocument,
          { id: documentId },
          sqlite ? {} : { lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        if (fresh.refineStatus !== ItemStatus.Pending) return null;
        await new NearDuplicateRepository(tx).lock(scope, {
          bands: prepared.map((p) => p.bands),
          hashes: prepared.map((p) => p.contentHash),
        });
        const stored = await storeRefined(tx, fresh, refined, { index, scope, prepared });
        const originals = stored.chunks - stored.exactDuplicates - stored.nearDuplicates;
        // A refresh: a chunk the parent had (same content hash) keeps the parent's examples, generated no more.
        let carried = 0;
        if (job.refreshOf && generate && originals) {
          const refresh = new RefreshRepository(tx);
          const own = await tx.find(
            Chunk,
            { document: documentId, duplicateOf: null },
            { orderBy: { chunkIndex: 'asc' } },
          );
          for (const chunk of own) {
            if (await refresh.carryOver(tx, { jobId, parentJobId: job.refreshOf, chunk })) carried++;
          }
        }
        return addToJobCounters(tx, jobId, {
          progress: {
            refiner: refined.status === 'failed' ? { failed: 1 } : { done: 1 },
            generator: { total: generate ? originals : 0, ...(carried ? { done: carried } : {}) },
          },
        });
      });
    const counters = sqlite ? await this.dedupLock.run(scope.key, store) : await store();
    if (refined.status !== 'ok') {
      await this.deps.logs.log(
        jobId,
        refined.status === 'failed' ? 'warn' : 'info',
        `${refined.status}: ${doc.url}: ${refined.reason}`,
        {
          stage: Stage.Refiner,
        },
      );
    }
    await this.handOn(jobId, documentId, jobConfig, job.refreshOf);
    await coordinator.afterItem(jobId, counters);
  }

  async fail({ jobId, documentId }: RefineItem, error: Error): Promise<void> {
    const em = this.deps.em.fork();
    const counters = await em.transactional(async (tx) => {
      const doc = await tx.findOne(RawDocument, { id: documentId });
      if (!doc || doc.refineStatus !== ItemStatus.Pending) return null;
      doc.refineStatus = ItemStatus.Failed;
      doc.refineError = error.message;
      await tx.flush();
      return addToJobCounters(tx, jobId, { progress: { refiner: { failed: 1 } } });
    });
    await this.deps.logs.log(jobId, 'error', `refining ${documentId} failed: ${error.message}`, {
      stage: Stage.Refiner,
    });
    await this.deps.coordinator.afterItem(jobId, counters);
  }

  private async handOn(
    jobId: string,
    documentId: string,
    jobConfig: StoredJobConfig,
    refreshOf: string | null | undefined,
  ): Promise<void> {
    if (!usesLlm(jobConfig.generation)) return;
    const em = this.deps.em.fork();
    let chunks = await em.find(
      Chunk,
      { document: documentId, duplicateOf: null },
      { fields: ['id'], orderBy: { chunkIndex: 'asc' } },
    );
    if (refreshOf && chunks.length) {
      // Chunks carried over (their examples copied in the refine transaction) are neither generated nor inspected.
      const carried = new Set(
        (await em.find(TrainingExample, { chunk: chunks.map((c) => c.id) }, { fields: ['chunk'] })).map(
          (e) => e.chunk.id,
        ),
      );
      chunks = chunks.filter((c) => !carried.has(c.id));
    }
    for (const c of chunks) {
      await this.deps.dispatcher.enqueue(
        QueueName.Generate,
        { jobId, chunkId: c.id } satisfies GenerateItem,
        `generate-${c.id}`,
      );
    }
  }

  private chunkIndex(threshold: number): SharedChunkIndex {
    let index = this.indexes.get(threshold);
    if (!index) {
      index = new SharedChunkIndex({ threshold });
      this.indexes.set(threshold, index);
    }
    return index;
  }

  /** One Refiner (and its extraction thread) per distinct processing config in this process. */
  private refiner(jobConfig: StoredJobConfig): Refiner {
    // Chunks are counted with the job model's tokenizer; a job without the LLM counts with the operator's model.
    const model = usesLlm(jobConfig.generation) ? jobConfig.generation.model : this.deps.config.llm.model;
    const key = JSON.stringify([jobConfig.processing, model]);
    let refiner = this.refiners.get(key);
    if (!refiner) {
      refiner = new Refiner(jobConfig.processing, { model });
      this.refiners.set(key, refiner);
    }
    return refiner;
  }

  async close(): Promise<void> {
    await Promise.all([...this.refiners.values()].map((r) => r.close()));
    this.refiners.clear();
  }
}
