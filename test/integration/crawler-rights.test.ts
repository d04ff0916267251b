import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@datafactory/config';
import type { PageTerms } from '@datafactory/contracts';
import {
  type CrawledDocument,
  Crawler,
  documentMetadata,
  HostPacer,
  type ScrapingConfig,
  type StoredTdmRep,
  type TdmRepStore,
} from '@datafactory/crawler';
import {
  FixtureSite,
  RIGHTS_PAGES,
  RIGHTS_VALIDATORS,
  type RightsPageKind,
  TDM_POLICY_URL,
  TDMREP_PATH,
} from '@datafactory/testing';

/*
 * Provenance and rights through the crawler: the fixture site serves one page
 * per kind of rights statement (robots meta noai, X-Robots-Tag, tdmrep.json,
 * the TDM header and meta, a Creative Commons rel=license link, none) and a
 * tdmrep.json on every host. Real HTTP on 127.0.0.1; the assertions are on the
 * documents and on the requests the fixture recorded.
 */

let site: FixtureSite;
let crawler: Crawler;

const fast: Partial<ScrapingConfig> = {
  requests_per_second: 50,
  use_playwright: 'never',
  read_timeout_ms: 2_000,
  request_timeout_ms: 5_000,
};
const KINDS = Object.keys(RIGHTS_PAGES) as RightsPageKind[];

async function crawlAll(urls: string[], config: Partial<ScrapingConfig> = {}): Promise<Map<string, CrawledDocument>> {
  const docs = new Map<string, CrawledDocument>();
  for await (const doc of crawler.crawl(urls, { ...fast, ...config })) docs.set(doc.url, doc);
  return docs;
}

beforeAll(async () => {
  site = await FixtureSite.start({ hosts: ['main', 'other'] });
  crawler = new Crawler({ trustedHosts: site.hostPorts(), chromePath: loadConfig().chromePath });
});
afterAll(async () => {
  await crawler?.close();
  await site?.close();
});

const expectedTerms: Record<RightsPageKind, Partial<PageTerms>> = {
  'meta-noai': { robotsMeta: ['noai', 'noimageai'], xRobotsTag: [], tdm: {}, license: null },
  'x-robots': { robotsMeta: [], xRobotsTag: ['noai'], tdm: {}, license: null },
  'x-robots-other': { robotsMeta: [], xRobotsTag: [], tdm: {}, license: null },
  tdmrep: { tdm: { 'tdmrep.json': { reservation: 1, policy: TDM_POLICY_URL } }, license: null },
  'tdm-header': { tdm: { header: { reservation: 1, policy: TDM_POLICY_URL } }, license: null },
  'tdm-meta': { tdm: { meta: { reservation: 1, policy: TDM_POLICY_URL } }, license: null },
  'cc-by': {
    robotsMeta: ['noindex'],
    tdm: { 'tdmrep.json': { reservation: 0, policy: null } },
    license: { url: 'https://creativecommons.org/licenses/by/4.0/', id: 'CC-BY-4.0' },
  },
  none: { robotsMeta: [], xRobotsTag: [], tdm: {}, license: null },
};

