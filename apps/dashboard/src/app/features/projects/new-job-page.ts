import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { catchError, of } from 'rxjs';

import { type ErrorView, describeError } from '../../core/api/api-error';
import { DataApi } from '../../core/api/data-api';
import { formatCount, formatUsd } from '../../core/format/format';
import type { JobEstimateResponseDto } from '../../api/models';
import {
  type ConfigField,
  type ConfigValue,
  type ConfigValues,
  checkValues,
  fieldId,
  initialValues,
  toJobConfig,
} from '../../core/job-config/job-config';
import { MAX_URLS_PER_JOB, parseUrlList } from '../../core/urls/url-list';
import { JobConfigForm } from '../../shared/job-config-form/job-config-form';
import { StateMessage } from '../../shared/state/state-message';

type Preset = 'quick' | 'custom';
const MAX_FILE_BYTES = 5 * 1024 * 1024;
/** The document types a job takes as files (the API checks them again, with the operator's limits). */
export const DOCUMENT_EXTENSIONS = ['.html', '.htm', '.md', '.markdown', '.txt', '.pdf', '.docx'];

const extensionOf = (name: string) => {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot).toLowerCase();
};

/** Start a job: URLs typed, pasted or uploaded, checked line by line before anything is sent. */
@Component({
  selector: 'app-new-job-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, FormsModule, StateMessage, JobConfigForm],
  templateUrl: './new-job-page.html',
  styleUrl: './new-job-page.css',
})
export default class NewJobPage {
  readonly id = input.required<string>();
  private readonly api = inject(DataApi);
  private readonly router = inject(Router);

  protected readonly project = rxResource({
    params: () => this.id(),
    stream: ({ params }) => this.api.getProject(params),
  });
  /** Saved defaults (Settings); without them the built-in defaults apply. */
  private readonly savedDefaults = rxResource({
    stream: () => this.api.settings().pipe(catchError(() => of(null))),
  });

  /** The install's templates, for the template field (built-in names if the list cannot be had). */
  protected readonly templates = rxResource({
    stream: () => this.api.templates().pipe(catchError(() => of(null))),
  });
  protected readonly templateNames = computed(() =>
    this.templates.hasValue() ? (this.templates.value()?.map((t) => t.type) ?? null) : null,
  );
  /** The chosen template's one-line description and sample example, when the API listed it. */
  protected readonly chosenTemplate = computed(() => {
    const type = this.values()['generation.template'];
    const list = this.templates.hasValue() ? this.templates.value() : null;
    const t = list?.find((x) => x.type === type);
    return t
      ? { type: t.type, description: t.description, sample: t.sample ? JSON.stringify(t.sample, null, 2) : null }
      : null;
  });

  protected readonly urlText = signal('');
  protected readonly fileNote = signal<string | null>(null);
  protected readonly parsed = computed(() => parseUrlList(this.urlText()));
  protected readonly tooMany = computed(() => this.parsed().urls.length > MAX_URLS_PER_JOB);
  protected readonly shownInvalid = computed(() => this.parsed().invalid.slice(0, 50));

  protected readonly preset = signal<Preset>('quick');
  protected readonly defaults = computed<ConfigValues>(() => {
    const settings = this.savedDefaults.hasValue() ? this.savedDefaults.value() : null;
    return initialValues(settings?.defaultJobConfig ?? {});
  });
  protected readonly values = signal<ConfigValues>(initialValues());
  protected readonly configProblems = computed(() => checkValues(this.values()));

  protected readonly estimating = signal(false);
  protected readonly estimate = signal<JobEstimateResponseDto | null>(null);
  protected readonly estimateError = signal<ErrorView | null>(null);
  protected readonly submitting = signal(false);
  protected readonly submitError = signal<ErrorView | null>(null);
  /** Documents dropped or chosen: they go with the job as files and enter the pipeline at the refiner. */
  protected readonly documents = signal<File[]>([]);
  protected readonly documentNote = signal<string | null>(null);
  protected readonly dragging = signal(false);
  protected readonly documentAccept = DOCUMENT_EXTENSIONS.join(',');
  protected readonly canSubmit = computed(
    () =>
      !this.submitting() &&
      (this.parsed().urls.length > 0 || this.documents().length > 0) &&
      this.parsed().invalid.length === 0 &&
      !this.tooMany() &&
      this.configProblems().length === 0,
  );
  /** The estimate samples URLs: it needs some. */
  protected readonly canEstimate = computed(() => this.canSubmit() && this.parsed().urls.length > 0);

