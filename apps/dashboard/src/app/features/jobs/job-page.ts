import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { Router, RouterLink } from '@angular/router';
import { type JobProgress, type LogLevel, STAGES, emptyProgress } from '@datafactory/contracts';

import type { JobStatus } from '../../api/models';
import { describeError } from '../../core/api/api-error';
import { DataApi } from '../../core/api/data-api';
import {
  formatCount,
  formatDateTime,
  formatDuration,
  formatPercent,
  formatUsd,
  shortId,
} from '../../core/format/format';
import { JobStream, JobStreamService, isFinal, mergeProgress } from '../../core/jobs/job-stream';
import { STAGE_LABELS, stageRatio, stepStates } from '../../core/jobs/stages';
import { BarChart } from '../../shared/charts/bar-chart';
import { DonutChart } from '../../shared/charts/donut-chart';
import { FunnelChart } from '../../shared/charts/funnel-chart';
import { PagesPanel } from './pages-panel';
import { PipelineSteps } from '../../shared/pipeline-steps/pipeline-steps';
import { ProgressBar } from '../../shared/progress-bar/progress-bar';
import { StateMessage } from '../../shared/state/state-message';
import { StatusChip } from '../../shared/status-chip/status-chip';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const LOG_LINES_SHOWN = 500;

/** A job, live: stages, per-stage counters, the log, quality and cost; cancel while it runs. */
@Component({
  selector: 'app-job-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    RouterLink,
    PipelineSteps,
    ProgressBar,
    StateMessage,
    StatusChip,
    DonutChart,
    BarChart,
    FunnelChart,
    PagesPanel,
  ],
  templateUrl: './job-page.html',
  styleUrl: './job-page.css',
})
export default class JobPage {
  readonly id = input.required<string>();
  private readonly api = inject(DataApi);
  private readonly streams = inject(JobStreamService);
  private readonly router = inject(Router);

  /**
   * Bumped when the job turns final: new params always start a fresh request,
   * whereas reload() is ignored while a first request is still in flight.
   */
  private readonly finalReads = signal(0);
  protected readonly job = rxResource({
    params: () => ({ id: this.id(), read: this.finalReads() }),
    stream: ({ params }) => this.api.getJob(params.id),
  });
  protected readonly quality = rxResource({
    params: () => ({ id: this.id(), read: this.finalReads() }),
    stream: ({ params }) => this.api.qualityReport(params.id),
  });
  protected readonly stream = signal<JobStream | null>(null);
  /** The funnel is read again at every stage change and once the job is final (a string: equal keys, no request). */
  protected readonly funnelKey = computed(() => `${this.finalReads()}:${this.stream()?.stage() ?? ''}`);
  protected readonly funnel = rxResource({
    params: () => ({ id: this.id(), key: this.funnelKey() }),
    stream: ({ params }) => this.api.jobFunnel(params.id),
  });

  /** The answer to a cancel request, until the stream says the same. */
  private readonly cancelled = signal<JobStatus | null>(null);
  protected readonly cancelling = signal(false);
  protected readonly cancelError = signal<string | null>(null);
  protected readonly refreshing = signal(false);
  protected readonly refreshError = signal<string | null>(null);

  protected readonly status = computed<JobStatus | null>(
    () =>
      this.stream()?.final()?.status ?? this.cancelled() ?? this.stream()?.status() ?? this.jobValue()?.status ?? null,
  );
  protected readonly stage = computed(() => this.stream()?.stage() ?? this.jobValue()?.stage ?? null);
  protected readonly final = computed(() => isFinal(this.status()));
  protected readonly progress = computed<JobProgress>(() => {
    const stored = (this.jobValue()?.progress as JobProgress | undefined) ?? emptyProgress();
    const live = this.stream()?.progress();
    return live ? mergeProgress(stored, live) : stored;
  });
  protected readonly cost = computed(() => Math.max(this.stream()?.costTotal() ?? 0, this.jobValue()?.costTotal ?? 0));
  protected readonly error = computed(() => this.stream()?.final()?.error ?? this.jobValue()?.error ?? null);
  protected readonly steps = computed(() => stepStates(this.status(), this.stage(), this.progress()));
  protected readonly stageRows = computed(() =>
    STAGES.map((stage) => {
      const counters = this.progress()[stage];
      return {
        stage,
        label: STAGE_LABELS[stage],
        ratio: stageRatio(counters),
        text: `${formatCount(counters.done)} of ${formatCount(counters.total)} done, ${formatCount(counters.failed)} failed`,
        counters,
        state: this.steps()[stage],
      };
    }),
  );

