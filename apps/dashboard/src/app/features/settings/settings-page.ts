import { ChangeDetectionStrategy, Component, effect, inject, signal } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';

import type { SettingsResponseDto } from '../../api/models';
import { type ErrorView, describeError } from '../../core/api/api-error';
import { DataApi } from '../../core/api/data-api';
import { formatDateTime } from '../../core/format/format';
import {
  type ConfigField,
  type ConfigValue,
  type ConfigValues,
  checkValues,
  fieldId,
  initialValues,
  toJobConfig,
} from '../../core/job-config/job-config';
import { JobConfigForm } from '../../shared/job-config-form/job-config-form';
import { StateMessage } from '../../shared/state/state-message';

/** API keys (write-only: the page never receives a stored key) and the default job configuration. */
@Component({
  selector: 'app-settings-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule, StateMessage, JobConfigForm],
  templateUrl: './settings-page.html',
  styles: `
    .key-row {
      display: flex;
      flex-wrap: wrap;
      gap: 0.75rem;
      align-items: end;
    }
    .key-row .field {
      flex: 1 1 18rem;
    }
    .key-state {
      margin-block-end: 0.75rem;
    }
    .operator-list {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 0.4rem 1rem;
      margin: 0;
    }
    .operator-list dd {
      margin: 0;
    }
    .save-row {
      display: flex;
      gap: 0.75rem;
      align-items: center;
      margin-block-start: 1rem;
      flex-wrap: wrap;
    }
  `,
})
export default class SettingsPage {
  private readonly api = inject(DataApi);

  protected readonly settings = rxResource({ stream: () => this.api.settings() });
  protected readonly keyInput = signal('');
  protected readonly keySaving = signal(false);
  protected readonly keyMessage = signal<string | null>(null);
  protected readonly keyError = signal<ErrorView | null>(null);

  protected readonly values = signal<ConfigValues>(initialValues());
  protected readonly configSaving = signal(false);
  protected readonly configMessage = signal<string | null>(null);
  protected readonly configError = signal<ErrorView | null>(null);
  protected readonly configProblems = signal<string[]>([]);

  protected readonly describe = describeError;
  protected readonly formatDateTime = formatDateTime;

  constructor() {
    effect(() => {
      if (this.settings.hasValue()) this.values.set(initialValues(this.settings.value().defaultJobConfig));
    });
  }

  protected setValue(field: ConfigField, value: ConfigValue): void {
    this.values.update((values) => ({ ...values, [fieldId(field)]: value }));
    this.configMessage.set(null);
  }

  protected saveKey(): void {
    const key = this.keyInput().trim();
    if (key.length < 8) {
      this.keyError.set({ status: 400, message: 'An API key has at least 8 characters.', details: [] });
      return;
    }
    this.writeKey(key, 'Key saved. It is stored encrypted and never shown again.');
  }

  protected removeKey(): void {
    this.writeKey(null, 'Key removed.');
  }

  private writeKey(key: string | null, done: string): void {
    this.keySaving.set(true);
    this.keyError.set(null);
    this.keyMessage.set(null);
    this.api.saveSettings({ apiKeys: { openai: key } }).subscribe({
      next: (saved: SettingsResponseDto) => {
        this.keySaving.set(false);
        this.keyInput.set('');
        this.keyMessage.set(done);
        this.settings.set(saved);
      },
      error: (error: unknown) => {
        this.keySaving.set(false);
        this.keyError.set(describeError(error));
      },
    });
  }

  protected saveConfig(): void {
    const problems = checkValues(this.values());
    this.configProblems.set(problems);
    if (problems.length) return;
    this.configSaving.set(true);
    this.configError.set(null);
    this.api.saveSettings({ defaultJobConfig: toJobConfig(this.values()) }).subscribe({
      next: (saved) => {
        this.configSaving.set(false);
        this.configMessage.set('Defaults saved. New jobs started from the dashboard begin with them.');
        this.settings.set(saved);
      },
      error: (error: unknown) => {
        this.configSaving.set(false);
        this.configError.set(describeError(error));
      },
    });
  }

  protected resetConfig(): void {
    this.values.set(initialValues());
    this.configMessage.set('Built-in defaults restored in the form; save to keep them.');
  }
}
