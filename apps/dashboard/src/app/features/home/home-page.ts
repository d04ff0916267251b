import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { forkJoin, map, of, switchMap } from 'rxjs';

import type { JobResponseDto } from '../../api/models';
import { describeError } from '../../core/api/api-error';
import { DataApi } from '../../core/api/data-api';
import { formatCount, formatDateTime, formatUsd } from '../../core/format/format';
import { BarChart } from '../../shared/charts/bar-chart';
import { JobLiveCard } from '../../shared/job-live/job-live-card';
import { PipelineSteps } from '../../shared/pipeline-steps/pipeline-steps';
import { StateMessage } from '../../shared/state/state-message';
import { SystemStatusPanel } from './system-status-panel';

const REFRESH_MS = 10_000;
const MAX_ACTIVE_SHOWN = 6;

interface ActiveJob {
  readonly job: JobResponseDto;
  readonly projectName: string;
}

@Component({
  selector: 'app-home-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [SystemStatusPanel, PipelineSteps, StateMessage, BarChart, JobLiveCard, RouterLink],
  templateUrl: './home-page.html',
  styleUrl: './home-page.css',
})
export default class HomePage {
  private readonly api = inject(DataApi);

  protected readonly overview = rxResource({ stream: () => this.api.overview() });
  protected readonly costs = rxResource({ stream: () => this.api.costs(7) });
  protected readonly exports = rxResource({ stream: () => this.api.listExports(1, 5) });
  /**
   * Active jobs: there is no cross-project job list in the API yet, so each
   * project's newest jobs are read and the pending or running ones kept.
   */
  protected readonly active = rxResource({
    stream: () =>
      this.api.listProjects(1, 50).pipe(
        switchMap((projects) =>
          projects.items.length === 0
            ? of([] as ActiveJob[][])
            : forkJoin(
                projects.items.map((project) =>
                  this.api
                    .listJobs(project.id, 1, 20)
                    .pipe(
                      map((page) =>
                        page.items
                          .filter((job) => job.status === 'running' || job.status === 'pending')
                          .map((job) => ({ job, projectName: project.name })),
                      ),
                    ),
                ),
              ),
        ),
        map((lists) => lists.flat().slice(0, MAX_ACTIVE_SHOWN)),
      ),
  });

  protected readonly stats = computed(() => {
    if (!this.overview.hasValue()) return [];
    const o = this.overview.value();
    return [
      { label: 'Total jobs', value: formatCount(o.totalJobs), cost: false },
      { label: 'Active jobs', value: formatCount(o.activeJobs), cost: false },
      { label: 'Examples generated', value: formatCount(o.examplesGenerated), cost: false },
      { label: 'Total cost', value: formatUsd(o.totalCost), cost: true },
    ];
  });
  protected readonly costBars = computed(() =>
    this.costs.hasValue() ? this.costs.value().daily.map((day) => ({ label: day.date, value: day.cost })) : [],
  );
  protected readonly costTotal = computed(() => (this.costs.hasValue() ? formatUsd(this.costs.value().totalCost) : ''));
  protected readonly formatUsd = formatUsd;
  protected readonly dayTick = (date: string) => date.slice(5);
  protected readonly formatDateTime = formatDateTime;
  protected readonly formatCount = formatCount;
  protected readonly describe = describeError;
  protected readonly download = (url: string) => this.api.downloadUrl(url);

  constructor() {
    // The numbers refresh on their own; live jobs come over SSE in their cards.
    const timer = setInterval(() => {
      if (document.hidden) return;
      this.overview.reload();
      this.active.reload();
      this.exports.reload();
    }, REFRESH_MS);
    inject(DestroyRef).onDestroy(() => clearInterval(timer));
  }
}
