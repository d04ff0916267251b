import dns from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CrawledDocument,
  Crawler,
  HostPacer,
  type LookupFunction,
  type RobotsStore,
  type ScrapingConfig,
  type StoredRobots,
} from '@datafactory/crawler';
import { FixtureSite, type FixtureRequest } from '@datafactory/testing';

/*
 * The crawler against the fixture site (real HTTP on 127.0.0.1, real robots.txt,
 * real compression and charsets). The fixture records every request it gets;
 * the assertions are on those records. The fixture hosts are trusted
 * explicitly, so `allow_private_networks` stays false and the address guard
 * is live for everything else.
 */

let site: FixtureSite;
let crawler: Crawler;

const fast: Partial<ScrapingConfig> = {
  requests_per_second: 50,
  retry_base_delay_ms: 50,
  use_playwright: 'never',
  read_timeout_ms: 2_000,
  request_timeout_ms: 5_000,
};

async function crawlAll(
  urls: string[],
  config: Partial<ScrapingConfig> = {},
  using: Crawler = crawler,
): Promise<Map<string, CrawledDocument>> {
  const docs = new Map<string, CrawledDocument>();
  for await (const doc of using.crawl(urls, { ...fast, ...config })) {
    expect(docs.has(doc.url), `one document per URL: ${doc.url}`).toBe(false);
    docs.set(doc.url, doc);
  }
  return docs;
}

/** Gaps between consecutive request arrivals. */
function gaps(requests: FixtureRequest[]): number[] {
  return requests.slice(1).map((r, i) => r.at - requests[i]!.at);
}

/** Resolves fixture names like the real resolver would, never touching the network. */
function mappedLookup(map: Record<string, string>): LookupFunction {
  return (hostname, options, callback) => {
    const address = map[hostname];
    if (!address) return dns.lookup(hostname, options, callback as never);
    if (options.all) return callback(null, [{ address, family: address.includes(':') ? 6 : 4 }]);
    callback(null, address, address.includes(':') ? 6 : 4);
  };
}

beforeAll(async () => {
  site = await FixtureSite.start();
  crawler = new Crawler({ trustedHosts: site.hostPorts() });
});

afterAll(async () => {
  await crawler?.close();
  await site?.close();
});

describe('crawler over HTTP', () => {
  it('fetches pages, decodes compression and reads metadata', async () => {
    const urls = ['/', '/gzip', '/br', '/deflate', '/meta', '/jsonld', '/plain'].map((p) => site.url('main', p));
    const docs = await crawlAll(urls);
    for (const u of urls) expect(docs.get(u)?.status, u).toBe('ok');
    expect(docs.get(site.url('main', '/br'))!.content).toContain('This fixture page');
    const meta = docs.get(site.url('main', '/meta'))!;
    expect(meta.title).toBe('Metadata page');
    expect(meta.language).toBe('fr-CA');
    expect(meta.canonicalUrl).toBe(site.url('main', '/meta-canonical'));
    expect(meta.publishedAt?.toISOString()).toBe('2024-03-05T10:00:00.000Z');
    expect(meta.fetchMethod).toBe('http');
    const jsonld = docs.get(site.url('main', '/jsonld'))!;
    expect(jsonld.publishedAt?.toISOString()).toBe('2022-07-08T09:10:11.000Z');
    expect(jsonld.language).toBe('de');
    expect(docs.get(site.url('main', '/plain'))!.content).toContain('Second line.');
  });
});

