import type { HTTPRequest, Page } from 'puppeteer-core';
import type { BrowserPool } from './browser-pool.js';
import { classifyNetworkError, FailureCode, FetchError } from './errors.js';
import type { Fetched, RequestFn } from './fetch-following.js';
import { isRetryableStatus } from './politeness.js';
import { normalizeUrl, tryNormalizeHttpUrl } from './urls.js';

const BLOCKED_RESOURCES = new Set([
  'image',
  'media',
  'font',
  'stylesheet',
  'texttrack',
  'manifest',
  'eventsource',
  'websocket',
  'ping',
  'cspviolationreport',
  'prefetch',
  'signedexchange',
]);

/** The HTTP result of a page already fetched, served to the browser instead of a second request. */
export interface Prefetched {
  fetched: Fetched;
  contentType: string;
}

/** What rendering needs of the crawl: its browser, limits, robots check and paced requests. */
export interface BrowserRenderContext {
  pool: BrowserPool;
  userAgent: string;
  navigationTimeoutMs: number;
  maxBodyBytes: number;
  signal: AbortSignal;
  checkRobots: (url: string) => Promise<void>;
  request: RequestFn;
}

/** A page as Chromium left it after loading (2xx only). */
export interface RenderedPage {
  status: number;
  finalUrl: string;
  content: string;
  /** The prefetch's redirects, then the browser's, each once. */
  redirects: string[];
  contentType: string | undefined;
  bytes: number;
  /** The document response's headers (the prefetch's, or the browser navigation's last). */
  headers: Record<string, string>;
}

interface NavigationInfo {
  status?: number;
  headers?: Record<string, string>;
  contentType?: string;
  bytes?: number;
  redirect?: string;
  error?: FetchError;
}

/**
 * Renders a page in Chromium. Every request the page makes goes through
 * the crawl's HTTP client (so the address guard, robots.txt for
 * documents, and per-host pacing apply to the browser too); images, fonts,
 * media and styles are refused. With `prefetched`, the document is served
 * from the HTTP result instead of being requested again.
 */
export async function renderInBrowser(
  ctx: BrowserRenderContext,
  url: string,
  prefetched: Prefetched | undefined,
): Promise<RenderedPage> {
  const startUrl = prefetched?.fetched.finalUrl ?? url;
  const redirects = [...(prefetched?.fetched.redirects ?? [])];
  let navigationStatus: number | undefined;
  let navigationType: string | undefined;
  let navigationBytes = 0;
  let navigationHeaders: Record<string, string> = {};
  let navigationError: FetchError | undefined;
  const render = async (page: Page) => {
    await page.setUserAgent({ userAgent: ctx.userAgent });
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      void interceptRequest(ctx, req, startUrl, prefetched, (info) => {
        if (info.error) navigationError = info.error;
        if (info.status !== undefined) {
          navigationStatus = info.status;
          navigationType = info.contentType;
          navigationBytes = info.bytes ?? 0;
          navigationHeaders = info.headers ?? {};
        }
        if (info.redirect) redirects.push(info.redirect);
      });
    });
    let response;
    try {
      response = await page.goto(startUrl, { waitUntil: 'load', timeout: ctx.navigationTimeoutMs });
    } catch (e) {
      if (navigationError) throw navigationError;
      if ((e as Error).name === 'TimeoutError') {
        throw new FetchError(FailureCode.Timeout, `timeout: browser navigation over ${ctx.navigationTimeoutMs} ms`, {
          retryable: true,
        });
      }
      throw new FetchError(FailureCode.Browser, `browser: ${(e as Error).message}`, { retryable: true });
    }
    // A main-frame navigation the crawler refused (a redirect, or a script sending the page to a
    // blocked address) leaves Chromium's error page in the tab: a failure, not a document.
    if (navigationError) throw navigationError;
    if (page.url().startsWith('chrome-error:')) {
      throw new FetchError(FailureCode.Browser, 'browser: the navigation ended on an error page', {
        retryable: true,
      });
    }
    const finalUrl = normalizeUrl(page.url());
    const content = await page.content();
    return { status: response?.status() ?? navigationStatus, finalUrl, content };
  };
  const result = await ctx.pool.withPage(render, ctx.signal);
  const status = result.status ?? 0;
  if (status < 200 || status >= 300) {
    throw new FetchError(FailureCode.Http, `HTTP ${status}`, {
      httpStatus: status,
      retryable: isRetryableStatus(status),
    });
  }
  return {
    status,
    finalUrl: result.finalUrl,
    content: result.content,
    redirects: [...new Set(redirects)],
    contentType: prefetched?.contentType ?? navigationType,
    bytes: prefetched ? prefetched.fetched.response.body.length : navigationBytes,
    headers: prefetched ? prefetched.fetched.response.headers : navigationHeaders,
  };
}

/** Answers one of the page's requests: served from the prefetch, fetched by the crawl, or refused. */
async function interceptRequest(
  ctx: BrowserRenderContext,
  req: HTTPRequest,
  startUrl: string,
  prefetched: Prefetched | undefined,
  onNavigation: (info: NavigationInfo) => void,
): Promise<void> {
  const url = req.url();
  const isNavigation = req.isNavigationRequest() && req.frame() === req.frame()?.page().mainFrame();
  try {
    if (url.startsWith('data:') || url.startsWith('blob:') || url === 'about:blank') return await req.continue();
    if (BLOCKED_RESOURCES.has(req.resourceType())) return await req.abort('blockedbyclient');
    const method = req.method();
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return await req.abort('blockedbyclient');
    if (isNavigation && prefetched && normalizeUrl(url) === startUrl) {
      const r = prefetched.fetched.response;
      onNavigation({ status: r.status, contentType: prefetched.contentType, headers: r.headers });
      return await req.respond({
        status: r.status,
        headers: { 'content-type': prefetched.contentType },
        body: r.body,
      });
    }
    if (isNavigation) await ctx.checkRobots(normalizeUrl(url));
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers())) {
      if (!['user-agent', 'accept-encoding', 'host', 'connection', 'content-length'].includes(k.toLowerCase()))
        headers[k] = v;
    }
    const response = await ctx.request(url, {
      method: method as 'GET' | 'HEAD' | 'POST',
      headers,
      body: req.postData(),
      maxBytes: ctx.maxBodyBytes,
    });
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(response.headers)) {
      if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k))
        outHeaders[k] = v;
    }
    if (isNavigation) {
      const location = response.headers.location;
      if (response.status >= 300 && response.status < 400 && location) {
        const next = tryNormalizeHttpUrl(location, url);
        if (next) onNavigation({ redirect: next });
      } else {
        onNavigation({
          status: response.status,
          contentType: response.headers['content-type'],
          bytes: response.body.length,
          headers: response.headers,
        });
      }
    }
    await req.respond({ status: response.status, headers: outHeaders, body: response.body });
  } catch (e) {
    const err = e instanceof FetchError ? e : classifyNetworkError(e, url);
    if (isNavigation) onNavigation({ error: err });
    await req
      .abort(err.code === FailureCode.BlockedAddress || err.code === FailureCode.Robots ? 'blockedbyclient' : 'failed')
      .catch(() => undefined);
  }
}
