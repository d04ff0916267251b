import { type BrowserRenderContext, type Prefetched, renderInBrowser } from './browser-render.js';
import { decodeBody, sniffBinary } from './charset.js';
import { docBase, failedDoc } from './documents.js';
import { classifyNetworkError, FailureCode, FetchError } from './errors.js';
import { type Fetched, httpError } from './fetch-following.js';
import { hostKey, type Task } from './frontier.js';
import { extractPageInfo, looksScriptRendered, type PageInfo } from './page-info.js';
import type { ScrapingConfig } from './scraping-config.js';
import type { CrawledDocument } from './types.js';

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
const PROCESSED_TYPES = new Set([...HTML_TYPES, 'text/plain']);

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/** What fetching a page needs of the crawl. */
export interface PageTaskContext {
  config: Pick<
    ScrapingConfig,
    'use_playwright' | 'mode' | 'max_depth' | 'respect_robots_txt' | 'allow_private_networks'
  >;
  signal: AbortSignal;
  /** GET with redirects, robots.txt checked on every hop; `headers` added to each request. */
  fetch: (url: string, headers?: Record<string, string>) => Promise<Fetched>;
  /** The browser and what rendering needs (asked for only when a page is rendered). */
  browser: () => BrowserRenderContext;
  /** Another attempt later (true), or none (false). */
  scheduleRetry: (task: Task, error: FetchError) => boolean;
  admitDiscovered: (url: string, depth: number, from: string, seed: string) => void;
}

/**
 * Fetches one page over HTTP, or in Chromium (always, or in `auto` mode when
 * it looks script-rendered), and makes its document. Undefined when another
 * attempt is scheduled or the crawl stopped.
 */
export async function pageDocument(ctx: PageTaskContext, task: Task): Promise<CrawledDocument | undefined> {
  try {
    return ctx.config.use_playwright === 'always'
      ? await renderPage(ctx, task, undefined, 'always')
      : await httpPage(ctx, task);
  } catch (e) {
    if (ctx.signal.aborted) return undefined;
    const err = e instanceof FetchError ? e : classifyNetworkError(e, hostKey(task.url));
    if (ctx.scheduleRetry(task, err)) return undefined;
    return failedDoc(task, err, ctx.config);
  }
}

async function httpPage(ctx: PageTaskContext, task: Task): Promise<CrawledDocument> {
  const started = performance.now();
  const fetched = await ctx.fetch(task.url, conditionalHeaders(task));
  const { response, finalUrl, redirects } = fetched;
  const validators = {
    ...(response.headers.etag ? { etag: response.headers.etag } : {}),
    ...(response.headers['last-modified'] ? { lastModified: response.headers['last-modified'] } : {}),
  };
  if (response.status === 304 && task.conditional) {
    // The copy the caller holds is current: an ok page without content (the caller fills it in).
    return {
      ...docBase(task, ctx.config),
      ...validators,
      status: 'ok',
      notModified: true,
      httpStatus: 304,
      finalUrl,
      redirects,
      fetchMethod: 'http',
      bytes: 0,
      fetchedAt: new Date(),
    };
  }
  if (response.status < 200 || response.status >= 300) {
    const err = httpError(response);
    if (err.retryable) throw err;
    return failedDoc(task, err, ctx.config, { finalUrl, redirects, contentType: response.headers['content-type'] });
  }
  const contentType = response.headers['content-type'];
  const type = mediaType(contentType);
  const common = {
    ...docBase(task, ctx.config),
    httpStatus: response.status,
    contentType,
    finalUrl,
    redirects,
    bytes: response.body.length,
    fetchedAt: new Date(),
    ...validators,
  };
  const binary = sniffBinary(response.body);
  if (type && !PROCESSED_TYPES.has(type)) {
    return { ...common, status: 'skipped', reasonCode: FailureCode.ContentType, reason: `content type ${type}` };
  }
  if (binary) {
    return {
      ...common,
      status: 'skipped',
      reasonCode: FailureCode.ContentType,
      reason: `content type: binary content (${binary}) served as ${type ?? 'no content type'}`,
    };
  }
  const { text, charset } = decodeBody(response.body, contentType);
  const timings = {
    ttfbMs: Math.round(response.timings.ttfbMs),
    fetchMs: Math.round(performance.now() - started),
    totalMs: Math.round(performance.now() - task.enqueuedAt),
  };
  if (type === 'text/plain') {
    return { ...common, status: 'ok', fetchMethod: 'http', charset, content: text, timings };
  }
  const info = extractPageInfo(text, finalUrl);
  const doc: CrawledDocument = {
    ...common,
    ...fromInfo(info, response.headers['content-language']),
    status: 'ok',
    fetchMethod: 'http',
    charset,
    content: text,
    timings,
  };
  if (ctx.config.use_playwright === 'auto' && looksScriptRendered(info)) {
    const why = info.emptyAppRoot
      ? 'empty app root'
      : info.noscriptHint
        ? 'noscript asks for JavaScript'
        : `little visible text (${info.visibleTextLength} characters)`;
    try {
      return await renderPage(ctx, task, { fetched, contentType: contentType ?? 'text/html' }, why);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      return { ...doc, browserReason: why, browserError: (e as Error).message };
    }
  }
  follow(ctx, task, finalUrl, info);
  return doc;
}

