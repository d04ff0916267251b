import { Injectable } from '@nestjs/common';
import { type JobEvent, STAGES } from '@datafactory/contracts';
import { filter, type Observable, Subject } from 'rxjs';

const EVENT_TYPES: ReadonlySet<string> = new Set(['progress', 'stage', 'log', 'done']);

/**
 * Every job event this API process hears (from the workers, from other API
 * processes and from itself, all over the Redis transport), as one stream
 * per job for the SSE endpoint.
 */
@Injectable()
export class JobEventsHub {
  private readonly events = new Subject<JobEvent>();

  /** Takes an event off the transport; anything that is not a job event is dropped. */
  receive(event: unknown): void {
    if (isJobEvent(event)) this.events.next(event);
  }

  /** The live events of one job, from now on (nothing is replayed: the database holds the past). */
  forJob(jobId: string): Observable<JobEvent> {
    return this.events.pipe(filter((e) => e.jobId === jobId));
  }
}

export function isJobEvent(value: unknown): value is JobEvent {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Partial<JobEvent>;
  if (typeof e.jobId !== 'string' || typeof e.type !== 'string' || !EVENT_TYPES.has(e.type)) return false;
  if (e.type === 'log') return Number.isInteger(e.id) && typeof e.message === 'string';
  if (e.type === 'progress') {
    return typeof e.progress === 'object' && e.progress !== null && STAGES.every((s) => s in e.progress!);
  }
  return typeof (e as { status?: unknown }).status === 'string';
}