describe('crawler: decoding', () => {
  it('decodes Windows-1252 and Shift-JIS pages (header, meta and BOM) to readable text', async () => {
    const docs = await crawlAll(['/cp1252', '/cp1252-meta', '/sjis', '/bom'].map((p) => site.url('main', p)));
    const text = (p: string) => docs.get(site.url('main', p))!;
    expect(text('/cp1252').content).toContain('Café naïve – “quotes” cost 5 €.');
    expect(text('/cp1252').charset).toBe('windows-1252');
    expect(text('/cp1252-meta').content).toContain('Crème brûlée – déjà vu.');
    expect(text('/sjis').content).toContain('これは日本語のテストページです。');
    expect(text('/sjis').title).toBe('日本語のページ');
    expect(text('/sjis').charset).toBe('shift_jis');
    expect(text('/bom').content).toContain('Grüße aus Köln');
  });

  it('skips binary content served as HTML and types it does not process', async () => {
    const docs = await crawlAll(['/binary-as-html', '/files/report.pdf'].map((p) => site.url('main', p)));
    const binary = docs.get(site.url('main', '/binary-as-html'))!;
    expect(binary).toMatchObject({ status: 'skipped', reasonCode: 'content_type' });
    expect(binary.reason).toContain('image/png');
    expect(docs.get(site.url('main', '/files/report.pdf'))).toMatchObject({
      status: 'skipped',
      reasonCode: 'content_type',
      contentType: 'application/pdf',
    });
  });
});

describe('crawler: robots.txt', () => {
  it('never requests a disallowed URL, reads robots.txt once per origin and honours RFC 9309 failures', async () => {
    const urls = [
      site.url('main', '/private/secret'),
      site.url('main', '/bot-forbidden'),
      site.url('main', '/private/open'),
      site.url('main', '/articles/1'),
      site.url('robots503', '/p/1'),
      site.url('robots404', '/p/1'),
    ];
    const before = site.requests.length;
    const docs = await crawlAll(urls);
    const seen = site.requests.slice(before);
    expect(docs.get(urls[0]!)).toMatchObject({ status: 'skipped', reasonCode: 'robots' });
    expect(docs.get(urls[1]!)).toMatchObject({ status: 'skipped', reasonCode: 'robots' });
    expect(docs.get(urls[2]!)?.status).toBe('ok');
    expect(docs.get(urls[3]!)?.status).toBe('ok');
    expect(docs.get(urls[4]!)).toMatchObject({ status: 'skipped', reasonCode: 'robots' });
    expect(docs.get(urls[5]!)?.status).toBe('ok');
    expect(seen.filter((r) => r.path === '/private/secret' || r.path === '/bot-forbidden')).toEqual([]);
    expect(seen.filter((r) => r.host === 'robots503').map((r) => r.path)).toEqual(['/robots.txt']);
    expect(seen.filter((r) => r.host === 'main' && r.path === '/robots.txt')).toHaveLength(1);
  });

  it('fetches disallowed URLs with respect_robots_txt false and records it', async () => {
    const url = site.url('main', '/private/ignored');
    const docs = await crawlAll([url], { respect_robots_txt: false });
    expect(docs.get(url)).toMatchObject({ status: 'ok', robotsIgnored: true });
    expect(site.requestsTo('main', '/private/ignored')).toHaveLength(1);
  });
});

describe('crawler: politeness', () => {
  it('never sends two requests to one host closer than the per-host rate', async () => {
    const paths = Array.from({ length: 8 }, (_, i) => `/p/${100 + i}`);
    const start = site.requests.length;
    await crawlAll(
      paths.map((p) => site.url('other', p)),
      { requests_per_second: 4, max_concurrent: 4 },
    );
    const toOther = site.requests.slice(start).filter((r) => r.host === 'other');
    expect(toOther.length).toBe(10); // robots.txt + tdmrep.json + 8 pages
    // 250 ms apart; a few ms of tolerance for timer and socket scheduling.
    for (const gap of gaps(toOther)) expect(gap).toBeGreaterThanOrEqual(245);
  });

  it('slows a host down to its robots.txt Crawl-delay', async () => {
    const start = site.requests.length;
    const docs = await crawlAll(
      ['/p/1', '/p/2', '/p/3'].map((p) => site.url('delay', p)),
      { max_concurrent: 3 },
    );
    expect([...docs.values()].every((d) => d.status === 'ok')).toBe(true);
    const toDelay = site.requests.slice(start).filter((r) => r.host === 'delay');
    expect(toDelay).toHaveLength(5); // robots.txt, tdmrep.json, 3 pages
    for (const gap of gaps(toDelay.slice(1))) expect(gap).toBeGreaterThanOrEqual(995);
  });
});

