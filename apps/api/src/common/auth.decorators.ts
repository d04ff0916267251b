import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import { QUERY_TOKEN_SCHEME } from './api-responses.js';

export const IS_PUBLIC = 'datafactory:public';
export const ALLOWS_QUERY_TOKEN = 'datafactory:allowsQueryToken';

/** The route answers without the API token (health checks). Every other route wants it. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * The route also takes the token as `?access_token=`, for what a browser
 * fetches by itself and cannot add a header to: an EventSource, a download link.
 * The OpenAPI document says so with the `access_token` security scheme, next to the bearer one.
 */
export const AllowQueryToken = () =>
  applyDecorators(SetMetadata(ALLOWS_QUERY_TOKEN, true), ApiSecurity(QUERY_TOKEN_SCHEME));
