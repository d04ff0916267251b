import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';

import { PagesPanel } from './pages-panel';

const extracted = {
  id: 'd1',
  url: 'https://example.com/a',
  finalUrl: 'https://example.com/a',
  title: 'An article',
  fetchStatus: 'ok',
  httpStatus: 200,
  fetchMethod: 'http',
  fetchError: null,
  fetchedAt: '2026-12-01T10:00:00Z',
  refineStatus: 'ok',
  refineError: null,
  language: 'en',
  extraction: {
    score: 0.93,
    method: 'readability',
    words: 812,
    linkDensity: 0.04,
    boilerplateShare: 0,
    agreement: 1,
    errorPage: false,
  },
  chunks: 3,
};
const lowQuality = {
  ...extracted,
  id: 'd2',
  url: 'https://example.com/404',
  title: 'Page not found',
  refineStatus: 'skipped',
  refineError:
    'low_quality_extraction: quality 0.02 under min_extraction_quality 0.25 (reads as an error page, 9 word(s))',
  extraction: { ...extracted.extraction, score: 0.02, words: 9, errorPage: true },
  chunks: 0,
};
const blocked = {
  ...extracted,
  id: 'd3',
  url: 'http://10.0.0.1/',
  title: null,
  fetchStatus: 'failed',
  httpStatus: null,
  fetchError: 'blocked address: 10.0.0.1 (private)',
  refineStatus: 'pending',
  extraction: null,
  chunks: 0,
};

describe('PagesPanel', () => {
  it("lists the job's pages with the extraction verdict, and asks the API for skipped extractions when filtered", async () => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    const http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(PagesPanel);
    fixture.componentRef.setInput('jobId', 'j1');
    fixture.autoDetectChanges();
    TestBed.tick();
    const first = http.expectOne((r) => r.url === '/api/jobs/j1/pages');
    expect(first.request.params.has('refine')).toBe(false);
    first.flush({ page: 1, pageSize: 20, total: 3, items: [extracted, lowQuality, blocked] });
    await fixture.whenStable();
    const panel = fixture.nativeElement as HTMLElement;
    const rows = [...panel.querySelectorAll('tbody tr')].map((tr) => tr.textContent!.replace(/\s+/g, ' ').trim());
    expect(rows[0]).toContain('extracted');
    expect(rows[0]).toContain('0.93');
    expect(rows[0]).toContain('readability');
    expect(rows[1]).toContain('extraction skipped');
    expect(rows[1]).toContain('low_quality_extraction: quality 0.02');
    expect(rows[2]).toContain('fetch failed');
    expect(rows[2]).toContain('blocked address: 10.0.0.1');
    expect(rows[2]).toContain('—');

    const filter = panel.querySelector('[data-testid="pages-filter"]') as HTMLSelectElement;
    filter.value = 'refine-skipped';
    filter.dispatchEvent(new Event('change'));
    TestBed.tick();
    const filtered = http.expectOne((r) => r.url === '/api/jobs/j1/pages');
    expect(filtered.request.params.get('refine')).toBe('skipped');
    expect(filtered.request.params.has('fetch')).toBe(false);
    filtered.flush({ page: 1, pageSize: 20, total: 1, items: [lowQuality] });
    await fixture.whenStable();
    expect(panel.querySelectorAll('tbody tr')).toHaveLength(1);
    http.verify();
  });
});