  protected readonly describe = describeError;
  protected readonly count = formatCount;
  protected readonly usd = formatUsd;
  protected readonly maxUrls = MAX_URLS_PER_JOB;

  constructor() {
    // The Quick Start preset follows the defaults as they load.
    effect(() => {
      const defaults = this.defaults();
      if (this.preset() === 'quick') this.values.set(defaults);
    });
  }

  protected choosePreset(preset: Preset): void {
    this.preset.set(preset);
    if (preset === 'quick') this.values.set(this.defaults());
  }

  protected setValue(field: ConfigField, value: ConfigValue): void {
    this.preset.set('custom');
    this.values.update((values) => ({ ...values, [fieldId(field)]: value }));
  }

  protected async readFile(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      this.fileNote.set(`${file.name} is larger than 5 MB; split it into several jobs.`);
      return;
    }
    const text = await file.text();
    this.urlText.set(text);
    this.fileNote.set(`Loaded ${file.name}.`);
    input.value = '';
  }

  protected onDragOver(event: DragEvent): void {
    event.preventDefault();
    this.dragging.set(true);
  }

  protected onDrop(event: DragEvent): void {
    event.preventDefault();
    this.dragging.set(false);
    this.addDocuments([...(event.dataTransfer?.files ?? [])]);
  }

  protected chooseDocuments(event: Event): void {
    const input = event.target as HTMLInputElement;
    this.addDocuments([...(input.files ?? [])]);
    input.value = '';
  }

  /** Keeps the files of the accepted types (a file of the same name replaces the earlier one), says which were left out. */
  protected addDocuments(files: File[]): void {
    const accepted = files.filter((f) => DOCUMENT_EXTENSIONS.includes(extensionOf(f.name)));
    const refused = files.filter((f) => !accepted.includes(f));
    this.documents.update((list) => [...list.filter((d) => !accepted.some((a) => a.name === d.name)), ...accepted]);
    this.documentNote.set(
      refused.length
        ? `Left out ${refused.map((f) => f.name).join(', ')}: send ${DOCUMENT_EXTENSIONS.join(', ')}.`
        : accepted.length
          ? `Added ${accepted.length} file(s).`
          : null,
    );
  }

  protected removeDocument(file: File): void {
    this.documents.update((list) => list.filter((d) => d !== file));
  }

  protected size(bytes: number): string {
    return bytes < 1024 * 1024
      ? `${Math.max(1, Math.round(bytes / 1024))} KB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  /** On demand: the estimate fetches a sample of the pages, so it is not run on every keystroke. */
  protected runEstimate(): void {
    if (!this.canEstimate() || this.estimating()) return;
    this.estimating.set(true);
    this.estimate.set(null);
    this.estimateError.set(null);
    const config = toJobConfig(this.values());
    const body = { urls: [...this.parsed().urls], ...(Object.keys(config).length ? { config } : {}) };
    this.api.estimateJob(body).subscribe({
      next: (estimate) => {
        this.estimate.set(estimate);
        this.estimating.set(false);
      },
      error: (error: unknown) => {
        this.estimateError.set(describeError(error));
        this.estimating.set(false);
      },
    });
  }

  protected submit(): void {
    if (!this.canSubmit()) return;
    this.submitting.set(true);
    this.submitError.set(null);
    const config = toJobConfig(this.values());
    const body = { urls: [...this.parsed().urls], ...(Object.keys(config).length ? { config } : {}) };
    const files = this.documents();
    const start = files.length
      ? this.api.startJobWithFiles(this.id(), body, files)
      : this.api.startJob(this.id(), body);
    start.subscribe({
      next: (job) => void this.router.navigate(['/jobs', job.id]),
      error: (error: unknown) => {
        this.submitting.set(false);
        this.submitError.set(describeError(error));
      },
    });
  }
}
