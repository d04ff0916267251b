/**
 * End-to-end: POST /api/jobs/{id}/refresh through the built API and a
 * worker (Redis; SQLite, then PostgreSQL in a schema of its own): the
 * fixture site changes between the job and its refresh; the refresh makes
 * generation calls for the changed and the new page only, sends conditional
 * requests, and its export's card lists the diff. The route's refusals: 404
 * unknown job, 409 a job not completed, 400 a bad body naming the field.
 */
import {
  distinctArticle,
  FakeOpenAiServer,
  FixtureSite,
  qaFromPrompt,
  type Stack,
  startStack,
  waitFor,
} from '@datafactory/testing';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HOST = 'h1';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

const urlset = (urls: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls
    .map((u) => `<url><loc>${u}</loc></url>`)
    .join('')}</urlset>`;
const article = (n: number) => distinctArticle(n, HOST).replace(/<header>.*?<\/header>/, '');

describe.each(['sqlite', 'postgres'] as const)('POST /api/jobs/{id}/refresh on %s', (database) => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let stack: Stack;
  /** A server that answers nothing until the test ends: a job crawling it stays running. */
  let holder: Server;
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: [HOST] });
    llm = new FakeOpenAiServer({ content: qaFromPrompt });
    await llm.start();
    holder = createServer((_req, res) => void held.push(res));
    holder.listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const holderPort = (holder.address() as AddressInfo).port;
    stack = await startStack({
      workers: 1,
      database,
      // A loaded machine can take long to start an API and a worker: fail on what the test checks, not on that.
      timeoutMs: 90_000,
      env: {
        OPENAI_BASE_URL: llm.baseUrl,
        CRAWL_TRUSTED_HOSTS: [...site.hostPorts(), `127.0.0.1:${holderPort}`].join(','),
      },
    });
  });

  afterAll(async () => {
    for (const res of held) res.destroy();
    await stack?.stop();
    holder?.close();
    await site?.close();
    await llm?.stop();
  });

  const completed = (id: string) =>
    waitFor(
      async () => {
        const job = await stack.json('GET', `/api/jobs/${id}`);
        const status = (job.body as { status: string }).status;
        if (status === 'running' || status === 'pending') return undefined;
        return job.body as { status: string; error: string | null; refreshOf: string | null };
      },
      { timeoutMs: 90_000, what: `job ${id} to finish` },
    );

  it('refreshes a completed job: conditional requests, only changed chunks generated, the card lists the diff', async () => {
    const url = (p: string) => site.url(HOST, p);
    site.setPage(HOST, '/a', { body: article(1), etag: '"a1"' });
    site.setPage(HOST, '/b', { body: article(2), etag: '"b1"' });
    site.setPage(HOST, '/c', { body: article(3), etag: '"c1"' });
    site.setPage(HOST, '/sitemap.xml', { body: urlset([url('/a'), url('/b'), url('/c')]), type: 'application/xml' });
    const project = await stack.json('POST', '/api/projects', { name: 'refresh e2e' });
    const projectId = (project.body as { id: string }).id;
    const created = await stack.json('POST', `/api/projects/${projectId}/jobs`, {
      urls: [url('/a')],
      config: {
        scraping: { mode: 'site', requests_per_second: 50 },
        generation: { template: 'qa', examples_per_chunk: 2 },
        quality: { checks: ['format', 'duplicates'] },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const parentId = (created.body as { id: string }).id;
    const parent = await completed(parentId);
    expect(parent.status, parent.error ?? '').toBe('completed');
    expect(parent.refreshOf).toBeNull();
    const parentCalls = llm.requests.length;
    expect(parentCalls).toBeGreaterThanOrEqual(3);

    // b edited, c removed, d new in the sitemap, a unchanged (304).
    site.setPage(HOST, '/b', { body: article(22), etag: '"b2"' });
    site.setPage(HOST, '/c', { status: 404 });
    site.setPage(HOST, '/d', { body: article(4) });
    site.setPage(HOST, '/sitemap.xml', { body: urlset([url('/a'), url('/b'), url('/d')]), type: 'application/xml' });
    llm.reset();
    const before = site.requests.length;
    const refreshed = await stack.json('POST', `/api/jobs/${parentId}/refresh`, {});
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(201);
    const refresh = refreshed.body as { id: string; refreshOf: string; projectId: string; status: string };
    expect(refresh).toMatchObject({ refreshOf: parentId, projectId, status: 'running' });
    const done = await completed(refresh.id);
    expect(done.status, done.error ?? '').toBe('completed');

    const a = site.requests.slice(before).filter((r) => r.host === HOST && r.path === '/a');
    expect(a.map((r) => [r.headers['if-none-match'], r.status])).toEqual([['"a1"', 304]]);
    // Parent: a, b, c one chunk each, one call per chunk; the refresh: b and d only.
    expect(parentCalls).toBe(3);
    expect(llm.requests).toHaveLength(2);

    const exports = await stack.json('GET', `/api/jobs/${refresh.id}/exports`);
    const latest = (exports.body as { items: { id: string }[] }).items[0]!;
    const card = await (await stack.fetch(`/api/exports/${latest.id}/card`)).text();
    expect(card).toContain(`A refresh of job \`${parentId}\``);
    expect(card).toContain(`### Added (1)\n\n- ${url('/d')}\n`);
    expect(card).toContain(`### Changed (1)\n\n- ${url('/b')}\n`);
    expect(card).toContain(`### Removed (1)\n\n- ${url('/c')} (HTTP 404)\n`);
    expect(card).toContain('| unchanged | 1 |');
    // b and d: one chunk each, two examples asked; a's two examples carried over.
    expect(card).toContain('Examples: 4 generated in this refresh, 2 carried over from the previous version.');

    const funnel = await stack.json('GET', `/api/jobs/${refresh.id}/funnel`);
    const body = funnel.body as {
      holds: boolean;
      stages: { stage: string; outcomes: { outcome: string; count: number; reasons: { code: string }[] }[] }[];
    };
    expect(body.holds).toBe(true);
    // The examples of a (one chunk, two asked) were carried over, read from lineage JSON on either database.
    const carried = body.stages
      .find((st) => st.stage === 'generate')!
      .outcomes.find((o) => o.outcome === 'carried_over');
    expect(carried).toMatchObject({ count: 2, reasons: [{ code: 'unchanged', count: 2 }] });
  });

  it('answers 404 for an unknown job, 409 for a job not completed, 400 for a bad body', async () => {
    const unknown = await stack.json('POST', `/api/jobs/${UNKNOWN}/refresh`, {});
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.body)).toContain(`job ${UNKNOWN} not found`);
    expect((await stack.json('POST', '/api/jobs/not-a-job/refresh', {})).status).toBe(404);

    const project = await stack.json('POST', '/api/projects', { name: 'refresh refusals' });
    const projectId = (project.body as { id: string }).id;
    const holderUrl = `http://127.0.0.1:${(holder.address() as AddressInfo).port}/page`;
    const running = await stack.json('POST', `/api/projects/${projectId}/jobs`, {
      urls: [holderUrl],
      config: { generation: { template: 'none' } },
    });
    expect(running.status, JSON.stringify(running.body)).toBe(201);
    const runningId = (running.body as { id: string }).id;
    await waitFor(() => (held.length > 0 ? true : undefined), { what: 'the held request' });
    const conflict = await stack.json('POST', `/api/jobs/${runningId}/refresh`, {});
    expect(conflict.status).toBe(409);
    expect((conflict.body as { message: string }).message).toContain('is running: only a completed job');
    await stack.json('POST', `/api/jobs/${runningId}/cancel`);
    const cancelled = await stack.json('POST', `/api/jobs/${runningId}/refresh`, {});
    expect(cancelled.status).toBe(409);
    expect((cancelled.body as { message: string }).message).toContain('is cancelled');

    for (const [body, field] of [
      [{ maxCostUsd: -1 }, 'maxCostUsd'],
      [{ maxCostUsd: 'lots' }, 'maxCostUsd'],
      [{ maxCostUsd: null }, 'maxCostUsd'],
      [{ colour: 'red' }, 'colour'],
    ] as const) {
      const bad = await stack.json('POST', `/api/jobs/${runningId}/refresh`, body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect((bad.body as { message: string }).message).toContain(field);
    }
  });
});
