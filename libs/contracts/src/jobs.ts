/** Job lifecycle: pending → running → completed | failed | cancelled. */
export const JobStatus = {
  Pending: 'pending',
  Running: 'running',
  Completed: 'completed',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];
export const JOB_STATUSES = Object.values(JobStatus);

/** Pipeline stages in order; the dashboard labels them Spider, Refiner, Factory, Inspector, Shipper. */
export const Stage = {
  Crawler: 'crawler',
  Refiner: 'refiner',
  Generator: 'generator',
  Inspector: 'inspector',
  Exporter: 'exporter',
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];
export const STAGES = Object.values(Stage);

/** State of one item (a document's fetch or refine step): `failed` and `skipped` carry a reason. */
export const ItemStatus = {
  Pending: 'pending',
  Ok: 'ok',
  Failed: 'failed',
  Skipped: 'skipped',
} as const;
export type ItemStatus = (typeof ItemStatus)[keyof typeof ItemStatus];

/** A document's fetch state (the seed's scrape_status). */
export const ScrapeStatus = ItemStatus;
export type ScrapeStatus = ItemStatus;

/** A training example is `ok` (parsed and schema-valid) or `failed` (with its raw reply kept). */
export const ExampleStatus = { Ok: 'ok', Failed: 'failed' } as const;
export type ExampleStatus = (typeof ExampleStatus)[keyof typeof ExampleStatus];

/**
 * A person's decision on an example (dashboard or `PATCH /api/examples/{id}`). `rejected` is never
 * exported; `edited` is exported with the reviewer's output (the generated one stays in the row and
 * in lineage); `unreviewed` is exported unless the export says `include_unreviewed: false`. A review
 * narrows what the checks passed, it never brings back an example they rejected.
 */
export const ReviewState = {
  Unreviewed: 'unreviewed',
  Accepted: 'accepted',
  Rejected: 'rejected',
  Edited: 'edited',
} as const;
export type ReviewState = (typeof ReviewState)[keyof typeof ReviewState];
export const REVIEW_STATES = Object.values(ReviewState) as [ReviewState, ...ReviewState[]];

export const FetchMethod = { Http: 'http', Browser: 'browser' } as const;
export type FetchMethod = (typeof FetchMethod)[keyof typeof FetchMethod];

/** What a stored document's file (raw_documents.html_path) holds. */
export type RawDocumentKind = 'html' | 'txt' | 'pdf' | 'docx';

/** Content type of an uploaded `.docx` file. */
export const DOCX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/**
 * What a stored document's file holds, from its content type: a page (HTML, UTF-8), plain text or
 * Markdown (UTF-8), or the bytes of a PDF or a Word file, which the refiner converts.
 */
export function rawDocumentKind(contentType: string | null | undefined): RawDocumentKind {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/pdf') return 'pdf';
  if (type === DOCX_CONTENT_TYPE) return 'docx';
  if (type === 'text/plain' || type === 'text/markdown') return 'txt';
  return 'html';
}

export const LogLevel = {
  Debug: 'debug',
  Info: 'info',
  Warn: 'warn',
  Error: 'error',
} as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];
export const LOG_LEVELS = Object.values(LogLevel);

/** Per-stage counters persisted on a job. */
export interface StageCounters {
  total: number;
  done: number;
  failed: number;
}
export type JobProgress = Record<Stage, StageCounters>;

export function emptyProgress(): JobProgress {
  return Object.fromEntries(STAGES.map((s) => [s, { total: 0, done: 0, failed: 0 }])) as JobProgress;
}
