import type { ComponentState, HealthReport } from '@datafactory/contracts';

/** The latest result of polling `/health`. */
export type HealthSnapshot =
  | { readonly kind: 'pending' }
  | { readonly kind: 'report'; readonly report: HealthReport; readonly httpStatus: number; readonly checkedAt: Date }
  | { readonly kind: 'unreachable'; readonly reason: string; readonly checkedAt: Date };

export type SystemComponentId = 'api' | 'database' | 'redis' | 'workers';

/** One row of the system status panel. */
export interface SystemComponentView {
  readonly id: SystemComponentId;
  readonly label: string;
  /** Two or three letters drawn inside the hexagon. */
  readonly code: string;
  readonly state: ComponentState;
  /** Numbers and facts, shown in the monospace face; empty when there are none. */
  readonly detail: string;
  readonly error?: string;
}

const LABELS: Record<SystemComponentId, { label: string; code: string }> = {
  api: { label: 'API', code: 'API' },
  database: { label: 'Database', code: 'DB' },
  redis: { label: 'Redis', code: 'RDS' },
  workers: { label: 'Workers', code: 'WRK' },
};

export function overallState(snapshot: HealthSnapshot): ComponentState {
  switch (snapshot.kind) {
    case 'pending':
      return 'unknown';
    case 'unreachable':
      return 'down';
    case 'report':
      return snapshot.report.status === 'ok' ? 'ok' : 'down';
  }
}

export function toComponentViews(snapshot: HealthSnapshot): SystemComponentView[] {
  const ids: SystemComponentId[] = ['api', 'database', 'redis', 'workers'];
  if (snapshot.kind === 'pending') {
    return ids.map((id) => ({ id, ...LABELS[id], state: 'unknown', detail: 'Checking…' }));
  }
  if (snapshot.kind === 'unreachable') {
    return ids.map((id) =>
      id === 'api'
        ? { id, ...LABELS[id], state: 'down', detail: 'Offline', error: snapshot.reason }
        : { id, ...LABELS[id], state: 'unknown', detail: 'No report' },
    );
  }
  const { report, checkedAt } = snapshot;
  const { database, redis, workers } = report;
  return [
    { id: 'api', ...LABELS.api, state: 'ok', detail: `v${report.version} · up ${formatUptime(report.uptimeSeconds)}` },
    {
      id: 'database',
      ...LABELS.database,
      state: stateOf(database.status),
      detail: joinFacts([database.driver, formatLatency(database.latencyMs)]),
      error: database.error,
    },
    {
      id: 'redis',
      ...LABELS.redis,
      state: stateOf(redis.status),
      detail: joinFacts([formatLatency(redis.latencyMs)]),
      error: redis.error,
    },
    {
      id: 'workers',
      ...LABELS.workers,
      state: stateOf(workers.status),
      detail: joinFacts([
        `${workers.count ?? 0} online`,
        workers.lastHeartbeatAt ? `beat ${formatAgo(workers.lastHeartbeatAt, checkedAt)}` : 'no heartbeat',
      ]),
      error: workers.error,
    },
  ];
}

function stateOf(status: unknown): ComponentState {
  return status === 'ok' || status === 'down' ? status : 'unknown';
}

function joinFacts(facts: (string | undefined)[]): string {
  return facts.filter((fact): fact is string => !!fact).join(' · ');
}

function formatLatency(ms: number | undefined): string | undefined {
  return typeof ms === 'number' && Number.isFinite(ms) ? `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms` : undefined;
}

/** `3d 04:05:06` or `04:05:06`. */
export function formatUptime(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds || 0));
  const days = Math.floor(seconds / 86_400);
  const clock = [Math.floor((seconds % 86_400) / 3_600), Math.floor((seconds % 3_600) / 60), seconds % 60]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
  return days > 0 ? `${days}d ${clock}` : clock;
}

/** `4s ago`, `3m ago`, `2h ago`; a timestamp from the future counts as now. */
export function formatAgo(iso: string, now: Date): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return 'at an unknown time';
  const seconds = Math.max(0, Math.round((now.getTime() - then) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}