/** If-None-Match / If-Modified-Since from the validators of the copy held (none for a first fetch). */
function conditionalHeaders(task: Task): Record<string, string> | undefined {
  const c = task.conditional;
  if (!c?.etag && !c?.lastModified) return undefined;
  return {
    ...(c.etag ? { 'if-none-match': c.etag } : {}),
    ...(c.lastModified ? { 'if-modified-since': c.lastModified } : {}),
  };
}

function fromInfo(info: PageInfo, contentLanguage: string | undefined): Partial<CrawledDocument> {
  return {
    title: info.title,
    language: info.language ?? contentLanguage?.split(',')[0]?.trim(),
    canonicalUrl: info.canonicalUrl,
    publishedAt: info.publishedAt,
    linksFound: info.links.length,
  };
}

/** In site mode, the page's links go to the frontier (one level deeper). */
function follow(ctx: PageTaskContext, task: Task, pageUrl: string, info: PageInfo): void {
  if (ctx.config.mode !== 'site' || task.depth >= ctx.config.max_depth) return;
  for (const link of info.links) ctx.admitDiscovered(link, task.depth + 1, pageUrl, task.url);
}

/** A page rendered in Chromium (see renderInBrowser), made a document; its links go to the frontier. */
async function renderPage(
  ctx: PageTaskContext,
  task: Task,
  prefetched: Prefetched | undefined,
  reason: string,
): Promise<CrawledDocument> {
  const started = performance.now();
  const rendered = await renderInBrowser(ctx.browser(), task.url, prefetched);
  const info = extractPageInfo(rendered.content, rendered.finalUrl);
  const doc: CrawledDocument = {
    ...docBase(task, ctx.config),
    ...fromInfo(info, prefetched?.fetched.response.headers['content-language']),
    status: 'ok',
    httpStatus: rendered.status,
    contentType: rendered.contentType,
    finalUrl: rendered.finalUrl,
    redirects: rendered.redirects,
    fetchMethod: 'browser',
    browserReason: reason,
    charset: 'utf-8',
    content: rendered.content,
    bytes: rendered.bytes,
    fetchedAt: new Date(),
    timings: {
      ttfbMs: prefetched ? Math.round(prefetched.fetched.response.timings.ttfbMs) : undefined,
      browserMs: Math.round(performance.now() - started),
      totalMs: Math.round(performance.now() - task.enqueuedAt),
    },
  };
  follow(ctx, task, rendered.finalUrl, info);
  return doc;
}
