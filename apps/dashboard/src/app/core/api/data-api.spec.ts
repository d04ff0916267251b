import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';

import type { ExportResponseDto, ProjectPageResponseDto } from '../../api/models';
import { ApiTokenService, apiTokenInterceptor } from '../auth/api-token';
import { DataApi } from './data-api';

const project = {
  id: 'p1',
  name: 'Docs',
  description: null,
  config: {},
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
};

describe('DataApi over the generated client', () => {
  let api: DataApi;
  let backend: HttpTestingController;

  beforeEach(() => {
    sessionStorage.clear();
    TestBed.configureTestingModule({
      providers: [provideHttpClient(withInterceptors([apiTokenInterceptor])), provideHttpClientTesting()],
    });
    api = TestBed.inject(DataApi);
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  it('sends the project requests the API documents, with the token, and hands back the typed bodies', () => {
    TestBed.inject(ApiTokenService).set('secret-token-123456');
    let page: ProjectPageResponseDto | undefined;
    api.listProjects().subscribe((p) => (page = p));
    const list = backend.expectOne((r) => r.method === 'GET' && r.url === '/api/projects');
    expect(list.request.params.get('page')).toBe('1');
    expect(list.request.params.get('pageSize')).toBe('100');
    expect(list.request.headers.get('Authorization')).toBe('Bearer secret-token-123456');
    list.flush({ page: 1, pageSize: 100, total: 1, items: [project] });
    expect(page?.items[0]?.name).toBe('Docs');

    api.createProject('Docs', null).subscribe();
    const create = backend.expectOne({ method: 'POST', url: '/api/projects' });
    expect(create.request.body).toEqual({ name: 'Docs' });
    create.flush(project, { status: 201, statusText: 'Created' });

    api.renameProject('p 1', 'Guides').subscribe();
    const rename = backend.expectOne({ method: 'PUT', url: '/api/projects/p%201' });
    expect(rename.request.body).toEqual({ name: 'Guides' });
    rename.flush({ ...project, name: 'Guides' });

    api.deleteProject('p1').subscribe();
    backend.expectOne({ method: 'DELETE', url: '/api/projects/p1' }).flush(null, { status: 204, statusText: '' });
  });

  it('sends the export requests and builds stream and download URLs with the token', () => {
    api.listExports(2, 10).subscribe();
    const list = backend.expectOne((r) => r.method === 'GET' && r.url === '/api/exports');
    expect(list.request.params.get('page')).toBe('2');
    expect(list.request.params.get('pageSize')).toBe('10');
    list.flush({ page: 2, pageSize: 10, total: 0, items: [] });

    let created: ExportResponseDto | undefined;
    api.createExport('j1', { format: 'csv' }).subscribe((e) => (created = e));
    const create = backend.expectOne({ method: 'POST', url: '/api/jobs/j1/exports' });
    expect(create.request.body).toEqual({ format: 'csv' });
    create.flush({ id: 'e1', downloadUrl: '/api/exports/e1/download' });
    expect(created?.id).toBe('e1');

    api.jobExports('j1').subscribe();
    backend.expectOne({ method: 'GET', url: '/api/jobs/j1/exports' }).flush({ items: [] });

    expect(api.streamUrl('job 1')).toBe('/api/jobs/job%201/stream');
    expect(api.streamUrl('job-1', 41)).toBe('/api/jobs/job-1/stream?lastEventId=41');
    TestBed.inject(ApiTokenService).set('secret-token-123456');
    expect(api.streamUrl('job-1', 41)).toBe('/api/jobs/job-1/stream?lastEventId=41&access_token=secret-token-123456');
    expect(api.downloadUrl('/api/exports/e1/download?split=train')).toBe(
      '/api/exports/e1/download?split=train&access_token=secret-token-123456',
    );
  });
});
