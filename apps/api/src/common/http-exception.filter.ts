import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ConflictError, JobInputError, NotFoundError, QueueUnavailableError } from '@datafactory/pipeline';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import type { ErrorResponseDto } from './error-response.dto.js';
import { BODY_LIMIT } from './limits.js';

/**
 * The single global exception filter: every error leaves the API as an
 * ErrorResponseDto. Unexpected errors are logged with their stack and answered
 * with a generic 500 so that no internal detail (or secret) leaks.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request & { id?: string }>();
    const { status, message, details } = describe(exception);
    if (status >= 500) {
      this.logger.error({ err: exception, path: req.url }, message);
    }
    const body: ErrorResponseDto = {
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      message,
      ...(details ? { details } : {}),
      path: req.originalUrl ?? req.url,
      requestId: String(req.id ?? ''),
      timestamp: new Date().toISOString(),
    };
    if (!res.headersSent) res.status(status).json(body);
  }
}

function describe(exception: unknown): { status: number; message: string; details?: string[] } {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    // Nest maps body-parser's errors to HttpExceptions with the parser's message as the cause.
    const cause = exception.cause as { type?: unknown } | undefined;
    if (cause?.type === 'entity.parse.failed') return { status, message: 'the request body is not valid JSON' };
    if (cause?.type === 'entity.too.large') return { status, message: `the request body is larger than ${BODY_LIMIT}` };
    const response = exception.getResponse();
    if (typeof response === 'string') return { status, message: response };
    const raw = (response as { message?: unknown }).message;
    if (Array.isArray(raw)) {
      const details = raw.map(String);
      return { status, message: details.join('; '), details };
    }
    return { status, message: typeof raw === 'string' ? raw : exception.message };
  }
  // The pipeline's own errors (libs know nothing of HTTP): bad job input and unknown ids.
  if (exception instanceof JobInputError) {
    return { status: HttpStatus.BAD_REQUEST, message: exception.message, details: [...exception.problems] };
  }
  if (exception instanceof NotFoundError) return { status: HttpStatus.NOT_FOUND, message: exception.message };
  if (exception instanceof ConflictError) return { status: HttpStatus.CONFLICT, message: exception.message };
  if (exception instanceof QueueUnavailableError) {
    return { status: HttpStatus.SERVICE_UNAVAILABLE, message: exception.message };
  }
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'internal server error' };
}
