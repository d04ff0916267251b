import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';

import { describeError } from '../../core/api/api-error';
import { DataApi, type PageState } from '../../core/api/data-api';
import type { PageResponseDto } from '../../api/models';
import { formatCount } from '../../core/format/format';
import { StateMessage } from '../../shared/state/state-message';

const PAGE_SIZE = 20;
type Filter = 'all' | 'fetch-failed' | 'fetch-skipped' | 'refine-ok' | 'refine-skipped' | 'refine-failed';
const FILTERS: readonly { value: Filter; label: string }[] = [
  { value: 'all', label: 'All pages' },
  { value: 'refine-ok', label: 'Text extracted' },
  { value: 'refine-skipped', label: 'Extraction skipped (e.g. low quality)' },
  { value: 'refine-failed', label: 'Extraction failed' },
  { value: 'fetch-failed', label: 'Fetch failed' },
  { value: 'fetch-skipped', label: 'Fetch skipped' },
];

/**
 * Every page of a job with what the fetch and the extraction made of it: the refiner's verdict
 * (quality score, the candidate the text came from, link density) and the reason of every skip.
 */
@Component({
  selector: 'app-pages-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [StateMessage],
  templateUrl: './pages-panel.html',
  styleUrl: './pages-panel.css',
})
export class PagesPanel {
  readonly jobId = input.required<string>();
  /** Changes when the job moves on, so the list is read again (as the funnel is). */
  readonly refreshKey = input('');
  private readonly api = inject(DataApi);

  protected readonly filters = FILTERS;
  protected readonly filter = signal<Filter>('all');
  protected readonly page = signal(1);

  protected readonly list = rxResource({
    params: () => ({ id: this.jobId(), filter: this.filter(), page: this.page(), key: this.refreshKey() }),
    stream: ({ params }) =>
      this.api.jobPages(params.id, { ...toQuery(params.filter), page: params.page, pageSize: PAGE_SIZE }),
  });
  protected readonly pages = computed(() =>
    this.list.hasValue() ? Math.max(1, Math.ceil(this.list.value().total / PAGE_SIZE)) : 1,
  );
  protected readonly describe = describeError;
  protected readonly formatCount = formatCount;

  protected setFilter(value: string): void {
    this.filter.set(FILTERS.some((f) => f.value === value) ? (value as Filter) : 'all');
    this.page.set(1);
  }

  /** One word for the page's outcome, and its reason when it dropped out. */
  protected verdict(p: PageResponseDto): { word: string; tone: 'ok' | 'warn' | 'dim'; reason: string | null } {
    if (p.fetchStatus !== 'ok') {
      return {
        word: `fetch ${p.fetchStatus}`,
        tone: p.fetchStatus === 'pending' ? 'dim' : 'warn',
        reason: p.fetchError,
      };
    }
    if (p.refineStatus === 'ok') return { word: 'extracted', tone: 'ok', reason: null };
    return {
      word: p.refineStatus === 'pending' ? 'extracting' : `extraction ${p.refineStatus}`,
      tone: p.refineStatus === 'pending' ? 'dim' : 'warn',
      reason: p.refineError,
    };
  }

  protected score(p: PageResponseDto): string {
    return p.extraction ? p.extraction.score.toFixed(2) : '—';
  }
}

function toQuery(filter: Filter): { fetch?: PageState; refine?: PageState } {
  if (filter === 'all') return {};
  const [stage, state] = filter.split('-') as ['fetch' | 'refine', PageState];
  return { [stage]: state };
}
