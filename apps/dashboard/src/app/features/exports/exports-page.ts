import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';

import type { CreateExportRequestDto, ExportResponseDto } from '../../api/models';
import { type ErrorView, describeError } from '../../core/api/api-error';
import { DataApi } from '../../core/api/data-api';
import { formatBytes, formatCount, formatDateTime, shortId } from '../../core/format/format';
import { EXPORT_FORMATS } from '../../core/job-config/job-config';
import { StateMessage } from '../../shared/state/state-message';

type Format = NonNullable<CreateExportRequestDto['format']>;

/** The download center: every export, its card, and a new export of a finished job in another format. */
@Component({
  selector: 'app-exports-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, FormsModule, StateMessage],
  templateUrl: './exports-page.html',
  styleUrl: './exports-page.css',
})
export default class ExportsPage {
  private readonly api = inject(DataApi);

  protected readonly exports = rxResource({ stream: () => this.api.listExports(1, 200) });

  protected readonly cardFor = signal<string | null>(null);
  protected readonly card = rxResource({
    params: () => this.cardFor() ?? undefined,
    stream: ({ params }) => this.api.exportCard(params),
  });

  /** Jobs that were exported before, so they are finished; one entry each. */
  protected readonly jobs = computed(() => {
    if (!this.exports.hasValue()) return [];
    const seen = new Map<string, { jobId: string; label: string }>();
    for (const item of this.exports.value().items) {
      if (!seen.has(item.jobId)) {
        seen.set(item.jobId, { jobId: item.jobId, label: `${item.projectName} · job ${shortId(item.jobId)}` });
      }
    }
    return [...seen.values()];
  });
  protected readonly formats = EXPORT_FORMATS;
  protected readonly newJob = signal('');
  protected readonly newFormat = signal<Format>('json');
  protected readonly includeFailed = signal(false);
  protected readonly includeUnreviewed = signal(true);
  protected readonly exporting = signal(false);
  protected readonly exportError = signal<ErrorView | null>(null);
  protected readonly exported = signal<ExportResponseDto | null>(null);

  protected readonly describe = describeError;
  protected readonly download = (url: string) => this.api.downloadUrl(url);
  protected readonly formatCount = formatCount;
  protected readonly formatBytes = formatBytes;
  protected readonly formatDateTime = formatDateTime;
  protected readonly shortId = shortId;

  protected toggleCard(item: ExportResponseDto): void {
    this.cardFor.set(this.cardFor() === item.id ? null : item.id);
  }

  protected createExport(): void {
    const jobId = this.newJob() || this.jobs()[0]?.jobId;
    if (!jobId) return;
    this.exporting.set(true);
    this.exportError.set(null);
    this.exported.set(null);
    const body: CreateExportRequestDto = {
      format: this.newFormat(),
      ...(this.includeFailed() ? { include_failed: true } : {}),
      include_unreviewed: this.includeUnreviewed(),
    };
    this.api.createExport(jobId, body).subscribe({
      next: (created) => {
        this.exporting.set(false);
        this.exported.set(created);
        this.exports.reload();
      },
      error: (error: unknown) => {
        this.exporting.set(false);
        this.exportError.set(describeError(error));
      },
    });
  }
}
