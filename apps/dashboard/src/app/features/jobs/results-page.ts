import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  ElementRef,
  inject,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';

import { describeError, type ErrorView } from '../../core/api/api-error';
import { DataApi, QUALITY_CHECKS, type QualityCheck, REVIEW_STATES, type ReviewState } from '../../core/api/data-api';
import type { CreateExportRequestDto, ExampleResponseDto, ExportResponseDto } from '../../api/models';
import { formatCount, formatPercent, formatUsd, shortId } from '../../core/format/format';
import { StateMessage } from '../../shared/state/state-message';

type PassedFilter = 'all' | 'passed' | 'failed';
type BulkDecision = Exclude<ReviewState, 'edited'>;
/** What the review bar is asking for: nothing, a reject reason, or the edited output. */
type ReviewMode = 'none' | 'reject' | 'edit';
const PAGE_SIZE = 20;
const EXPORT_FORMATS = ['jsonl', 'json', 'csv', 'parquet', 'openai', 'alpaca', 'sharegpt', 'trl'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Keys typed into a field are text, not commands. */
function typingIn(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || typeof el.tagName !== 'string') return false;
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) || el.isContentEditable;
}

/**
 * The quality report, and the examples with their scores and reasons, filtered by outcome, by check
 * and by review state; a reviewer accepts, rejects (with a reason) or edits them one at a time from
 * the keyboard (j/k to move, a/r/e, u to undo) or every matching one at once, then exports.
 */
