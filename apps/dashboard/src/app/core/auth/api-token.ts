import { HttpErrorResponse, type HttpInterceptorFn } from '@angular/common/http';
import { Injectable, inject, signal } from '@angular/core';
import { catchError, throwError } from 'rxjs';

const STORAGE_KEY = 'datafactory.apiToken';

/**
 * The API token, when the API runs with API_TOKEN: kept in sessionStorage (gone
 * with the tab), sent as `Authorization: Bearer` and, where a browser cannot
 * set headers (EventSource, download links), as `?access_token=`.
 */
@Injectable({ providedIn: 'root' })
export class ApiTokenService {
  private readonly tokenState = signal<string | null>(read());
  /** Set when the API answered 401: the shell asks for the token. */
  readonly required = signal(false);
  readonly token = this.tokenState.asReadonly();

  set(token: string | null): void {
    const value = token?.trim() || null;
    try {
      if (value) sessionStorage.setItem(STORAGE_KEY, value);
      else sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // Storage can be disabled; the token then lasts until the page is left.
    }
    this.tokenState.set(value);
    this.required.set(false);
  }

  /** A same-origin URL a browser fetches by itself (stream, download), with the token when there is one. */
  withToken(url: string): string {
    const token = this.tokenState();
    if (!token) return url;
    return `${url}${url.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(token)}`;
  }
}

function read(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Adds the token to /api requests and notes a 401, so the shell can ask for a token. */
export const apiTokenInterceptor: HttpInterceptorFn = (request, next) => {
  const tokens = inject(ApiTokenService);
  const token = tokens.token();
  const isApi = request.url.startsWith('/api/');
  const sent = token && isApi ? request.clone({ setHeaders: { Authorization: `Bearer ${token}` } }) : request;
  return next(sent).pipe(
    catchError((error: unknown) => {
      if (isApi && error instanceof HttpErrorResponse && error.status === 401) tokens.required.set(true);
      return throwError(() => error);
    }),
  );
};
