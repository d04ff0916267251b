import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';

import NewJobPage from './new-job-page';

describe('NewJobPage', () => {
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
    http = TestBed.inject(HttpTestingController);
  });

  async function render() {
    const fixture = TestBed.createComponent(NewJobPage);
    fixture.componentRef.setInput('id', 'p1');
    fixture.autoDetectChanges();
    // Not whenStable(): a request in flight keeps the app unstable until the test answers it.
    TestBed.tick();
    http.expectOne('/api/projects/p1').flush({ id: 'p1', name: 'Docs', description: null, config: {} });
    http.expectOne('/api/settings').flush({
      apiKeys: { openai: { set: false, last4: null, updatedAt: null } },
      defaultJobConfig: { export: { format: 'csv' } },
      updatedAt: null,
    });
    // The install's templates, one of them a user's: the template field offers exactly these (and none).
    http.expectOne('/api/templates').flush({
      items: ['qa', 'summarization', 'classification', 'instruction', 'faq-pairs'].map((type) => ({
        type,
        description: `${type} examples`,
        sample: type === 'qa' ? { question: 'Why is the sky blue?', answer: 'Rayleigh scattering.' } : null,
      })),
      errors: [],
    });
    await fixture.whenStable();
    return fixture;
  }

  function type(fixture: { nativeElement: HTMLElement }, value: string) {
    const textarea = fixture.nativeElement.querySelector('#urls') as HTMLTextAreaElement;
    textarea.value = value;
    textarea.dispatchEvent(new Event('input'));
  }

  const submit = (fixture: { nativeElement: HTMLElement }) =>
    fixture.nativeElement.querySelector('.submit-row button[type="submit"]') as HTMLButtonElement;

  it("offers the install's templates from GET /api/templates, not a list of its own", async () => {
    const fixture = await render();
    const select = fixture.nativeElement.querySelector('#cfg-generation-template') as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual([
      'qa',
      'summarization',
      'classification',
      'instruction',
      'faq-pairs',
      'none',
    ]);
  });

  it("shows the chosen template's one-line description and its sample", async () => {
    const fixture = await render();
    const info = () => fixture.nativeElement.querySelector('[data-testid="template-info"]') as HTMLElement | null;
    expect(info()!.textContent).toContain('qa examples');
    expect(info()!.querySelector('pre')!.textContent).toContain('"question": "Why is the sky blue?"');
    const select = fixture.nativeElement.querySelector('#cfg-generation-template') as HTMLSelectElement;
    select.value = 'faq-pairs';
    select.dispatchEvent(new Event('change'));
    await fixture.whenStable();
    expect(info()!.textContent).toContain('faq-pairs examples');
    expect(info()!.querySelector('pre')).toBeNull();
  });

  it('lists invalid lines before submit and keeps the button disabled', async () => {
    const fixture = await render();
    type(fixture, 'https://a.test/1\nnope\n');
    await fixture.whenStable();
    expect(fixture.nativeElement.textContent).toContain('line 2');
    expect(fixture.nativeElement.textContent).toContain('not a URL');
    expect(submit(fixture).disabled).toBe(true);
  });

  it('asks the API for an estimate on demand and shows its ranges and its note', async () => {
    const fixture = await render();
    const button = () => fixture.nativeElement.querySelector('[data-testid="estimate"]') as HTMLButtonElement;
    expect(button().disabled).toBe(true);
    type(fixture, 'https://a.test/1\nhttps://a.test/2');
    await fixture.whenStable();
    button().click();
    const request = http.expectOne({ method: 'POST', url: '/api/jobs/estimate' });
    expect(request.request.body.urls).toEqual(['https://a.test/1', 'https://a.test/2']);
    const range = (low: number, expected: number, high: number) => ({ low, expected, high });
    request.flush({
      urls: 2,
      sample: [],
      generation: {
        sampledDocuments: 2,
        totalDocuments: 2,
        chunks: range(4, 5, 6),
        calls: range(4, 5, 7),
        inputTokens: range(900, 1000, 1100),
        outputTokens: range(300, 400, 500),
        costUsd: range(0.001, 0.0015, 0.002),
        note: 'a sample',
      },
      note: 'estimated from 2 of 2 URL(s): a sample',
    });
    await fixture.whenStable();
    const result = fixture.nativeElement.querySelector('[data-testid="estimate-result"]').textContent;
    expect(result).toContain('4 – 6');
    expect(result).toContain('$0.0010 – $0.0020');
    expect(fixture.nativeElement.textContent).toContain('estimated from 2 of 2 URL(s)');
  });

  it('starts the job with the URLs and the saved defaults, then opens the job page', async () => {
    const fixture = await render();
    const navigate = vi.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    type(fixture, 'https://a.test/1\nhttps://a.test/2\nhttps://a.test/1');
    await fixture.whenStable();
    expect(submit(fixture).disabled).toBe(false);
    submit(fixture).click();
    const start = http.expectOne({ method: 'POST', url: '/api/projects/p1/jobs' });
    expect(start.request.body).toEqual({
      urls: ['https://a.test/1', 'https://a.test/2'],
      config: { export: { format: 'csv' } },
    });
    start.flush({ id: 'j1', status: 'running' });
    expect(navigate).toHaveBeenCalledWith(['/jobs', 'j1']);
  });

  it('shows every problem the API names', async () => {
    const fixture = await render();
    type(fixture, 'https://a.test/1');
    await fixture.whenStable();
    submit(fixture).click();
    http
      .expectOne({ method: 'POST', url: '/api/projects/p1/jobs' })
      .flush(
        { statusCode: 400, message: 'Bad job', details: ['config.generation: no LLM endpoint'] },
        { status: 400, statusText: 'Bad Request' },
      );
    await fixture.whenStable();
    expect(fixture.nativeElement.querySelector('.submit-error').textContent).toContain('no LLM endpoint');
  });

  it('takes dropped documents, leaves out other types, and sends them as multipart with the URLs and config', async () => {
    const fixture = await render();
    const navigate = vi.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    expect(submit(fixture).disabled).toBe(true);
    const drop = fixture.nativeElement.querySelector('[data-testid="drop-zone"]') as HTMLElement;
    // jsdom has no DataTransfer: a drop event carrying the files is what the page reads.
    const files = [
      new File(['%PDF-1.4 report'], 'report.pdf', { type: 'application/pdf' }),
      new File(['# Notes'], 'notes.md', { type: 'text/markdown' }),
      new File(['MZ'], 'tool.exe'),
    ];
    const event = new Event('drop', { cancelable: true });
    Object.defineProperty(event, 'dataTransfer', { value: { files } });
    drop.dispatchEvent(event);
    await fixture.whenStable();
    expect(event.defaultPrevented).toBe(true);
    const listed = [...fixture.nativeElement.querySelectorAll('.document-list li .mono')].map((e) => e.textContent);
    expect(listed).toEqual(['report.pdf', 'notes.md']);
    expect(fixture.nativeElement.textContent).toContain('Left out tool.exe');
    // Files alone are enough to start a job; the estimate, which samples URLs, still needs some.
    expect(submit(fixture).disabled).toBe(false);
    expect((fixture.nativeElement.querySelector('[data-testid="estimate"]') as HTMLButtonElement).disabled).toBe(true);

    // Removing one, then starting with a URL as well.
    (fixture.nativeElement.querySelectorAll('.document-list button')[1] as HTMLButtonElement).click();
    type(fixture, 'https://a.test/1');
    await fixture.whenStable();
    submit(fixture).click();
    const start = http.expectOne({ method: 'POST', url: '/api/projects/p1/jobs' });
    const body = start.request.body as FormData;
    expect(body).toBeInstanceOf(FormData);
    expect((body.getAll('files') as File[]).map((f) => f.name)).toEqual(['report.pdf']);
    expect(JSON.parse(body.get('urls') as string)).toEqual(['https://a.test/1']);
    expect(JSON.parse(body.get('config') as string)).toEqual({ export: { format: 'csv' } });
    start.flush({ id: 'j2', status: 'running' });
    expect(navigate).toHaveBeenCalledWith(['/jobs', 'j2']);
  });
});
