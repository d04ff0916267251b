import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';

import { ApiTokenService, apiTokenInterceptor } from './api-token';

describe('API token', () => {
  beforeEach(() => {
    sessionStorage.clear();
    TestBed.configureTestingModule({
      providers: [provideHttpClient(withInterceptors([apiTokenInterceptor])), provideHttpClientTesting()],
    });
  });

  it('sends the token to /api only, and adds it to URLs the browser fetches itself', () => {
    const tokens = TestBed.inject(ApiTokenService);
    const http = TestBed.inject(HttpClient);
    const backend = TestBed.inject(HttpTestingController);
    tokens.set('  secret-token-123456  ');
    http.get('/api/projects').subscribe();
    http.get('/health').subscribe();
    expect(backend.expectOne('/api/projects').request.headers.get('Authorization')).toBe('Bearer secret-token-123456');
    expect(backend.expectOne('/health').request.headers.has('Authorization')).toBe(false);
    expect(tokens.withToken('/api/jobs/j1/stream?lastEventId=4')).toBe(
      '/api/jobs/j1/stream?lastEventId=4&access_token=secret-token-123456',
    );
    expect(sessionStorage.getItem('datafactory.apiToken')).toBe('secret-token-123456');
  });

  it('asks for a token after a 401', () => {
    const tokens = TestBed.inject(ApiTokenService);
    TestBed.inject(HttpClient)
      .get('/api/projects')
      .subscribe({ error: () => undefined });
    TestBed.inject(HttpTestingController)
      .expectOne('/api/projects')
      .flush({ message: 'missing or wrong API token' }, { status: 401, statusText: 'Unauthorized' });
    expect(tokens.required()).toBe(true);
    tokens.set('another-token-123456');
    expect(tokens.required()).toBe(false);
  });
});
