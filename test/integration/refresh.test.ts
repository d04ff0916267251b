/**
 * Integration: refreshing a finished job in one process (`datafactory run`,
 * then `datafactory refresh`): the fixture site changes between the runs (one
 * page edited, one removed, two unchanged, one new in the sitemap), the fake
 * OpenAI server counts the calls, a real SQLite file holds both jobs.
 */
import { MikroORM } from '@mikro-orm/core';
import { type AppConfig, loadConfig } from '@datafactory/config';
import { Chunk, createOrmConfig, Job, RawDocument, TrainingExample } from '@datafactory/persistence';
import { ConflictError, NotFoundError } from '@datafactory/pipeline';
import { refreshJobLocally, runJobLocally } from '@datafactory/pipeline/worker';
import { distinctArticle, FakeOpenAiServer, FixtureSite, qaFromPrompt, tempDir } from '@datafactory/testing';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HOST = 'h1';
const A_MODIFIED = 'Tue, 01 Dec 2026 10:00:00 GMT';

function urlset(urls: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls
    .map((u) => `<url><loc>${u}</loc></url>`)
    .join('')}</urlset>`;
}

/** A fixture article with no links (site mode would follow the nav's link to the built-in home page). */
function article(n: number): string {
  return distinctArticle(n, HOST).replace(/<header>.*?<\/header>/, '');
}

/** The first sentence of an article's first paragraph: text that ends up in its chunk and in the prompt. */
function marker(html: string): string {
  return /<p>([^.]*)\./.exec(html)![1]!;
}

function openOrm(config: AppConfig) {
  return MikroORM.init(createOrmConfig(config.database) as Parameters<typeof MikroORM.init>[0]);
}

describe('refreshing a job (datafactory refresh)', () => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let dir: { path: string; remove: () => Promise<void> };
  let config: AppConfig;
  let orm: Awaited<ReturnType<typeof openOrm>>;

  const url = (p: string) => site.url(HOST, p);
  const pageA = article(1);
  const pageB1 = article(2);
  const pageB2 = article(22);
  const pageC = article(3);
  const pageD = article(4);
  const pageE = article(5);

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: [HOST] });
    llm = new FakeOpenAiServer({ content: qaFromPrompt });
    await llm.start();
    dir = await tempDir();
    config = loadConfig({
      DATA_DIR: dir.path,
      OPENAI_BASE_URL: llm.baseUrl,
      LOG_LEVEL: 'silent',
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
    });
  });
  afterAll(async () => {
    await orm?.close();
    await site?.close();
    await llm?.stop();
    await dir?.remove();
  });

  it('fetches conditionally, regenerates only new and changed chunks, and the card lists the diff', async () => {
    // Version 1: a (ETag and Last-Modified), b (ETag), c, e (no validators), all in the sitemap.
    site.setPage(HOST, '/a', { body: pageA, etag: '"a1"', lastModified: A_MODIFIED });
    site.setPage(HOST, '/b', { body: pageB1, etag: '"b1"' });
    site.setPage(HOST, '/c', { body: pageC, etag: '"c1"' });
    site.setPage(HOST, '/e', { body: pageE });
    site.setPage(HOST, '/sitemap.xml', {
      body: urlset([url('/a'), url('/b'), url('/c'), url('/e')]),
      type: 'application/xml',
    });
    const jobConfig = {
      scraping: { mode: 'site', requests_per_second: 50 },
      generation: { template: 'qa', examples_per_chunk: 2 },
      quality: { checks: ['format', 'duplicates'] },
      export: { format: 'jsonl' },
    };
    const first = await runJobLocally(config, { urls: [url('/a')], jobConfig });
    expect(first.job.status, first.job.error ?? '').toBe('completed');
    const firstCalls = llm.requests.length;

    orm = await openOrm(config);
    const em = () => orm.em.fork();
    const parentChunks = await em().find(Chunk, { job: first.job.id }, { populate: ['document'] });
    expect(new Set(parentChunks.map((c) => c.document.url))).toEqual(
      new Set([url('/a'), url('/b'), url('/c'), url('/e')]),
    );
    // One generation call per original chunk (the refresh's count below relies on it).
    expect(firstCalls).toBe(parentChunks.filter((c) => !c.duplicateOf).length);
    const parentExamples = await em().find(TrainingExample, { job: first.job.id }, { populate: ['chunk.document'] });
    const examplesOf = (u: string) => parentExamples.filter((e) => e.chunk.document.url === u);

    // Version 2: b edited, c gone (410), d new in the sitemap, a and e unchanged.
    site.setPage(HOST, '/b', { body: pageB2, etag: '"b2"' });
    site.setPage(HOST, '/c', { status: 410 });
    site.setPage(HOST, '/d', { body: pageD, etag: '"d1"' });
    site.setPage(HOST, '/sitemap.xml', {
      body: urlset([url('/a'), url('/b'), url('/d'), url('/e')]),
      type: 'application/xml',
    });
    llm.reset();
    const before = site.requests.length;
    const refresh = await refreshJobLocally(config, { jobId: first.job.id });
    const job = refresh.job;
    expect(job.status, job.error ?? '').toBe('completed');
    expect(job.refreshOf).toBe(first.job.id);
    expect(job.project.id).toBe(first.job.project.id);

    // Conditional requests with the stored validators; 304 for the unchanged page that has them.
    const seen = site.requests.slice(before).filter((r) => r.host === HOST);
    const get = (p: string) => seen.filter((r) => r.path === p);
    expect(get('/a')).toHaveLength(1);
    expect(get('/a')[0]!.headers['if-none-match']).toBe('"a1"');
    expect(get('/a')[0]!.headers['if-modified-since']).toBe(A_MODIFIED);
    expect(get('/a')[0]!.status).toBe(304);
    expect(get('/b')[0]!.headers['if-none-match']).toBe('"b1"');
    expect(get('/b')[0]!.status).toBe(200);
    expect(get('/c')[0]!.headers['if-none-match']).toBe('"c1"');
    expect(get('/c')[0]!.status).toBe(410);
    expect(get('/d')[0]!.headers['if-none-match']).toBeUndefined();
    expect(get('/e')[0]!.headers['if-none-match']).toBeUndefined();
    expect(get('/e')[0]!.status).toBe(200);

    // Exactly the chunks of the edited and the new page were generated: one call each, and no other.
    const chunks = await em().find(Chunk, { job: job.id, duplicateOf: null }, { populate: ['document'] });
    const fresh = chunks.filter((c) => [url('/b'), url('/d')].includes(c.document.url));
    expect(fresh.length).toBeGreaterThanOrEqual(2);
    expect(llm.requests).toHaveLength(fresh.length);
    const prompts = llm.requests.map((r) => JSON.stringify(r.body.messages));
    expect(prompts.filter((p) => p.includes(marker(pageB2)))).toHaveLength(
      fresh.filter((c) => c.document.url === url('/b')).length,
    );
    expect(prompts.filter((p) => p.includes(marker(pageD)))).toHaveLength(
      fresh.filter((c) => c.document.url === url('/d')).length,
    );
    for (const old of [pageA, pageE, pageB1]) expect(prompts.some((p) => p.includes(marker(old)))).toBe(false);

    // The unchanged pages' examples were carried over (with their inspection), lineage naming the parent.
    const examples = await em().find(TrainingExample, { job: job.id }, { populate: ['chunk.document'] });
    const carried = examples.filter((e) => e.lineage?.carriedFrom === first.job.id);
    expect(carried.map((e) => e.chunk.document.url).sort()).toEqual(
      [...examplesOf(url('/a')), ...examplesOf(url('/e'))].map((e) => e.chunk.document.url).sort(),
    );
    for (const e of carried) {
      const original = parentExamples.find((p) => p.id === e.lineage!.carriedFromExample)!;
      expect(e.outputText).toBe(original.outputText);
      expect(e.passedQc).toBe(original.passedQc);
      expect(e.lineage!.generatedIn).toBe(first.job.id);
    }
    // The removed page has nothing in the new version.
    expect(examples.some((e) => e.chunk.document.url === url('/c'))).toBe(false);
    const docC = await em().findOneOrFail(RawDocument, { job: job.id, url: url('/c') });
    expect(docC.httpStatus).toBe(410);

    // The funnel adds up, carried rows included, and says how many were carried.
    expect(refresh.funnel?.holds).toBe(true);
    const generate = refresh.funnel!.stages.find((s) => s.stage === 'generate')!;
    const carriedOk = carried.filter((e) => e.status === 'ok').length;
    expect(generate.outcomes.find((o) => o.outcome === 'carried_over')).toMatchObject({
      count: carriedOk,
      reasons: [{ code: 'unchanged', count: carriedOk }],
    });

    // A new export version whose card lists the diff.
    const folder = path.resolve(dir.path, refresh.export!.filePath);
    const card = readFileSync(path.join(folder, 'README.md'), 'utf8');
    const section = card.slice(card.indexOf('## Changes since the previous version'));
    expect(section).toContain(`A refresh of job \`${first.job.id}\` (dataset version ${first.export!.version})`);
    expect(section).toContain('| added | 1 |');
    expect(section).toContain('| changed | 1 |');
    expect(section).toContain('| removed | 1 |');
    expect(section).toContain('| unchanged | 2 |');
    expect(section).toContain('| of which answered 304 Not Modified | 1 |');
    expect(section).toMatch(new RegExp(`### Added \\(1\\)\\n\\n- ${url('/d')}\\n`));
    expect(section).toMatch(new RegExp(`### Changed \\(1\\)\\n\\n- ${url('/b')}\\n`));
    expect(section).toMatch(new RegExp(`### Removed \\(1\\)\\n\\n- ${url('/c')} \\(HTTP 410\\)\\n`));
    expect(section).toContain(
      `Examples: ${examples.length - carried.length} generated in this refresh, ${carried.length} carried over`,
    );
    const records = readFileSync(path.join(folder, 'data.jsonl'), 'utf8').trim().split('\n');
    expect(records).toHaveLength(refresh.export!.recordCount);
    expect(refresh.export!.recordCount).toBe(examples.filter((e) => e.passedQc).length);

    // A refresh of the refresh: nothing changed, so nothing is generated and everything is carried.
    llm.reset();
    const again = await refreshJobLocally(config, { jobId: job.id });
    expect(again.job.status, again.job.error ?? '').toBe('completed');
    expect(llm.requests).toHaveLength(0);
    const againExamples = await em().find(TrainingExample, { job: again.job.id });
    expect(againExamples).toHaveLength(examples.length);
    for (const e of againExamples) expect(e.lineage?.carriedFrom).toBe(job.id);
    expect(againExamples.filter((e) => e.lineage?.generatedIn === first.job.id)).toHaveLength(carried.length);
    expect(again.funnel?.holds).toBe(true);
  });

  it('refuses an unknown job and a job that has not completed, before anything is fetched', async () => {
    const before = site.requests.length;
    await expect(refreshJobLocally(config, { jobId: '00000000-0000-4000-8000-000000000000' })).rejects.toThrow(
      NotFoundError,
    );
    await expect(refreshJobLocally(config, { jobId: 'not-a-job' })).rejects.toThrow(NotFoundError);
    orm ??= await openOrm(config);
    const em = orm.em.fork();
    const done = await em.findOneOrFail(Job, { status: 'completed' }, { orderBy: { createdAt: 'asc' } });
    await em.nativeUpdate(Job, { id: done.id }, { status: 'running' });
    await expect(refreshJobLocally(config, { jobId: done.id })).rejects.toThrow(ConflictError);
    await em.nativeUpdate(Job, { id: done.id }, { status: 'completed' });
    expect(site.requests.length).toBe(before);
  });
});
