import type { LookupFunction } from './address-guard.js';
import { BrowserPool } from './browser-pool.js';
import { failedDoc } from './documents.js';
import { classifyNetworkError, FailureCode, FetchError } from './errors.js';
import { type Fetched, fetchFollowing, type RequestFn } from './fetch-following.js';
import { type ConditionalRequest, Frontier, hostKey, type Task } from './frontier.js';
import { HttpClient } from './http-client.js';
import { OutputChannel } from './output-channel.js';
import { pageDocument, type PageTaskContext } from './page-task.js';
import { backoffMs, delay, HostPacer, type HostSchedule } from './politeness.js';
import { RobotsCache, type RobotsStore } from './robots.js';
import { fetchTdmRep, type StoredTdmRep, type TdmRepStore } from './terms.js';
import { resolveScrapingConfig, robotsToken, type ScrapingConfig } from './scraping-config.js';
import { processSitemap } from './sitemap-task.js';
import type { CrawledDocument, CrawlSummary } from './types.js';
import { sameSite, tryNormalizeHttpUrl, UrlFilter } from './urls.js';

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

/** What a crawl shared by several workers keeps outside the process: per-host pacing and robots.txt. */
export interface SharedCrawlState {
  schedule: HostSchedule;
  robots?: RobotsStore;
  /** Each origin's /.well-known/tdmrep.json, fetched once per job. */
  tdmRep?: TdmRepStore;
}

/** Why a seed URL is not fetched: its item makes the matching document instead. */
export type SeedNote = 'invalid_url' | 'duplicate' | 'max_pages';

/** One item of a shared frontier: a page or a sitemap, fetched by `Crawler.fetchOne`. */
export interface FrontierTask {
  kind: 'page' | 'sitemap';
  url: string;
  depth: number;
  discoveredFrom?: string;
  note?: SeedNote;
  /** The validators of the copy held (a refresh): the page may come back `notModified`. */
  conditional?: ConditionalRequest;
}

/** A URL an item found (site mode), within depth, same site and the patterns; the frontier dedups and caps it. */
export interface DiscoveredUrl {
  kind: 'page' | 'sitemap';
  url: string;
  depth: number;
  discoveredFrom?: string;
}

export interface FetchOneResult {
  /** The page's final document (none for a sitemap). */
  document?: CrawledDocument;
  discovered: DiscoveredUrl[];
}

/**
 * The Spider stage: fetches URLs politely (robots.txt, per-host pacing, a
 * global concurrency limit, retries), renders script-built pages in
 * Chromium, and streams one CrawledDocument per URL. It knows nothing of
 * queues or the database: see `storeCrawledDocument` for persistence.
 */
/** HTTP clients `fetchOne` keeps (one per distinct client setting), so items reuse connections. */
const MAX_SHARED_CLIENTS = 8;

export class Crawler {
  private ownPool?: BrowserPool;
  private readonly clients = new Map<string, HttpClient>();

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

  /**
   * Fetches one item of a frontier kept elsewhere (the pipeline's, in the
   * database), with retries, robots.txt and pacing from `shared`: the same
   * page logic as `crawl`, one URL at a time. What the item discovers is
   * returned, not followed. Rejects when `signal` aborts.
   */
  async fetchOne(
    task: FrontierTask,
    scraping: unknown,
    options: CrawlOptions & { shared: SharedCrawlState },
  ): Promise<FetchOneResult> {
    const config = resolveScrapingConfig(scraping);
    const run = new CrawlRun(this, config, this.options, options.signal, options.shared, this.clientFor(config));
    return run.one(task);
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

  private clientFor(config: ScrapingConfig): HttpClient {
    const key = JSON.stringify([
      config.user_agent,
      config.connect_timeout_ms,
      config.read_timeout_ms,
      config.allow_private_networks,
    ]);
    let client = this.clients.get(key);
    if (!client) {
      if (this.clients.size >= MAX_SHARED_CLIENTS) {
        const [oldKey, old] = this.clients.entries().next().value!;
        this.clients.delete(oldKey);
        // Requests still on it end within their timeout; then its connections go.
        setTimeout(() => void old.close(), config.request_timeout_ms).unref();
      }
      client = newHttpClient(config, this.options);
      this.clients.set(key, client);
    }
    return client;
  }

  /** Closes the crawler's own browser (never a shared one) and its HTTP connections. */
  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.close()));
    await this.ownPool?.close();
    this.ownPool = undefined;
  }
}

function newHttpClient(config: ScrapingConfig, options: CrawlerOptions): HttpClient {
  return new HttpClient({
    userAgent: config.user_agent,
    connectTimeoutMs: config.connect_timeout_ms,
    readTimeoutMs: config.read_timeout_ms,
    allowPrivateNetworks: config.allow_private_networks,
    trustedHosts: options.trustedHosts,
    lookup: options.lookup,
  });
}