@Component({
  selector: 'app-results-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, StateMessage],
  templateUrl: './results-page.html',
  styleUrl: './results-page.css',
  host: { '(document:keydown)': 'onKey($event)' },
})
export default class ResultsPage {
  readonly id = input.required<string>();
  private readonly api = inject(DataApi);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);

  protected readonly passed = signal<PassedFilter>('all');
  protected readonly check = signal<QualityCheck | ''>('');
  protected readonly reviewFilter = signal<ReviewState | ''>('');
  protected readonly page = signal(1);

  /** The example the keys act on (an index into the page shown). */
  protected readonly cursor = signal(0);
  protected readonly mode = signal<ReviewMode>('none');
  protected readonly draft = signal('');
  protected readonly saving = signal(false);
  protected readonly reviewError = signal<ErrorView | null>(null);
  private readonly reviewInput = viewChild<ElementRef<HTMLInputElement | HTMLTextAreaElement>>('reviewInput');

  protected readonly bulkDecision = signal<BulkDecision>('rejected');
  protected readonly bulkReason = signal('');
  /** The bulk decision waits for a second click (it may touch every example of the job). */
  protected readonly bulkConfirm = signal(false);
  protected readonly bulkResult = signal<string | null>(null);
  protected readonly bulkError = signal<ErrorView | null>(null);

  protected readonly exportFormat = signal<ExportFormat>('jsonl');
  protected readonly includeUnreviewed = signal(true);
  protected readonly exporting = signal(false);
  protected readonly exported = signal<ExportResponseDto | null>(null);
  protected readonly exportError = signal<ErrorView | null>(null);

  protected readonly report = rxResource({
    params: () => this.id(),
    stream: ({ params }) => this.api.qualityReport(params),
  });
  protected readonly examples = rxResource({
    params: () => ({
      id: this.id(),
      passed: this.passed(),
      check: this.check(),
      review: this.reviewFilter(),
      page: this.page(),
    }),
    stream: ({ params }) =>
      this.api.examples(params.id, {
        page: params.page,
        pageSize: PAGE_SIZE,
        ...(params.passed === 'all' ? {} : { passed: params.passed === 'passed' }),
        ...(params.check ? { check: params.check } : {}),
        ...(params.review ? { review: params.review } : {}),
      }),
  });

  protected readonly items = computed(() => (this.examples.hasValue() ? this.examples.value().items : []));
  protected readonly current = computed(() => this.items()[this.cursor()] ?? null);
  protected readonly checkRows = computed(() =>
    this.report.hasValue()
      ? Object.entries(this.report.value().checks).map(([name, summary]) => ({ name, ...summary }))
      : [],
  );
  protected readonly pages = computed(() =>
    this.examples.hasValue() ? Math.max(1, Math.ceil(this.examples.value().total / PAGE_SIZE)) : 1,
  );

  protected readonly checks = QUALITY_CHECKS;
  protected readonly reviewStates = REVIEW_STATES;
  protected readonly exportFormats = EXPORT_FORMATS;
  protected readonly short = computed(() => shortId(this.id()));
  protected readonly describe = describeError;
  protected readonly formatCount = formatCount;
  protected readonly formatPercent = formatPercent;
  protected readonly formatUsd = formatUsd;
  protected readonly download = (url: string) => this.api.downloadUrl(url);

  constructor() {
    // The reason or edit field takes the focus as soon as it appears.
    effect(() => this.reviewInput()?.nativeElement.focus());
    // A page shorter than the cursor (the last one, or k from the next page): the cursor stays on it.
    effect(() => {
      const count = this.items().length;
      if (count > 0 && this.cursor() > count - 1) this.cursor.set(count - 1);
    });
    // The current example stays in view as j/k move through the page.
    effect(() => {
      const index = this.cursor();
      if (this.items().length === 0) return;
      const el = this.host.nativeElement.querySelector(`[data-index="${index}"]`) as HTMLElement | null;
      el?.scrollIntoView?.({ block: 'nearest' });
    });
  }

  protected setPassed(value: string): void {
    this.passed.set(value === 'passed' || value === 'failed' ? value : 'all');
    this.resetPage();
  }

  protected setCheck(value: string): void {
    this.check.set((QUALITY_CHECKS as readonly string[]).includes(value) ? (value as QualityCheck) : '');
    this.resetPage();
  }

  protected setReviewFilter(value: string): void {
    this.reviewFilter.set((REVIEW_STATES as readonly string[]).includes(value) ? (value as ReviewState) : '');
    this.resetPage();
  }

  protected setPage(page: number, cursor = 0): void {
    this.page.set(page);
    this.cursor.set(cursor);
    this.mode.set('none');
  }

  private resetPage(): void {
    this.setPage(1);
    this.bulkResult.set(null);
    this.bulkConfirm.set(false);
  }

  /** j: the next example, on the next page after the last one. */
  private next(count: number): void {
    if (this.cursor() < count - 1) this.select(this.cursor() + 1);
    else if (this.page() < this.pages()) this.setPage(this.page() + 1);
  }

  /** k: the previous example, the last of the previous page before the first one. */
  private previous(): void {
    if (this.cursor() > 0) this.select(this.cursor() - 1);
    else if (this.page() > 1) this.setPage(this.page() - 1, PAGE_SIZE - 1);
  }

  /** j/k move, a accepts, r asks for a reason, e opens the editor, u undoes; Escape closes the bar. */
  protected onKey(event: KeyboardEvent): void {
    if (event.key === 'Escape' && this.mode() !== 'none') {
      this.cancel();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target) || this.saving()) return;
    const count = this.items().length;
    if (count === 0) return;
    const handled = (() => {
      switch (event.key) {
        case 'j':
          this.next(count);
          return true;
        case 'k':
          this.previous();
          return true;
        case 'a':
          this.decide('accepted');
          return true;
        case 'u':
          this.decide('unreviewed');
          return true;
        case 'r':
          this.startReject();
          return true;
        case 'e':
          this.startEdit();
          return true;
        default:
          return false;
      }
    })();
    if (handled) event.preventDefault();
  }

  protected select(index: number): void {
    this.cursor.set(index);
    this.mode.set('none');
    this.reviewError.set(null);
  }

  protected startReject(index = this.cursor()): void {
    this.select(index);
    this.draft.set(this.current()?.reviewReason ?? '');
    this.mode.set('reject');
  }

  protected startEdit(index = this.cursor()): void {
    this.select(index);
    const example = this.current();
    if (!example) return;
    this.draft.set(example.editedOutput ?? example.outputText);
    this.mode.set('edit');
  }

  protected cancel(): void {
    this.mode.set('none');
    this.reviewError.set(null);
  }

  /**
   * Sends the open reject or edit (Enter, Ctrl+Enter or the button: never blocked by a button state
   * that change detection has not caught up with yet). An empty reason or output goes to the API,
   * whose 400 names the field.
   */
  protected submit(): void {
    if (this.mode() === 'reject') this.decide('rejected', { reason: this.draft() });
    else if (this.mode() === 'edit') this.decide('edited', { output: this.draft() });
  }

  protected decide(review: ReviewState, extra: { reason?: string; output?: string } = {}, index = this.cursor()): void {
    const example = this.items()[index];
    if (!example || this.saving()) return;
    this.cursor.set(index);
    this.saving.set(true);
    this.reviewError.set(null);
    this.api.reviewExample(example.id, { review, ...extra }).subscribe({
      next: (updated) => {
        this.saving.set(false);
        this.mode.set('none');
        this.examples.value.update((page) =>
          page ? { ...page, items: page.items.map((e) => (e.id === updated.id ? updated : e)) } : page,
        );
        // On to the next example, as a reviewer goes down the list.
        this.cursor.set(Math.min(this.items().length - 1, index + 1));
        this.report.reload();
      },
      error: (error: unknown) => {
        this.saving.set(false);
        this.reviewError.set(describeError(error));
      },
    });
  }

  /** The same decision for every example matching the filters above (all pages). */
  protected applyToMatching(): void {
    const decision = this.bulkDecision();
    this.bulkResult.set(null);
    this.bulkError.set(null);
    if (!this.bulkConfirm()) {
      this.bulkConfirm.set(true);
      return;
    }
    this.bulkConfirm.set(false);
    const filter = {
      ...(this.passed() === 'all' ? {} : { passed: this.passed() === 'passed' }),
      ...(this.check() ? { check: this.check() as QualityCheck } : {}),
      ...(this.reviewFilter() ? { review: this.reviewFilter() as ReviewState } : {}),
    };
    const reason = this.bulkReason().trim();
    this.api.reviewMatching(this.id(), { review: decision, filter, ...(reason ? { reason } : {}) }).subscribe({
      next: (result) => {
        this.bulkResult.set(`${formatCount(result.updated)} example(s) ${decision}.`);
        this.examples.reload();
        this.report.reload();
      },
      error: (error: unknown) => this.bulkError.set(describeError(error)),
    });
  }

  protected setBulkDecision(value: string): void {
    this.bulkDecision.set(value === 'accepted' || value === 'unreviewed' ? value : 'rejected');
    this.bulkConfirm.set(false);
  }

  protected readonly bulkVerb = computed(() =>
    this.bulkDecision() === 'rejected' ? 'Reject' : this.bulkDecision() === 'accepted' ? 'Accept' : 'Mark unreviewed',
  );

  protected setExportFormat(value: string): void {
    this.exportFormat.set((EXPORT_FORMATS as readonly string[]).includes(value) ? (value as ExportFormat) : 'jsonl');
  }

  /** A new export of the job with the decisions made so far. */
  protected exportNow(): void {
    this.exporting.set(true);
    this.exported.set(null);
    this.exportError.set(null);
    const body: CreateExportRequestDto = { format: this.exportFormat(), include_unreviewed: this.includeUnreviewed() };
    this.api.createExport(this.id(), body).subscribe({
      next: (created) => {
        this.exporting.set(false);
        this.exported.set(created);
      },
      error: (error: unknown) => {
        this.exporting.set(false);
        this.exportError.set(describeError(error));
      },
    });
  }

  /** Per-check outcome and reason of an example, from its quality details (docs/inspector.md). */
  protected reasons(example: ExampleResponseDto): { check: string; status: string; reason: string }[] {
    const checks = example.qualityDetails?.['checks'];
    if (!checks || typeof checks !== 'object') return [];
    return Object.entries(checks as Record<string, unknown>)
      .filter(([, value]) => value && typeof value === 'object')
      .map(([check, value]) => {
        const v = value as Record<string, unknown>;
        return {
          check,
          status: typeof v['status'] === 'string' ? v['status'] : '',
          reason: typeof v['reason'] === 'string' ? v['reason'] : '',
        };
      });
  }

  protected score(example: ExampleResponseDto): string {
    return example.qualityScore === null ? '—' : example.qualityScore.toFixed(2);
  }
}
