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
  type ProjectSchedule,
  ReviewState,
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
    /** The project's schedule (libs/contracts ProjectSchedule), null when it has none. */
    schedule: p.json<ProjectSchedule>().nullable(),
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
    /**
     * The per-stage counters as last folded from job_counter_shards (foldJobCounters): what the API, the
     * events and the hand-over read. Items add to the shards, not to this row (see JobCounterShard).
     */
    progress: p.json<JobProgress>().onCreate(() => emptyProgress()),
    /** The sum of every counter in `progress`: a fold writes only a larger one (counters only grow). */
    progressSeq: p.integer().default(0),
    error: p.text().nullable(),
    /** USD spent, calls whose reply was lost counted from their estimate (see LlmCall). */
    costTotal: p.double().default(0),
    /** The part of cost_total that is estimated, not from a provider's usage (lost replies, no usage block). */
    costEstimated: p.double().default(0),
    /** Pages admitted to the crawl frontier (max_pages reservations), taken under the job's row lock. */
    crawlPagesAdmitted: p.integer().default(0),
    /** Sitemaps admitted to the crawl frontier (at most 100 per job). */
    crawlSitemapsAdmitted: p.integer().default(0),
    /**
     * USD held for LLM calls in flight beyond the estimate they already count in cost_total: a call
     * starts only while cost_total + cost_reserved + its most (prompt + max reply) fits max_cost_usd
     * (LlmCallRepository.start). A call lost with its worker keeps its hold: it may have cost that much.
     */
    costReserved: p.double().default(0),
    /**
     * Set on a refresh (JobsService.refresh): the finished job this one fetched again. A plain id, no
     * foreign key: a refresh copies what it keeps (pages, chunks, examples), so it outlives its parent.
     */
    refreshOf: p.uuid().nullable().index(),
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
    /** A person's decision (ReviewState); `unreviewed` until someone reviews it. */
    // A string column, not an enum: SQLite would rebuild the table to add the check constraint.
    reviewState: p.string().$type<ReviewState>().default(ReviewState.Unreviewed).index(),
    /** Why the reviewer rejected it (or a note on an accept or edit). */
    reviewReason: p.text().nullable(),
    /** The reviewer's output for an `edited` example; `outputText` keeps the generated one. */
    editedOutput: p.text().nullable(),
    reviewedAt: p.datetime().nullable(),
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

/**
 * One LLM call of a job (the Generator's and the judge's, through
 * LlmCallRepository): written `started` with its estimated cost before the
 * request, only if the job's max_cost_usd has room for the most it may cost
 * (that write is the budget reservation), settled with the provider's usage
 * after. A call whose worker was killed stays `started`, its estimate counted
 * in the job's cost_total and cost_estimated and its hold in cost_reserved.
 */
const LlmCallSchema = defineEntity({
  name: 'LlmCall',
  tableName: 'llm_calls',
  properties: {
    id: uuid(),
    job: () => p.manyToOne(Job).deleteRule('cascade').index(),
    /** The chunk it was made for (null for calls of no chunk). */
    chunkId: p.string().nullable(),
    /** generate, repair, judge. */
    kind: p.string(),
    model: p.string(),
    /** started, settled. */
    status: p.string().default('started'),
    /** True while started, and when settled from an estimate (the reply or its usage was lost). */
    estimated: p.boolean().default(true),
    promptTokens: p.integer().default(0),
    completionTokens: p.integer().default(0),
    /** USD counted into the job's cost_total for this call; null when the model's price is unknown. */
    cost: p.double().nullable(),
    /** The part of `cost` that is estimated. */
    costEstimated: p.double().default(0),
    /** USD held in the job's cost_reserved while started: the most the call may cost beyond `cost`. */
    reserved: p.double().default(0),
    createdAt: createdAt(),
    settledAt: p.datetime().nullable(),
  },
});
export class LlmCall extends LlmCallSchema.class {}
LlmCallSchema.setClass(LlmCall);

/**
 * The shared near-duplicate index: one row per LSH band of each original
 * (non-duplicate) chunk or example, so that checking a new item reads only
 * the rows that share one of its band hashes. `scope` says what is compared
 * with what ("chunks:job:<id>", "chunks:project:<id>", "examples:job:<id>");
 * see NearDuplicateRepository.
 */
const DedupBandSchema = defineEntity({
  name: 'DedupBand',
  tableName: 'dedup_bands',
  properties: {
    /** Insertion order: the earliest original wins a tie. */
    id: p.integer().primary().autoincrement(),
    scope: p.string(),
    band: p.integer(),
    hash: p.integer(),
    /** The chunk or example id (no foreign key: the same table serves both). */
    itemId: p.uuid(),
    job: () => p.manyToOne(Job).deleteRule('cascade').index(),
  },
  indexes: [{ properties: ['scope', 'band', 'hash'] }],
});
export class DedupBand extends DedupBandSchema.class {}
DedupBandSchema.setClass(DedupBand);

