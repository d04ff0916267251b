import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type CrawlItem, ItemStatus, JobStatus, QueueName, type RefineItem, Stage } from '@datafactory/contracts';
import {
  type CrawledDocument,
  Crawler,
  createCrawledDocumentRow,
  type DiscoveredUrl,
  FailureCode,
  resolveScrapingConfig,
  type ScrapingConfig,
  type SeedNote,
  tryNormalizeHttpUrl,
  writeCrawledContent,
} from '@datafactory/crawler';
import {
  CrawlFrontierRepository,
  type FrontierCandidate,
  type FrontierRow,
  Job,
  RawDocument,
  RefreshRepository,
} from '@datafactory/persistence';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ITEM_ATTEMPTS } from '../dispatcher.js';
import { operatorCrawl } from '../operator-policy.js';
import { isUploadUrl } from '../uploads.js';
import { checksThatCannotRun, llmEndpointProblem } from './checks-preflight.js';
import type { StageContext, StageHandler } from '../stage-handlers.js';
import type { CrawlHosts } from '../crawl-hosts.js';
import type { StageDeps } from './stage-deps.js';

/** Sitemaps read per job at most (sitemap indexes can name thousands). */
const MAX_SITEMAPS = 100;
/** Jobs whose resolved scraping config this process keeps. */
const CONFIG_CACHE = 32;

/** Which process crawled a document (`metadata.crawledBy`): how a shared crawl was spread is visible. */
const CRAWLED_BY = `${hostname()}:${process.pid}`;

/** `max_concurrent` of a job's crawl items in this process. */
class Slots {
  private used = 0;
  private readonly waiters: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async acquire(): Promise<() => void> {
    while (this.used >= this.limit) await new Promise<void>((r) => this.waiters.push(r));
    this.used++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.used--;
      this.waiters.shift()?.();
    };
  }
}

/** What a process keeps of a job it crawls: the scraping config, its slots, the job a refresh fetches again. */
interface JobCrawlConfig {
  scraping: ScrapingConfig;
  slots: Slots;
  refreshOf: string | null;
}

/**
 * The crawl of a job spread over workers. The frontier is in the database
 * (libs/persistence CrawlFrontierRepository, one row per URL, unique per job);
 * every page or sitemap is its own queue item, so every worker fetches, and a
 * killed worker's items come back through BullMQ's stalled-job recovery. The
 * first item (`{ jobId }`) puts the job's URLs in the frontier; each page item
 * fetches one URL (Crawler.fetchOne) under the job's shared per-host schedule
 * and robots.txt (CrawlHosts), adds what it discovered, then stores its
 * document and settles its row in one transaction, so a page stored is never
 * fetched again and counted exactly once. The crawl stage ends when the last
 * item settles (PipelineCoordinator.crawlFinished).
 */
export class CrawlHandler implements StageHandler<CrawlItem> {
  readonly queue = QueueName.Crawl;
  private ownCrawler?: Crawler;
  private readonly configs = new Map<string, JobCrawlConfig>();

  constructor(
    private readonly deps: StageDeps,
    private readonly hosts: CrawlHosts,
    private readonly crawlerOptions: ConstructorParameters<typeof Crawler>[0] = {},
  ) {}

  private get frontier(): CrawlFrontierRepository {
    return new CrawlFrontierRepository(this.deps.em);
  }

  async handle(item: CrawlItem, ctx: StageContext): Promise<void> {
    if (!(await this.deps.coordinator.isRunning(item.jobId))) return;
    if (item.urlId === undefined) await this.start(item.jobId);
    else await this.fetch(item.jobId, item.urlId, ctx);
  }

