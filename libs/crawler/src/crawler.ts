import type { LookupFunction } from './address-guard.js';
import { BrowserPool } from './browser-pool.js';
import { type Prefetched, renderInBrowser } from './browser-render.js';
import { decodeBody, sniffBinary } from './charset.js';
import { classifyNetworkError, FailureCode, FetchError } from './errors.js';
import { type Fetched, fetchFollowing, httpError, type RequestFn } from './fetch-following.js';
import { Frontier, hostKey, type Task } from './frontier.js';
import { HttpClient } from './http-client.js';
import { OutputChannel } from './output-channel.js';
import { extractPageInfo, looksScriptRendered, type PageInfo } from './page-info.js';
import { backoffMs, HostPacer } from './politeness.js';
import { RobotsCache } from './robots.js';
import { resolveScrapingConfig, robotsToken, type ScrapingConfig } from './scraping-config.js';
import { processSitemap } from './sitemap-task.js';
import type { CrawledDocument, CrawlSummary } from './types.js';
import { tryNormalizeHttpUrl } from './urls.js';

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

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
const PROCESSED_TYPES = new Set([...HTML_TYPES, 'text/plain']);

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

/** The state of one crawl: the frontier, robots.txt, pacing, the output channel, the workers. */
class CrawlRun {
  private readonly http: HttpClient;
  private readonly pacer: HostPacer;
  private readonly frontier: Frontier;
  private readonly robots: RobotsCache;
  private readonly okFinalUrls = new Map<string, string>();
  private readonly controller = new AbortController();
  private readonly signal: AbortSignal;
  private active = 0;
  private delayed = 0;
  private wake: () => void = () => undefined;
  private wakeup = this.newWakeup();
  private readonly output: OutputChannel<CrawledDocument>;
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
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly crawler: Crawler,
    private readonly config: ScrapingConfig,
    options: CrawlerOptions,
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
    this.frontier = new Frontier(config, () => this.notify());
    this.robots = new RobotsCache({
      respect: config.respect_robots_txt,
      token: robotsToken(config.user_agent),
      fetch: (url, maxBytes) => fetchFollowing(this.request, url, { maxBytes, maxRedirects: config.max_redirects }),
      pacer: this.pacer,
      onLoaded: () => this.notify(),
      onSitemap: config.mode === 'site' ? (raw) => this.addSitemapFromRobots(raw) : undefined,
    });
    this.output = new OutputChannel(config.max_concurrent);
    this.random = options.random ?? Math.random;
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
      for (const origin of this.frontier.seenOrigins()) this.frontier.addSitemap(`${origin}/sitemap.xml`, undefined);
    }
    const workers = Array.from({ length: this.config.max_concurrent }, () => this.worker());
    const all = Promise.all(workers).finally(() => this.output.close());
    try {
      yield* this.output.items();
      await all;
    } finally {
      // Reached on normal end, on an abort, and when the consumer stops iterating.
      if (!this.output.isClosed) this.controller.abort(new DOMException('crawl stopped', 'AbortError'));
      this.output.releaseSenders();
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

  // ---- admission ------------------------------------------------------------------------------

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
    const admission = this.frontier.admitSeed(url);
    if (admission === 'duplicate') {
      return void this.emitNow({
        ...base,
        url,
        status: 'skipped',
        reasonCode: FailureCode.Duplicate,
        reason: 'duplicate URL',
      });
    }
    if (admission === 'over-max-pages') {
      return void this.emitNow({
        ...base,
        url,
        status: 'skipped',
        reasonCode: FailureCode.MaxPages,
        reason: `max_pages (${this.config.max_pages}) reached`,
      });
    }
  }

  private admitDiscovered(url: string, depth: number, from: string, seed: string): void {
    if (this.frontier.admitDiscovered(url, depth, from, seed) === 'over-max-pages') this.summary.droppedByMaxPages++;
  }

  private addSitemapFromRobots(raw: string): void {
    const url = tryNormalizeHttpUrl(raw);
    if (url && this.frontier.seenSameSite(url)) this.frontier.addSitemap(url, 'robots.txt');
  }

  // ---- workers --------------------------------------------------------------------------------

  private async worker(): Promise<void> {
    for (;;) {
      if (this.signal.aborted) return;
      const task = this.frontier.pick(
        (host) => this.pacer.nextSlot(host),
        (origin) => this.robots.isLoading(origin),
      );
      if (!task) {
        if (this.active === 0 && this.delayed === 0 && !this.frontier.hasQueued()) {
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
          await this.emit(this.failedDoc(task, classifyNetworkError(e, hostKey(task.url))));
        }
      } finally {
        this.active--;
        this.notify();
      }
    }
  }

  private retryLater(task: Task, ms: number): void {
    this.delayed++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.delayed--;
      this.frontier.enqueue({ ...task, attempt: task.attempt + 1 });
    }, ms);
    this.timers.add(timer);
  }

  /** Decides on a failed attempt: another attempt later (true), or a final failure (false). */
  private scheduleRetry(task: Task, e: FetchError): boolean {
    if (!e.retryable || task.attempt >= this.config.max_attempts || this.signal.aborted) return false;
    const retryAfter = e.options.retryAfterMs;
    if (retryAfter !== undefined && retryAfter > this.config.max_retry_after_ms) return false;
    const wait = Math.max(backoffMs(task.attempt, this.config.retry_base_delay_ms, this.random), retryAfter ?? 0);
    if (retryAfter !== undefined) this.pacer.pause(hostKey(task.url), performance.now() + retryAfter);
    this.retryLater(task, wait);
    return true;
  }

  // ---- output ---------------------------------------------------------------------------------

  private emitNow(doc: CrawledDocument): void {
    this.summary[doc.status]++;
    this.output.push(doc);
  }

  /** Hands a document to the consumer; waits while the consumer is behind (at most max_concurrent buffered). */
  private async emit(doc: CrawledDocument): Promise<void> {
    this.summary[doc.status]++;
    await this.output.send(doc, this.signal);
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

  // ---- HTTP -----------------------------------------------------------------------------------

  /** One request, paced per host and counted; the host's slot is released when the headers arrive. */
  private readonly request: RequestFn = async (url, init) => {
    const release = await this.pacer.acquire(hostKey(url), this.signal);
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
  };

  /** A page or sitemap GET: redirects followed, robots.txt checked on every hop. */
  private fetchDocument(url: string): Promise<Fetched> {
    return fetchFollowing(this.request, url, {
      maxBytes: this.config.max_body_bytes,
      maxRedirects: this.config.max_redirects,
      checkHop: (hop) => this.robots.check(hop),
    });
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
      const err = e instanceof FetchError ? e : classifyNetworkError(e, hostKey(task.url));
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
    const fetched = await this.fetchDocument(task.url);
    const { response, finalUrl, redirects } = fetched;
    if (response.status < 200 || response.status >= 300) {
      const err = httpError(response);
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

  /** A page rendered in Chromium (see renderInBrowser), made a document; its links go to the frontier. */
  private async renderPage(task: Task, prefetched: Prefetched | undefined, reason: string): Promise<CrawledDocument> {
    const started = performance.now();
    const rendered = await renderInBrowser(
      {
        pool: this.crawler.browserPool(),
        userAgent: this.config.user_agent,
        navigationTimeoutMs: this.config.navigation_timeout_ms,
        maxBodyBytes: this.config.max_body_bytes,
        signal: this.signal,
        checkRobots: (url) => this.robots.check(url),
        request: this.request,
      },
      task.url,
      prefetched,
    );
    const info = extractPageInfo(rendered.content, rendered.finalUrl);
    const doc: CrawledDocument = {
      ...this.docBase(task),
      ...this.fromInfo(info, prefetched?.fetched.response.headers['content-language']),
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
    this.follow(task, rendered.finalUrl, info);
    return doc;
  }

  // ---- sitemaps -------------------------------------------------------------------------------

  private processSitemap(task: Task): Promise<void> {
    return processSitemap(
      {
        maxBodyBytes: this.config.max_body_bytes,
        fetch: (url) => this.fetchDocument(url),
        scheduleRetry: (t, e) => void this.scheduleRetry(t, e),
        onRead: () => void this.summary.sitemapsRead++,
        addSitemap: (url, from) => this.frontier.addSitemap(url, from),
        admitDiscovered: (url, depth, from, seed) => this.admitDiscovered(url, depth, from, seed),
      },
      task,
    );
  }
}
