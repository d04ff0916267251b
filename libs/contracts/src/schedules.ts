/** What a project's schedule starts at each tick. */
export const SCHEDULE_ACTIONS = ['refresh', 'new_job'] as const;
export type ScheduleAction = (typeof SCHEDULE_ACTIONS)[number];

/**
 * A project's schedule, as stored on the project: a cron expression (5 fields, or 6 with seconds) in a
 * time zone, and what each tick starts: `refresh` the project's latest completed job, or a `new_job`
 * of the schedule's `urls` with the project's config. The last tick's outcome is kept beside it.
 */
export interface ProjectSchedule {
  cron: string;
  timezone: string;
  action: ScheduleAction;
  /** For `new_job`: the URLs each new job starts with (the project's config gives the rest). */
  urls?: string[];
  lastRunAt?: string | null;
  lastJobId?: string | null;
  lastError?: string | null;
}

/** The BullMQ job scheduler id of a project's schedule: one per project, so an upsert replaces it. */
export const scheduleId = (projectId: string): string => `schedule-${projectId}`;
