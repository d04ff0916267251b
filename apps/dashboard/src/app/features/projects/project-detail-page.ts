import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';

import { describeError } from '../../core/api/api-error';
import { DataApi } from '../../core/api/data-api';
import { formatCount, formatDateTime, formatDuration, formatUsd, shortId } from '../../core/format/format';
import { STAGE_LABELS } from '../../core/jobs/stages';
import { StateMessage } from '../../shared/state/state-message';
import { StatusChip } from '../../shared/status-chip/status-chip';
import { SchedulePanel } from './schedule-panel';

/** A project with its jobs, newest first. */
@Component({
  selector: 'app-project-detail-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, StateMessage, StatusChip, SchedulePanel],
  template: `
    <header class="page-header">
      <p class="breadcrumb">
        <a routerLink="/projects">Projects</a> / {{ project.hasValue() ? project.value().name : '…' }}
      </p>
      @if (project.error(); as error) {
        <h1>Project</h1>
        <app-state-message kind="error" [message]="describe(error).message" (retry)="project.reload()" />
      } @else if (!project.hasValue()) {
        <h1>Project</h1>
        <app-state-message kind="loading" message="Loading the project…" />
      } @else {
        <h1>{{ project.value().name }}</h1>
        <p class="lede">{{ project.value().description || 'No description.' }}</p>
        <div class="actions">
          <a class="button" [routerLink]="['/projects', id(), 'new-job']">Start a new job</a>
        </div>
      }
    </header>

    <section class="glass-panel hud-brackets panel" aria-labelledby="schedule-title" data-testid="schedule">
      <header class="panel-header">
        <h2 id="schedule-title" class="panel-title">Schedule</h2>
        <span class="panel-meta mono">CRON · REFRESH OR NEW JOB</span>
      </header>
      <app-schedule-panel [projectId]="id()" />
    </section>

    <section class="glass-panel hud-brackets panel" aria-labelledby="jobs-title">
      <header class="panel-header">
        <h2 id="jobs-title" class="panel-title">Jobs</h2>
        @if (jobs.hasValue()) {
          <span class="panel-meta mono">{{ jobs.value().total }} TOTAL</span>
        }
      </header>
      @if (jobs.error(); as error) {
        <app-state-message kind="error" [message]="describe(error).message" (retry)="jobs.reload()" />
      } @else if (!jobs.hasValue()) {
        <app-state-message kind="loading" message="Loading jobs…" />
      } @else if (jobs.value().items.length === 0) {
        <app-state-message kind="empty" message="No job yet. Start one to crawl your first pages." />
      } @else {
        <div class="table-scroll">
          <table class="data-table">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Status</th>
                <th scope="col">Stage</th>
                <th scope="col" class="num">URLs</th>
                <th scope="col" class="num">Cost</th>
                <th scope="col" class="num">Duration</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              @for (job of jobs.value().items; track job.id) {
                <tr>
                  <td>
                    <a class="mono" [routerLink]="['/jobs', job.id]">{{ shortId(job.id) }}</a>
                  </td>
                  <td><app-status-chip [status]="job.status" /></td>
                  <td>{{ job.stage ? labels[job.stage] : '—' }}</td>
                  <td class="num">{{ formatCount(job.urlCount) }}</td>
                  <td class="num">{{ formatUsd(job.costTotal) }}</td>
                  <td class="num">{{ formatDuration(job.durationMs) }}</td>
                  <td class="mono">{{ formatDateTime(job.createdAt) }}</td>
                </tr>
              }
            </tbody>
          </table>
        </div>
      }
    </section>
  `,
})
export default class ProjectDetailPage {
  readonly id = input.required<string>();
  private readonly api = inject(DataApi);

  protected readonly project = rxResource({
    params: () => this.id(),
    stream: ({ params }) => this.api.getProject(params),
  });
  protected readonly jobs = rxResource({
    params: () => this.id(),
    stream: ({ params }) => this.api.listJobs(params, 1, 100),
  });

  protected readonly labels = STAGE_LABELS;
  protected readonly describe = describeError;
  protected readonly shortId = shortId;
  protected readonly formatCount = formatCount;
  protected readonly formatUsd = formatUsd;
  protected readonly formatDuration = formatDuration;
  protected readonly formatDateTime = formatDateTime;
}
