import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import ProjectsPage from './projects-page';

const project = (id: string, name: string) => ({
  id,
  name,
  description: null,
  config: {},
  createdAt: '2026-11-25T10:00:00.000Z',
  updatedAt: '2026-11-25T10:00:00.000Z',
});

describe('ProjectsPage', () => {
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  async function render() {
    const fixture = TestBed.createComponent(ProjectsPage);
    fixture.autoDetectChanges();
    // Not whenStable(): a request in flight keeps the app unstable until the test answers it.
    TestBed.tick();
    return fixture;
  }

  const text = (element: HTMLElement) => element.textContent?.replace(/\s+/g, ' ') ?? '';

  it('shows loading, then the empty state', async () => {
    const fixture = await render();
    expect(text(fixture.nativeElement)).toContain('Loading projects');
    http.expectOne((r) => r.url === '/api/projects').flush({ page: 1, pageSize: 200, total: 0, items: [] });
    await fixture.whenStable();
    expect(text(fixture.nativeElement)).toContain('No project yet');
  });

  it('shows the API error with a retry', async () => {
    const fixture = await render();
    http
      .expectOne((r) => r.url === '/api/projects')
      .flush({ statusCode: 500, message: 'Database is down' }, { status: 500, statusText: 'Server Error' });
    await fixture.whenStable();
    expect(fixture.nativeElement.querySelector('[role="alert"]').textContent).toContain('Database is down');
    (fixture.nativeElement.querySelector('app-state-message button') as HTMLButtonElement).click();
    TestBed.tick();
    http.expectOne((r) => r.url === '/api/projects').flush({ page: 1, pageSize: 200, total: 0, items: [] });
    await fixture.whenStable();
    expect(text(fixture.nativeElement)).toContain('No project yet');
  });

  it('creates a project and lists it', async () => {
    const fixture = await render();
    http.expectOne((r) => r.url === '/api/projects').flush({ page: 1, pageSize: 200, total: 0, items: [] });
    await fixture.whenStable();
    const input = fixture.nativeElement.querySelector('#project-name') as HTMLInputElement;
    input.value = 'Rust docs';
    input.dispatchEvent(new Event('input'));
    (fixture.nativeElement.querySelector('form.create button[type="submit"]') as HTMLButtonElement).click();
    const create = http.expectOne({ method: 'POST', url: '/api/projects' });
    expect(create.request.body).toEqual({ name: 'Rust docs' });
    create.flush(project('p1', 'Rust docs'));
    TestBed.tick();
    http
      .expectOne((r) => r.url === '/api/projects')
      .flush({ page: 1, pageSize: 200, total: 1, items: [project('p1', 'Rust docs')] });
    await fixture.whenStable();
    expect(text(fixture.nativeElement)).toContain('Rust docs');
  });

  it('deletes only after the confirmation dialog', async () => {
    // jsdom has no dialog support; the page only needs showModal and close.
    HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
      this.open = true;
    };
    HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
      this.open = false;
    };
    const fixture = await render();
    http
      .expectOne((r) => r.url === '/api/projects')
      .flush({ page: 1, pageSize: 200, total: 1, items: [project('p1', 'Old')] });
    await fixture.whenStable();
    (fixture.nativeElement.querySelector('button.danger') as HTMLButtonElement).click();
    await fixture.whenStable();
    const dialog = fixture.nativeElement.querySelector('dialog') as HTMLDialogElement;
    expect(dialog.open).toBe(true);
    expect(text(dialog)).toContain('Delete “Old”?');
    http.expectNone({ method: 'DELETE' });
    (dialog.querySelector('button.danger') as HTMLButtonElement).click();
    http
      .expectOne({ method: 'DELETE', url: '/api/projects/p1' })
      .flush(null, { status: 204, statusText: 'No Content' });
    TestBed.tick();
    http.expectOne((r) => r.url === '/api/projects').flush({ page: 1, pageSize: 200, total: 0, items: [] });
    await fixture.whenStable();
    expect(dialog.open).toBe(false);
  });
});
