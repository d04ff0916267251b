import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { emptyProgress } from '@datafactory/contracts';

import { EVENT_SOURCE_FACTORY, type EventSourceLike } from '../../core/jobs/job-stream';
import JobPage from './job-page';

class FakeSource implements EventSourceLike {
  readyState = 0;
  closed = false;
  private readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.closed = true;
  }
  emit(type: string, data: unknown = {}): void {
    if (type === 'open') this.readyState = 1;
    if (type === 'error') this.readyState = 0;
    for (const l of this.listeners.get(type) ?? []) l(new MessageEvent(type, { data: JSON.stringify(data) }));
  }
}

const job = {
  id: 'j1',
  projectId: 'p1',
  status: 'running',
  stage: 'crawler',
  progress: emptyProgress(),
  costTotal: 0,
  costEstimated: 0,
  error: null,
  urlCount: 2,
  config: {},
  createdAt: '2026-11-25T10:00:00Z',
  startedAt: '2026-11-25T10:00:00Z',
  completedAt: null,
  durationMs: 1000,
};

/** A finished job's funnel: two URLs blocked, a duplicate chunk, one example short. */
const funnel = {
  jobId: 'j1',
  template: 'qa',
  final: false,
  urlsGiven: 6,
  urlsDiscovered: 0,
  examplesPerChunk: 2,
  exported: null,
  holds: true,
  stages: [
    {
      stage: 'fetch',
      unit: 'url',
      input: 6,
      invariant: 'urls = ok + skipped + failed + pending',
      holds: true,
      outcomes: [
        { outcome: 'ok', count: 4, next: true, reasons: [] },
        { outcome: 'skipped', count: 0, next: false, reasons: [] },
        { outcome: 'failed', count: 2, next: false, reasons: [{ code: 'blocked_address', count: 2 }] },
        { outcome: 'pending', count: 0, next: false, reasons: [] },
      ],
    },
    {
      stage: 'dedup',
      unit: 'chunk',
      input: 4,
      invariant: 'chunks = original + exact_duplicate + near_duplicate',
      holds: true,
      outcomes: [
        { outcome: 'original', count: 3, next: true, reasons: [] },
        { outcome: 'exact_duplicate', count: 1, next: false, reasons: [] },
      ],
    },
    {
      stage: 'generate',
      unit: 'example',
      input: 6,
      invariant: 'examples = ok + failed + pending',
      holds: false,
      outcomes: [
        { outcome: 'ok', count: 4, next: true, reasons: [] },
        { outcome: 'failed', count: 1, next: false, reasons: [{ code: 'too_few_examples', count: 1 }] },
      ],
    },
  ],
};

/** The pages panel reads its list whenever the funnel is read (pages-panel.spec.ts tests what it shows). */
function flushPages(http: HttpTestingController): void {
  for (const r of http.match((r) => r.url === '/api/jobs/j1/pages'))
    r.flush({ page: 1, pageSize: 20, total: 0, items: [] });
}

