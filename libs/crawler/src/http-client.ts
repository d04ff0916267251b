import { pipeline } from 'node:stream/promises';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { Agent, type Dispatcher } from 'undici';
import { blockedAddressMessage, guardedLookup, type LookupFunction, refusedLiteralHost } from './address-guard.js';
import { classifyNetworkError, FailureCode, FetchError } from './errors.js';

export interface HttpClientOptions {
  userAgent: string;
  connectTimeoutMs: number;
  /** Response headers, and each gap between body chunks. */
  readTimeoutMs: number;
  allowPrivateNetworks: boolean;
  /** `host:port` pairs exempt from the private-address refusal (an operator's own intranet, a test fixture). */
  trustedHosts?: readonly string[];
  /** DNS resolution (default `dns.lookup`). */
  lookup?: LookupFunction;
}

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'HEAD' | 'POST';
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  /** Largest decoded body; more fails the request with `too_large` while streaming. */
  maxBytes: number;
  /** Called when the response headers have arrived. */
  onHeaders?: () => void;
}

export interface HttpResponse {
  url: string;
  status: number;
  headers: Record<string, string>;
  /** Decoded (decompressed) body. */
  body: Buffer;
  timings: { ttfbMs: number; totalMs: number };
}

const ACCEPT = 'text/html,application/xhtml+xml,text/plain;q=0.9,application/xml;q=0.8,*/*;q=0.5';

function flattenHeaders(raw: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function decoderFor(encoding: string | undefined): NodeJS.ReadWriteStream[] {
  const steps: NodeJS.ReadWriteStream[] = [];
  // Content-Encoding lists codings in the order applied; undo them in reverse.
  const codings = (encoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity')
    .reverse();
  for (const c of codings) {
    if (c === 'gzip' || c === 'x-gzip') steps.push(zlib.createGunzip());
    // Servers send "deflate" both with and without the zlib wrapper; createUnzip only takes the wrapped one.
    else if (c === 'deflate') steps.push(new InflateAny());
    else if (c === 'br') steps.push(zlib.createBrotliDecompress());
    else if (c === 'zstd' && 'createZstdDecompress' in zlib)
      steps.push((zlib as unknown as { createZstdDecompress(): NodeJS.ReadWriteStream }).createZstdDecompress());
    else throw new FetchError(FailureCode.ContentType, `unsupported Content-Encoding ${c}`);
  }
  return steps;
}

/** Inflates zlib-wrapped or raw deflate, deciding on the first byte. */
class InflateAny extends Transform {
  private inner?: zlib.Inflate | zlib.InflateRaw;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.inner) {
      // A zlib header starts with 0x?8 and its first two bytes are a multiple of 31.
      const wrapped = chunk.length >= 2 && (chunk[0]! & 0x0f) === 8 && ((chunk[0]! << 8) | chunk[1]!) % 31 === 0;
      this.inner = wrapped ? zlib.createInflate() : zlib.createInflateRaw();
      this.inner.on('data', (d: Buffer) => this.push(d));
      this.inner.on('error', (e) => this.destroy(e));
    }
    this.inner.write(chunk, () => done());
  }
  override _flush(done: TransformCallback): void {
    if (!this.inner) return done();
    this.inner.once('end', () => done());
    this.inner.end();
  }
}

/**
 * One HTTP exchange, no redirects followed: the crawler follows them itself
 * so that every hop is checked (scheme, address, robots.txt, rate limit).
 * Connections go through undici agents whose `lookup` refuses private
 * addresses at connect time; IP literals are checked before connecting.
 */
export class HttpClient {
  private readonly guarded: Agent;
  private readonly open: Agent;
  private readonly trusted: Set<string>;

  constructor(private readonly options: HttpClientOptions) {
    const base = {
      headersTimeout: options.readTimeoutMs,
      bodyTimeout: options.readTimeoutMs,
      connections: 4,
      keepAliveTimeout: 4_000,
    };
    const lookup = options.lookup;
    this.guarded = new Agent({
      ...base,
      connect: { timeout: options.connectTimeoutMs, lookup: guardedLookup(lookup) },
    });
    this.open = new Agent({ ...base, connect: { timeout: options.connectTimeoutMs, ...(lookup ? { lookup } : {}) } });
    this.trusted = new Set(options.trustedHosts ?? []);
  }

