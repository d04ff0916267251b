import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '@datafactory/config';
import {
  BrowserPool,
  type BrowserRefusal,
  type CrawledDocument,
  Crawler,
  type ScrapingConfig,
} from '@datafactory/crawler';
import { FixtureSite, type FixtureRequest, NetworkCanary, waitFor } from '@datafactory/testing';

/*
 * The browser fallback with a real Chromium (CHROME_PATH, default
 * /usr/bin/chromium) against the fixture site. Every request Chromium makes
 * goes through the crawler's HTTP client, so the fixture's records show them.
 */

const chromePath = loadConfig().chromePath;
let site: FixtureSite;

const fast: Partial<ScrapingConfig> = {
  requests_per_second: 50,
  retry_base_delay_ms: 50,
  read_timeout_ms: 2_000,
  navigation_timeout_ms: 10_000,
};

/** Processes whose parent is `pid`, with their command names (from /proc). */
function childrenOf(pid: number): Array<{ pid: number; comm: string }> {
  const out: Array<{ pid: number; comm: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state, ppid, ...
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppid === pid) out.push({ pid: Number(entry), comm });
    } catch {
      // the process ended while we read
    }
  }
  return out;
}

const chromiumChildren = () => childrenOf(process.pid).filter((p) => /chrom/i.test(p.comm));

async function crawlAll(crawler: Crawler, urls: string[], config: Partial<ScrapingConfig> = {}) {
  const docs = new Map<string, CrawledDocument>();
  for await (const doc of crawler.crawl(urls, { ...fast, ...config })) docs.set(doc.url, doc);
  return docs;
}

beforeAll(async () => {
  site = await FixtureSite.start({ hosts: ['main', 'other'] });
});

afterAll(async () => {
  await site?.close();
});

