import { loadConfig } from '@datafactory/config';
import { Crawler } from '@datafactory/crawler';
import { FixtureSite } from '@datafactory/testing';

/**
 * `npm run bench -- crawl [pages] [hosts] [rate] [browserPages]`: the HTTP path
 * crawls `pages` fixture pages spread over `hosts` hosts at `rate` requests/s
 * per host; the bound is pages / (hosts × rate). Then the browser path renders
 * `browserPages` script-built pages with a pool of 4 tabs (pacing lifted).
 */
export async function run(args: string[]): Promise<void> {
  const [pages = 500, hosts = 10, rate = 2, browserPages = 60] = args.map(Number);
  const names = Array.from({ length: hosts }, (_, i) => `h${i}` as const);
  const site = await FixtureSite.start({ hosts: names });
  const urls = Array.from({ length: pages }, (_, i) => site.url(names[i % hosts]!, `/p/${i}`));
  const crawler = new Crawler({
    chromePath: loadConfig().chromePath,
    trustedHosts: site.hostPorts(),
    browserPoolSize: 4,
  });
  try {
    let ok = 0;
    const started = performance.now();
    for await (const doc of crawler.crawl(urls, { requests_per_second: rate, use_playwright: 'never' })) {
      if (doc.status === 'ok') ok++;
    }
    const wall = (performance.now() - started) / 1000;
    const bound = pages / (hosts * rate);
    console.log(`crawl_pages=${pages}`);
    console.log(`crawl_hosts=${hosts}`);
    console.log(`crawl_rate_per_host=${rate}`);
    console.log(`crawl_ok=${ok}`);
    console.log(`crawl_requests=${site.requests.length}`);
    console.log(`crawl_wall_s=${wall.toFixed(2)}`);
    console.log(`crawl_bound_s=${bound.toFixed(2)}`);
    console.log(`crawl_ratio_to_bound=${(wall / bound).toFixed(3)}`);

    const spa = Array.from({ length: browserPages }, (_, i) => site.url(names[i % hosts]!, `/spa/${i}`));
    // Launch outside the measurement (0.8 s here), as a long-running worker would have it running.
    await crawler.browserPool().withPage(async () => undefined);
    let rendered = 0;
    const browserStarted = performance.now();
    for await (const doc of crawler.crawl(spa, {
      requests_per_second: 1000,
      max_concurrent: 4,
      use_playwright: 'always',
    })) {
      if (doc.status === 'ok' && doc.fetchMethod === 'browser' && doc.content?.includes('Rendered by script'))
        rendered++;
    }
    const browserWall = (performance.now() - browserStarted) / 1000;
    console.log(`browser_pool_size=4`);
    console.log(`browser_pages=${browserPages}`);
    console.log(`browser_rendered=${rendered}`);
    console.log(`browser_wall_s=${browserWall.toFixed(2)}`);
    console.log(`browser_pages_per_s=${(rendered / browserWall).toFixed(2)}`);
  } finally {
    await crawler.close();
    await site.close();
  }
}