describe('crawler: rights statements', () => {
  it('skips pages that reserve TDM rights by any channel (and noai), records the terms of every page', async () => {
    const urls = KINDS.map((k) => site.url('main', `/rights/${k}`));
    const before = site.requests.length;
    const docs = await crawlAll(urls);
    const seen = site.requests.slice(before).filter((r) => r.host === 'main');

    for (const kind of KINDS) {
      const doc = docs.get(site.url('main', `/rights/${kind}`))!;
      if (RIGHTS_PAGES[kind].reserved) {
        expect(doc, kind).toMatchObject({ status: 'skipped', reasonCode: 'tdm_reserved' });
        expect(doc.content, kind).toBeUndefined();
      } else {
        expect(doc, kind).toMatchObject({ status: 'ok', httpStatus: 200 });
        expect(doc.etag).toBe(RIGHTS_VALIDATORS.etag);
        expect(doc.lastModified).toBe(RIGHTS_VALIDATORS['last-modified']);
        expect(doc.fetchedAt).toBeInstanceOf(Date);
      }
      expect(doc.terms, kind).toMatchObject(expectedTerms[kind]);
    }
    expect(docs.get(site.url('main', '/rights/meta-noai'))!.reason).toBe('tdm_reserved: noai (robots meta)');
    expect(docs.get(site.url('main', '/rights/x-robots'))!.reason).toBe('tdm_reserved: noai (X-Robots-Tag)');
    expect(docs.get(site.url('main', '/rights/tdm-header'))!.reason).toBe('tdm_reserved: tdm-reservation: 1 (header)');
    // The tdmrep.json rule reserves the page before it is requested: it never is.
    expect(docs.get(site.url('main', '/rights/tdmrep'))!.reason).toBe('tdm_reserved: tdm-reservation: 1 (tdmrep.json)');
    expect(seen.filter((r) => r.path === '/rights/tdmrep')).toEqual([]);
    // tdmrep.json once for the origin, after robots.txt; the other reserved pages were fetched to read them.
    expect(seen.filter((r) => r.path === TDMREP_PATH)).toHaveLength(1);
    expect(seen.findIndex((r) => r.path === '/robots.txt')).toBeLessThan(seen.findIndex((r) => r.path === TDMREP_PATH));
    expect(seen.filter((r) => r.path === '/rights/tdm-header')).toHaveLength(1);
  });

  it('fetches reserved pages with respect_ai_reservations false and keeps their terms in the stored metadata', async () => {
    const urls = KINDS.map((k) => site.url('other', `/rights/${k}`));
    const docs = await crawlAll(urls, { respect_ai_reservations: false });
    for (const kind of KINDS) {
      const doc = docs.get(site.url('other', `/rights/${kind}`))!;
      expect(doc, kind).toMatchObject({ status: 'ok', terms: expectedTerms[kind] });
      expect(documentMetadata(doc), kind).toMatchObject({
        etag: RIGHTS_VALIDATORS.etag,
        lastModified: RIGHTS_VALIDATORS['last-modified'],
        terms: expectedTerms[kind],
      });
    }
    expect(site.requestsTo('other', '/rights/tdmrep')).toHaveLength(1);
  });

  it('reads the terms of a page rendered in Chromium (headers of the navigation, meta of the rendered page)', async () => {
    const urls = ['x-robots', 'tdm-meta', 'cc-by'].map((k) => site.url('main', `/rights/${k}?browser=1`));
    const docs = await crawlAll(urls, { use_playwright: 'always', respect_ai_reservations: false });
    expect(docs.get(urls[0]!)).toMatchObject({
      status: 'ok',
      fetchMethod: 'browser',
      terms: expectedTerms['x-robots'],
    });
    expect(docs.get(urls[1]!)).toMatchObject({
      status: 'ok',
      fetchMethod: 'browser',
      terms: expectedTerms['tdm-meta'],
    });
    expect(docs.get(urls[2]!)).toMatchObject({ status: 'ok', etag: RIGHTS_VALIDATORS.etag });
    expect(docs.get(urls[2]!)!.terms?.license?.id).toBe('CC-BY-4.0');
  });

  it('reads tdmrep.json once per origin through a store shared by the items of a job (fetchOne)', async () => {
    const loads: string[] = [];
    const stored = new Map<string, Promise<StoredTdmRep>>();
    const tdmRep: TdmRepStore = {
      load: (origin, fetch) => {
        loads.push(origin);
        if (!stored.has(origin)) stored.set(origin, fetch());
        return stored.get(origin)!;
      },
    };
    const state = { schedule: new HostPacer(1000 / 50), tdmRep };
    const before = site.requestsTo('other', TDMREP_PATH).length;
    const results = [];
    for (const kind of ['tdmrep', 'none', 'cc-by'] as const) {
      const url = site.url('other', `/rights/${kind}?item=1`);
      results.push(await crawler.fetchOne({ kind: 'page', url, depth: 0 }, fast, { shared: state }));
    }
    expect(results.map((r) => r.document?.status)).toEqual(['skipped', 'ok', 'ok']);
    expect(results[0]!.document?.reasonCode).toBe('tdm_reserved');
    expect(site.requestsTo('other', TDMREP_PATH).length - before).toBe(1);
    expect(site.requestsTo('other', '/rights/tdmrep?item=1')).toEqual([]);
    expect(loads.length).toBeGreaterThanOrEqual(3);
  });
});
