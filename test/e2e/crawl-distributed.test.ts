/**
 * End-to-end: one job's crawl shared by two worker processes on PostgreSQL
 * (its own schema), the machine's real Redis (own key prefix), the fixture
 * site (which records every request with its arrival time) and the fake
 * OpenAI-compatible server (never called: template none). Checks what holds
 * globally: per-host spacing across both workers, the page cap exactly, both
 * workers fetching, and a SIGKILLed worker's pages retried, never refetched
 * once stored.
 */
import { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '@datafactory/config';
import { createOrmConfig, RawDocument } from '@datafactory/persistence';
import {
  type AppProcess,
  FakeOpenAiServer,
  FixtureSite,
  RIGHTS_PAGES,
  RIGHTS_VALIDATORS,
  type RightsPageKind,
  type Stack,
  startStack,
  TDMREP_PATH,
} from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('a crawl shared by two workers (PostgreSQL)', () => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let stack: Stack;
  let workers: AppProcess[] = [];
  let orm: MikroORM;

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main', 'other', 'h3'] });
    llm = new FakeOpenAiServer({ content: () => 'unused' });
    await llm.start();
    stack = await startStack({
      database: 'postgres',
      workers: 2,
      // Three processes start at once on a shared 2-core machine.
      timeoutMs: 90_000,
      env: {
        OPENAI_BASE_URL: llm.baseUrl,
        WORKER_CONCURRENCY: '4',
        CRAWL_TRUSTED_HOSTS: site.hostPorts().join(','),
      },
    });
    workers = stack.workers;
    orm = await MikroORM.init(createOrmConfig(loadConfig({ ...stack.env, NODE_ENV: 'test' }).database));
  });

  afterAll(async () => {
    await orm?.close();
    await stack?.stop();
    await site?.close();
    await llm?.stop();
  });

  const startJob = async (name: string, urls: string[], scraping: Record<string, unknown>) => {
    const project = (await stack.json('POST', '/api/projects', { name })).body.id as string;
    const created = await stack.json('POST', `/api/projects/${project}/jobs`, {
      urls,
      config: { scraping, generation: { template: 'none' } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id as string;
  };

  const waitDone = async (jobId: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = (await stack.json('GET', `/api/jobs/${jobId}`)).body;
      if (['completed', 'failed', 'cancelled'].includes(job.status)) return job;
      if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status} (${JSON.stringify(job.progress)})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  /** Requests to a host's pages (not robots.txt or sitemaps), in arrival order. */
  const pageRequests = (host: string, path: RegExp) =>
    site
      .requestsTo(host, path)
      .filter((r) => r.method === 'GET')
      .sort((a, b) => a.at - b.at);

  it('keeps one per-host schedule and the page cap exactly, with both workers fetching', async () => {
    const rate = 10;
    const jobId = await startJob('shared crawl', [site.url('h3', '/fan/0'), site.url('other', '/fan/0')], {
      mode: 'site',
      max_depth: 4,
      max_pages: 45,
      requests_per_second: rate,
      max_concurrent: 4,
    });
    const job = await waitDone(jobId, 120_000);
    expect(job.status, job.error).toBe('completed');
    expect(job.progress.crawler).toEqual({ total: 45, done: 45, failed: 0 });

    const docs = await orm.em.fork().find(RawDocument, { job: jobId }, { fields: ['url', 'scrapeStatus', 'metadata'] });
    // The cap holds exactly, though both workers admitted links at once.
    expect(docs).toHaveLength(45);
    expect(new Set(docs.map((d) => d.url)).size).toBe(45);
    // Both workers fetched pages.
    const by = new Set(docs.map((d) => (d.metadata as { crawledBy?: string }).crawledBy));
    expect(by.size).toBe(2);

    for (const host of ['h3', 'other']) {
      const all = site.requestsTo(host).sort((a, b) => a.at - b.at);
      // Every request to the host, from either worker, at least 1/rate after the one before
      // (1 ms for the millisecond clock of Redis against the fixture's).
      for (let i = 1; i < all.length; i++) {
        expect(all[i]!.at - all[i - 1]!.at, `${all[i - 1]!.path} then ${all[i]!.path}`).toBeGreaterThanOrEqual(
          1000 / rate - 1,
        );
      }
      // Each page fetched once, robots.txt once for both workers.
      const pages = pageRequests(host, /^\/(fan|sm)\//);
      expect(new Set(pages.map((r) => r.path)).size).toBe(pages.length);
      // On failure, when each robots.txt request came (ms after the host's first request) and what came between.
      const robots = site.requestsTo(host, '/robots.txt');
      const t0 = all[0]?.at ?? 0;
      expect(
        robots,
        `robots.txt of ${host} at ${robots.map((r) => Math.round(r.at - t0)).join(', ')} ms; requests: ${all
          .map((r) => `${Math.round(r.at - t0)} ${r.method} ${r.path}`)
          .join('; ')}`,
      ).toHaveLength(1);
    }
    const stored = docs.filter((d) => /\/fan\//.test(d.url)).length;
    const fetched = pageRequests('h3', /^\/fan\//).length + pageRequests('other', /^\/fan\//).length;
    expect(fetched).toBe(stored);
  }, 150_000);

  it('reads each origin tdmrep.json once for both workers, skips reserved pages, exports every source with its terms', async () => {
    const kinds = Object.keys(RIGHTS_PAGES) as RightsPageKind[];
    const hosts = ['main', 'h3'] as const;
    const urls = hosts.flatMap((h) => kinds.map((k) => site.url(h, `/rights/${k}?d=1`)));
    const before = new Map(hosts.map((h) => [h, site.requestsTo(h, TDMREP_PATH).length]));
    const jobId = await startJob('rights', urls, { requests_per_second: 20, max_concurrent: 4 });
    const job = await waitDone(jobId, 120_000);
    expect(job.status, job.error).toBe('completed');
    for (const h of hosts) expect(site.requestsTo(h, TDMREP_PATH).length - before.get(h)!, h).toBe(1);

    const docs = await orm.em.fork().find(RawDocument, { job: jobId });
    expect(docs).toHaveLength(urls.length);
    for (const d of docs) {
      const kind = new URL(d.url).pathname.split('/').pop() as RightsPageKind;
      expect(d.scrapeStatus, d.url).toBe(RIGHTS_PAGES[kind].reserved ? 'skipped' : 'ok');
      if (RIGHTS_PAGES[kind].reserved) expect(d.metadata.reasonCode).toBe('tdm_reserved');
      expect(d.metadata.terms, d.url).toBeDefined();
    }
    for (const h of hosts) expect(site.requestsTo(h, '/rights/tdmrep?d=1'), h).toEqual([]);

    const list = (await stack.json('GET', `/api/jobs/${jobId}/exports`)).body;
    const items = (Array.isArray(list) ? list : list.items) as { id: string }[];
    expect(items).toHaveLength(1);
    const lines = (await (await stack.fetch(`/api/exports/${items[0]!.id}/download`)).text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { source_url: string; license: string | null; provenance: Record<string, unknown> });
    const open = kinds.filter((k) => !RIGHTS_PAGES[k].reserved);
    expect(new Set(lines.map((l) => l.source_url))).toEqual(
      new Set(hosts.flatMap((h) => open.map((k) => site.url(h, `/rights/${k}?d=1`)))),
    );
    for (const l of lines) {
      expect(l.provenance).toMatchObject({ http_status: 200, etag: RIGHTS_VALIDATORS.etag });
      expect(l.provenance.text_sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(typeof l.provenance.chunk_end).toBe('number');
    }
    expect(lines.filter((l) => l.license === 'CC-BY-4.0').length).toBeGreaterThanOrEqual(hosts.length);

    const card = await (await stack.fetch(`/api/exports/${items[0]!.id}/card`)).text();
    expect(card).toContain('## Sources and their terms');
    expect(card).toContain(`: ${hosts.length * (kinds.length - open.length)} pages (\`tdm_reserved\`)`);
    expect(card).toContain('CC-BY-4.0 ×2');
  }, 150_000);

  it('completes after a worker is SIGKILLed mid-crawl, every page stored once and none refetched once stored', async () => {
    const urls = ['main', 'other', 'h3'].flatMap((h, k) =>
      Array.from({ length: 10 }, (_, i) => site.url(h, `/doc/${500 + k * 10 + i}`)),
    );
    const jobId = await startJob('killed crawl', urls, {
      requests_per_second: 4,
      max_concurrent: 4,
      // A killed worker's hold on a host lasts at most this long.
      request_timeout_ms: 5_000,
    });
    const isJobPage = (r: { path: string }) => /^\/doc\/5\d\d$/.test(r.path);
    // Kill one worker once a few pages have been fetched (the crawl takes a few seconds at 4 per second per host).
    await site.waitForRequest(() => site.requests.filter(isJobPage).length >= 6);
    const killedAt = performance.now();
    workers[0]!.child.kill('SIGKILL');
    expect(site.requests.filter(isJobPage).length).toBeLessThan(urls.length);

    const job = await waitDone(jobId, 150_000);
    expect(job.status, job.error).toBe('completed');
    expect(job.progress.crawler).toEqual({ total: 30, done: 30, failed: 0 });

    const docs = await orm.em.fork().find(RawDocument, { job: jobId }, { fields: ['url', 'scrapeStatus'] });
    expect(docs).toHaveLength(30);
    expect(new Set(docs.map((d) => d.url))).toEqual(new Set(urls));
    expect(docs.every((d) => d.scrapeStatus === 'ok')).toBe(true);

    // A page requested twice was in flight on the killed worker: its first request came before the kill.
    const byPath = new Map<string, number[]>();
    for (const r of site.requests.filter(isJobPage))
      byPath.set(`${r.port}${r.path}`, [...(byPath.get(`${r.port}${r.path}`) ?? []), r.at]);
    const twice = [...byPath.values()].filter((ats) => ats.length > 1);
    for (const ats of twice) {
      expect(ats).toHaveLength(2);
      expect(Math.min(...ats)).toBeLessThan(killedAt);
    }
    // At most the killed worker's items in flight (its max_concurrent).
    expect(twice.length).toBeLessThanOrEqual(4);
    expect(byPath.size).toBe(30);
  }, 200_000);
});