  protected readonly connection = computed(() => {
    const stream = this.stream();
    if (!stream) return { word: 'OFFLINE', tone: 'muted' };
    switch (stream.connection()) {
      case 'connecting':
        return { word: 'LINKING', tone: 'muted' };
      case 'open':
        return { word: 'LIVE', tone: 'ok' };
      case 'reconnecting':
        return { word: 'CONNECTION LOST · RECONNECTING', tone: 'bad' };
      case 'closed':
        return { word: this.final() ? 'FINAL' : 'CLOSED', tone: 'muted' };
    }
  });

  protected readonly levels = LEVELS;
  protected readonly shownLevels = signal<ReadonlySet<LogLevel>>(new Set(['info', 'warn', 'error']));
  protected readonly logLines = computed(() => {
    const shown = this.shownLevels();
    const lines = (this.stream()?.logs() ?? []).filter((line) => shown.has(line.level));
    return lines.slice(-LOG_LINES_SHOWN);
  });
  protected readonly logTotal = computed(() => this.stream()?.logs().length ?? 0);

  protected readonly donut = computed(() => {
    if (!this.quality.hasValue()) return null;
    const q = this.quality.value();
    return {
      segments: [
        { label: 'Passed', value: q.passed, tone: 'ok' as const },
        { label: 'Filtered', value: q.failed, tone: 'bad' as const },
        { label: 'Not inspected', value: q.notInspected, tone: 'muted' as const },
      ],
      center: formatPercent(q.passRate),
      histogram: q.histogram.map((bin) => ({ label: `${bin.from.toFixed(1)}–${bin.to.toFixed(1)}`, value: bin.count })),
      report: q,
    };
  });

  protected readonly short = computed(() => shortId(this.id()));
  protected readonly labels = STAGE_LABELS;
  protected readonly describe = describeError;
  protected readonly formatUsd = formatUsd;
  protected readonly formatCount = formatCount;
  protected readonly formatDuration = formatDuration;
  protected readonly formatDateTime = formatDateTime;
  protected readonly binTick = (label: string) => label.split('–')[0];
  protected readonly countFormat = (value: number) => formatCount(value);

  constructor() {
    effect((onCleanup) => {
      const stream = this.streams.open(this.id());
      this.stream.set(stream);
      this.cancelled.set(null);
      onCleanup(() => stream.close());
    });
    // A final job is read once more for its completion time and error, and its quality report.
    effect(() => {
      if (this.stream()?.final()) untracked(() => this.finalReads.update((n) => n + 1));
    });
  }

  private jobValue() {
    return this.job.hasValue() ? this.job.value() : undefined;
  }

  protected toggleLevel(level: LogLevel): void {
    this.shownLevels.update((levels) => {
      const next = new Set(levels);
      if (next.has(level)) next.delete(level);
      else next.add(level);
      return next;
    });
  }

  /** Starts a refresh of this (completed) job and opens the new job's page. */
  protected refresh(): void {
    this.refreshing.set(true);
    this.refreshError.set(null);
    this.api.refreshJob(this.id()).subscribe({
      next: (job) => {
        this.refreshing.set(false);
        void this.router.navigate(['/jobs', job.id]);
      },
      error: (error: unknown) => {
        this.refreshing.set(false);
        this.refreshError.set(describeError(error).message);
      },
    });
  }

  protected cancel(): void {
    this.cancelling.set(true);
    this.cancelError.set(null);
    this.api.cancelJob(this.id()).subscribe({
      next: (job) => {
        this.cancelling.set(false);
        this.cancelled.set(job.status);
      },
      error: (error: unknown) => {
        this.cancelling.set(false);
        this.cancelError.set(describeError(error).message);
      },
    });
  }
}
