import { HttpErrorResponse } from '@angular/common/http';

/** What went wrong, in words for the page: the API's one-sentence message and its per-field details. */
export interface ErrorView {
  readonly status: number;
  readonly message: string;
  readonly details: readonly string[];
}

export function describeError(error: unknown): ErrorView {
  if (error instanceof HttpErrorResponse) {
    const body = parseBody(error.error);
    if (body && typeof body === 'object' && typeof body.message === 'string') {
      const details = Array.isArray(body.details) ? body.details.filter((d): d is string => typeof d === 'string') : [];
      return { status: error.status, message: body.message, details };
    }
    if (error.status === 0) return { status: 0, message: 'The API did not answer. Is it running?', details: [] };
    return { status: error.status, message: `HTTP ${error.status} ${error.statusText}`.trim(), details: [] };
  }
  if (error instanceof Error) return { status: 0, message: error.message, details: [] };
  return { status: 0, message: 'Something went wrong.', details: [] };
}

/** Error bodies arrive parsed, or as text when the request expected text. */
function parseBody(body: unknown): { message?: unknown; details?: unknown } | null {
  if (typeof body === 'string') {
    try {
      return parseBody(JSON.parse(body));
    } catch {
      return null;
    }
  }
  return body && typeof body === 'object' ? (body as { message?: unknown; details?: unknown }) : null;
}