describe('crawler: retries', () => {
  it('honours Retry-After in seconds and as an HTTP-date', async () => {
    const seconds = site.url('main', '/429?seconds=2&k=a');
    const date = site.url('main', '/429-date?k=a');
    const docs = await crawlAll([seconds, date]);
    expect(docs.get(seconds)).toMatchObject({ status: 'ok', attempts: 2 });
    expect(docs.get(date)).toMatchObject({ status: 'ok', attempts: 2 });
    for (const path of ['/429?seconds=2&k=a', '/429-date?k=a']) {
      const hits = site.requestsTo('main', path);
      expect(hits).toHaveLength(2);
      expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(1_995);
    }
  });

  it('retries 503 then succeeds; gives up on a steady 500 after max_attempts; never retries a 404', async () => {
    const docs = await crawlAll(['/503-then-200?k=b', '/always-500', '/404'].map((p) => site.url('robots404', p)));
    expect(docs.get(site.url('robots404', '/503-then-200?k=b'))).toMatchObject({ status: 'ok', attempts: 2 });
    expect(docs.get(site.url('robots404', '/always-500'))).toMatchObject({
      status: 'failed',
      reasonCode: 'http',
      reason: 'HTTP 500',
      httpStatus: 500,
      attempts: 3,
    });
    expect(docs.get(site.url('robots404', '/404'))).toMatchObject({
      status: 'failed',
      reason: 'HTTP 404',
      attempts: 1,
    });
    expect(site.requestsTo('robots404', '/always-500')).toHaveLength(3);
    expect(site.requestsTo('robots404', '/404')).toHaveLength(1);
  });

  it('fails a page slower than the timeout, and a body that never ends, with a timeout', async () => {
    const slow = site.url('robots404', '/slow?ms=4000');
    const endless = site.url('robots404', '/never-ends');
    const docs = await crawlAll([slow, endless], { read_timeout_ms: 400, max_attempts: 2 });
    expect(docs.get(slow)).toMatchObject({ status: 'failed', reasonCode: 'timeout', attempts: 2 });
    expect(docs.get(endless)).toMatchObject({ status: 'failed', reasonCode: 'timeout', attempts: 2 });
  });
});