describe('JobPage', () => {
  it('shows the estimated part of the cost only when there is one', async () => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([]),
        { provide: EVENT_SOURCE_FACTORY, useValue: () => new FakeSource() },
      ],
    });
    const http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(JobPage);
    fixture.componentRef.setInput('id', 'j1');
    fixture.autoDetectChanges();
    TestBed.tick();
    http.expectOne('/api/jobs/j1').flush({ ...job, costTotal: 0.0042, costEstimated: 0.0012 });
    http.expectOne('/api/jobs/j1/quality').flush({ total: 0, histogram: [], passed: 0, failed: 0, notInspected: 0 });
    http.expectOne('/api/jobs/j1/funnel').flush(funnel);
    flushPages(http);
    await fixture.whenStable();
    const text = (fixture.nativeElement as HTMLElement).textContent ?? '';
    expect(text).toContain('Of which estimated');
    expect(text).toContain('$0.0012');
  });

  it('follows the stream: active stage, counters, log by level, lost link, and cancel without a reload', async () => {
    const sources: FakeSource[] = [];
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([]),
        {
          provide: EVENT_SOURCE_FACTORY,
          useValue: () => {
            const source = new FakeSource();
            sources.push(source);
            return source;
          },
        },
      ],
    });
    const http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(JobPage);
    fixture.componentRef.setInput('id', 'j1');
    fixture.autoDetectChanges();
    TestBed.tick();
    http.expectOne('/api/jobs/j1').flush(job);
    http.expectOne('/api/jobs/j1/quality').flush({ total: 0, histogram: [], passed: 0, failed: 0, notInspected: 0 });
    http.expectOne('/api/jobs/j1/funnel').flush(funnel);
    flushPages(http);
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).textContent).not.toContain('Of which estimated');
    const source = sources[0];
    source.emit('open');
    await fixture.whenStable();
    const panel = (fixture.nativeElement as HTMLElement).querySelector('[data-testid="funnel"]')!;
    // Every stage with its input, every drop with its reasons, and a stage that does not add up says so.
    expect(panel.querySelector('[data-stage="fetch"] .count')?.textContent?.trim()).toBe('6 urls');
    expect(panel.querySelector('[data-stage="fetch"] [data-outcome="failed"]')?.textContent).toContain(
      'blocked_address ×2',
    );
    expect(panel.querySelector('[data-stage="fetch"] [data-outcome="skipped"]')).toBeNull();
    expect(panel.querySelector('[data-stage="dedup"] [data-outcome="exact_duplicate"]')?.textContent).toContain('1');
    expect(panel.querySelector('[data-stage="generate"] [role="alert"]')?.textContent).toContain(
      'examples = ok + failed + pending',
    );
    expect(panel.querySelectorAll('[data-stage="fetch"] .seg')).toHaveLength(2);
    source.emit('stage', { status: 'running', stage: 'refiner' });
    // A new stage: the funnel is counted again.
    TestBed.tick();
    http.expectOne('/api/jobs/j1/funnel').flush(funnel);
    flushPages(http);
    const progress = emptyProgress();
    progress.crawler = { total: 2, done: 2, failed: 0 };
    progress.refiner = { total: 2, done: 1, failed: 0 };
    source.emit('progress', { progress, costTotal: 0.002 });
    source.emit('log', {
      id: 1,
      level: 'info',
      stage: 'crawler',
      message: 'job started with 2 URL(s)',
      at: '2026-11-25T10:00:01Z',
    });
    source.emit('log', { id: 2, level: 'debug', stage: 'crawler', message: 'noise', at: '2026-11-25T10:00:02Z' });
    await fixture.whenStable();
    const page = fixture.nativeElement as HTMLElement;

    expect(page.querySelector('[aria-current="step"] .label')?.textContent).toBe('Refiner');
    expect(page.querySelector('.stage-bars li:nth-child(2) app-progress-bar')?.getAttribute('aria-valuenow')).toBe(
      '50',
    );
    expect(page.querySelector('[data-testid="connection"]')?.textContent?.trim()).toBe('LIVE');
    expect(page.querySelector('.log')?.textContent).toContain('job started');
    expect(page.querySelector('.log')?.textContent).not.toContain('noise');
    (page.querySelector('button.level[data-level="debug"]') as HTMLButtonElement).click();
    await fixture.whenStable();
    expect(page.querySelector('.log')?.textContent).toContain('noise');

    source.emit('error');
    await fixture.whenStable();
    expect(page.textContent).toContain('Connection to the live stream lost');
    source.emit('open');

    (page.querySelector('button.danger') as HTMLButtonElement).click();
    TestBed.tick();
    http.expectOne({ method: 'POST', url: '/api/jobs/j1/cancel' }).flush({ ...job, status: 'cancelled' });
    source.emit('done', { status: 'cancelled', error: null });
    // The final state is read once more.
    TestBed.tick();
    http.expectOne('/api/jobs/j1').flush({ ...job, status: 'cancelled' });
    http.expectOne('/api/jobs/j1/quality').flush({ total: 0, histogram: [], passed: 0, failed: 0, notInspected: 0 });
    http.expectOne('/api/jobs/j1/funnel').flush({ ...funnel, final: true });
    flushPages(http);
    await fixture.whenStable();
    expect(page.querySelector('[data-testid="job-status"]')?.textContent?.trim()).toBe('cancelled');
    expect(page.querySelector('button.danger')).toBeNull();
    expect(source.closed).toBe(true);
    // The pages panel reads its list at each stage change too (pages-panel.spec.ts tests it).
    for (const r of http.match((r) => r.url === '/api/jobs/j1/pages'))
      r.flush({ page: 1, pageSize: 20, total: 0, items: [] });
    http.verify();
  });

  it('offers Refresh on a completed job only, starts it and opens the new job; a refusal is shown', async () => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([]),
        { provide: EVENT_SOURCE_FACTORY, useValue: () => new FakeSource() },
      ],
    });
    const http = TestBed.inject(HttpTestingController);
    const navigate = vi.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    const open = async (status: string, refreshOf: string | null = null) => {
      const fixture = TestBed.createComponent(JobPage);
      fixture.componentRef.setInput('id', 'j1');
      fixture.autoDetectChanges();
      TestBed.tick();
      http.expectOne('/api/jobs/j1').flush({ ...job, status, stage: null, refreshOf });
      http.expectOne('/api/jobs/j1/quality').flush({ total: 0, histogram: [], passed: 0, failed: 0, notInspected: 0 });
      http.expectOne('/api/jobs/j1/funnel').flush(funnel);
      flushPages(http);
      await fixture.whenStable();
      return fixture;
    };
    const button = (el: HTMLElement) => el.querySelector<HTMLButtonElement>('[data-testid="refresh-job"]');

    // Running, failed, cancelled: nothing to refresh.
    for (const status of ['running', 'failed', 'cancelled']) {
      const fixture = await open(status);
      expect(button(fixture.nativeElement as HTMLElement), status).toBeNull();
      fixture.destroy();
    }

    const fixture = await open('completed', 'j0');
    const page = fixture.nativeElement as HTMLElement;
    expect(page.querySelector('[data-testid="refresh-of"]')?.getAttribute('href')).toBe('/jobs/j0');
    expect(button(page)?.textContent?.trim()).toBe('Refresh');
    button(page)!.click();
    await fixture.whenStable();
    expect(button(page)?.disabled).toBe(true);
    const request = http.expectOne({ method: 'POST', url: '/api/jobs/j1/refresh' });
    expect(request.request.body).toEqual({});
    request.flush(
      { message: 'job j1 is running: only a completed job can be refreshed' },
      { status: 409, statusText: 'Conflict' },
    );
    await fixture.whenStable();
    expect(page.querySelector('[data-testid="refresh-error"]')?.textContent).toContain('only a completed job');
    expect(navigate).not.toHaveBeenCalled();

    button(page)!.click();
    await fixture.whenStable();
    http
      .expectOne({ method: 'POST', url: '/api/jobs/j1/refresh' })
      .flush({ ...job, id: 'j2', status: 'running', refreshOf: 'j1' });
    await fixture.whenStable();
    expect(navigate).toHaveBeenCalledWith(['/jobs', 'j2']);
    expect(page.querySelector('[data-testid="refresh-error"]')).toBeNull();
  });
});