  /** Refuses, before any connection, a URL the crawler must never request; returns the agent to use. */
  private dispatcherFor(url: URL): Agent {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new FetchError(FailureCode.Scheme, `scheme ${url.protocol} is not http or https`);
    }
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    if (this.options.allowPrivateNetworks || this.trusted.has(`${url.hostname}:${port}`)) return this.open;
    const refused = refusedLiteralHost(url.hostname);
    if (refused) {
      const bare = url.hostname.replace(/^\[(.*)\]$/, '$1');
      throw new FetchError(FailureCode.BlockedAddress, blockedAddressMessage(url.hostname, bare, refused));
    }
    return this.guarded;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw new FetchError(FailureCode.InvalidUrl, `invalid URL ${req.url}`);
    }
    const dispatcher = this.dispatcherFor(url);
    const started = performance.now();
    let res: Dispatcher.ResponseData;
    try {
      res = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: req.method ?? 'GET',
        headers: {
          'user-agent': this.options.userAgent,
          accept: ACCEPT,
          'accept-encoding': 'gzip, deflate, br',
          'accept-language': '*',
          ...req.headers,
        },
        body: req.body,
        signal: req.signal,
      });
    } catch (e) {
      throw this.mapError(e, url, req.signal);
    }
    const ttfbMs = performance.now() - started;
    req.onHeaders?.();
    const headers = flattenHeaders(res.headers);
    const body = res.body as unknown as Readable;
    if (req.method === 'HEAD') {
      body.destroy();
      return {
        url: req.url,
        status: res.statusCode,
        headers,
        body: Buffer.alloc(0),
        timings: { ttfbMs, totalMs: ttfbMs },
      };
    }
    const declared = Number(headers['content-length']);
    if (!headers['content-encoding'] && Number.isFinite(declared) && declared > req.maxBytes) {
      // Destroying an unread body makes undici emit an abort error on it: ours is the error that counts.
      body.on('error', () => undefined);
      body.destroy();
      throw new FetchError(
        FailureCode.TooLarge,
        `too large: Content-Length ${declared} is over ${req.maxBytes} bytes`,
        {
          httpStatus: res.statusCode,
        },
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      const collect = async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > req.maxBytes) {
            throw new FetchError(FailureCode.TooLarge, `too large: body is over ${req.maxBytes} bytes`, {
              httpStatus: res.statusCode,
            });
          }
          chunks.push(chunk);
        }
      };
      await (pipeline as (...s: unknown[]) => Promise<void>)(body, ...decoderFor(headers['content-encoding']), collect);
    } catch (e) {
      body.destroy();
      throw this.mapError(e, url, req.signal);
    }
    return {
      url: req.url,
      status: res.statusCode,
      headers,
      body: Buffer.concat(chunks, size),
      timings: { ttfbMs, totalMs: performance.now() - started },
    };
  }

  private mapError(e: unknown, url: URL, signal: AbortSignal | undefined): FetchError {
    if (e instanceof FetchError) return e;
    if (signal?.aborted) {
      const reason = signal.reason as { name?: string } | undefined;
      if (reason?.name === 'TimeoutError') {
        return new FetchError(FailureCode.Timeout, `timeout: request to ${url.host} took too long`, {
          retryable: true,
        });
      }
      return new FetchError(FailureCode.Cancelled, 'cancelled');
    }
    if ((e as { code?: string }).code === 'Z_DATA_ERROR' || (e as { code?: string }).code?.startsWith('ERR__')) {
      return new FetchError(FailureCode.Network, `network: corrupt compressed body (${(e as Error).message})`);
    }
    return classifyNetworkError(e, url.host);
  }

  async close(): Promise<void> {
    await Promise.all([this.guarded.destroy(), this.open.destroy()]);
  }
}
