import { type CrawlItem, ItemStatus, JobStatus, QueueName, type RefineItem, Stage } from '@datafactory/contracts';
import { Crawler, storeCrawledDocument } from '@datafactory/crawler';
import { Job, JobRepository, RawDocument } from '@datafactory/persistence';
import { operatorCrawl } from '../operator-policy.js';
import { checksThatCannotRun, llmEndpointProblem } from './checks-preflight.js';
import type { StageContext, StageHandler } from '../stage-handlers.js';
import type { StageDeps } from './stage-deps.js';

/**
 * The crawl of one pipeline job runs as one queue item in one worker, so
 * robots.txt, per-host pacing and the site-mode frontier are exact; every
 * page is stored and handed to the refiner the moment it is fetched, so
 * refining overlaps crawling. A retried crawl (after a crash) skips pages
 * already stored and recounts from the database.
 */
export class CrawlHandler implements StageHandler<CrawlItem> {
  readonly queue = QueueName.Crawl;

  constructor(
    private readonly deps: StageDeps,
    private readonly crawlerOptions: ConstructorParameters<typeof Crawler>[0] = {},
  ) {}

  async handle({ jobId }: CrawlItem, ctx: StageContext): Promise<void> {
    const { em, coordinator, config, logs } = this.deps;
    if (!(await coordinator.isRunning(jobId))) return;
    const job = await em.fork().findOneOrFail(Job, { id: jobId });
    const jobConfig = job.config;

    // Resume: pages stored by an earlier attempt are not fetched into new rows again,
    // and the ones not yet refined are handed on again (their queue ids make that idempotent).
    const stored = await em.fork().find(RawDocument, { job: jobId }, { fields: ['id', 'url', 'scrapeStatus'] });
    if (stored.length === 0) {
      const key = this.deps.llmKey;
      const cannot =
        (await llmEndpointProblem(config, jobConfig, { present: await key.present(), read: key.read })) ??
        (await checksThatCannotRun(config, jobConfig));
      if (cannot) {
        await coordinator.finish(jobId, JobStatus.Failed, cannot);
        return;
      }
    }
    const seen = new Set(stored.map((d) => d.url));
    for (const d of stored) if (d.scrapeStatus === ItemStatus.Ok) await this.handOn(jobId, d.id);

    const crawl = operatorCrawl(config, jobConfig.scraping, this.crawlerOptions);
    const crawler = new Crawler(crawl.crawler);
    const started = new Set(jobConfig.urls);
    try {
      for await (const doc of crawler.crawl(jobConfig.urls, crawl.scraping, { signal: ctx.signal })) {
        if (seen.has(doc.url)) continue;
        seen.add(doc.url);
        const row = await storeCrawledDocument(em, { jobId, dataDir: config.dataDir, document: doc });
        const ok = doc.status === ItemStatus.Ok;
        const counters = await coordinator.count(jobId, {
          progress: {
            crawler: {
              total: started.has(doc.url) ? 0 : 1,
              ...(doc.status === ItemStatus.Failed ? { failed: 1 } : { done: 1 }),
            },
            refiner: { total: ok ? 1 : 0 },
          },
        });
        if (!ok)
          await logs.log(jobId, 'warn', `${doc.status}: ${doc.url}: ${doc.reason ?? ''}`, { stage: Stage.Crawler });
        if (ok) await this.handOn(jobId, row.id);
        await coordinator.afterItem(jobId, counters);
      }
    } finally {
      await crawler.close();
    }
    if (ctx.signal.aborted) return;
    await this.reconcile(jobId);
    await coordinator.crawlFinished(jobId);
  }

  async fail({ jobId }: CrawlItem, error: Error): Promise<void> {
    // Without a crawl there is nothing to refine: what was stored is kept, the rest of the job goes on.
    await this.deps.logs.log(jobId, 'error', `crawl failed: ${error.message}`, { stage: Stage.Crawler });
    await this.reconcile(jobId);
    await this.deps.coordinator.crawlFinished(jobId);
  }

  private async handOn(jobId: string, documentId: string): Promise<void> {
    await this.deps.dispatcher.enqueue(
      QueueName.Refine,
      { jobId, documentId } satisfies RefineItem,
      `refine-${documentId}`,
    );
  }

  /** Crawler counters from the stored rows (exact after resumes, merged duplicates and early ends). */
  private async reconcile(jobId: string): Promise<void> {
    const em = this.deps.em.fork();
    const counts = await new JobRepository(em).documentCounts(jobId);
    const failed = counts.failed;
    const done = counts.ok + counts.skipped + counts.pending;
    const ok = counts.ok;
    const job = await em.findOneOrFail(Job, { id: jobId }, { fields: ['progress'] });
    const p = job.progress;
    await this.deps.coordinator.count(jobId, {
      progress: {
        crawler: {
          total: done + failed - p.crawler.total,
          done: done - p.crawler.done,
          failed: failed - p.crawler.failed,
        },
        refiner: { total: ok - p.refiner.total },
      },
    });
  }
}
