import type { JobProgress, JobStatus, LogLevel, Stage } from './jobs.js';

/**
 * Job events travel from workers to every API process over Nest's Redis
 * transport, on a channel under the install's key prefix, and from the API to
 * browsers as Server-Sent Events (the SSE `event:` is the `type`).
 */
export const jobEventsChannel = (prefix: string): string => `${prefix}:job-events`;

interface JobEventBase {
  jobId: string;
  /** ISO timestamp of when the worker emitted it. */
  at: string;
}

/** Counters and cost after a change (a snapshot, so a missed event does no harm). */
export interface JobProgressEvent extends JobEventBase {
  type: 'progress';
  progress: JobProgress;
  costTotal: number;
}

/** The job's status or current stage changed. */
export interface JobStageEvent extends JobEventBase {
  type: 'stage';
  status: JobStatus;
  stage: Stage | null;
}

/** A log line, already stored in job_logs; `id` is its row id (SSE ids follow it). */
export interface JobLogEvent extends JobEventBase {
  type: 'log';
  id: number;
  level: LogLevel;
  stage: Stage | null;
  message: string;
}

/** The job reached a final state. */
export interface JobDoneEvent extends JobEventBase {
  type: 'done';
  status: JobStatus;
  error: string | null;
}

export type JobEvent = JobProgressEvent | JobStageEvent | JobLogEvent | JobDoneEvent;
export type JobEventType = JobEvent['type'];

/** Final job states: nothing happens to such a job any more (but a new export). */
export const FINAL_JOB_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];
