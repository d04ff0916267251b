import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';

import { describeError } from '../../core/api/api-error';
import { DataApi, QUALITY_CHECKS, type QualityCheck } from '../../core/api/data-api';
import type { ExampleResponseDto } from '../../api/models';
import { formatCount, formatPercent, formatUsd, shortId } from '../../core/format/format';
import { StateMessage } from '../../shared/state/state-message';

type PassedFilter = 'all' | 'passed' | 'failed';
const PAGE_SIZE = 20;

/** The quality report, and the examples with their scores and reasons, filtered by outcome and by check. */
@Component({
  selector: 'app-results-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, StateMessage],
  templateUrl: './results-page.html',
  styleUrl: './results-page.css',
})
export default class ResultsPage {
  readonly id = input.required<string>();
  private readonly api = inject(DataApi);

  protected readonly passed = signal<PassedFilter>('all');
  protected readonly check = signal<QualityCheck | ''>('');
  protected readonly page = signal(1);

  protected readonly report = rxResource({
    params: () => this.id(),
    stream: ({ params }) => this.api.qualityReport(params),
  });
  protected readonly examples = rxResource({
    params: () => ({ id: this.id(), passed: this.passed(), check: this.check(), page: this.page() }),
    stream: ({ params }) =>
      this.api.examples(params.id, {
        page: params.page,
        pageSize: PAGE_SIZE,
        ...(params.passed === 'all' ? {} : { passed: params.passed === 'passed' }),
        ...(params.check ? { check: params.check } : {}),
      }),
  });

  protected readonly checkRows = computed(() =>
    this.report.hasValue()
      ? Object.entries(this.report.value().checks).map(([name, summary]) => ({ name, ...summary }))
      : [],
  );
  protected readonly pages = computed(() =>
    this.examples.hasValue() ? Math.max(1, Math.ceil(this.examples.value().total / PAGE_SIZE)) : 1,
  );

  protected readonly checks = QUALITY_CHECKS;
  protected readonly short = computed(() => shortId(this.id()));
  protected readonly describe = describeError;
  protected readonly formatCount = formatCount;
  protected readonly formatPercent = formatPercent;
  protected readonly formatUsd = formatUsd;

  protected setPassed(value: string): void {
    this.passed.set(value === 'passed' || value === 'failed' ? value : 'all');
    this.page.set(1);
  }

  protected setCheck(value: string): void {
    this.check.set((QUALITY_CHECKS as readonly string[]).includes(value) ? (value as QualityCheck) : '');
    this.page.set(1);
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