  async fail(item: CrawlItem, error: Error): Promise<void> {
    const { jobId } = item;
    if (item.urlId === undefined) {
      // Without a frontier there is nothing to fetch: the job goes on with what it has (nothing), and says why.
      await this.deps.logs.log(jobId, 'error', `crawl failed: ${error.message}`, { stage: Stage.Crawler });
      await this.deps.coordinator.crawlFinished(jobId);
      return;
    }
    const row = await this.frontier.find(item.urlId);
    if (!row || row.jobId !== jobId) return;
    if (row.kind === 'page') {
      const scraping = await this.scrapingOf(jobId);
      await this.settle(jobId, row, {
        url: row.url,
        status: 'failed',
        reason: `crawl failed: ${error.message}`,
        depth: row.depth,
        discoveredFrom: row.discoveredFrom ?? undefined,
        redirects: [],
        attempts: ITEM_ATTEMPTS,
        timings: { totalMs: 0 },
        robotsIgnored: !scraping.scraping.respect_robots_txt,
        privateNetworksAllowed: scraping.scraping.allow_private_networks,
      });
    } else {
      await this.settle(jobId, row, undefined);
    }
  }

  async close(): Promise<void> {
    await this.ownCrawler?.close();
    this.ownCrawler = undefined;
  }

  /** One Crawler (and so one Chromium) per process, for every job. */
  private crawler(): Crawler {
    this.ownCrawler ??= new Crawler(operatorCrawl(this.deps.config, {}, this.crawlerOptions).crawler);
    return this.ownCrawler;
  }

  /** The job's scraping config as this process's operator allows it (cached per job). */
  private async scrapingOf(jobId: string): Promise<JobCrawlConfig> {
    const hit = this.configs.get(jobId);
    if (hit) return hit;
    const job = await this.deps.em.fork().findOneOrFail(Job, { id: jobId }, { fields: ['config', 'refreshOf'] });
    const scraping = resolveScrapingConfig(operatorCrawl(this.deps.config, job.config.scraping).scraping);
    const entry = { scraping, slots: new Slots(scraping.max_concurrent), refreshOf: job.refreshOf ?? null };
    if (this.configs.size >= CONFIG_CACHE) this.configs.delete(this.configs.keys().next().value!);
    this.configs.set(jobId, entry);
    return entry;
  }

  /** The first item: preflight, then the job's URLs (and, in site mode, their sitemaps) into the frontier. */
  private async start(jobId: string): Promise<void> {
    const { em, config, coordinator } = this.deps;
    const job = await em.fork().findOneOrFail(Job, { id: jobId });
    const frontier = this.frontier;
    if (job.crawlPagesAdmitted === 0 && (await frontier.counts(jobId)).pages === 0) {
      const key = this.deps.llmKey;
      const cannot =
        (await llmEndpointProblem(config, job.config, { present: await key.present(), read: key.read })) ??
        (await checksThatCannotRun(config, job.config));
      if (cannot) {
        await coordinator.finish(jobId, JobStatus.Failed, cannot);
        return;
      }
    }
    const { scraping } = await this.scrapingOf(jobId);
    const candidates: FrontierCandidate[] = [];
    const seen = new Set<string>();
    job.config.urls.forEach((raw, i) => {
      // Uploaded files are stored documents already (see storeUploads): they go to the refiner below.
      if (isUploadUrl(raw)) return;
      const url = tryNormalizeHttpUrl(raw);
      const noted = (note: SeedNote, u: string) =>
        candidates.push({ kind: 'page', url: u, depth: 0, note, key: `seed ${i} ${u}` });
      if (!url) return noted('invalid_url', raw);
      if (seen.has(url)) return noted('duplicate', url);
      seen.add(url);
      candidates.push({ kind: 'page', url, depth: 0 });
    });
    if (scraping.mode === 'site') {
      const origins = new Set([...seen].map((u) => new URL(u).origin));
      for (const origin of origins) candidates.push({ kind: 'sitemap', url: `${origin}/sitemap.xml`, depth: 0 });
    }
    await frontier.admit(jobId, candidates, { maxPages: scraping.max_pages, maxSitemaps: MAX_SITEMAPS, seeds: true });
    if (job.refreshOf) {
      // A refresh fetches every page its parent got, linked or not: one that is gone now is a removed page.
      const pages = await new RefreshRepository(em).parentPages(job.refreshOf);
      await frontier.admit(
        jobId,
        pages.map((p) => ({ kind: 'page' as const, url: p.url, depth: p.depth, discoveredFrom: null })),
        { maxPages: scraping.max_pages, maxSitemaps: MAX_SITEMAPS, seeds: false },
      );
    }
    // The seeds' count in the job's progress (the dashboard shows the crawl's total from the start).
    await coordinator.afterItem(jobId, true);
    // Everything still queued, not only what this attempt added: a retry after a crash enqueues what was lost.
    for (const id of await frontier.queuedIds(jobId)) await this.enqueue(jobId, id);
    // The job's uploaded files enter at the refiner (an item already refined returns at once).
    if (job.config.urls.some(isUploadUrl)) {
      const uploads = await em
        .fork()
        .find(RawDocument, { job: jobId, refineStatus: ItemStatus.Pending }, { fields: ['id', 'metadata'] });
      for (const doc of uploads) {
        if ((doc.metadata as { source?: unknown }).source === 'upload') await this.handOn(jobId, doc.id);
      }
    }
    await coordinator.crawlFinished(jobId);
  }