describe('crawler: limits and safety', () => {
  it('stops a 50 MB page while streaming, whether its size is declared or not, and a gzip bomb', async () => {
    const urls = ['/huge', '/huge-declared', '/gzip-bomb'].map((p) => site.url('main', p));
    const docs = await crawlAll(urls, { max_body_bytes: 1024 * 1024 });
    for (const u of urls) expect(docs.get(u), u).toMatchObject({ status: 'failed', reasonCode: 'too_large' });
    // The server got to write far less than the 50 MB before the crawler hung up.
    expect(site.bytesSent.get('/huge') ?? 0).toBeLessThan(20 * 1024 * 1024);
  });

  it('follows up to max_redirects, and fails loops, long chains and non-http schemes', async () => {
    const docs = await crawlAll(['/redirect/3', '/redirect/6', '/loop/a', '/to-ftp'].map((p) => site.url('main', p)));
    const ok = docs.get(site.url('main', '/redirect/3'))!;
    expect(ok).toMatchObject({ status: 'ok', finalUrl: site.url('main', '/redirect/0') });
    expect(ok.redirects).toHaveLength(3);
    expect(docs.get(site.url('main', '/redirect/6'))).toMatchObject({ status: 'failed', reasonCode: 'redirects' });
    expect(docs.get(site.url('main', '/loop/a'))).toMatchObject({ status: 'failed', reasonCode: 'redirects' });
    expect(docs.get(site.url('main', '/to-ftp'))).toMatchObject({ status: 'failed', reasonCode: 'scheme' });
    expect(site.requestsTo('main', '/redirect/0').length).toBeGreaterThanOrEqual(1);
  });

  it('refuses redirects to private, metadata and internally-resolved addresses before connecting', async () => {
    const guarded = new Crawler({
      trustedHosts: site.hostPorts(),
      lookup: mappedLookup({ 'intranet.fixture.test': '10.1.2.3' }),
    });
    try {
      const urls = ['/to-private', '/to-metadata', '/to-internal-name'].map((p) => site.url('main', p));
      const docs = await crawlAll(urls, {}, guarded);
      for (const u of urls) expect(docs.get(u), u).toMatchObject({ status: 'failed', reasonCode: 'blocked_address' });
      expect(docs.get(urls[0]!)!.reason).toContain('private');
      expect(docs.get(urls[1]!)!.reason).toContain('metadata');
      expect(docs.get(urls[2]!)!.reason).toContain('10.1.2.3');
    } finally {
      await guarded.close();
    }
  });

  it('refuses loopback unless allow_private_networks is true, checking the resolved address at connect time', async () => {
    const plain = new Crawler({ lookup: mappedLookup({ 'fixture.test': '127.0.0.1' }) });
    try {
      const byIp = site.url('main', '/articles/3');
      const byName = `http://fixture.test:${site.port('main')}/articles/4`;
      const refused = await crawlAll([byIp, byName], {}, plain);
      expect(refused.get(byIp)).toMatchObject({ status: 'failed', reasonCode: 'blocked_address' });
      expect(refused.get(byName)).toMatchObject({ status: 'failed', reasonCode: 'blocked_address' });
      expect(refused.get(byName)!.reason).toContain('loopback');
      const allowed = await crawlAll([byIp, byName], { allow_private_networks: true }, plain);
      expect(allowed.get(byIp)).toMatchObject({ status: 'ok', privateNetworksAllowed: true });
      expect(allowed.get(byName)).toMatchObject({ status: 'ok', privateNetworksAllowed: true });
    } finally {
      await plain.close();
    }
  });

  it('deduplicates URLs within a job (fragments dropped, same final URL)', async () => {
    const docs: CrawledDocument[] = [];
    const urls = ['/articles/5', '/articles/5#top', '/dup-a', '/dup-b'].map((p) => site.url('main', p));
    for await (const d of crawler.crawl(urls, fast)) docs.push(d);
    expect(docs).toHaveLength(4);
    const byStatus = (s: string) => docs.filter((d) => d.status === s);
    expect(byStatus('ok')).toHaveLength(2);
    expect(byStatus('skipped').map((d) => d.reasonCode)).toEqual(['duplicate', 'duplicate']);
  });

  it('marks invalid URLs and other schemes failed without stopping the others', async () => {
    const docs = await crawlAll(['not a url', 'ftp://example.com/x', site.url('main', '/articles/6')]);
    expect(docs.get('not a url')).toMatchObject({ status: 'failed', reasonCode: 'invalid_url' });
    expect(docs.get('ftp://example.com/x')).toMatchObject({ status: 'failed', reasonCode: 'scheme' });
    expect(docs.get(site.url('main', '/articles/6'))?.status).toBe('ok');
  });
});

