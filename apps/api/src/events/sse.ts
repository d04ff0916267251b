import type { JobEvent, JobProgress } from '@datafactory/contracts';
import { STAGES } from '@datafactory/contracts';

/**
 * One Server-Sent Event: `event:` is the job event's type, `data:` the event
 * as one line of JSON, and `id:` is set on `log` events only (their job_logs
 * id), so a browser's Last-Event-ID is always the last log line it received.
 */
export function formatSseEvent(event: JobEvent): string {
  const id = event.type === 'log' ? `id: ${event.id}\n` : '';
  return `event: ${event.type}\n${id}data: ${JSON.stringify(event)}\n\n`;
}

/** A comment line: keeps proxies and load balancers from closing an idle stream; EventSource ignores it. */
export const SSE_HEARTBEAT = ': heartbeat\n\n';

/**
 * Counters only grow, but two workers' snapshots can arrive in either order:
 * the stream sends the per-counter maximum, so a client never sees one go back.
 */
export function mergeProgress(
  previous: { progress: JobProgress; costTotal: number } | undefined,
  next: { progress: JobProgress; costTotal: number },
): { progress: JobProgress; costTotal: number } {
  if (!previous) return next;
  const progress = Object.fromEntries(
    STAGES.map((s) => {
      const a = previous.progress[s];
      const b = next.progress[s];
      return [
        s,
        {
          total: Math.max(a?.total ?? 0, b?.total ?? 0),
          done: Math.max(a?.done ?? 0, b?.done ?? 0),
          failed: Math.max(a?.failed ?? 0, b?.failed ?? 0),
        },
      ];
    }),
  ) as JobProgress;
  return { progress, costTotal: Math.max(previous.costTotal, next.costTotal) };
}

/** Log ids are 32-bit integers in the database (PostgreSQL refuses to compare one with a larger number). */
export const MAX_LOG_ID = 2_147_483_647;

/** A Last-Event-ID (header or query) is a job_logs id; anything else counts as none. */
export function parseLastEventId(raw: unknown): number | undefined {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value.trim())) return undefined;
  const id = Number(value.trim());
  return id <= MAX_LOG_ID ? id : undefined;
}
