import { FailureCode, FetchError } from './errors.js';
import type { HttpRequest, HttpResponse } from './http-client.js';
import { isRetryableStatus, parseRetryAfter } from './politeness.js';
import { tryNormalizeHttpUrl } from './urls.js';

/** One request as the crawl sends it: paced, counted, under the crawl's signal. */
export type RequestFn = (url: string, init: Omit<HttpRequest, 'url' | 'signal' | 'onHeaders'>) => Promise<HttpResponse>;

/** A GET's last response, the URL it came from and the redirects on the way. */
export interface Fetched {
  response: HttpResponse;
  finalUrl: string;
  redirects: string[];
}

/**
 * GET with redirects followed by hand: each hop is sent through `request`
 * (scheme, address guard, pacing) and, with `checkHop`, checked first
 * (robots.txt). Loops, bad Locations and too many hops are FetchErrors.
 */
export async function fetchFollowing(
  request: RequestFn,
  url: string,
  opts: {
    maxBytes: number;
    maxRedirects: number;
    checkHop?: (url: string) => Promise<void>;
    /** Extra request headers for every hop (a refresh's conditional headers). */
    headers?: Record<string, string>;
  },
): Promise<Fetched> {
  const redirects: string[] = [];
  let current = url;
  for (;;) {
    if (opts.checkHop) await opts.checkHop(current);
    const response = await request(current, {
      maxBytes: opts.maxBytes,
      ...(opts.headers ? { headers: opts.headers } : {}),
    });
    const location = response.headers.location;
    if (response.status >= 300 && response.status < 400 && response.status !== 304 && location) {
      const next = tryNormalizeHttpUrl(location, current);
      if (!next) {
        const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(location)?.[1];
        throw new FetchError(
          scheme ? FailureCode.Scheme : FailureCode.Redirects,
          scheme ? `redirect to scheme ${scheme}: is not http or https` : `bad redirect Location ${location}`,
          { httpStatus: response.status },
        );
      }
      if (next === url || redirects.includes(next)) {
        throw new FetchError(FailureCode.Redirects, `redirect loop at ${next}`, { httpStatus: response.status });
      }
      if (redirects.length >= opts.maxRedirects) {
        throw new FetchError(FailureCode.Redirects, `more than ${opts.maxRedirects} redirects`, {
          httpStatus: response.status,
        });
      }
      redirects.push(next);
      current = next;
      continue;
    }
    return { response, finalUrl: current, redirects };
  }
}

/** The FetchError for a non-2xx response (retryable or not, with its Retry-After). */
export function httpError(response: HttpResponse): FetchError {
  const status = response.status;
  return new FetchError(FailureCode.Http, `HTTP ${status}`, {
    httpStatus: status,
    retryable: isRetryableStatus(status),
    retryAfterMs: parseRetryAfter(response.headers['retry-after']),
  });
}