describe('crawler: site mode', () => {
  it('follows same-site links and sitemaps (index, gzip, robots.txt) within max_depth', async () => {
    const docs = await crawlAll([site.url('main', '/')], { mode: 'site', max_depth: 2 });
    const paths = [...docs.keys()].map((u) => new URL(u).pathname + new URL(u).search);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/',
        '/articles/1',
        '/articles/2',
        '/chain/1',
        '/chain/2',
        '/sm/1',
        '/sm/2',
        '/sm/3',
        '/sm/4',
      ]),
    );
    expect(paths).not.toContain('/chain/3');
    expect(paths).not.toContain('/nofollowed');
    expect(paths.filter((p) => p === '/articles/2')).toHaveLength(1);
    expect([...docs.keys()].some((u) => u.includes(`:${site.port('other')}/`))).toBe(false);
    expect(docs.get(site.url('main', '/private/x'))).toMatchObject({ status: 'skipped', reasonCode: 'robots' });
    expect(site.requestsTo('main', '/private/x')).toEqual([]);
    expect(docs.get(site.url('main', '/private/secret'))).toMatchObject({ status: 'skipped', reasonCode: 'robots' });
    expect(docs.get(site.url('main', '/chain/2'))!.depth).toBe(2);
  });

  it('stops at max_pages, a hard limit on documents and page requests', async () => {
    const start = site.requests.length;
    const docs = await crawlAll([site.url('main', '/chain/1')], { mode: 'site', max_depth: 100, max_pages: 5 });
    expect(docs.size).toBe(5);
    const pageRequests = site.requests
      .slice(start)
      .filter((r) => r.path !== '/robots.txt' && !r.path.startsWith('/.well-known/') && !r.path.startsWith('/sitemap'));
    // A hard limit: never more page requests than max_pages (a document skipped by robots.txt costs none).
    expect(pageRequests.length).toBeLessThanOrEqual(5);
    expect(pageRequests.length).toBeGreaterThanOrEqual(4);
  });

  it('applies include and exclude patterns to discovered URLs', async () => {
    const docs = await crawlAll([site.url('main', '/')], {
      mode: 'site',
      max_depth: 1,
      include_patterns: ['*/articles/*', '/\\/sm\\/\\d$/'],
      exclude_patterns: ['*/articles/2'],
    });
    const paths = [...docs.keys()].map((u) => new URL(u).pathname).sort();
    expect(paths).toEqual(['/', '/articles/1', '/sm/1', '/sm/2', '/sm/3', '/sm/4']);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    const docs: CrawledDocument[] = [];
    const it = crawler.crawl(
      [site.url('main', '/chain/100')],
      { ...fast, mode: 'site', max_depth: 100, requests_per_second: 20 },
      {
        signal: controller.signal,
      },
    );
    for (;;) {
      const next = await it.next();
      if (next.done) {
        expect(next.value.cancelled).toBe(true);
        break;
      }
      docs.push(next.value);
      if (docs.length === 3) controller.abort();
    }
    expect(docs.length).toBeGreaterThanOrEqual(3);
    expect(docs.length).toBeLessThan(10);
  });
});

