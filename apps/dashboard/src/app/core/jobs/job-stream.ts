import { DestroyRef, Injectable, InjectionToken, Signal, computed, inject, signal } from '@angular/core';
import {
  FINAL_JOB_STATUSES,
  type JobProgress,
  type JobStatus,
  type LogLevel,
  STAGES,
  type Stage,
  emptyProgress,
} from '@datafactory/contracts';

import { DataApi } from '../api/data-api';

/** What the page says about the live connection. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface LiveLogLine {
  readonly id: number;
  readonly level: LogLevel;
  readonly stage: Stage | null;
  readonly message: string;
  readonly at: string;
}

/** The part of EventSource the stream uses; tests pass a fake. */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  addEventListener(type: 'error' | 'open', listener: (event: Event) => void): void;
  close(): void;
}

export const EVENT_SOURCE_FACTORY = new InjectionToken<(url: string) => EventSourceLike>('EVENT_SOURCE_FACTORY', {
  providedIn: 'root',
  factory: () => (url: string) => new EventSource(url),
});

/** Log lines kept in memory; the page shows the newest, the API keeps them all. */
export const MAX_LIVE_LOG_LINES = 2_000;
const EVENT_SOURCE_CLOSED = 2;
const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 15_000];

/**
 * One job's live state over Server-Sent Events, as signals.
 *
 * - Counters only grow: each progress snapshot is merged by maximum, so an old
 *   snapshot arriving late never moves a bar back.
 * - When the connection drops, the browser reconnects by itself and sends
 *   Last-Event-ID, so the API replays exactly the missed log lines. When the
 *   browser gives up (an HTTP error), the stream opens a new EventSource after a
 *   pause with `?lastEventId=` (a new EventSource cannot set the header).
 * - On `done` the EventSource is closed; otherwise it would reconnect forever.
 */
export class JobStream {
  private readonly statusState = signal<JobStatus | null>(null);
  private readonly stageState = signal<Stage | null>(null);
  private readonly progressState = signal<JobProgress>(emptyProgress());
  private readonly costState = signal(0);
  private readonly logState = signal<readonly LiveLogLine[]>([]);
  private readonly connectionState = signal<ConnectionState>('connecting');
  private readonly finalState = signal<{ status: JobStatus; error: string | null } | null>(null);
  private readonly reconnectsState = signal(0);

  readonly status: Signal<JobStatus | null> = this.statusState.asReadonly();
  readonly stage: Signal<Stage | null> = this.stageState.asReadonly();
  readonly progress: Signal<JobProgress> = this.progressState.asReadonly();
  readonly costTotal: Signal<number> = this.costState.asReadonly();
  readonly logs: Signal<readonly LiveLogLine[]> = this.logState.asReadonly();
  readonly connection: Signal<ConnectionState> = this.connectionState.asReadonly();
  /** Set once the job is final (the `done` event). */
  readonly final = this.finalState.asReadonly();
  /** How many times the connection was lost and re-opened. */
  readonly reconnects = this.reconnectsState.asReadonly();
  readonly connectionLost = computed(() => this.connectionState() === 'reconnecting');

  private source?: EventSourceLike;
  private lastLogId?: number;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private failures = 0;
  private stopped = false;

  constructor(
    readonly jobId: string,
    private readonly urlFor: (lastEventId?: number) => string,
    private readonly create: (url: string) => EventSourceLike,
  ) {
    this.connect();
  }

  /** Stops listening (the page was left); the job itself goes on. */
  close(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.source?.close();
    this.source = undefined;
    if (this.connectionState() !== 'closed') this.connectionState.set('closed');
  }

  private connect(): void {
    const source = this.create(this.urlFor(this.lastLogId));
    this.source = source;
    source.addEventListener('open', () => {
      if (this.source !== source) return;
      if (this.connectionState() === 'reconnecting') this.reconnectsState.update((n) => n + 1);
      this.failures = 0;
      this.connectionState.set('open');
    });
    source.addEventListener('error', () => this.onError(source));
    source.addEventListener('stage', (event) => this.onStage(parse(event)));
    source.addEventListener('progress', (event) => this.onProgress(parse(event)));
    source.addEventListener('log', (event) => this.onLog(parse(event)));
    source.addEventListener('done', (event) => this.onDone(parse(event)));
  }

