import type { HTTPRequest, Page } from 'puppeteer-core';
import { createRequire } from 'node:module';
import type { LookupFunction } from './address-guard.js';
import { BrowserPool } from './browser-pool.js';
import { decodeBody, sniffBinary } from './charset.js';
import { classifyNetworkError, FailureCode, FetchError } from './errors.js';
import { HttpClient, type HttpResponse } from './http-client.js';
import { extractPageInfo, looksScriptRendered, type PageInfo } from './page-info.js';
import { backoffMs, HostPacer, isRetryableStatus, parseRetryAfter } from './politeness.js';
import { resolveScrapingConfig, robotsToken, type ScrapingConfig } from './scraping-config.js';
import { parseSitemap, sitemapText } from './sitemap.js';
import type { CrawledDocument, CrawlSummary } from './types.js';
import { normalizeUrl, sameSite, tryNormalizeHttpUrl, UrlFilter } from './urls.js';

export interface CrawlerOptions {
  /** Chromium for the browser fallback (AppConfig.chromePath); needed unless `browser` is given. */
  chromePath?: string;
  /** A pool shared by several crawlers (one browser per process); the crawler then does not close it. */
  browser?: BrowserPool;
  /** Tabs of the crawler's own pool. */
  browserPoolSize?: number;
  /** DNS resolution (default `dns.lookup`); tests map fixture host names to 127.0.0.x with it. */
  lookup?: LookupFunction;
  /**
   * `host:port` pairs reachable even when `allow_private_networks` is false:
   * an operator's intranet mirror, or a test's fixture site. Everything else
   * on a private address stays refused.
   */
  trustedHosts?: readonly string[];
  /** Random source for retry jitter (tests). */
  random?: () => number;
}

export interface CrawlOptions {
  signal?: AbortSignal;
}

interface RobotsTxt {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
  getSitemaps(): string[];
}
// robots-parser is CommonJS whose typings claim a default export it does not have under ESM.
const robotsParser = createRequire(import.meta.url)('robots-parser') as (url: string, text: string) => RobotsTxt;

const MAX_SITEMAPS = 100;
const MAX_CRAWL_DELAY_MS = 60_000;
const ROBOTS_MAX_BYTES = 512 * 1024;
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
const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
const PROCESSED_TYPES = new Set([...HTML_TYPES, 'text/plain']);

type RobotsDecision =
  | { kind: 'rules'; isAllowed: (url: string) => boolean; sitemaps: string[] }
  | { kind: 'allow-all' }
  | { kind: 'disallow-all'; reason: string }
  | { kind: 'unreachable'; error: FetchError };

interface Task {
  kind: 'page' | 'sitemap';
  url: string;
  depth: number;
  attempt: number;
  discoveredFrom?: string;
  enqueuedAt: number;
}

interface Fetched {
  response: HttpResponse;
  finalUrl: string;
  redirects: string[];
}

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/**
 * The Spider stage: fetches URLs politely (robots.txt, per-host pacing, a
 * global concurrency limit, retries), renders script-built pages in
 * Chromium, and streams one CrawledDocument per URL. It knows nothing of
 * queues or the database: see `storeCrawledDocument` for persistence.
 */
export class Crawler {
  private ownPool?: BrowserPool;

  constructor(private readonly options: CrawlerOptions = {}) {}

  /** The browser pool in use (created on first need unless one was given). */
  browserPool(): BrowserPool {
    if (this.options.browser) return this.options.browser;
    if (!this.options.chromePath) throw new FetchError(FailureCode.Browser, 'browser: no Chromium path configured');
    this.ownPool ??= new BrowserPool({
      executablePath: this.options.chromePath,
      size: this.options.browserPoolSize,
      trustedHosts: this.options.trustedHosts,
      lookup: this.options.lookup,
    });
    return this.ownPool;
  }

  /**
   * Crawls `urls` with the job's scraping config, yielding each document as
   * soon as it is final. Ends when every URL is final, or early (with what is
   * done) when `signal` aborts. Stopping the iteration stops the crawl.
   */
  async *crawl(
    urls: readonly string[],
    scraping: unknown = {},
    options: CrawlOptions = {},
  ): AsyncGenerator<CrawledDocument, CrawlSummary, undefined> {
    const config = resolveScrapingConfig(scraping);
    const run = new CrawlRun(this, config, this.options, options.signal);
    return yield* run.execute(urls);
  }

