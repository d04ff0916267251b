/** Why a URL ended `failed` or `skipped`; stored with the human-readable reason. */
export const FailureCode = {
  InvalidUrl: 'invalid_url',
  Scheme: 'scheme',
  BlockedAddress: 'blocked_address',
  Dns: 'dns',
  Connect: 'connect',
  Tls: 'tls',
  Network: 'network',
  Timeout: 'timeout',
  Http: 'http',
  TooLarge: 'too_large',
  Redirects: 'redirects',
  Robots: 'robots',
  /** The page reserves text-and-data-mining rights (TDMRep, `noai`) and the job respects that. */
  TdmReserved: 'tdm_reserved',
  ContentType: 'content_type',
  Duplicate: 'duplicate',
  MaxPages: 'max_pages',
  Browser: 'browser',
  Cancelled: 'cancelled',
} as const;
export type FailureCode = (typeof FailureCode)[keyof typeof FailureCode];

/** A fetch that did not produce a usable page; `retryable` says whether another attempt may help. */
export class FetchError extends Error {
  constructor(
    readonly code: FailureCode,
    message: string,
    readonly options: { retryable?: boolean; retryAfterMs?: number; httpStatus?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'FetchError';
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
}

function errorCodes(e: unknown): string[] {
  const codes: string[] = [];
  for (let cur = e as { code?: unknown; cause?: unknown; errors?: unknown[] } | undefined, i = 0; cur && i < 6; i++) {
    if (typeof cur.code === 'string') codes.push(cur.code);
    if (Array.isArray(cur.errors)) for (const inner of cur.errors) codes.push(...errorCodes(inner));
    cur = cur.cause as typeof cur;
  }
  return codes;
}

function innermostMessage(e: unknown): string {
  let cur = e as { message?: string; cause?: unknown } | undefined;
  let msg = cur?.message ?? String(e);
  for (let i = 0; cur && i < 6; i++) {
    if (cur.message) msg = cur.message;
    cur = cur.cause as typeof cur;
  }
  return msg;
}

/** Maps an error thrown by undici, the DNS resolver or the address guard to a FetchError. */
export function classifyNetworkError(e: unknown, host: string): FetchError {
  if (e instanceof FetchError) return e;
  const codes = errorCodes(e);
  const has = (...c: string[]) => c.some((x) => codes.includes(x));
  const msg = innermostMessage(e);
  if (has('EBLOCKEDADDRESS')) return new FetchError(FailureCode.BlockedAddress, msg, { cause: e });
  if (has('ENOTFOUND', 'ENODATA')) return new FetchError(FailureCode.Dns, `DNS: no address for ${host}`, { cause: e });
  if (has('EAI_AGAIN'))
    return new FetchError(FailureCode.Dns, `DNS: lookup of ${host} failed`, { retryable: true, cause: e });
  if (has('UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT'))
    return new FetchError(FailureCode.Timeout, `timeout: connecting to ${host}`, { retryable: true, cause: e });
  if (has('UND_ERR_HEADERS_TIMEOUT'))
    return new FetchError(FailureCode.Timeout, `timeout: no response headers from ${host}`, {
      retryable: true,
      cause: e,
    });
  if (has('UND_ERR_BODY_TIMEOUT'))
    return new FetchError(FailureCode.Timeout, `timeout: body from ${host} stalled`, { retryable: true, cause: e });
  if (codes.some((c) => c.startsWith('ERR_TLS') || c.includes('CERT') || c.startsWith('ERR_SSL')))
    return new FetchError(FailureCode.Tls, `TLS: ${msg}`, { cause: e });
  if (has('ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH'))
    return new FetchError(FailureCode.Connect, `connect: ${msg}`, { retryable: true, cause: e });
  return new FetchError(FailureCode.Network, `network: ${msg}`, { retryable: true, cause: e });
}
