import { ChangeDetectionStrategy, Component, DestroyRef, OnInit, computed, inject, input, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { JobProgress } from '@datafactory/contracts';

import type { JobResponseDto } from '../../api/models';
import { formatCount, shortId } from '../../core/format/format';
import { JobStream, JobStreamService } from '../../core/jobs/job-stream';
import { STAGE_LABELS, overallRatio } from '../../core/jobs/stages';
import { ProgressBar } from '../progress-bar/progress-bar';
import { StatusChip } from '../status-chip/status-chip';

/** One active job with live progress and its current stage (Home). */
@Component({
  selector: 'app-job-live-card',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, ProgressBar, StatusChip],
  template: `
    <a class="card" [routerLink]="['/jobs', job().id]">
      <span class="top">
        <span class="name">{{ projectName() }}</span>
        <app-status-chip [status]="status()" />
      </span>
      <span class="meta mono">JOB {{ short() }} · {{ stageLabel() }}</span>
      <app-progress-bar [value]="ratio()" [live]="status() === 'running'" [label]="'Progress of job ' + short()" />
      <span class="meta mono"
        >{{ pages() }} pages · {{ examples() }} examples
        @if (lost()) {
          <span class="warn-text"> · link lost, reconnecting</span>
        }
      </span>
    </a>
  `,
  styles: `
    .card {
      display: grid;
      gap: 0.45rem;
      padding: 0.85rem 1rem;
      border: 1px solid var(--color-line);
      border-radius: 0.35rem;
      color: var(--color-text);
      text-decoration: none;
      background: rgb(255 255 255 / 0.02);
    }
    .card:hover {
      border-color: rgb(0 212 255 / 0.45);
      background: rgb(0 212 255 / 0.05);
    }
    .top {
      display: flex;
      justify-content: space-between;
      gap: 0.75rem;
      align-items: center;
    }
    .name {
      font-weight: 600;
    }
    .meta {
      font-size: 0.75rem;
      color: var(--color-text-dim);
    }
  `,
})
export class JobLiveCard implements OnInit {
  readonly job = input.required<JobResponseDto>();
  readonly projectName = input('');

  private readonly streams = inject(JobStreamService);
  private readonly destroyRef = inject(DestroyRef);
  private readonly stream = signal<JobStream | null>(null);

  ngOnInit(): void {
    this.stream.set(this.streams.open(this.job().id, this.destroyRef));
  }

  protected readonly short = computed(() => shortId(this.job().id));
  protected readonly status = computed(() => this.stream()?.status() ?? this.job().status);
  private readonly progress = computed<JobProgress>(() => {
    const live = this.stream()?.progress();
    const initial = this.job().progress as JobProgress;
    return live && Object.values(live).some((c) => c.total > 0) ? live : initial;
  });
  protected readonly stageLabel = computed(() => {
    const stage = this.stream()?.stage() ?? this.job().stage;
    return stage ? STAGE_LABELS[stage].toUpperCase() : 'QUEUED';
  });
  protected readonly ratio = computed(() => overallRatio(this.status(), this.progress()));
  protected readonly pages = computed(() => formatCount(this.progress().crawler.done));
  protected readonly examples = computed(() => formatCount(this.progress().generator.done));
  protected readonly lost = computed(() => this.stream()?.connectionLost() ?? false);
}
