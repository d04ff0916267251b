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
