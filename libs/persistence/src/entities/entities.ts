import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import {
  emptyProgress,
  ExampleStatus,
  type ExportFormat,
  FetchMethod,
  ItemStatus,
  type JobProgress,
  JobStatus,
  LogLevel,
  ScrapeStatus,
  Stage,
  type StoredJobConfig,
} from '@datafactory/contracts';

/*
 * The data model of SEED.md section 5 plus job logs.
 *
 * Entities are declared with `defineEntity` + `setClass` (no decorators), so
 * they behave the same under tsc, SWC (vitest) and the compiled dist.
 * Tables are snake_case plurals, columns snake_case (MikroORM's default
 * UnderscoreNamingStrategy maps camelCase properties to snake_case columns).
 *
 * Foreign keys cascade on delete: project -> jobs -> documents, chunks,
 * examples, exports, logs; document -> chunks; chunk -> examples. Removing a
 * project (or a job) removes everything under it in the database itself.
 *
 * Any change here needs a migration on both databases:
 * see libs/persistence/src/create-migration.ts.
 */

const uuid = () =>
  p
    .uuid()
    .primary()
    .onCreate(() => randomUUID());
const createdAt = () => p.datetime().onCreate(() => new Date());

export type JsonObject = Record<string, unknown>;

const ProjectSchema = defineEntity({
  name: 'Project',
  tableName: 'projects',
  properties: {
    id: uuid(),
    name: p.string(),
    description: p.text().nullable(),
    config: p.json<JsonObject>().onCreate(() => ({})),
    createdAt: createdAt(),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export class Project extends ProjectSchema.class {}
ProjectSchema.setClass(Project);

const JobSchema = defineEntity({
  name: 'Job',
  tableName: 'jobs',
  properties: {
    id: uuid(),
    project: () => p.manyToOne(Project).deleteRule('cascade').index(),
    status: p
      .enum(() => JobStatus)
      .default(JobStatus.Pending)
      .index(),
    stage: p.enum(() => Stage).nullable(),
    /**
     * The resolved job config and the URLs (libs/contracts `StoredJobConfig`), as the schema
     * output it is; read back typed, never resolved again. A type only: the column is the same JSON.
     */
    config: p.json<StoredJobConfig>().onCreate(() => ({}) as StoredJobConfig),
    progress: p.json<JobProgress>().onCreate(() => emptyProgress()),
    error: p.text().nullable(),
    costTotal: p.double().default(0),
    /**
     * USD reserved by LLM calls in flight (their estimated cost): a call is started only when
     * cost_total + cost_reserved + its estimate stays within max_cost_usd (JobRepository.reserveBudget).
     */
    costReserved: p.double().default(0),
    createdAt: createdAt(),
    startedAt: p.datetime().nullable(),
    completedAt: p.datetime().nullable(),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export class Job extends JobSchema.class {}
JobSchema.setClass(Job);

const RawDocumentSchema = defineEntity({
  name: 'RawDocument',
  tableName: 'raw_documents',
  properties: {
    id: uuid(),
    job: () => p.manyToOne(Job).deleteRule('cascade').index(),
    url: p.text(),
    /** Path of the fetched HTML under DATA_DIR (pages can be megabytes; the row keeps the path only). */
    htmlPath: p.text().nullable(),
    title: p.text().nullable(),
    language: p.string().nullable(),
    scrapeStatus: p
      .enum(() => ScrapeStatus)
      .default(ScrapeStatus.Pending)
      .index(),
    httpStatus: p.integer().nullable(),
    contentType: p.string().nullable(),
    /** Why the fetch failed or was skipped (DNS, timeout, HTTP 404, robots.txt, content type...). */
    error: p.text().nullable(),
    /** The URL after redirects. */
    finalUrl: p.text().nullable(),
    canonicalUrl: p.text().nullable(),
    fetchMethod: p.enum(() => FetchMethod).nullable(),
    bytes: p.integer().nullable(),
    publishedAt: p.datetime().nullable(),
    fetchedAt: p.datetime().nullable(),
    /** True when the job fetched it with respect_robots_txt: false. */
    robotsIgnored: p.boolean().default(false),
    refineStatus: p
      .enum(() => ItemStatus)
      .default(ItemStatus.Pending)
      .index(),
    refineError: p.text().nullable(),
    metadata: p.json<JsonObject>().onCreate(() => ({})),
    createdAt: createdAt(),
  },
});
export class RawDocument extends RawDocumentSchema.class {}
RawDocumentSchema.setClass(RawDocument);

const ChunkSchema = defineEntity({
  name: 'Chunk',
  tableName: 'chunks',
  properties: {
    id: uuid(),
    document: () => p.manyToOne(RawDocument).deleteRule('cascade').index(),
    /** Denormalised from the document so that per-job queries need no join. */
    job: () => p.manyToOne(Job).deleteRule('cascade').index(),
    content: p.text(),
    tokenCount: p.integer(),
    chunkIndex: p.integer(),
    language: p.string().nullable(),
    /** Hash of the normalised content, for exact deduplication across a job or project. */
    contentHash: p.string().default('').index(),
    /** Set when this chunk (near-)duplicates an earlier one; such chunks are kept, not deleted. */
    duplicateOf: () => p.manyToOne(Chunk).nullable().deleteRule('set null').index(),
    metadata: p.json<JsonObject>().onCreate(() => ({})),
    createdAt: createdAt(),
  },
});
export class Chunk extends ChunkSchema.class {}
ChunkSchema.setClass(Chunk);

const TrainingExampleSchema = defineEntity({
  name: 'TrainingExample',
  tableName: 'training_examples',
  properties: {
    id: uuid(),
    chunk: () => p.manyToOne(Chunk).deleteRule('cascade').index(),
    job: () => p.manyToOne(Job).deleteRule('cascade').index(),
    templateType: p.string(),
    inputText: p.text(),
    outputText: p.text(),
    modelUsed: p.string(),
    status: p
      .enum(() => ExampleStatus)
      .default(ExampleStatus.Ok)
      .index(),
    /** Why generation failed (validation error, refusal...); the raw reply is kept beside it. */
    error: p.text().nullable(),
    rawReply: p.text().nullable(),
    templateHash: p.string().nullable(),
    /** Lineage: source URL, request/response tokens, latency, attempts... */
    lineage: p.json<JsonObject>().nullable(),
    tokenCount: p.integer().default(0),
    /** USD; null when the model's price is unknown (never a made-up 0). */
    cost: p.double().nullable(),
    qualityScore: p.double().nullable(),
    qualityDetails: p.json<JsonObject>().nullable(),
    passedQc: p.boolean().nullable().index(),
    createdAt: createdAt(),
  },
});
export class TrainingExample extends TrainingExampleSchema.class {}
TrainingExampleSchema.setClass(TrainingExample);

const ExportSchema = defineEntity({
  name: 'Export',
  tableName: 'exports',
  properties: {
    id: uuid(),
    job: () => p.manyToOne(Job).deleteRule('cascade').index(),
    format: p.string().$type<ExportFormat>(),
    filePath: p.text(),
    recordCount: p.integer().default(0),
    version: p.string(),
    datasetCard: p.text().nullable(),
    createdAt: createdAt(),
  },
});
export class Export extends ExportSchema.class {}
ExportSchema.setClass(Export);

const JobLogSchema = defineEntity({
  name: 'JobLog',
  tableName: 'job_logs',
  properties: {
    /** Logs are many and ordered: an autoincrement key doubles as a stable paging cursor. */
    id: p.integer().primary().autoincrement(),
    // MikroORM indexes FK columns on SQLite by itself; declaring it keeps both databases alike.
    job: () => p.manyToOne(Job).deleteRule('cascade').index(),
    level: p.enum(() => LogLevel).index(),
    stage: p.enum(() => Stage).nullable(),
    message: p.text(),
    context: p.json<JsonObject>().nullable(),
    createdAt: createdAt(),
  },
  indexes: [{ properties: ['job', 'createdAt'] }],
});
export class JobLog extends JobLogSchema.class {}
JobLogSchema.setClass(JobLog);

/** Every entity, in dependency order: pass this to MikroORM (`entities`). */
export const ENTITIES = [Project, Job, RawDocument, Chunk, TrainingExample, Export, JobLog] as const;
