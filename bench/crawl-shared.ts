import { loadConfig } from '@datafactory/config';
import { runJobLocally } from '@datafactory/pipeline/worker';
import { FixtureSite, tempDir } from '@datafactory/testing';

/**
 * `npm run bench -- crawl-shared [pages] [hosts] [rate]`: the crawl stage as
 * the pipeline runs it (a frontier row and a queue item per URL, on SQLite,
 * through the in-process dispatcher and `datafactory run`'s handlers), over
 * `pages` fixture articles on `hosts` hosts at `rate` requests/s each, with
 * template none. The crawl ends at the stage event that moves the job on;
 * its bound is pages/(hosts×rate), so a high rate measures the overhead per
 * page of the shared frontier.
 */
export async function run(args: string[]): Promise<void> {
  const [pages = 500, hosts = 10, rate = 1000] = args.map(Number);
  const names = Array.from({ length: hosts }, (_, i) => `h${i}` as const);
  const site = await FixtureSite.start({ hosts: names });
  const dir = await tempDir('df-bench-');
  try {
    const urls = Array.from({ length: pages }, (_, i) => site.url(names[i % hosts]!, `/doc/${i + 1}`));
    const config = loadConfig({
      DATA_DIR: dir.path,
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      LOG_LEVEL: 'silent',
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
    });
    const started = performance.now();
    let crawlEnd = 0;
    const { job } = await runJobLocally(config, {
      urls,
      jobConfig: {
        scraping: { requests_per_second: rate, max_concurrent: hosts, max_pages: pages, allow_private_networks: true },
        generation: { template: 'none' },
      },
      onEvent: (e) => {
        if (e.type === 'stage' && e.stage !== 'crawler' && !crawlEnd) crawlEnd = performance.now();
      },
    });
    const wall = (performance.now() - started) / 1000;
    const crawl = (crawlEnd - started) / 1000;
    console.log(`crawl_shared_status=${job.status}`);
    console.log(`crawl_shared_pages=${job.progress.crawler.done}`);
    console.log(`crawl_shared_requests=${site.requests.length}`);
    console.log(`crawl_shared_crawl_s=${crawl.toFixed(2)}`);
    console.log(`crawl_shared_bound_s=${(pages / (hosts * rate)).toFixed(2)}`);
    console.log(`crawl_shared_pages_per_s=${(job.progress.crawler.done / crawl).toFixed(1)}`);
    console.log(`crawl_shared_job_wall_s=${wall.toFixed(2)}`);
  } finally {
    await site.close();
    await dir.remove();
  }
}