describe('crawler: one item of a shared frontier (fetchOne)', () => {
  const shared = () => {
    const loads: string[] = [];
    const stored = new Map<string, Promise<StoredRobots>>();
    const robots: RobotsStore = {
      load: (origin, fetch) => {
        loads.push(origin);
        if (!stored.has(origin)) stored.set(origin, fetch());
        return stored.get(origin)!;
      },
    };
    return { loads, state: { schedule: new HostPacer(1000 / 50), robots } };
  };

  it('fetches one page, returns the links within depth, site and patterns, and reads robots.txt through the store', async () => {
    const { loads, state } = shared();
    const scraping = { ...fast, mode: 'site' as const, max_depth: 2, exclude_patterns: ['*/chain/*'] };
    const before = site.requestsTo('main', '/robots.txt').length;
    const home = await crawler.fetchOne({ kind: 'page', url: site.url('main', '/'), depth: 0 }, scraping, {
      shared: state,
    });
    expect(home.document).toMatchObject({ status: 'ok', url: site.url('main', '/'), depth: 0 });
    const pages = home.discovered.filter((d) => d.kind === 'page').map((d) => d.url);
    expect(pages).toContain(site.url('main', '/articles/1'));
    expect(pages).toContain(site.url('main', '/articles/2'));
    // Other sites, nofollow and the excluded pattern are left out; dedup is the frontier's, not the item's.
    expect(pages.some((u) => u.includes(`:${site.port('other')}/`))).toBe(false);
    expect(pages).not.toContain(site.url('main', '/nofollowed'));
    expect(pages.some((u) => u.includes('/chain/'))).toBe(false);
    expect(home.discovered.every((d) => d.kind === 'sitemap' || d.depth === 1)).toBe(true);
    // robots.txt's Sitemap line is handed back as a sitemap to read.
    expect(home.discovered).toContainEqual(
      expect.objectContaining({ kind: 'sitemap', url: site.url('main', '/sitemap-extra.xml') }),
    );

    // A page at max_depth returns no links; robots.txt was fetched once for both items (the store).
    const deep = await crawler.fetchOne({ kind: 'page', url: site.url('main', '/articles/1'), depth: 2 }, scraping, {
      shared: state,
    });
    expect(deep.document?.status).toBe('ok');
    expect(deep.discovered.filter((d) => d.kind === 'page')).toEqual([]);
    expect(site.requestsTo('main', '/robots.txt').length - before).toBe(1);
    expect(loads.length).toBe(2);
  });

  it('retries inside the item, reads a sitemap into discovered URLs, and makes the document of a noted seed', async () => {
    const { state } = shared();
    const retried = await crawler.fetchOne({ kind: 'page', url: site.url('other', '/503-then-200'), depth: 0 }, fast, {
      shared: state,
    });
    expect(retried.document).toMatchObject({ status: 'ok', attempts: 2 });

    const sitemap = await crawler.fetchOne(
      { kind: 'sitemap', url: site.url('other', '/sitemap-pages.xml'), depth: 0 },
      { ...fast, mode: 'site' },
      { shared: state },
    );
    expect(sitemap.document).toBeUndefined();
    expect(sitemap.discovered.map((d) => d.url)).toEqual(
      expect.arrayContaining([site.url('other', '/sm/1'), site.url('other', '/sm/2')]),
    );

    const noted = await crawler.fetchOne(
      { kind: 'page', url: site.url('other', '/never-fetched'), depth: 0, note: 'max_pages' },
      { ...fast, max_pages: 7 },
      { shared: state },
    );
    expect(noted.document).toMatchObject({
      status: 'skipped',
      reasonCode: 'max_pages',
      reason: 'max_pages (7) reached',
    });
    expect(site.requestsTo('other', '/never-fetched')).toHaveLength(0);
  });

  it('records validators, asks conditionally with them, and turns a 304 into an ok page with no content', async () => {
    const { state } = shared();
    const modified = 'Tue, 01 Dec 2026 10:00:00 GMT';
    site.setPage('other', '/validated', { body: '<p>validated page</p>', etag: '"v1"', lastModified: modified });
    const first = await crawler.fetchOne({ kind: 'page', url: site.url('other', '/validated'), depth: 0 }, fast, {
      shared: state,
    });
    expect(first.document).toMatchObject({ status: 'ok', httpStatus: 200, etag: '"v1"', lastModified: modified });
    expect(first.document?.notModified).toBeUndefined();
    expect(site.requestsTo('other', '/validated')[0]!.headers['if-none-match']).toBeUndefined();

    const conditional = { etag: '"v1"', lastModified: modified };
    const again = await crawler.fetchOne(
      { kind: 'page', url: site.url('other', '/validated'), depth: 0, conditional },
      fast,
      { shared: state },
    );
    const sent = site.requestsTo('other', '/validated')[1]!;
    expect([sent.headers['if-none-match'], sent.headers['if-modified-since'], sent.status]).toEqual([
      '"v1"',
      modified,
      304,
    ]);
    expect(again.document).toMatchObject({ status: 'ok', httpStatus: 304, notModified: true, etag: '"v1"' });
    expect(again.document?.content).toBeUndefined();

    // Changed since: the new page, with its new validator.
    site.setPage('other', '/validated', { body: '<p>validated page, edited</p>', etag: '"v2"' });
    const changed = await crawler.fetchOne(
      { kind: 'page', url: site.url('other', '/validated'), depth: 0, conditional },
      fast,
      { shared: state },
    );
    expect(changed.document).toMatchObject({ status: 'ok', httpStatus: 200, etag: '"v2"' });
    expect(changed.document?.content).toContain('edited');
    expect(changed.document?.notModified).toBeUndefined();
  });
});