  /** `crawl` with a callback: awaits `onDocument` for each document (backpressure), returns the totals. */
  async run(
    urls: readonly string[],
    scraping: unknown,
    options: CrawlOptions & { onDocument: (doc: CrawledDocument) => unknown },
  ): Promise<CrawlSummary> {
    const it = this.crawl(urls, scraping, options);
    for (;;) {
      const next = await it.next();
      if (next.done) return next.value;
      await options.onDocument(next.value);
    }
  }

  /** Closes the crawler's own browser (never a shared one). */
  async close(): Promise<void> {
    await this.ownPool?.close();
    this.ownPool = undefined;
  }
}

/** The state of one crawl: frontier, robots cache, pacing, result buffer. */
class CrawlRun {
  private readonly http: HttpClient;
  private readonly pacer: HostPacer;
  private readonly filter: UrlFilter;
  private readonly robots = new Map<string, Promise<RobotsDecision>>();
  private readonly robotsLoaded = new Set<string>();
  private readonly queues = new Map<string, Task[]>();
  private readonly seen = new Set<string>();
  private readonly okFinalUrls = new Map<string, string>();
  private readonly sitemapsSeen = new Set<string>();
  private readonly controller = new AbortController();
  private readonly signal: AbortSignal;
  private admitted = 0;
  private active = 0;
  private delayed = 0;
  private finished = false;
  private wake: () => void = () => undefined;
  private wakeup = this.newWakeup();
  private readonly out: CrawledDocument[] = [];
  private outWake?: () => void;
  private readonly outSpace: Array<() => void> = [];
  private readonly summary: CrawlSummary = {
    ok: 0,
    failed: 0,
    skipped: 0,
    requests: 0,
    sitemapsRead: 0,
    droppedByMaxPages: 0,
    cancelled: false,
  };
  private readonly random: () => number;
  private readonly token: string;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly crawler: Crawler,
    private readonly config: ScrapingConfig,
    private readonly options: CrawlerOptions,
    external?: AbortSignal,
  ) {
    this.signal = external ? AbortSignal.any([external, this.controller.signal]) : this.controller.signal;
    this.http = new HttpClient({
      userAgent: config.user_agent,
      connectTimeoutMs: config.connect_timeout_ms,
      readTimeoutMs: config.read_timeout_ms,
      allowPrivateNetworks: config.allow_private_networks,
      trustedHosts: options.trustedHosts,
      lookup: options.lookup,
    });
    this.pacer = new HostPacer(1000 / config.requests_per_second);
    this.filter = new UrlFilter(config.include_patterns, config.exclude_patterns);
    this.random = options.random ?? Math.random;
    this.token = robotsToken(config.user_agent);
  }

  private newWakeup(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  private notify(): void {
    const wake = this.wake;
    this.wakeup = this.newWakeup();
    wake();
  }

  async *execute(urls: readonly string[]): AsyncGenerator<CrawledDocument, CrawlSummary, undefined> {
    const onAbort = () => this.notify();
    this.signal.addEventListener('abort', onAbort);
    for (const raw of urls) this.admitSeed(raw);
    if (this.config.mode === 'site') {
      for (const origin of new Set([...this.seen].map((u) => new URL(u).origin))) {
        this.addSitemap(`${origin}/sitemap.xml`, undefined);
      }
    }
    const workers = Array.from({ length: this.config.max_concurrent }, () => this.worker());
    const all = Promise.all(workers).finally(() => {
      this.finished = true;
      this.outWake?.();
    });
    try {
      for (;;) {
        if (this.out.length) {
          const doc = this.out.shift()!;
          this.outSpace.shift()?.();
          yield doc;
          continue;
        }
        if (this.finished) break;
        await new Promise<void>((resolve) => (this.outWake = resolve));
        this.outWake = undefined;
      }
      await all;
    } finally {
      // Reached on normal end, on an abort, and when the consumer stops iterating.
      if (!this.finished) this.controller.abort(new DOMException('crawl stopped', 'AbortError'));
      for (const resolve of this.outSpace.splice(0)) resolve();
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      this.notify();
      await all.catch(() => undefined);
      this.signal.removeEventListener('abort', onAbort);
      await this.http.close();
    }
    this.summary.cancelled = this.signal.aborted;
    return this.summary;
  }

  // ---- frontier -------------------------------------------------------------------------------

  private hostKey(url: string): string {
    return new URL(url).host;
  }

  private enqueue(task: Task): void {
    const key = this.hostKey(task.url);
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = []));
    q.push(task);
    this.notify();
  }

  private admitSeed(raw: string): void {
    const url = tryNormalizeHttpUrl(raw);
    const base = {
      depth: 0,
      redirects: [],
      attempts: 0,
      timings: { totalMs: 0 },
      robotsIgnored: !this.config.respect_robots_txt,
      privateNetworksAllowed: this.config.allow_private_networks,
    };
    if (!url) {
      let reason = `invalid URL ${JSON.stringify(raw)}`;
      let code: FailureCode = FailureCode.InvalidUrl;
      try {
        reason = `scheme ${new URL(raw).protocol} is not http or https`;
        code = FailureCode.Scheme;
      } catch {
        // not a URL at all
      }
      return void this.emitNow({ ...base, url: raw, status: 'failed', reasonCode: code, reason });
    }
    if (this.seen.has(url)) {
      return void this.emitNow({
        ...base,
        url,
        status: 'skipped',
        reasonCode: FailureCode.Duplicate,
        reason: 'duplicate URL',
      });
    }
    this.seen.add(url);
    if (this.admitted >= this.config.max_pages) {
      return void this.emitNow({
        ...base,
        url,
        status: 'skipped',
        reasonCode: FailureCode.MaxPages,
        reason: `max_pages (${this.config.max_pages}) reached`,
      });
    }
    this.admitted++;
    this.enqueue({ kind: 'page', url, depth: 0, attempt: 1, enqueuedAt: performance.now() });
  }

  /** A URL found in a page or a sitemap, in site mode: same site, within depth, patterns and max_pages. */
  private admitDiscovered(url: string, depth: number, from: string, seed: string): void {
    if (depth > this.config.max_depth || this.seen.has(url) || !sameSite(url, seed) || !this.filter.accepts(url))
      return;
    this.seen.add(url);
    if (this.admitted >= this.config.max_pages) {
      this.summary.droppedByMaxPages++;
      return;
    }
    this.admitted++;
    this.enqueue({ kind: 'page', url, depth, attempt: 1, discoveredFrom: from, enqueuedAt: performance.now() });
  }

  private addSitemap(url: string, from: string | undefined): void {
    if (this.sitemapsSeen.has(url) || this.sitemapsSeen.size >= MAX_SITEMAPS) return;
    this.sitemapsSeen.add(url);
    this.enqueue({ kind: 'sitemap', url, depth: 0, attempt: 1, discoveredFrom: from, enqueuedAt: performance.now() });
  }

  /** The queued task whose host can be sent to soonest; hosts whose robots.txt is loading wait. */
  private pick(): Task | undefined {
    let best: { key: string; slot: number } | undefined;
    for (const [key, q] of this.queues) {
      if (!q.length) continue;
      const origin = new URL(q[0]!.url).origin;
      if (this.robots.has(origin) && !this.robotsLoaded.has(origin)) continue;
      const slot = this.pacer.nextSlot(key);
      if (!best || slot < best.slot) best = { key, slot };
    }
    if (!best) return undefined;
    const q = this.queues.get(best.key)!;
    const task = q.shift()!;
    if (!q.length) this.queues.delete(best.key);
    return task;
  }

  private async worker(): Promise<void> {
    for (;;) {
      if (this.signal.aborted) return;
      const task = this.pick();
      if (!task) {
        if (this.active === 0 && this.delayed === 0 && !this.hasQueued()) {
          this.notify();
          return;
        }
        await this.wakeup;
        continue;
      }
      this.active++;
      try {
        if (task.kind === 'page') await this.processPage(task);
        else await this.processSitemap(task);
      } catch (e) {
        // processPage turns every error into a document; this only guards against a bug stopping the crawl.
        if (!this.signal.aborted && task.kind === 'page') {
          await this.emit(this.failedDoc(task, classifyNetworkError(e, this.hostKey(task.url))));
        }
      } finally {
        this.active--;
        this.notify();
      }
    }
  }

  private hasQueued(): boolean {
    for (const q of this.queues.values()) if (q.length) return true;
    return false;
  }

  private retryLater(task: Task, ms: number): void {
    this.delayed++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.delayed--;
      this.enqueue({ ...task, attempt: task.attempt + 1 });
    }, ms);
    this.timers.add(timer);
  }

  // ---- output ---------------------------------------------------------------------------------

  private count(doc: CrawledDocument): void {
    this.summary[doc.status]++;
  }

  private emitNow(doc: CrawledDocument): void {
    this.count(doc);
    this.out.push(doc);
    this.outWake?.();
  }

  /** Hands a document to the consumer; waits while the consumer is behind (at most max_concurrent buffered). */
  private async emit(doc: CrawledDocument): Promise<void> {
    this.emitNow(doc);
    if (this.out.length > this.config.max_concurrent && !this.signal.aborted) {
      await new Promise<void>((resolve) => this.outSpace.push(resolve));
    }
  }

  private docBase(task: Task) {
    return {
      url: task.url,
      depth: task.depth,
      discoveredFrom: task.discoveredFrom,
      redirects: [] as string[],
      attempts: task.attempt,
      robotsIgnored: !this.config.respect_robots_txt,
      privateNetworksAllowed: this.config.allow_private_networks,
      timings: { totalMs: Math.round(performance.now() - task.enqueuedAt) },
    };
  }

  private failedDoc(task: Task, e: FetchError, extra: Partial<CrawledDocument> = {}): CrawledDocument {
    const skipped =
      e.code === FailureCode.Robots || e.code === FailureCode.ContentType || e.code === FailureCode.Duplicate;
    return {
      ...this.docBase(task),
      status: skipped ? 'skipped' : 'failed',
      reasonCode: e.code,
      reason: e.message,
      httpStatus: e.options.httpStatus,
      ...extra,
    };
  }

  // ---- robots.txt -----------------------------------------------------------------------------

  private robotsFor(origin: string): Promise<RobotsDecision> {
    let p = this.robots.get(origin);
    if (!p) {
      p = this.loadRobots(origin).finally(() => {
        this.robotsLoaded.add(origin);
        this.notify();
      });
      this.robots.set(origin, p);
    }
    return p;
  }

  /** RFC 9309: 2xx parsed; 4xx allows all; 5xx, timeouts and unreachable disallow all for now. */
  private async loadRobots(origin: string): Promise<RobotsDecision> {
    const robotsUrl = `${origin}/robots.txt`;
    let fetched: Fetched;
    try {
      fetched = await this.fetchFollowing(robotsUrl, { checkRobots: false, maxBytes: ROBOTS_MAX_BYTES });
    } catch (e) {
      const err = e instanceof FetchError ? e : classifyNetworkError(e, new URL(origin).host);
      if (err.code === FailureCode.TooLarge) return { kind: 'allow-all' };
      if (err.code === FailureCode.Timeout || err.code === FailureCode.Network) {
        return { kind: 'disallow-all', reason: `robots: robots.txt could not be read (${err.message})` };
      }
      return { kind: 'unreachable', error: err };
    }
    const status = fetched.response.status;
    if (status >= 400 && status < 500) return { kind: 'allow-all' };
    if (status < 200 || status >= 300) {
      return { kind: 'disallow-all', reason: `robots: robots.txt answered HTTP ${status}, site treated as disallowed` };
    }
    const robot = robotsParser(robotsUrl, fetched.response.body.toString('utf8'));
    const crawlDelay = robot.getCrawlDelay(this.token);
    if (crawlDelay && crawlDelay > 0) {
      this.pacer.slowDown(new URL(origin).host, Math.min(crawlDelay * 1000, MAX_CRAWL_DELAY_MS));
    }
    return {
      kind: 'rules',
      isAllowed: (url) => robot.isAllowed(url, this.token) !== false,
      sitemaps: robot.getSitemaps(),
    };
  }

  /** Throws a FetchError when robots.txt forbids `url` (or the site cannot be reached). */
  private async checkRobots(url: string): Promise<void> {
    if (!this.config.respect_robots_txt) return;
    if (new URL(url).pathname === '/robots.txt') return;
    const origin = new URL(url).origin;
    const decision = await this.robotsFor(origin);
    if (decision.kind === 'unreachable') throw decision.error;
    if (decision.kind === 'disallow-all') throw new FetchError(FailureCode.Robots, decision.reason);
    if (decision.kind === 'rules') {
      if (this.config.mode === 'site') for (const s of decision.sitemaps) this.addSitemapFromRobots(s);
      if (!decision.isAllowed(url)) throw new FetchError(FailureCode.Robots, 'robots: disallowed by robots.txt');
    }
  }

  private addSitemapFromRobots(raw: string): void {
    const url = tryNormalizeHttpUrl(raw);
    if (url && [...this.seen].some((s) => sameSite(s, url))) this.addSitemap(url, 'robots.txt');
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  private async request(
    url: string,
    init: {
      method?: 'GET' | 'POST' | 'HEAD';
      headers?: Record<string, string>;
      body?: Buffer | string;
      maxBytes: number;
    },
  ): Promise<HttpResponse> {
    const release = await this.pacer.acquire(this.hostKey(url), this.signal);
    try {
      const timeout = AbortSignal.timeout(this.config.request_timeout_ms);
      this.summary.requests++;
      return await this.http.request({
        url,
        ...init,
        signal: AbortSignal.any([this.signal, timeout]),
        onHeaders: release,
      });
    } finally {
      release();
    }
  }

  /** GET with redirects followed by hand: each hop checked (scheme, address, robots.txt) and paced. */
  private async fetchFollowing(url: string, opts: { checkRobots: boolean; maxBytes: number }): Promise<Fetched> {
    const redirects: string[] = [];
    let current = url;
    for (;;) {
      if (opts.checkRobots) await this.checkRobots(current);
      const response = await this.request(current, { maxBytes: opts.maxBytes });
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
        if (redirects.length >= this.config.max_redirects) {
          throw new FetchError(FailureCode.Redirects, `more than ${this.config.max_redirects} redirects`, {
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

  private httpError(response: HttpResponse): FetchError {
    const status = response.status;
    return new FetchError(FailureCode.Http, `HTTP ${status}`, {
      httpStatus: status,
      retryable: isRetryableStatus(status),
      retryAfterMs: parseRetryAfter(response.headers['retry-after']),
    });
  }

  /** Decides on a failed attempt: another attempt later (true), or a final failure (false). */
  private scheduleRetry(task: Task, e: FetchError): boolean {
    if (!e.retryable || task.attempt >= this.config.max_attempts || this.signal.aborted) return false;
    const retryAfter = e.options.retryAfterMs;
    if (retryAfter !== undefined && retryAfter > this.config.max_retry_after_ms) return false;
    const wait = Math.max(backoffMs(task.attempt, this.config.retry_base_delay_ms, this.random), retryAfter ?? 0);
    if (retryAfter !== undefined) this.pacer.pause(this.hostKey(task.url), performance.now() + retryAfter);
    this.retryLater(task, wait);
    return true;
  }

  // ---- pages ----------------------------------------------------------------------------------

  private async processPage(task: Task): Promise<void> {
    let doc: CrawledDocument;
    try {
      doc =
        this.config.use_playwright === 'always'
          ? await this.renderPage(task, undefined, 'always')
          : await this.httpPage(task);
    } catch (e) {
      if (this.signal.aborted) return;
      const err = e instanceof FetchError ? e : classifyNetworkError(e, this.hostKey(task.url));
      if (this.scheduleRetry(task, err)) return;
      doc = this.failedDoc(task, err);
    }
    if (doc.status === 'ok' && doc.finalUrl) {
      const earlier = this.okFinalUrls.get(doc.finalUrl);
      if (earlier && earlier !== doc.url) {
        doc = {
          ...doc,
          status: 'skipped',
          reasonCode: FailureCode.Duplicate,
          reason: `duplicate: same final URL as ${earlier}`,
          content: undefined,
        };
      } else this.okFinalUrls.set(doc.finalUrl, doc.url);
    }
    await this.emit(doc);
  }

  private async httpPage(task: Task): Promise<CrawledDocument> {
    const started = performance.now();
    const fetched = await this.fetchFollowing(task.url, { checkRobots: true, maxBytes: this.config.max_body_bytes });
    const { response, finalUrl, redirects } = fetched;
    if (response.status < 200 || response.status >= 300) {
      const err = this.httpError(response);
      if (err.retryable) throw err;
      return this.failedDoc(task, err, { finalUrl, redirects, contentType: response.headers['content-type'] });
    }
    const contentType = response.headers['content-type'];
    const type = mediaType(contentType);
    const common = {
      ...this.docBase(task),
      httpStatus: response.status,
      contentType,
      finalUrl,
      redirects,
      bytes: response.body.length,
      fetchedAt: new Date(),
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
      ...this.fromInfo(info, response.headers['content-language']),
      status: 'ok',
      fetchMethod: 'http',
      charset,
      content: text,
      timings,
    };
    if (this.config.use_playwright === 'auto' && looksScriptRendered(info)) {
      const why = info.emptyAppRoot
        ? 'empty app root'
        : info.noscriptHint
          ? 'noscript asks for JavaScript'
          : `little visible text (${info.visibleTextLength} characters)`;
      try {
        return await this.renderPage(task, { fetched, contentType: contentType ?? 'text/html' }, why);
      } catch (e) {
        if (this.signal.aborted) throw e;
        return { ...doc, browserReason: why, browserError: (e as Error).message };
      }
    }
    this.follow(task, finalUrl, info);
    return doc;
  }

  private fromInfo(info: PageInfo, contentLanguage: string | undefined): Partial<CrawledDocument> {
    return {
      title: info.title,
      language: info.language ?? contentLanguage?.split(',')[0]?.trim(),
      canonicalUrl: info.canonicalUrl,
      publishedAt: info.publishedAt,
      linksFound: info.links.length,
    };
  }

  private follow(task: Task, pageUrl: string, info: PageInfo): void {
    if (this.config.mode !== 'site' || task.depth >= this.config.max_depth) return;
    for (const link of info.links) this.admitDiscovered(link, task.depth + 1, pageUrl, task.url);
  }

  // ---- browser --------------------------------------------------------------------------------

  /**
   * Renders a page in Chromium. Every request the page makes goes through
   * this crawler's HTTP client (so the address guard, robots.txt for
   * documents, and per-host pacing apply to the browser too); images, fonts,
   * media and styles are refused. With `prefetched`, the document is served
   * from the HTTP result instead of being requested again.
   */
  private async renderPage(
    task: Task,
    prefetched: { fetched: Fetched; contentType: string } | undefined,
    reason: string,
  ): Promise<CrawledDocument> {
    const started = performance.now();
    const pool = this.crawler.browserPool();
    const startUrl = prefetched?.fetched.finalUrl ?? task.url;
    const redirects = [...(prefetched?.fetched.redirects ?? [])];
    let navigationStatus: number | undefined;
    let navigationType: string | undefined;
    let navigationBytes = 0;
    let navigationError: FetchError | undefined;
    const render = async (page: Page) => {
      await page.setUserAgent({ userAgent: this.config.user_agent });
      await page.setRequestInterception(true);
      page.on('request', (req) => {
        void this.interceptRequest(req, startUrl, prefetched, (info) => {
          if (info.error) navigationError = info.error;
          if (info.status !== undefined) {
            navigationStatus = info.status;
            navigationType = info.contentType;
            navigationBytes = info.bytes ?? 0;
          }
          if (info.redirect) redirects.push(info.redirect);
        });
      });
      let response;
      try {
        response = await page.goto(startUrl, { waitUntil: 'load', timeout: this.config.navigation_timeout_ms });
      } catch (e) {
        if (navigationError) throw navigationError;
        if ((e as Error).name === 'TimeoutError') {
          throw new FetchError(
            FailureCode.Timeout,
            `timeout: browser navigation over ${this.config.navigation_timeout_ms} ms`,
            {
              retryable: true,
            },
          );
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
    const result = await pool.withPage(render, this.signal);
    const status = result.status ?? 0;
    if (status < 200 || status >= 300) {
      throw new FetchError(FailureCode.Http, `HTTP ${status}`, {
        httpStatus: status,
        retryable: isRetryableStatus(status),
      });
    }
    const contentType = prefetched?.contentType ?? navigationType;
    const info = extractPageInfo(result.content, result.finalUrl);
    const doc: CrawledDocument = {
      ...this.docBase(task),
      ...this.fromInfo(info, prefetched?.fetched.response.headers['content-language']),
      status: 'ok',
      httpStatus: status,
      contentType,
      finalUrl: result.finalUrl,
      redirects: [...new Set(redirects)],
      fetchMethod: 'browser',
      browserReason: reason,
      charset: 'utf-8',
      content: result.content,
      bytes: prefetched ? prefetched.fetched.response.body.length : navigationBytes,
      fetchedAt: new Date(),
      timings: {
        ttfbMs: prefetched ? Math.round(prefetched.fetched.response.timings.ttfbMs) : undefined,
        browserMs: Math.round(performance.now() - started),
        totalMs: Math.round(performance.now() - task.enqueuedAt),
      },
    };
    this.follow(task, result.finalUrl, info);
    return doc;
  }

  private async interceptRequest(
    req: HTTPRequest,
    startUrl: string,
    prefetched: { fetched: Fetched; contentType: string } | undefined,
    onNavigation: (info: {
      status?: number;
      contentType?: string;
      bytes?: number;
      redirect?: string;
      error?: FetchError;
    }) => void,
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
        onNavigation({ status: r.status, contentType: prefetched.contentType });
        return await req.respond({
          status: r.status,
          headers: { 'content-type': prefetched.contentType },
          body: r.body,
        });
      }
      if (isNavigation) await this.checkRobots(normalizeUrl(url));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers())) {
        if (!['user-agent', 'accept-encoding', 'host', 'connection', 'content-length'].includes(k.toLowerCase()))
          headers[k] = v;
      }
      const response = await this.request(url, {
        method: method as 'GET' | 'HEAD' | 'POST',
        headers,
        body: req.postData(),
        maxBytes: this.config.max_body_bytes,
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
          });
        }
      }
      await req.respond({ status: response.status, headers: outHeaders, body: response.body });
    } catch (e) {
      const err = e instanceof FetchError ? e : classifyNetworkError(e, url);
      if (isNavigation) onNavigation({ error: err });
      await req
        .abort(
          err.code === FailureCode.BlockedAddress || err.code === FailureCode.Robots ? 'blockedbyclient' : 'failed',
        )
        .catch(() => undefined);
    }
  }

  // ---- sitemaps -------------------------------------------------------------------------------

  private async processSitemap(task: Task): Promise<void> {
    let fetched: Fetched;
    try {
      fetched = await this.fetchFollowing(task.url, { checkRobots: true, maxBytes: this.config.max_body_bytes });
    } catch (e) {
      const err = e instanceof FetchError ? e : classifyNetworkError(e, this.hostKey(task.url));
      this.scheduleRetry(task, err);
      return;
    }
    const { response } = fetched;
    if (response.status < 200 || response.status >= 300) {
      this.scheduleRetry(task, this.httpError(response));
      return;
    }
    let parsed: { urls: string[]; sitemaps: string[] };
    try {
      parsed = parseSitemap(sitemapText(response.body, this.config.max_body_bytes));
    } catch {
      return;
    }
    this.summary.sitemapsRead++;
    for (const child of parsed.sitemaps) if (sameSite(child, task.url)) this.addSitemap(child, task.url);
    for (const url of parsed.urls) this.admitDiscovered(url, 1, task.url, task.url);
  }
}