describe('crawler: browser fallback', () => {
  it('renders script-built pages in auto mode, blocks images, and leaves no Chromium behind', async () => {
    const crawler = new Crawler({ chromePath, trustedHosts: site.hostPorts(), browserPoolSize: 2 });
    try {
      const spa = site.url('main', '/spa');
      const inline = site.url('main', '/spa-inline');
      const plain = site.url('main', '/articles/1');
      const docs = await crawlAll(crawler, [spa, inline, plain], { use_playwright: 'auto' });
      expect(docs.get(spa)).toMatchObject({ status: 'ok', fetchMethod: 'browser', browserReason: 'empty app root' });
      expect(docs.get(spa)!.content).toContain('Only the browser sees this text.');
      expect(docs.get(inline)).toMatchObject({ status: 'ok', fetchMethod: 'browser' });
      expect(docs.get(inline)!.content).toContain('Inline script wrote this sentence.');
      expect(docs.get(plain)).toMatchObject({ status: 'ok', fetchMethod: 'http' });
      // The document was served from the HTTP result (one request), the script fetched through the crawler.
      expect(site.requestsTo('main', '/spa')).toHaveLength(1);
      expect(site.requestsTo('main', '/spa.js')).toHaveLength(1);
      expect(site.requestsTo('main', '/spa.js')[0]!.headers['user-agent']).toContain('DataFactoryBot');
      expect(site.requestsTo('main', /^\/img\//)).toEqual([]);
      expect(chromiumChildren().length).toBeGreaterThan(0);
    } finally {
      await crawler.close();
    }
    expect(chromiumChildren()).toEqual([]);
  });

  it('uses the browser for every page with use_playwright always, and fails a page that never finishes loading', async () => {
    const crawler = new Crawler({ chromePath, trustedHosts: site.hostPorts() });
    try {
      const ok = site.url('other', '/articles/2');
      const hanging = site.url('other', '/never-ends');
      const disallowedByHttp = site.url('other', '/404');
      const docs = await crawlAll(crawler, [ok, hanging, disallowedByHttp], {
        use_playwright: 'always',
        read_timeout_ms: 500,
        navigation_timeout_ms: 3_000,
        max_attempts: 1,
      });
      expect(docs.get(ok)).toMatchObject({
        status: 'ok',
        fetchMethod: 'browser',
        browserReason: 'always',
        title: 'Article 2',
      });
      expect(docs.get(hanging)).toMatchObject({ status: 'failed' });
      expect(['timeout', 'browser']).toContain(docs.get(hanging)!.reasonCode);
      expect(docs.get(disallowedByHttp)).toMatchObject({ status: 'failed', httpStatus: 404 });
    } finally {
      await crawler.close();
    }
    expect(chromiumChildren()).toEqual([]);
  });

  it('restarts a crashed browser', async () => {
    const pool = new BrowserPool({ executablePath: chromePath, size: 2 });
    const crawler = new Crawler({ browser: pool, trustedHosts: site.hostPorts() });
    try {
      const first = await crawlAll(crawler, [site.url('main', '/spa/1')], { use_playwright: 'auto' });
      expect(first.get(site.url('main', '/spa/1'))?.fetchMethod).toBe('browser');
      const pid = pool.pid!;
      pool.crashForTest();
      // Wait until puppeteer has seen the browser go (its `disconnected` event clears the pool's browser).
      await waitFor(() => (pool.pid === undefined ? true : undefined), {
        intervalMs: 20,
        what: 'the crash to be seen',
      });
      const second = await crawlAll(crawler, [site.url('main', '/spa/2')], { use_playwright: 'auto' });
      expect(second.get(site.url('main', '/spa/2'))).toMatchObject({ status: 'ok', fetchMethod: 'browser' });
      expect(pool.stats.launches).toBe(2);
      expect(pool.pid).not.toBe(pid);
    } finally {
      await pool.close();
    }
    expect(chromiumChildren()).toEqual([]);
  });
});

/*
 * Issue 13 item 4: nothing leaves Chromium except through the address guard.
 * The fixture hosts are trusted (host:port); the canary, on other ports of
 * 127.0.0.1, is not, so every way a page has of reaching it must be refused.
 * Each page reports its outcome to the fixture (`/escape/report`) while it is
 * still open; a test ends on whichever comes first, a contact at the canary
 * (a leak) or that report with the crawl finished.
 */
describe('crawler: Chromium reaches nothing but through the guard', () => {
  const escapeConfig: Partial<ScrapingConfig> = { use_playwright: 'always', read_timeout_ms: 10_000, max_attempts: 1 };
  // A canary of its own for each test, so one test's leak does not show in another.
  let canary: NetworkCanary;
  beforeEach(async () => {
    canary = await NetworkCanary.start();
  });
  afterEach(async () => {
    await canary.close();
  });

  /** Crawls one escape page; resolves with the page's report, or rejects naming the canary contact. */
  async function crawlEscape(
    crawler: Crawler,
    path: string,
    alsoWaitFor: Promise<unknown> = Promise.resolve(),
  ): Promise<{ doc: CrawledDocument; report: FixtureRequest }> {
    const key = `${path.split('/').pop()}-${Math.random().toString(36).slice(2)}`;
    const url = site.url('main', `${path}?key=${key}&canary=${canary.tcpPort}&udp=${canary.udpPort}`);
    const reported = site.waitForRequest((r) => r.path.startsWith(`/escape/report?key=${key}&`));
    const contained = Promise.all([crawlAll(crawler, [url], escapeConfig), reported, alsoWaitFor]).then(
      ([docs, report]) => ({
        doc: docs.get(url)!,
        report,
      }),
    );
    const leaked = canary.firstContact().then((c) => {
      throw new Error(`the canary was reached over ${c.protocol} from ${c.from}`);
    });
    return Promise.race([contained, leaked]);
  }

  const reportOf = (r: FixtureRequest) => new URL(r.path, 'http://x').searchParams.get('r');

  it('closes popups (window.open, and a target=_blank noopener link) before they reach an untrusted address', async () => {
    const crawler = new Crawler({ chromePath, trustedHosts: site.hostPorts() });
    try {
      const pool = crawler.browserPool();
      const closed: string[] = [];
      const bothClosed = new Promise<void>((resolve) =>
        pool.on('refused', (r: BrowserRefusal) => {
          if (r.kind === 'popup') closed.push(new URL(r.url).pathname);
          if (closed.length === 2) resolve();
        }),
      );
      const { doc, report } = await crawlEscape(crawler, '/escape/popup', bothClosed);
      expect(reportOf(report)).toBe('closed');
      expect(closed.sort()).toEqual(['/noopener', '/popup']);
      expect(doc).toMatchObject({ status: 'ok', fetchMethod: 'browser' });
    } finally {
      await crawler.close();
    }
    expect(canary.contacts).toEqual([]);
  });

  it('gives pages no service worker, so none fetches around the crawler', async () => {
    const crawler = new Crawler({ chromePath, trustedHosts: site.hostPorts() });
    try {
      const { doc, report } = await crawlEscape(crawler, '/escape/service-worker');
      expect(reportOf(report)).not.toBe('registered');
      expect(doc).toMatchObject({ status: 'ok', fetchMethod: 'browser' });
      expect(site.requestsTo('main', /^\/escape\/sw\.js/)).toEqual([]);
    } finally {
      await crawler.close();
    }
    expect(canary.contacts).toEqual([]);
  });

  it('sends no STUN packet to an untrusted address (WebRTC UDP disabled)', async () => {
    const crawler = new Crawler({ chromePath, trustedHosts: site.hostPorts() });
    try {
      const { report } = await crawlEscape(crawler, '/escape/stun');
      expect(reportOf(report)).toBe('gathered');
    } finally {
      await crawler.close();
    }
    expect(canary.contacts).toEqual([]);
  });

  it('refuses a WebSocket to an untrusted address', async () => {
    const crawler = new Crawler({ chromePath, trustedHosts: site.hostPorts() });
    try {
      const { report } = await crawlEscape(crawler, '/escape/websocket');
      expect(reportOf(report)).toBe('error');
    } finally {
      await crawler.close();
    }
    expect(canary.contacts).toEqual([]);
  });

  it('fails a page whose navigation goes to an untrusted address as blocked_address, not as an error page', async () => {
    const crawler = new Crawler({ chromePath, trustedHosts: site.hostPorts() });
    try {
      const paths = ['/escape/redirect', '/escape/navigate', '/to-private'];
      const urls = paths.map((p) => site.url('main', `${p}?canary=${canary.tcpPort}`));
      const docs = await crawlAll(crawler, urls, escapeConfig);
      for (const u of urls) {
        expect(docs.get(u), u).toMatchObject({ status: 'failed', reasonCode: 'blocked_address' });
        expect(docs.get(u)!.content, u).toBeUndefined();
        expect(docs.get(u)!.reason, u).toContain('CRAWL_TRUSTED_HOSTS');
      }
    } finally {
      await crawler.close();
    }
    expect(canary.contacts).toEqual([]);
  });
});
