import { DOCUMENT } from '@angular/common';
import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { Injectable, Signal, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import type { HealthReport } from '@datafactory/contracts';
import { Observable, TimeoutError, catchError, exhaustMap, filter, map, of, startWith, timeout, timer } from 'rxjs';

import { HealthSnapshot, SystemComponentView, overallState, toComponentViews } from './system-components';

export const HEALTH_POLL_INTERVAL_MS = 5_000;
const HEALTH_REQUEST_TIMEOUT_MS = 4_000;

/**
 * Polls `GET /health` every five seconds and exposes the latest answer as a signal.
 * The API answers 503 with the same JSON body when a component is down, so a 503
 * that carries a report is a report, not a failure.
 */
@Injectable({ providedIn: 'root' })
export class HealthService {
  private readonly http = inject(HttpClient);
  private readonly document = inject(DOCUMENT);

  readonly snapshot: Signal<HealthSnapshot> = toSignal(
    timer(0, HEALTH_POLL_INTERVAL_MS).pipe(
      // A hidden tab does not need fresh health; the next visible tick catches up.
      filter((tick) => tick === 0 || !this.document.hidden),
      // A slow answer is not stacked under a second request.
      exhaustMap(() => this.check()),
      startWith<HealthSnapshot>({ kind: 'pending' }),
    ),
    { requireSync: true },
  );

  readonly components: Signal<readonly SystemComponentView[]> = computed(() => toComponentViews(this.snapshot()));
  readonly overall = computed(() => overallState(this.snapshot()));

  private check(): Observable<HealthSnapshot> {
    return this.http.get<unknown>('/health').pipe(
      timeout(HEALTH_REQUEST_TIMEOUT_MS),
      map((body): HealthSnapshot => toSnapshot(body, 200)),
      catchError((error: unknown) => of(errorToSnapshot(error))),
    );
  }
}

function toSnapshot(body: unknown, httpStatus: number): HealthSnapshot {
  const checkedAt = new Date();
  if (isHealthReport(body)) return { kind: 'report', report: body, httpStatus, checkedAt };
  return { kind: 'unreachable', reason: `Unexpected /health answer (HTTP ${httpStatus})`, checkedAt };
}

function errorToSnapshot(error: unknown): HealthSnapshot {
  if (error instanceof HttpErrorResponse) {
    if (isHealthReport(error.error)) return toSnapshot(error.error, error.status);
    const reason = error.status === 0 ? 'No answer from the API' : `HTTP ${error.status} ${error.statusText}`.trim();
    return { kind: 'unreachable', reason, checkedAt: new Date() };
  }
  if (error instanceof TimeoutError) {
    return {
      kind: 'unreachable',
      reason: `No answer within ${HEALTH_REQUEST_TIMEOUT_MS / 1000} s`,
      checkedAt: new Date(),
    };
  }
  return { kind: 'unreachable', reason: 'Health check failed', checkedAt: new Date() };
}

function isHealthReport(value: unknown): value is HealthReport {
  if (typeof value !== 'object' || value === null) return false;
  const report = value as Partial<Record<keyof HealthReport, unknown>>;
  return (
    (report.status === 'ok' || report.status === 'down') &&
    Array.isArray(report.down) &&
    isObject(report.database) &&
    isObject(report.redis) &&
    isObject(report.workers)
  );
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
