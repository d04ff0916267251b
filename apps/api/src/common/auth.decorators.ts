import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'datafactory:public';
export const ALLOWS_QUERY_TOKEN = 'datafactory:allowsQueryToken';

/** The route answers without the API token (health checks). Every other route wants it. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * The route also takes the token as `?access_token=`, for what a browser
 * fetches by itself and cannot add a header to: an EventSource, a download link.
 */
export const AllowQueryToken = () => SetMetadata(ALLOWS_QUERY_TOKEN, true);