/** The state of one crawl: the frontier, robots.txt, pacing, the output channel, the workers. */
class CrawlRun {
  private readonly http: HttpClient;
  private readonly ownsHttp: boolean;
  private readonly pacer: HostPacer;
  /** The pacing every request obeys: this crawl's pacer, or a schedule shared by workers. */
  private readonly schedule: HostSchedule;
  /** Set in single-item mode (`one`): what the item discovered, and the wait before its next attempt. */
  private collected?: DiscoveredUrl[];
  private singleUrl?: string;
  private retryWait?: number;
  private readonly filter: UrlFilter;
  private readonly frontier: Frontier;
  private readonly robots: RobotsCache;
  private readonly tdmReps = new Map<string, Promise<StoredTdmRep>>();
  private readonly tdmRepStore?: TdmRepStore;
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
  private readonly pageContext: PageTaskContext;

  constructor(
    private readonly crawler: Crawler,
    private readonly config: ScrapingConfig,
    options: CrawlerOptions,
    external?: AbortSignal,
    shared?: SharedCrawlState,
    /** A client the crawler keeps across runs (`fetchOne`); the run then does not close it. */
    http?: HttpClient,
  ) {
    this.signal = external ? AbortSignal.any([external, this.controller.signal]) : this.controller.signal;
    this.http = http ?? newHttpClient(config, options);
    this.ownsHttp = !http;
    this.pacer = new HostPacer(1000 / config.requests_per_second);
    this.schedule = shared?.schedule ?? this.pacer;
    this.filter = new UrlFilter(config.include_patterns, config.exclude_patterns);
    this.frontier = new Frontier(config, () => this.notify());
    this.robots = new RobotsCache({
      respect: config.respect_robots_txt,
      token: robotsToken(config.user_agent),
      fetch: (url, maxBytes) => fetchFollowing(this.request, url, { maxBytes, maxRedirects: config.max_redirects }),
      pacer: this.schedule,
      store: shared?.robots,
      onLoaded: () => this.notify(),
      onSitemap: config.mode === 'site' ? (raw) => this.addSitemapFromRobots(raw) : undefined,
    });
    this.tdmRepStore = shared?.tdmRep;
    this.output = new OutputChannel(config.max_concurrent);
    this.random = options.random ?? Math.random;
    this.pageContext = {
      config,
      signal: this.signal,
      fetch: (url, headers) => this.fetchDocument(url, headers),
      checkRobots: (url) => this.robots.check(url),
      tdmRep: (url) => this.tdmRepOf(url),
      browser: () => ({
        pool: this.crawler.browserPool(),
        userAgent: config.user_agent,
        navigationTimeoutMs: config.navigation_timeout_ms,
        maxBodyBytes: config.max_body_bytes,
        signal: this.signal,
        checkRobots: (url) => this.robots.check(url),
        request: this.request,
      }),
      scheduleRetry: (task, e) => this.scheduleRetry(task, e),
      admitDiscovered: (url, depth, from, seed) => this.admitDiscovered(url, depth, from, seed),
    };
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
      if (this.ownsHttp) await this.http.close();
    }
    this.summary.cancelled = this.signal.aborted;
    return this.summary;
  }

  /** Single-item mode: fetches `t` (retries inline), returns its document and what it discovered. */
  async one(t: FrontierTask): Promise<FetchOneResult> {
    const discovered: DiscoveredUrl[] = [];
    this.collected = discovered;
    this.singleUrl = t.url;
    try {
      if (t.kind === 'page' && t.note) return { document: this.seedDocument(t.url, t.note), discovered };
      let task: Task = {
        kind: t.kind,
        url: t.url,
        depth: t.depth,
        attempt: 1,
        discoveredFrom: t.discoveredFrom,
        enqueuedAt: performance.now(),
        ...(t.kind === 'page' && t.conditional ? { conditional: t.conditional } : {}),
      };
      for (;;) {
        this.retryWait = undefined;
        if (task.kind === 'page') {
          const doc = await pageDocument(this.pageContext, task);
          if (doc) return { document: doc, discovered };
        } else {
          await this.processSitemap(task);
          if (this.retryWait === undefined && !this.signal.aborted) return { discovered };
        }
        if (this.retryWait === undefined) {
          this.signal.throwIfAborted();
          throw new Error(`crawl of ${task.url} stopped`);
        }
        await delay(this.retryWait, this.signal);
        task = { ...task, attempt: task.attempt + 1 };
      }
    } finally {
      if (this.ownsHttp) await this.http.close();
    }
  }

  // ---- admission ------------------------------------------------------------------------------

  /** The document of a seed that is not fetched (see SeedNote). */
  private seedDocument(raw: string, note: SeedNote): CrawledDocument {
    const base = {
      depth: 0,
      redirects: [],
      attempts: 0,
      timings: { totalMs: 0 },
      robotsIgnored: !this.config.respect_robots_txt,
      privateNetworksAllowed: this.config.allow_private_networks,
    };
    if (note === 'duplicate') {
      return { ...base, url: raw, status: 'skipped', reasonCode: FailureCode.Duplicate, reason: 'duplicate URL' };
    }
    if (note === 'max_pages') {
      return {
        ...base,
        url: raw,
        status: 'skipped',
        reasonCode: FailureCode.MaxPages,
        reason: `max_pages (${this.config.max_pages}) reached`,
      };
    }
    let reason = `invalid URL ${JSON.stringify(raw)}`;
    let code: FailureCode = FailureCode.InvalidUrl;
    try {
      reason = `scheme ${new URL(raw).protocol} is not http or https`;
      code = FailureCode.Scheme;
    } catch {
      // not a URL at all
    }
    return { ...base, url: raw, status: 'failed', reasonCode: code, reason };
  }

  private admitSeed(raw: string): void {
    const url = tryNormalizeHttpUrl(raw);
    if (!url) return void this.emitNow(this.seedDocument(raw, 'invalid_url'));
    const admission = this.frontier.admitSeed(url);
    if (admission === 'duplicate') return void this.emitNow(this.seedDocument(url, 'duplicate'));
    if (admission === 'over-max-pages') return void this.emitNow(this.seedDocument(url, 'max_pages'));
  }

  private admitDiscovered(url: string, depth: number, from: string, seed: string): void {
    if (this.collected) {
      if (depth <= this.config.max_depth && sameSite(url, seed) && this.filter.accepts(url)) {
        this.collected.push({ kind: 'page', url, depth, discoveredFrom: from });
      }
      return;
    }
    if (this.frontier.admitDiscovered(url, depth, from, seed) === 'over-max-pages') this.summary.droppedByMaxPages++;
  }

  private addSitemapFromRobots(raw: string): void {
    const url = tryNormalizeHttpUrl(raw);
    if (this.collected) {
      if (url && sameSite(url, this.singleUrl!)) this.addSitemap(url, 'robots.txt');
      return;
    }
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
          await this.emit(failedDoc(task, classifyNetworkError(e, hostKey(task.url)), this.config));
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
    if (retryAfter !== undefined) this.schedule.pauseFor(hostKey(task.url), retryAfter);
    if (this.collected) this.retryWait = wait;
    else this.retryLater(task, wait);
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

  // ---- HTTP -----------------------------------------------------------------------------------

  /** One request, paced per host and counted; the host's slot is released when the headers arrive. */
  private readonly request: RequestFn = async (url, init) => {
    const release = await this.schedule.acquire(hostKey(url), this.signal);
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

  /**
   * The tdmrep.json of `url`'s origin: fetched once per crawl (once per job
   * through a shared store), paced and guarded like every request, not
   * subject to robots.txt (a well-known policy file, like robots.txt itself).
   */
  private tdmRepOf(url: string): Promise<StoredTdmRep> {
    const origin = new URL(url).origin;
    let p = this.tdmReps.get(origin);
    if (!p) {
      const fetch = () =>
        fetchTdmRep(origin, (u, maxBytes) =>
          fetchFollowing(this.request, u, { maxBytes, maxRedirects: this.config.max_redirects }),
        );
      p = this.tdmRepStore ? this.tdmRepStore.load(origin, fetch) : fetch();
      // A failure (cancelled, a store down) is not kept: the next page asks again.
      p.catch(() => this.tdmReps.delete(origin));
      this.tdmReps.set(origin, p);
    }
    return p;
  }

  /** A page or sitemap GET: redirects followed, robots.txt checked on every hop. */
  private fetchDocument(url: string, headers?: Record<string, string>): Promise<Fetched> {
    return fetchFollowing(this.request, url, {
      headers,
      maxBytes: this.config.max_body_bytes,
      maxRedirects: this.config.max_redirects,
      checkHop: (hop) => this.robots.check(hop),
    });
  }

  // ---- pages ----------------------------------------------------------------------------------

  private async processPage(task: Task): Promise<void> {
    let doc = await pageDocument(this.pageContext, task);
    if (!doc) return;
    if (doc.status === 'ok' && doc.finalUrl) {
      const earlier = this.frontier.claimFinalUrl(doc.finalUrl, doc.url);
      if (earlier) {
        doc = {
          ...doc,
          status: 'skipped',
          reasonCode: FailureCode.Duplicate,
          reason: `duplicate: same final URL as ${earlier}`,
          content: undefined,
        };
      }
    }
    await this.emit(doc);
  }

  // ---- sitemaps -------------------------------------------------------------------------------

  private addSitemap(url: string, from: string | undefined): void {
    if (this.collected) this.collected.push({ kind: 'sitemap', url, depth: 0, discoveredFrom: from });
    else this.frontier.addSitemap(url, from);
  }

  private processSitemap(task: Task): Promise<void> {
    return processSitemap(
      {
        maxBodyBytes: this.config.max_body_bytes,
        fetch: (url) => this.fetchDocument(url),
        scheduleRetry: (t, e) => void this.scheduleRetry(t, e),
        onRead: () => void this.summary.sitemapsRead++,
        addSitemap: (url, from) => this.addSitemap(url, from),
        admitDiscovered: (url, depth, from, seed) => this.admitDiscovered(url, depth, from, seed),
      },
      task,
    );
  }
}
