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
  review: { unreviewed: 2, accepted: 0, rejected: 0, edited: 0, exportable: 1 },
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
  review: 'unreviewed',
  reviewReason: null,
  editedOutput: null,
  reviewedAt: null,
  createdAt: '2026-11-25T10:00:00Z',
};

/** Three examples to review, e1..e3. */
const examples = ['e1', 'e2', 'e3'].map((id, i) => ({
  ...failedExample,
  id,
  inputText: `Question ${i + 1}?`,
  outputText: `Answer ${i + 1}.`,
  passedQc: true,
  qualityDetails: null,
}));

function press(key: string, init: KeyboardEventInit = {}, target: EventTarget = document): void {
  target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init }));
}

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

  async function open() {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])] });
    const http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(ResultsPage);
    fixture.componentRef.setInput('id', 'j1');
    fixture.autoDetectChanges();
    TestBed.tick();
    http.expectOne('/api/jobs/j1/quality').flush(report);
    http
      .expectOne((r) => r.url === '/api/jobs/j1/examples')
      .flush({ page: 1, pageSize: 20, total: 3, items: examples });
    await fixture.whenStable();
    return { http, fixture, page: fixture.nativeElement as HTMLElement };
  }
  const reviewed = (over: Record<string, unknown>) => ({ ...over, reviewedAt: '2026-11-25T11:00:00Z' });

  it('reviews from the keyboard: j/k move, a accepts, r rejects with a reason, e edits, each moving on', async () => {
    const { http, fixture, page } = await open();
    const current = () => page.querySelector('.example.current')?.getAttribute('data-id');
    expect(current()).toBe('e1');
    expect(page.textContent).toContain('Unreviewed');
    press('j');
    press('j');
    press('j'); // stays on the last one
    await fixture.whenStable();
    expect(current()).toBe('e3');
    press('k');
    press('k');
    await fixture.whenStable();
    expect(current()).toBe('e1');

    press('a');
    const accept = http.expectOne('/api/examples/e1');
    expect(accept.request.method).toBe('PATCH');
    expect(accept.request.body).toEqual({ review: 'accepted' });
    accept.flush(reviewed({ ...examples[0], review: 'accepted' }));
    TestBed.tick();
    http.expectOne('/api/jobs/j1/quality').flush({ ...report, review: { ...report.review, accepted: 1 } });
    await fixture.whenStable();
    expect(page.querySelector('[data-id="e1"]')?.getAttribute('data-review')).toBe('accepted');
    expect(current()).toBe('e2');

    // r opens the reason field with the focus in it; the key itself is not typed there.
    press('r');
    await fixture.whenStable();
    const reason = page.querySelector('#review-reason') as HTMLInputElement;
    expect(document.activeElement).toBe(reason);
    expect(reason.value).toBe('');
    // Keys typed in the field are text, not commands.
    press('a', {}, reason);
    http.expectNone('/api/examples/e2');
    reason.value = 'off topic';
    reason.dispatchEvent(new Event('input'));
    press('Enter', {}, reason);
    const reject = http.expectOne('/api/examples/e2');
    expect(reject.request.body).toEqual({ review: 'rejected', reason: 'off topic' });
    reject.flush(reviewed({ ...examples[1], review: 'rejected', reviewReason: 'off topic' }));
    TestBed.tick();
    http.expectOne('/api/jobs/j1/quality').flush(report);
    await fixture.whenStable();
    expect(page.querySelector('[data-id="e2"] .review-reason')?.textContent).toContain('Rejected: off topic');
    expect(current()).toBe('e3');

    press('e');
    await fixture.whenStable();
    const editor = page.querySelector('#review-output') as HTMLTextAreaElement;
    expect(editor.value).toBe('Answer 3.');
    editor.value = 'A better answer.';
    editor.dispatchEvent(new Event('input'));
    press('Enter', { ctrlKey: true }, editor);
    const edit = http.expectOne('/api/examples/e3');
    expect(edit.request.body).toEqual({ review: 'edited', output: 'A better answer.' });
    edit.flush(reviewed({ ...examples[2], review: 'edited', editedOutput: 'A better answer.' }));
    TestBed.tick();
    http.expectOne('/api/jobs/j1/quality').flush(report);
    await fixture.whenStable();
    // Both texts are shown: the generated output and the edit.
    const shown = page.querySelector('[data-id="e3"]')!.textContent!;
    expect(shown).toContain('Generated output');
    expect(shown).toContain('Answer 3.');
    expect(shown).toContain('A better answer.');

    // Escape closes an open bar without a request; u undoes.
    press('e');
    await fixture.whenStable();
    expect(page.querySelector('#review-output')).not.toBeNull();
    press('Escape', {}, page.querySelector('#review-output')!);
    await fixture.whenStable();
    expect(page.querySelector('#review-output')).toBeNull();
    press('u');
    const undo = http.expectOne('/api/examples/e3');
    expect(undo.request.body).toEqual({ review: 'unreviewed' });
    http.verify({ ignoreCancelled: true });
  });

  it('moves on to the next page after the last example with j, and back to its last with k', async () => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])] });
    const http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(ResultsPage);
    fixture.componentRef.setInput('id', 'j1');
    fixture.autoDetectChanges();
    TestBed.tick();
    http.expectOne('/api/jobs/j1/quality').flush(report);
    const pageOf = (n: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({ ...examples[0], id: `p${n}-${i}` }));
    http
      .expectOne((r) => r.url === '/api/jobs/j1/examples' && r.params.get('page') === '1')
      .flush({ page: 1, pageSize: 20, total: 23, items: pageOf(1, 20) });
    await fixture.whenStable();
    const page = fixture.nativeElement as HTMLElement;
    const current = () => page.querySelector('.example.current')?.getAttribute('data-id');
    for (let i = 0; i < 19; i++) press('j');
    await fixture.whenStable();
    expect(current()).toBe('p1-19');
    press('j');
    TestBed.tick();
    http
      .expectOne((r) => r.url === '/api/jobs/j1/examples' && r.params.get('page') === '2')
      .flush({ page: 2, pageSize: 20, total: 23, items: pageOf(2, 3) });
    await fixture.whenStable();
    expect(current()).toBe('p2-0');
    press('j');
    press('j');
    press('j'); // the last example of the last page
    await fixture.whenStable();
    expect(current()).toBe('p2-2');
    press('k');
    press('k');
    press('k');
    TestBed.tick();
    http
      .expectOne((r) => r.url === '/api/jobs/j1/examples' && r.params.get('page') === '1')
      .flush({ page: 1, pageSize: 20, total: 23, items: pageOf(1, 20) });
    await fixture.whenStable();
    expect(current()).toBe('p1-19');
    http.verify();
  });

  it('shows the API’s 400 on a bad review, and keeps the bar open', async () => {
    const { http, fixture, page } = await open();
    press('r');
    await fixture.whenStable();
    const reason = page.querySelector('#review-reason') as HTMLInputElement;
    reason.value = 'x';
    reason.dispatchEvent(new Event('input'));
    press('Enter', {}, reason);
    http
      .expectOne('/api/examples/e1')
      .flush(
        { statusCode: 400, message: 'reason too short', details: ['reason must be longer'] },
        { status: 400, statusText: 'Bad Request' },
      );
    await fixture.whenStable();
    expect(page.querySelector('[role="alert"]')?.textContent).toContain('reason must be longer');
    expect(page.querySelector('#review-reason')).not.toBeNull();
  });

  it('applies one decision to every example matching the filters, and exports with or without unreviewed ones', async () => {
    const { http, fixture, page } = await open();
    const check = page.querySelector('#filter-check') as HTMLSelectElement;
    check.value = 'format';
    check.dispatchEvent(new Event('change'));
    const review = page.querySelector('#filter-review') as HTMLSelectElement;
    review.value = 'unreviewed';
    review.dispatchEvent(new Event('change'));
    TestBed.tick();
    const filtered = http.expectOne(
      (r) =>
        r.url === '/api/jobs/j1/examples' &&
        r.params.get('check') === 'format' &&
        r.params.get('review') === 'unreviewed',
    );
    filtered.flush({ page: 1, pageSize: 20, total: 7, items: [failedExample] });
    await fixture.whenStable();
    const reason = page.querySelector('#bulk-reason') as HTMLInputElement;
    reason.value = 'not grounded';
    reason.dispatchEvent(new Event('input'));
    const apply = [...page.querySelectorAll('button')].find((b) => b.textContent?.includes('Apply to 7 matching'))!;
    apply.click();
    await fixture.whenStable();
    // Nothing is sent before the second click.
    http.expectNone('/api/jobs/j1/examples/review');
    const confirm = [...page.querySelectorAll('button')].find((b) => b.textContent?.includes('Confirm: Reject 7'))!;
    confirm.click();
    const bulk = http.expectOne('/api/jobs/j1/examples/review');
    expect(bulk.request.body).toEqual({
      review: 'rejected',
      reason: 'not grounded',
      filter: { check: 'format', review: 'unreviewed' },
    });
    bulk.flush({ updated: 7 });
    TestBed.tick();
    http.expectOne((r) => r.url === '/api/jobs/j1/examples').flush({ page: 1, pageSize: 20, total: 0, items: [] });
    http.expectOne('/api/jobs/j1/quality').flush(report);
    await fixture.whenStable();
    expect(page.querySelector('.bulk-result')?.textContent).toContain('7 example(s) rejected');

    const unreviewed = page.querySelector('#review-export-unreviewed') as HTMLInputElement;
    expect(unreviewed.checked).toBe(true);
    unreviewed.click();
    const exportButton = [...page.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Export')!;
    exportButton.click();
    const created = http.expectOne('/api/jobs/j1/exports');
    expect(created.request.body).toEqual({ format: 'jsonl', include_unreviewed: false });
    created.flush({
      id: 'x1',
      recordCount: 2,
      format: 'jsonl',
      version: 'v1',
      downloadUrl: '/api/exports/x1/download',
    });
    await fixture.whenStable();
    expect(page.querySelector('.export-result')?.textContent).toContain('Exported 2 records');
    http.verify();
  });
});
