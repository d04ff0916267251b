import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import ResultsPage from './results-page';

const report = {
  jobId: 'j1',
  total: 2,
  inspected: 2,
  notInspected: 0,
  generationFailed: 0,
  passed: 1,
  failed: 1,
  passRate: 0.5,
  averageScore: 0.6,
  checks: {
    format: {
      pass: 1,
      fail: 1,
      skipped: 0,
      unavailable: 0,
      reasons: [{ code: 'not_a_question', count: 1 }],
      unavailableReason: null,
    },
  },
  unavailableChecks: ['toxicity'],
  histogram: [],
  tokenLength: null,
  judgeCost: null,
  groundedRate: null,
};

const failedExample = {
  id: 'e2',
  chunkId: 'c1',
  templateType: 'qa',
  inputText: 'Q?',
  outputText: 'A.',
  modelUsed: 'gpt-4o-mini',
  status: 'ok',
  tokenCount: 10,
  cost: 0.0001,
  qualityScore: 0.2,
  passedQc: false,
  qualityDetails: {
    version: 1,
    failed: ['format'],
    checks: { format: { status: 'fail', score: 0, reason: 'the output is not a question', codes: ['not_a_question'] } },
  },
  createdAt: '2026-11-25T10:00:00Z',
};

describe('ResultsPage', () => {
  it('shows the report, and asks for failed examples of one check when filtered, with their reasons', async () => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])] });
    const http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(ResultsPage);
    fixture.componentRef.setInput('id', 'j1');
    fixture.autoDetectChanges();
    TestBed.tick();
    http.expectOne('/api/jobs/j1/quality').flush(report);
    http
      .expectOne((r) => r.url === '/api/jobs/j1/examples' && !r.params.has('passed'))
      .flush({ page: 1, pageSize: 20, total: 0, items: [] });
    await fixture.whenStable();
    const page = fixture.nativeElement as HTMLElement;
    expect(page.textContent).toContain('not_a_question ×1');
    expect(page.textContent).toContain('Could not run on some examples: toxicity');

    const outcome = page.querySelector('#filter-passed') as HTMLSelectElement;
    outcome.value = 'failed';
    outcome.dispatchEvent(new Event('change'));
    const check = page.querySelector('#filter-check') as HTMLSelectElement;
    check.value = 'format';
    check.dispatchEvent(new Event('change'));
    TestBed.tick();
    const request = http.expectOne((r) => r.url === '/api/jobs/j1/examples' && r.params.get('check') === 'format');
    expect(request.request.params.get('passed')).toBe('false');
    request.flush({ page: 1, pageSize: 20, total: 1, items: [failedExample] });
    await fixture.whenStable();
    expect(page.querySelector('.verdict')?.textContent).toContain('FAILED');
    expect(page.querySelector('.reasons')?.textContent).toContain('format: fail — the output is not a question');
    http.verify();
  });
});
