import { aiReservation, type PageTerms } from '@datafactory/contracts';
import { type BrowserRenderContext, type Prefetched, renderInBrowser } from './browser-render.js';
import { decodeBody, sniffBinary } from './charset.js';
import { docBase, failedDoc } from './documents.js';
import { classifyNetworkError, FailureCode, FetchError } from './errors.js';
import { type Fetched, httpError } from './fetch-following.js';
import { hostKey, type Task } from './frontier.js';
import { extractPageInfo, looksScriptRendered, type PageInfo } from './page-info.js';
import { robotsToken, type ScrapingConfig } from './scraping-config.js';
import { pageTerms, type StoredTdmRep, tdmRepFor } from './terms.js';
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
    | 'use_playwright'
    | 'mode'
    | 'max_depth'
    | 'respect_robots_txt'
    | 'respect_ai_reservations'
    | 'allow_private_networks'
    | 'user_agent'
  >;
  signal: AbortSignal;
  /** GET with redirects, robots.txt checked on every hop; `headers` added to each request. */
  fetch: (url: string, headers?: Record<string, string>) => Promise<Fetched>;
  /** Throws when robots.txt forbids the URL (cached per origin). */
  checkRobots: (url: string) => Promise<void>;
  /** The tdmrep.json of the URL's origin (fetched once per origin and job). */
  tdmRep: (url: string) => Promise<StoredTdmRep>;
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

/**
 * Before a page is requested: robots.txt, then the origin's tdmrep.json. A
 * page whose tdmrep.json rule reserves TDM rights is not fetched at all when
 * the job respects reservations: its skipped document, else undefined.
 */
async function reservedByFile(ctx: PageTaskContext, task: Task): Promise<CrawledDocument | undefined> {
  if (!ctx.config.respect_ai_reservations) return undefined;
  await ctx.checkRobots(task.url);
  const rule = tdmRepFor(await ctx.tdmRep(task.url), task.url);
  if (rule?.reservation !== 1) return undefined;
  const terms: PageTerms = { robotsMeta: [], xRobotsTag: [], tdm: { 'tdmrep.json': rule }, license: null };
  return reservedDoc(task, ctx, terms, {});
}

function reservedDoc(
  task: Task,
  ctx: PageTaskContext,
  terms: PageTerms,
  extra: Partial<CrawledDocument>,
): CrawledDocument | undefined {
  const reserved = aiReservation(terms);
  if (!reserved || !ctx.config.respect_ai_reservations) return undefined;
  return {
    ...docBase(task, ctx.config),
    ...extra,
    status: 'skipped',
    reasonCode: FailureCode.TdmReserved,
    reason: `tdm_reserved: ${reserved.reason}`,
    terms,
    content: undefined,
  };
}

/** The terms of a fetched page: its origin's tdmrep.json rule, its headers, and its HTML (absent for plain text). */
async function termsOf(
  ctx: PageTaskContext,
  finalUrl: string,
  headers: Record<string, string>,
  info: PageInfo | undefined,
): Promise<PageTerms> {
  const fileRule = tdmRepFor(await ctx.tdmRep(finalUrl), finalUrl);
  return pageTerms({ fileRule, headers, info, token: robotsToken(ctx.config.user_agent) });
}

/** ETag and Last-Modified of a response, for the document's provenance. */
function validators(headers: Record<string, string>): Pick<CrawledDocument, 'etag' | 'lastModified'> {
  return { etag: headers.etag || undefined, lastModified: headers['last-modified'] || undefined };
}

async function httpPage(ctx: PageTaskContext, task: Task): Promise<CrawledDocument> {
  const started = performance.now();
  const early = await reservedByFile(ctx, task);
  if (early) return early;
  const fetched = await ctx.fetch(task.url, conditionalHeaders(task));
  const { response, finalUrl, redirects } = fetched;
  if (response.status === 304 && task.conditional) {
    // The copy the caller holds is current: an ok page without content (the caller fills it in).
    return {
      ...docBase(task, ctx.config),
      ...validators(response.headers),
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
    ...validators(response.headers),
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
    const terms = await termsOf(ctx, finalUrl, response.headers, undefined);
    return (
      reservedDoc(task, ctx, terms, { ...common, timings }) ?? {
        ...common,
        status: 'ok',
        fetchMethod: 'http',
        charset,
        content: text,
        timings,
        terms,
      }
    );
  }
  const info = extractPageInfo(text, finalUrl);
  const terms = await termsOf(ctx, finalUrl, response.headers, info);
  const reserved = reservedDoc(task, ctx, terms, { ...common, ...fromInfo(info, undefined), timings });
  // A reserved page's links are not followed either: nothing of it is used.
  if (reserved) return reserved;
  const doc: CrawledDocument = {
    ...common,
    ...fromInfo(info, response.headers['content-language']),
    status: 'ok',
    fetchMethod: 'http',
    charset,
    content: text,
    timings,
    terms,
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
  if (!prefetched) {
    const early = await reservedByFile(ctx, task);
    if (early) return early;
  }
  const rendered = await renderInBrowser(ctx.browser(), task.url, prefetched);
  const info = extractPageInfo(rendered.content, rendered.finalUrl);
  const terms = await termsOf(ctx, rendered.finalUrl, rendered.headers, info);
  const base = {
    ...docBase(task, ctx.config),
    httpStatus: rendered.status,
    contentType: rendered.contentType,
    finalUrl: rendered.finalUrl,
    redirects: rendered.redirects,
    fetchedAt: new Date(),
    ...validators(rendered.headers),
  };
  const reserved = reservedDoc(task, ctx, terms, base);
  if (reserved) return reserved;
  const doc: CrawledDocument = {
    ...docBase(task, ctx.config),
    ...fromInfo(info, prefetched?.fetched.response.headers['content-language']),
    ...validators(rendered.headers),
    terms,
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