  private onError(source: EventSourceLike): void {
    if (this.source !== source || this.stopped) return;
    this.connectionState.set('reconnecting');
    if (source.readyState !== EVENT_SOURCE_CLOSED) return; // the browser retries by itself
    source.close();
    const delay = RETRY_DELAYS_MS[Math.min(this.failures, RETRY_DELAYS_MS.length - 1)];
    this.failures++;
    this.retryTimer = setTimeout(() => {
      if (!this.stopped) this.connect();
    }, delay);
  }

  private onStage(data: Record<string, unknown> | null): void {
    if (!data) return;
    if (isStatus(data['status'])) this.statusState.set(data['status']);
    const stage = data['stage'];
    if (stage === null || isStage(stage)) this.stageState.set(stage);
  }

  private onProgress(data: Record<string, unknown> | null): void {
    if (!data) return;
    const progress = data['progress'];
    if (progress && typeof progress === 'object') {
      this.progressState.update((current) => mergeProgress(current, progress as Partial<JobProgress>));
    }
    const cost = data['costTotal'];
    if (typeof cost === 'number' && cost > this.costState()) this.costState.set(cost);
  }

  private onLog(data: Record<string, unknown> | null): void {
    if (!data || typeof data['id'] !== 'number') return;
    const id = data['id'];
    // A replay after a reconnect may repeat lines the page already has.
    if (this.lastLogId !== undefined && id <= this.lastLogId) return;
    this.lastLogId = id;
    const line: LiveLogLine = {
      id,
      level: isLevel(data['level']) ? data['level'] : 'info',
      stage: isStage(data['stage']) ? data['stage'] : null,
      message: typeof data['message'] === 'string' ? data['message'] : '',
      at: typeof data['at'] === 'string' ? data['at'] : new Date().toISOString(),
    };
    this.logState.update((lines) => {
      const next = [...lines, line];
      return next.length > MAX_LIVE_LOG_LINES ? next.slice(next.length - MAX_LIVE_LOG_LINES) : next;
    });
  }

  private onDone(data: Record<string, unknown> | null): void {
    const status = data && isStatus(data['status']) ? data['status'] : (this.statusState() ?? 'completed');
    const error = data && typeof data['error'] === 'string' ? data['error'] : null;
    this.statusState.set(status);
    this.finalState.set({ status, error });
    this.close();
  }
}

/** Per-counter maximum: counters never go backwards. */
export function mergeProgress(current: JobProgress, next: Partial<JobProgress>): JobProgress {
  let changed = false;
  const merged = { ...current };
  for (const stage of STAGES) {
    const a = current[stage];
    const b = next[stage];
    if (!b) continue;
    const total = Math.max(a.total, num(b.total));
    const done = Math.max(a.done, num(b.done));
    const failed = Math.max(a.failed, num(b.failed));
    if (total !== a.total || done !== a.done || failed !== a.failed) {
      merged[stage] = { total, done, failed };
      changed = true;
    }
  }
  return changed ? merged : current;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function parse(event: MessageEvent<string>): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(event.data);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const STATUSES: readonly string[] = ['pending', 'running', 'completed', 'failed', 'cancelled'];
const LEVELS: readonly string[] = ['debug', 'info', 'warn', 'error'];
function isStatus(value: unknown): value is JobStatus {
  return typeof value === 'string' && STATUSES.includes(value);
}
function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}
function isLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && LEVELS.includes(value);
}

export function isFinal(status: JobStatus | null | undefined): boolean {
  return !!status && FINAL_JOB_STATUSES.includes(status);
}

/** Opens job streams; each closes itself when the component that opened it is destroyed. */
@Injectable({ providedIn: 'root' })
export class JobStreamService {
  private readonly api = inject(DataApi);
  private readonly createSource = inject(EVENT_SOURCE_FACTORY);

  open(jobId: string, destroyRef?: DestroyRef): JobStream {
    const stream = new JobStream(jobId, (lastEventId) => this.api.streamUrl(jobId, lastEventId), this.createSource);
    destroyRef?.onDestroy(() => stream.close());
    return stream;
  }
}