/**
 * A job's stage counters, spread over a few rows per stage so that items
 * finishing on different workers add to different rows: each item adds its
 * counts in its own transaction (atomic with what it stored) without waiting
 * for another worker's transaction on one hot row, and the job's `progress`
 * is the sum, folded in after commit (addToJobCounters, foldJobCounters).
 */
const JobCounterShardSchema = defineEntity({
  name: 'JobCounterShard',
  tableName: 'job_counter_shards',
  properties: {
    job: () => p.manyToOne(Job).deleteRule('cascade').primary(),
    stage: p.string().primary(),
    shard: p.integer().primary(),
    total: p.integer().default(0),
    done: p.integer().default(0),
    failed: p.integer().default(0),
  },
  // Named so that both databases have it (SQLite's schema indexes every foreign key, PostgreSQL's not a key's).
  indexes: [{ properties: ['job'] }],
});
export class JobCounterShard extends JobCounterShardSchema.class {}
JobCounterShardSchema.setClass(JobCounterShard);

/** What a crawl frontier row is: a page or a sitemap to fetch, or a final URL claimed by an ok page. */
export const CrawlUrlKind = { Page: 'page', Sitemap: 'sitemap', Final: 'final' } as const;
export type CrawlUrlKind = (typeof CrawlUrlKind)[keyof typeof CrawlUrlKind];

/** `queued` until its item has stored its outcome; `dropped` when max_pages left no room. */
export const CrawlUrlState = { Queued: 'queued', Settled: 'settled', Dropped: 'dropped' } as const;
export type CrawlUrlState = (typeof CrawlUrlState)[keyof typeof CrawlUrlState];

/**
 * The shared crawl frontier of a job (one row per URL, unique per job and
 * kind), read and written by every worker: see CrawlFrontierRepository.
 */
const CrawlUrlSchema = defineEntity({
  name: 'CrawlUrl',
  tableName: 'crawl_urls',
  properties: {
    id: p.integer().primary().autoincrement(),
    job: () => p.manyToOne(Job).deleteRule('cascade').index(),
    kind: p.string().$type<CrawlUrlKind>(),
    url: p.text(),
    /** sha256 of the URL (or of the seed's position for a seed that is not fetched): the unique key. */
    urlHash: p.string(),
    depth: p.integer().default(0),
    discoveredFrom: p.text().nullable(),
    /** Why a seed is not fetched (`invalid_url`, `duplicate`, `max_pages`); its item stores that outcome. */
    note: p.string().nullable(),
    state: p.string().$type<CrawlUrlState>(),
    /** The raw document the item stored (set with `settled`, in one transaction). */
    documentId: p.string().nullable(),
    createdAt: createdAt(),
  },
  uniques: [{ properties: ['job', 'kind', 'urlHash'] }],
  indexes: [{ properties: ['job', 'state'] }],
});
export class CrawlUrl extends CrawlUrlSchema.class {}
CrawlUrlSchema.setClass(CrawlUrl);

/**
 * A URL a project's events are POSTed to (libs/pipeline webhooks.ts). The
 * signing secret is sealed with the settings key, like the saved OpenAI key,
 * and shown to the caller once, when the webhook is registered.
 */
const WebhookSchema = defineEntity({
  name: 'Webhook',
  tableName: 'webhooks',
  properties: {
    id: uuid(),
    project: () => p.manyToOne(Project).deleteRule('cascade').index(),
    url: p.text(),
    events: p.json<string[]>(),
    secretSealed: p.text(),
    createdAt: createdAt(),
  },
});
export class Webhook extends WebhookSchema.class {}
WebhookSchema.setClass(Webhook);

/** One attempt of a webhook delivery: when, the HTTP status (null: no answer) and why it failed. */
export interface WebhookAttempt {
  at: string;
  status: number | null;
  error: string | null;
}

/** One event for one webhook: its body, its state and every attempt made. */
const WebhookDeliverySchema = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_deliveries',
  properties: {
    id: uuid(),
    webhook: () => p.manyToOne(Webhook).deleteRule('cascade').index(),
    event: p.string(),
    /** The JSON body, as sent (every attempt sends the same bytes, signed anew with its own timestamp). */
    payload: p.text(),
    state: p.string().default('pending'),
    attempts: p.json<WebhookAttempt[]>().onCreate(() => []),
    error: p.text().nullable(),
    deliveredAt: p.datetime().nullable(),
    createdAt: createdAt(),
  },
});
export class WebhookDelivery extends WebhookDeliverySchema.class {}
WebhookDeliverySchema.setClass(WebhookDelivery);

/** Every entity, in dependency order: pass this to MikroORM (`entities`). */
export const ENTITIES = [
  Project,
  Job,
  RawDocument,
  Chunk,
  TrainingExample,
  Export,
  JobLog,
  LlmCall,
  DedupBand,
  JobCounterShard,
  CrawlUrl,
  Webhook,
  WebhookDelivery,
] as const;
