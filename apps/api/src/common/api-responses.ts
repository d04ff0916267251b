import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto.js';
import { BODY_LIMIT } from './limits.js';

/** The security schemes of the OpenAPI document (bootstrap.ts declares them). */
export const BEARER_SCHEME = 'bearer';
export const QUERY_TOKEN_SCHEME = 'access_token';

/** The error statuses routes answer with, every one an ErrorResponseDto (HttpExceptionFilter). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 502 | 503;

const DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'A bad field or an unknown field; one message per problem.',
  401: 'API_TOKEN is set and the request has no token or a wrong one.',
  403: 'An upstream service refused the credentials the operator configured.',
  404: 'Not found.',
  409: 'The request conflicts with the state of the resource.',
  413: `The request body is larger than ${BODY_LIMIT}.`,
  429: 'More requests from this client in the last minute than RATE_LIMIT_PER_MINUTE.',
  502: 'An upstream service (the Hugging Face Hub) failed or could not be reached.',
  503: 'The queue (Redis) cannot take the job now; no job is left running.',
};

/**
 * One error response of an operation: always JSON (the exception filter answers with `res.json`), whatever
 * `@ApiProduces` says of the success response, so the content is spelled out instead of left to Swagger.
 */
export function ApiError(status: ErrorStatus, description: string = DESCRIPTIONS[status]) {
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto),
    ApiResponse({
      status,
      description,
      content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } } },
    }),
  );
}

/** Several error responses with their default descriptions: `@ApiErrors(400, 404)`. */
export function ApiErrors(...statuses: ErrorStatus[]) {
  return applyDecorators(...statuses.map((status) => ApiError(status)));
}

/**
 * The route wants the API token when API_TOKEN is set (ApiTokenGuard: every route not marked @Public()):
 * the bearer security requirement and its 401.
 */
export function ApiTokenRequired() {
  return applyDecorators(ApiBearerAuth(BEARER_SCHEME), ApiError(401));
}
