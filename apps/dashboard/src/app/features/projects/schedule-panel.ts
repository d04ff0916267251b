import { ChangeDetectionStrategy, Component, effect, inject, input, signal } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { firstValueFrom } from 'rxjs';

import { describeError } from '../../core/api/api-error';
import { DataApi } from '../../core/api/data-api';
import type { ScheduleResponseDto } from '../../api/models';
import { formatDateTime, shortId } from '../../core/format/format';
import { StateMessage } from '../../shared/state/state-message';

type Action = 'refresh' | 'new_job';

/**
 * A project's schedule: shows it (next tick, the last tick's job or error) and edits it. The API
 * validates (cron, time zone, URLs); its 400 is shown under the form as it came.
 */
@Component({
  selector: 'app-schedule-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, StateMessage],
  template: `
    @if (schedule.isLoading() && !schedule.hasValue()) {
      <app-state-message kind="loading" message="Loading the schedule…" />
    } @else {
      @if (current(); as s) {
        <dl class="facts" data-testid="schedule-current">
          <div>
            <dt>Runs</dt>
            <dd class="mono">{{ s.cron }} ({{ s.timezone }})</dd>
          </div>
          <div>
            <dt>Starts</dt>
            <dd>
              {{
                s.action === 'refresh'
                  ? 'a refresh of the latest completed job'
                  : 'a new job of ' + s.urls.length + ' URL(s)'
              }}
            </dd>
          </div>
          <div>
            <dt>Next</dt>
            <dd class="mono">{{ s.nextRunAt ? formatDateTime(s.nextRunAt) : '—' }}</dd>
          </div>
          <div>
            <dt>Last</dt>
            <dd class="mono">
              {{ s.lastRunAt ? formatDateTime(s.lastRunAt) : 'not yet' }}
              @if (s.lastJobId) {
                · <a [routerLink]="['/jobs', s.lastJobId]">job {{ shortId(s.lastJobId) }}</a>
              }
            </dd>
          </div>
        </dl>
        @if (s.lastError) {
          <p class="warn-text" role="note" data-testid="schedule-last-error">
            Last tick started nothing: {{ s.lastError }}
          </p>
        }
      } @else {
        <p class="dim" data-testid="schedule-none">No schedule: jobs start only when you start them.</p>
      }
      <form class="schedule-form" (submit)="$event.preventDefault(); save()">
        <div class="field">
          <label for="schedule-cron">Cron</label>
          <input
            id="schedule-cron"
            class="mono"
            [value]="cron()"
            (input)="cron.set($any($event.target).value)"
            placeholder="0 3 * * 1"
          />
        </div>
        <div class="field">
          <label for="schedule-tz">Time zone</label>
          <input id="schedule-tz" [value]="timezone()" (input)="timezone.set($any($event.target).value)" />
        </div>
        <div class="field">
          <label for="schedule-action">Each tick</label>
          <select id="schedule-action" (change)="action.set($any($event.target).value)">
            <option value="refresh" [selected]="action() === 'refresh'">Refresh the latest completed job</option>
            <option value="new_job" [selected]="action() === 'new_job'">Start a new job of these URLs</option>
          </select>
        </div>
        @if (action() === 'new_job') {
          <div class="field wide">
            <label for="schedule-urls">URLs, one per line</label>
            <textarea
              id="schedule-urls"
              rows="3"
              [value]="urls()"
              (input)="urls.set($any($event.target).value)"
            ></textarea>
          </div>
        }
        <div class="actions">
          <button class="button" type="submit" [disabled]="busy()">
            {{ current() ? 'Save schedule' : 'Set schedule' }}
          </button>
          @if (current()) {
            <button class="button ghost danger" type="button" (click)="remove()" [disabled]="busy()">Remove</button>
          }
        </div>
        @if (error(); as message) {
          <p class="form-error" role="alert" data-testid="schedule-error">{{ message }}</p>
        }
      </form>
    }
  `,
  styles: `
    .schedule-form {
      display: flex;
      flex-wrap: wrap;
      gap: 0.75rem 1rem;
      align-items: end;
    }
    .schedule-form .field {
      min-inline-size: 12rem;
    }
    .schedule-form .wide {
      flex-basis: 100%;
    }
  `,
})
export class SchedulePanel {
  readonly projectId = input.required<string>();
  private readonly api = inject(DataApi);

  protected readonly schedule = rxResource({
    params: () => this.projectId(),
    stream: ({ params }) => this.api.getSchedule(params),
  });
  /** The stored schedule; null when there is none (the API's 404) or it could not be read. */
  protected readonly current = signal<ScheduleResponseDto | null>(null);
  protected readonly cron = signal('0 3 * * 1');
  protected readonly timezone = signal(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  protected readonly action = signal<Action>('refresh');
  protected readonly urls = signal('');
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly formatDateTime = formatDateTime;
  protected readonly shortId = shortId;

  constructor() {
    effect(() => {
      const s = this.schedule.hasValue() ? this.schedule.value() : null;
      this.current.set(s);
      if (s) this.fill(s);
    });
  }

  protected async save(): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    try {
      const action = this.action();
      const urls = this.urls()
        .split('\n')
        .map((u) => u.trim())
        .filter(Boolean);
      const saved = await firstValueFrom(
        this.api.putSchedule(this.projectId(), {
          cron: this.cron().trim(),
          timezone: this.timezone().trim() || 'UTC',
          action,
          ...(action === 'new_job' ? { urls } : {}),
        }),
      );
      this.current.set(saved);
      this.fill(saved);
    } catch (e) {
      this.error.set(describeError(e).message);
    } finally {
      this.busy.set(false);
    }
  }

  protected async remove(): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    try {
      await firstValueFrom(this.api.removeSchedule(this.projectId()));
      this.current.set(null);
    } catch (e) {
      this.error.set(describeError(e).message);
    } finally {
      this.busy.set(false);
    }
  }

  private fill(s: ScheduleResponseDto): void {
    this.cron.set(s.cron);
    this.timezone.set(s.timezone);
    this.action.set(s.action as Action);
    this.urls.set(s.urls.join('\n'));
  }
}