  /** A page or sitemap item: fetch, add what it found, store and settle. */
  private async fetch(jobId: string, urlId: number, ctx: StageContext): Promise<void> {
    const row = await this.frontier.find(urlId);
    if (!row || row.jobId !== jobId) return;
    if (row.state !== 'queued') {
      // Settled by an earlier run of this item that died before handing on: hand on (idempotent) and check the end.
      if (row.documentId) await this.handOnIfOk(jobId, row.documentId);
      // Its counts were committed with the row; the fold after them may be what died.
      await this.deps.coordinator.afterItem(jobId, true);
      await this.deps.coordinator.crawlFinished(jobId);
      return;
    }
    const { scraping, slots, refreshOf } = await this.scrapingOf(jobId);
    // A refresh asks for its parent's copy of the page conditionally, and keeps that copy on a 304.
    const held =
      refreshOf && row.kind === 'page'
        ? await new RefreshRepository(this.deps.em).parentPage(refreshOf, row.url)
        : null;
    let heldContent: string | undefined;
    // The copy is read only when it can be asked about (no validators: the page is fetched and its hash compared).
    if (held?.htmlPath && (held.revision?.etag || held.revision?.lastModified)) {
      heldContent = await readFile(path.resolve(this.deps.config.dataDir, held.htmlPath), 'utf8').catch(
        () => undefined,
      );
    }
    const conditional =
      heldContent !== undefined && (held?.revision?.etag || held?.revision?.lastModified)
        ? { etag: held.revision.etag, lastModified: held.revision.lastModified }
        : undefined;
    const release = await slots.acquire();
    let result;
    try {
      result = await this.crawler().fetchOne(
        {
          kind: row.kind === 'sitemap' ? 'sitemap' : 'page',
          url: row.url,
          depth: row.depth,
          discoveredFrom: row.discoveredFrom ?? undefined,
          note: (row.note as SeedNote | null) ?? undefined,
          ...(conditional ? { conditional } : {}),
        },
        scraping,
        {
          signal: ctx.signal,
          shared: this.hosts.forJob(jobId, {
            intervalMs: 1000 / scraping.requests_per_second,
            leaseMs: scraping.request_timeout_ms,
          }),
        },
      );
    } catch (e) {
      if (ctx.signal.aborted && !(await this.deps.coordinator.isRunning(jobId))) return;
      throw e;
    } finally {
      release();
    }
    // What it discovered goes in before its row settles: the frontier is never empty while an item can still add.
    await this.admitDiscovered(jobId, result.discovered, scraping);
    let doc = result.document;
    if (doc?.notModified) {
      // 304 to the conditional request: the parent's copy is the page (and its validators, unless new ones came).
      doc = {
        ...doc,
        content: heldContent,
        bytes: heldContent === undefined ? 0 : Buffer.byteLength(heldContent),
        contentType: held?.contentType ?? doc.contentType,
        etag: doc.etag ?? held?.revision?.etag,
        lastModified: doc.lastModified ?? held?.revision?.lastModified,
      };
    }
    if (doc?.status === 'ok' && doc.finalUrl) {
      const earlier = await this.frontier.claimFinalUrl(jobId, doc.finalUrl, doc.url);
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
    await this.settle(jobId, row, doc);
  }

  private async admitDiscovered(jobId: string, found: DiscoveredUrl[], scraping: ScrapingConfig): Promise<void> {
    if (!found.length) return;
    const admitted = await this.frontier.admit(
      jobId,
      found.map((d) => ({ ...d, discoveredFrom: d.discoveredFrom ?? null })),
      { maxPages: scraping.max_pages, maxSitemaps: MAX_SITEMAPS, seeds: false },
    );
    // Rows another item added and that are still queued are enqueued again (a no-op unless their enqueue was lost).
    for (const r of [...admitted.queued, ...admitted.alreadyQueued]) await this.enqueue(jobId, r.id);
  }

  /**
   * Stores the item's document and settles its row in one transaction (the
   * one caller that settles it counts it), then hands the page on and checks
   * whether the crawl is over.
   */
  private async settle(jobId: string, row: FrontierRow, doc: CrawledDocument | undefined): Promise<void> {
    const { em, config, coordinator, logs } = this.deps;
    const htmlPath = doc ? await writeCrawledContent({ jobId, dataDir: config.dataDir, document: doc }) : null;
    const documentId = doc ? randomUUID() : null;
    const ok = doc?.status === ItemStatus.Ok;
    let counters = null;
    let won = false;
    await em.fork().transactional(async (tem) => {
      won = await this.frontier.settle(tem, row.id, documentId);
      if (!won || !doc) return;
      const stored = createCrawledDocumentRow(tem, { id: documentId!, jobId, document: doc, htmlPath });
      stored.metadata = { ...stored.metadata, crawledBy: CRAWLED_BY };
      await tem.flush();
      counters = await coordinator.count(
        jobId,
        {
          progress: {
            crawler: doc.status === ItemStatus.Failed ? { failed: 1 } : { done: 1 },
            refiner: { total: ok ? 1 : 0 },
          },
        },
        tem,
      );
    });
    if (won && doc) {
      if (!ok)
        await logs.log(jobId, 'warn', `${doc.status}: ${doc.url}: ${doc.reason ?? ''}`, { stage: Stage.Crawler });
      if (ok) await this.handOn(jobId, documentId!);
      await coordinator.afterItem(jobId, counters);
    }
    if (await coordinator.crawlFinished(jobId)) {
      const { dropped } = await this.frontier.counts(jobId);
      if (dropped) {
        await logs.log(jobId, 'info', `max_pages reached: ${dropped} discovered URLs left out`, {
          stage: Stage.Crawler,
        });
      }
      await this.hosts.forget(jobId);
      this.configs.delete(jobId);
    }
  }

  private async handOnIfOk(jobId: string, documentId: string): Promise<void> {
    const doc = await this.deps.em.fork().findOne(RawDocument, { id: documentId }, { fields: ['scrapeStatus'] });
    if (doc?.scrapeStatus === ItemStatus.Ok) await this.handOn(jobId, documentId);
  }

  private async enqueue(jobId: string, urlId: number): Promise<void> {
    await this.deps.dispatcher.enqueue(
      QueueName.Crawl,
      { jobId, urlId } satisfies CrawlItem,
      `crawl-${jobId}-${urlId}`,
    );
  }

  private async handOn(jobId: string, documentId: string): Promise<void> {
    await this.deps.dispatcher.enqueue(
      QueueName.Refine,
      { jobId, documentId } satisfies RefineItem,
      `refine-${documentId}`,
    );
  }
}
