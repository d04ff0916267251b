import { createWriteStream } from 'node:fs';
import { rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/core';
import { VERSION } from '@datafactory/config';
import {
  ExampleStatus,
  type JobConfig,
  NO_TEMPLATE,
  PII_TYPES,
  type PiiType,
  ReviewState,
  usesLlm,
} from '@datafactory/contracts';
import { exportCorpus } from './corpus.js';
import {
  type ExampleSelection,
  Export,
  ExportReadRepository,
  FunnelRepository,
  Job,
  RefreshRepository,
  TrainingExample,
} from '@datafactory/persistence';
import { type CardChanges, type DatasetCardInput, type ExportedFile, renderDatasetCard, SourceTerms } from './card.js';
import type { Provenance } from './provenance.js';
import { type ExportConfig, resolveExportConfig } from './config.js';
import { FORMAT_INFO, type SplitName } from './formats.js';
import { DEFAULT_PAGE_SIZE, exportedExamplesWhere, streamExamples, streamSourceUrls } from './source.js';
import {
  flatColumns,
  isTrainable,
  toAlpaca,
  toFlatRecord,
  toOpenAi,
  toShareGpt,
  toTrl,
  type ExampleRow,
} from './shapes.js';
import { DATASET_INFO_FILE, datasetInfo, datasetName } from './dataset-info.js';
import { SplitGrouper, type SplitHygieneReport } from './split-hygiene.js';
import { ExportStats } from './stats.js';
import { reserveVersionDir } from './versioning.js';
import { recordExport } from './export-row.js';
import { redactSecrets, withoutCredentials } from './text-safety.js';

export { withoutCredentials };
import { openRecordWriter, type RecordWriter } from './writers.js';

export const CARD_FILE = 'README.md';
export const SOURCES_FILE = 'sources.txt';
export const MANIFEST_FILE = 'manifest.json';

export interface ExportProgress {
  written: number;
  total: number;
}

export interface ExportJobOptions {
  /** DATA_DIR: the export goes to DATA_DIR/exports/<project>/<job>/<version>/. */
  dataDir: string;
  /** Aborting stops the export between pages; its folder is removed and nothing is recorded. */
  signal?: AbortSignal;
  /** Called after every page. */
  onProgress?: (progress: ExportProgress) => void;
  /** Rows per database page (default 1000). */
  pageSize?: number;
  parquetRowGroupSize?: number;
  /** Values that must never appear in the card (the LLM API key...): replaced by [redacted] if they do. */
  secrets?: readonly (string | undefined | null)[];
  /** The clock of the version (tests). */
  now?: () => Date;
  /** Examples asked per chunk, for the card's funnel (default: the job's setting, else what its rows show). */
  examplesPerChunk?: number | null;
}

export interface ExportResult {
  exportId: string;
  version: string;
  format: ExportConfig['format'];
  recordCount: number;
  /** The version folder (absolute) and the same relative to DATA_DIR (what the exports row keeps). */
  directory: string;
  relativeDirectory: string;
  /** Data files, one per split (absolute paths in `path`). */
  files: (ExportedFile & { path: string })[];
  cardPath: string;
  sourcesPath: string;
}

/** What manifest.json in a version folder says: the data files by split. */
export interface ExportManifest {
  version: string;
  format: ExportConfig['format'];
  recordCount: number;
  files: ExportedFile[];
  card: string;
  sources: string;
}

export class ExportJobNotFoundError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} not found`);
    this.name = 'ExportJobNotFoundError';
  }
}

/** Data file name of a split: `data.<ext>` when there is no split, `<split>.<ext>` otherwise. */
export function dataFileName(config: ExportConfig, split: SplitName): string {
  const ext = FORMAT_INFO[config.format].extension;
  return config.split === 'none' ? `data.${ext}` : `${split}.${ext}`;
}

const KNOWN_CONFIG_KEYS = ['format', 'include_failed', 'include_unreviewed', 'split', 'seed', 'license', 'reasoning'];

/**
 * Exports a job's examples as a new version: reads them page by page through
 * a fork of `em`, writes one data file per split as they come, then the
 * sources file, the dataset card (README.md) and manifest.json, and finally
 * records an `exports` row. `config` overrides the job config's `export`
 * section; both are validated by resolveExportConfig. Knows nothing of
 * queues or HTTP: the worker, the CLI, the API and the tests all call this.
 */
export async function exportJob(
  em: EntityManager,
  jobId: string,
  config: unknown,
  options: ExportJobOptions,
): Promise<ExportResult> {
  const fork = em.fork({ clear: true });
  const job = await fork.findOne(Job, { id: jobId }, { populate: ['project'] });
  if (!job) throw new ExportJobNotFoundError(jobId);
  const fromJob = Object.fromEntries(
    Object.entries(job.config.export ?? {}).filter(([k]) => KNOWN_CONFIG_KEYS.includes(k)),
  );
  const resolved = resolveExportConfig({ ...fromJob, ...((config ?? {}) as object) });
  const projectId = job.project.id;
  const projectName = job.project.name;
  if (job.config.generation?.template === NO_TEMPLATE) {
    const chunkSize = job.config.processing?.chunk_size;
    const corpus = await exportCorpus(fork, {
      jobId,
      projectId,
      projectName,
      config: resolved,
      dataDir: options.dataDir,
      pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
      parquetRowGroupSize: options.parquetRowGroupSize,
      signal: options.signal,
      now: options.now,
      onProgress: options.onProgress,
      secrets: options.secrets,
      productVersion: VERSION,
      chunkSize: typeof chunkSize === 'number' ? chunkSize : null,
      piiRedactedKinds: redactedKinds(job.config),
      respectAiReservations: job.config.scraping?.respect_ai_reservations ?? null,
    });
    return { ...corpus, format: resolved.format };
  }
  const jobCost = job.costTotal === null || job.costTotal === undefined ? null : Number(job.costTotal);

  const totals = await countExamples(fork, jobId);
  const selection = { includeFailed: resolved.include_failed, includeUnreviewed: resolved.include_unreviewed };
  const reviews = await new ExportReadRepository(fork).reviewCounts(jobId);
  const total = await fork.count(TrainingExample, exportedExamplesWhere(jobId, selection));
  const createdAt = options.now?.() ?? new Date();
  const { version, dir, relativeDir } = await reserveVersionDir(options.dataDir, projectId, jobId, createdAt);

  const writers = new Map<SplitName, { writer: RecordWriter; records: number }>();
  const stats = new ExportStats();
  const columns = flatColumns(resolved.include_failed);
  const toRecord = recordMapper(resolved);
  const readFork = fork.fork({ clear: true });
  try {
    const { splitOf, report: splitHygiene } =
      resolved.split === 'none'
        ? { splitOf: () => 'train' as const, report: null }
        : await planSplits(readFork, jobId, resolved, toRecord, duplicateThreshold(job.config), options);
    for await (const page of streamExamples(readFork, jobId, {
      ...selection,
      pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
      signal: options.signal,
    })) {
      for (const row of page) {
        const record = toRecord(row);
        if (record === undefined) {
          stats.skipped++;
          continue;
        }
        const split = splitOf(row.domain);
        let target = writers.get(split);
        if (!target) {
          const file = path.join(dir, dataFileName(resolved, split));
          target = {
            writer: openRecordWriter(resolved.format, file, {
              columns,
              parquetRowGroupSize: options.parquetRowGroupSize,
            }),
            records: 0,
          };
          writers.set(split, target);
        }
        await target.writer.write(record as Record<string, unknown>);
        target.records++;
        stats.add({
          split,
          domain: row.domain,
          language: row.language,
          model: row.modelUsed,
          template: row.templateType,
          templateHash: row.templateHash,
          tokenCount: row.tokenCount,
          cost: row.cost,
          qualityScore: row.qualityScore,
          distractors: row.retrieval
            ? { wanted: row.retrieval.distractorsWanted ?? null, found: row.retrieval.distractorsFound ?? null }
            : null,
        });
      }
      options.onProgress?.({ written: stats.records, total });
    }
    // An export with no example still has its (empty) data file.
    if (writers.size === 0) {
      const file = path.join(dir, dataFileName(resolved, 'train'));
      writers.set('train', { writer: openRecordWriter(resolved.format, file, { columns }), records: 0 });
    }
    const files: (ExportedFile & { path: string })[] = [];
    for (const split of ['train', 'validation', 'test'] as const) {
      const w = writers.get(split);
      if (!w) continue;
      await w.writer.close();
      const { size } = await stat(w.writer.path);
      files.push({ split, file: path.basename(w.writer.path), records: w.records, bytes: size, path: w.writer.path });
    }

    const info = datasetInfo(
      resolved,
      job.config.generation?.template ?? null,
      datasetName(projectName, version),
      files,
    );
    if (info) await writeFile(path.join(dir, DATASET_INFO_FILE), `${JSON.stringify(info, null, 2)}\n`, { flag: 'wx' });

    const sourcesPath = path.join(dir, SOURCES_FILE);
    const sourceTerms = new SourceTerms();
    const sourceDocuments = await writeSources(readFork, jobId, sourcesPath, selection, {
      ...options,
      onSource: (p) => sourceTerms.add(p),
    });

    const settings = jobSettings(job.config);
    const funnel = await new FunnelRepository(readFork).funnel(jobId, {
      examplesPerChunk: options.examplesPerChunk,
      export: { records: stats.records, leftOut: stats.skipped, includeUnreviewed: resolved.include_unreviewed },
    });
    const cardInput: DatasetCardInput = {
      projectName,
      projectId,
      jobId,
      version,
      createdAt,
      config: resolved,
      files: files.map(({ path: _p, ...f }) => f),
      sourcesFile: SOURCES_FILE,
      stats,
      totals,
      review: {
        accepted: reviews.accepted ?? 0,
        edited: reviews.edited ?? 0,
        rejected: reviews.rejected ?? 0,
        unreviewed: reviews.unreviewed ?? 0,
        includeUnreviewed: resolved.include_unreviewed,
      },
      sourceDocuments,
      settings,
      jobCost,
      funnel,
      piiRedacted: await new ExportReadRepository(readFork).piiRedacted(jobId),
      grounded: settings.checks?.includes('grounded')
        ? await new ExportReadRepository(readFork).checkOutcomes(jobId, 'grounded')
        : null,
      piiRedactedKinds: redactedKinds(job.config),
      splitHygiene,
      sourceTerms,
      respectAiReservations: job.config.scraping?.respect_ai_reservations ?? null,
      jobCostEstimated: Number(job.costEstimated ?? 0),
      productVersion: VERSION,
      changes: await refreshChanges(readFork, jobId),
    };
    const card = redactSecrets(renderDatasetCard(cardInput), options.secrets ?? []);
    const cardPath = path.join(dir, CARD_FILE);
    await writeFile(cardPath, card, { flag: 'wx' });
    const manifest: ExportManifest = {
      version,
      format: resolved.format,
      recordCount: stats.records,
      files: cardInput.files,
      card: CARD_FILE,
      sources: SOURCES_FILE,
    };
    await writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
    options.signal?.throwIfAborted();

    const exportId = await recordExport(fork, {
      jobId,
      format: resolved.format,
      relativeDir,
      records: stats.records,
      version,
      card,
    });
    return {
      exportId,
      version,
      format: resolved.format,
      recordCount: stats.records,
      directory: dir,
      relativeDirectory: relativeDir,
      files,
      cardPath,
      sourcesPath,
    };
  } catch (e) {
    for (const { writer } of writers.values()) writer.destroy();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * The split of every domain for a split export: a first pass over the
 * exported examples (SplitGrouper: near-duplicates across domains), so that
 * the domains they link share a split. Returns the report for the card.
 */
async function planSplits(
  em: EntityManager,
  jobId: string,
  config: ExportConfig,
  toRecord: (row: ExampleRow) => object | undefined,
  threshold: number,
  options: ExportJobOptions,
): Promise<{ splitOf: (domain: string) => SplitName; report: SplitHygieneReport }> {
  if (config.split === 'none') throw new Error('planSplits needs split ratios');
  const grouper = new SplitGrouper(threshold);
  for await (const page of streamExamples(em, jobId, {
    includeFailed: config.include_failed,
    includeUnreviewed: config.include_unreviewed,
    pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
    signal: options.signal,
  })) {
    for (const row of page) {
      if (toRecord(row) !== undefined) grouper.add(row.id, row.domain, `${row.inputText}\n${row.outputText}`);
    }
  }
  return grouper.plan(config.split, config.seed, async (ids) => {
    const rows = await em.find(
      TrainingExample,
      { id: { $in: ids } },
      { fields: ['id', 'inputText', 'outputText', 'reviewState', 'editedOutput'] },
    );
    // The text exported: an edited example's is the reviewer's output.
    const output = (r: Pick<TrainingExample, 'outputText' | 'reviewState' | 'editedOutput'>) =>
      r.reviewState === ReviewState.Edited && r.editedOutput != null ? r.editedOutput : r.outputText;
    return new Map(rows.map((r) => [r.id, `${r.inputText}\n${output(r)}`]));
  });
}

/** The job's near-duplicate threshold (quality.duplicates.threshold), else the inspector's default 0.9. */
function duplicateThreshold(config: Partial<JobConfig>): number {
  const t = (config.quality as { duplicates?: { threshold?: unknown } } | undefined)?.duplicates?.threshold;
  return typeof t === 'number' && t > 0 && t <= 1 ? t : 0.9;
}

function recordMapper(config: ExportConfig): (row: ExampleRow) => object | undefined {
  const shape = { reasoning: config.reasoning };
  switch (config.format) {
    case 'openai':
      return (row) => (isTrainable(row) ? toOpenAi(row, shape) : undefined);
    case 'alpaca':
      return (row) => (isTrainable(row) ? toAlpaca(row, shape) : undefined);
    case 'sharegpt':
      return (row) => (isTrainable(row) ? toShareGpt(row, shape) : undefined);
    case 'trl':
      return (row) => (isTrainable(row) ? toTrl(row, shape) : undefined);
    default:
      return (row) => toFlatRecord(row, config.include_failed, config.format === 'jsonl' || config.format === 'json');
  }
}

async function countExamples(em: EntityManager, jobId: string): Promise<DatasetCardInput['totals']> {
  const [examples, ok, passed, rejected, unscored] = await Promise.all([
    em.count(TrainingExample, { job: jobId }),
    em.count(TrainingExample, { job: jobId, status: ExampleStatus.Ok }),
    em.count(TrainingExample, { job: jobId, status: ExampleStatus.Ok, passedQc: true }),
    em.count(TrainingExample, { job: jobId, status: ExampleStatus.Ok, passedQc: false }),
    em.count(TrainingExample, { job: jobId, status: ExampleStatus.Ok, passedQc: null }),
  ]);
  return { examples, ok, failed: examples - ok, passed, rejected, unscored };
}

/** Writes every source URL (credentials stripped), one per line; returns how many. */
async function writeSources(
  em: EntityManager,
  jobId: string,
  file: string,
  selection: ExampleSelection,
  options: ExportJobOptions & { onSource?: (p: Provenance) => void },
): Promise<number> {
  const out = createWriteStream(file, { flags: 'wx', encoding: 'utf8' });
  let count = 0;
  try {
    for await (const page of streamSourceUrls(em, jobId, { ...selection, signal: options.signal })) {
      const text = page.map((d) => `${withoutCredentials(d.finalUrl ?? d.url)}\n`).join('');
      for (const d of page) options.onSource?.(d.provenance);
      count += page.length;
      if (!out.write(text)) await once(out, 'drain');
    }
    out.end();
    await finished(out);
    return count;
  } catch (e) {
    out.destroy();
    throw e;
  }
}

/** The settings the card shows, picked one by one from the job config (which may hold a key: never copied whole). */
/** The settings the card shows; a row made without a config (tests, benchmarks) holds `{}`. */
/** The kinds of PII the job redacted; null for a job stored before `processing.redact_pii` existed. */
function redactedKinds(config: Partial<JobConfig>): PiiType[] | null {
  const switches = config.processing?.redact_pii;
  return switches ? PII_TYPES.filter((t) => switches[t]) : null;
}

function jobSettings(config: Partial<JobConfig>): DatasetCardInput['settings'] {
  const g = config.generation;
  return {
    template: g?.template ?? null,
    model: g && usesLlm(g) ? g.model : null,
    examplesPerChunk: g && usesLlm(g) ? g.examples_per_chunk : null,
    chunkSize: config.processing?.chunk_size ?? null,
    minScore: config.quality?.min_score ?? null,
    checks: config.quality?.checks ?? null,
  };
}

/** A refresh's changes for its card (null for a job that is no refresh). */
async function refreshChanges(em: EntityManager, jobId: string): Promise<CardChanges | null> {
  const diff = await new RefreshRepository(em).diff(jobId);
  if (!diff) return null;
  const previous = await em.fork().findOne(Export, { job: diff.parentJobId }, { orderBy: { createdAt: 'desc' } });
  return { ...diff, previousVersion: previous?.version ?? null };
}
