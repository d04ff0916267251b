/**
 * End-to-end: where every row of a job went, as the API, the dataset card
 * and `datafactory run` show it. The built API and two workers as processes
 * (real Redis under this run's prefix, a SQLite file), the fixture site on
 * 127.0.0.1 with one host the operator trusts and one it does not, and the
 * fake OpenAI-compatible server answering one page with one example of the
 * two asked. The same job then runs through the CLI in one process.
 */
import { FakeOpenAiServer, FixtureSite, type Stack, startStack, waitFor } from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED, funnelNumbers, funnelScenario } from '../integration/funnel-scenario.js';

describe('the funnel of a job that loses rows at every stage', () => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let stack: Stack;
  let scenario: ReturnType<typeof funnelScenario>;

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main', 'other'] });
    scenario = funnelScenario(site, 700);
    llm = await new FakeOpenAiServer({ content: scenario.content }).start();
    stack = await startStack({
      workers: 2,
      env: { OPENAI_BASE_URL: llm.baseUrl, CRAWL_TRUSTED_HOSTS: scenario.trustedHosts },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await site?.close();
    await llm?.stop();
  });

  it('GET /api/jobs/{id}/funnel and the card give exact numbers, with the reason of every drop', async () => {
    const project = await stack.json('POST', '/api/projects', { name: 'funnel e2e' });
    const created = await stack.json('POST', `/api/projects/${project.body.id}/jobs`, {
      urls: scenario.urls,
      config: scenario.jobConfig,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const job = await waitFor(
      async () => {
        const r = await stack.json('GET', `/api/jobs/${id}`);
        return ['completed', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
      },
      { timeoutMs: 60_000, what: 'the job to end' },
    );
    expect(job.status, job.error ?? '').toBe('completed');

    const funnel = await stack.json('GET', `/api/jobs/${id}/funnel`);
    expect(funnel.status).toBe(200);
    expect(funnelNumbers(funnel.body)).toEqual(EXPECTED);
    expect(funnel.body).toMatchObject({
      jobId: id,
      template: 'qa',
      final: true,
      urlsGiven: 6,
      examplesPerChunk: 2,
      exported: 5,
      holds: true,
    });
    for (const stage of funnel.body.stages) expect(stage.holds, stage.invariant).toBe(true);

    const exports = await stack.json('GET', `/api/jobs/${id}/exports`);
    const card = await (await stack.fetch(`/api/exports/${exports.body.items[0].id}/card`)).text();
    expect(card).toContain('## Where the rows went');
    expect(card).toContain('| fetch | 6 urls | ok 4 | failed 2 (blocked_address ×2) | yes |');
    expect(card).toContain('| extract text | 4 pages | ok 4 | — | yes |');
    expect(card).toContain('| deduplicate chunks | 4 chunks | original 3 | exact duplicate 1 | yes |');
    expect(card).toContain('| generate examples | 6 examples | ok 5 | failed 1 (too_few_examples ×1) | yes |');
    expect(card).toContain('| quality control | 5 examples | passed 5 | — | yes |');
    expect(card).toContain('| export | 5 examples | exported 5 | — | yes |');

    const unknown = await stack.json('GET', '/api/jobs/00000000-0000-4000-8000-000000000000/funnel');
    expect(unknown.status).toBe(404);

    // The same rows page by page: what the fetch and the extraction made of each URL.
    const pages = await stack.json('GET', `/api/jobs/${id}/pages?pageSize=50`);
    expect(pages.status).toBe(200);
    expect(pages.body.total).toBe(6);
    const failed = await stack.json('GET', `/api/jobs/${id}/pages?fetch=failed`);
    expect(failed.body.items).toHaveLength(2);
    for (const p of failed.body.items) {
      expect(p.fetchError).toMatch(/^blocked address: /);
      expect(p.extraction).toBeNull();
    }
    const refined = await stack.json('GET', `/api/jobs/${id}/pages?refine=ok`);
    expect(refined.body.items).toHaveLength(4);
    for (const p of refined.body.items) {
      expect(p.fetchStatus).toBe('ok');
      expect(p.httpStatus).toBe(200);
      expect(p.extraction.score).toBeGreaterThan(0.5);
      expect(p.extraction.words).toBeGreaterThan(0);
    }
    expect(refined.body.items.reduce((n: number, p: { chunks: number }) => n + p.chunks, 0)).toBe(4);
    expect((await stack.json('GET', `/api/jobs/${id}/pages?refine=bogus`)).status).toBe(400);
    expect((await stack.json('GET', '/api/jobs/00000000-0000-4000-8000-000000000000/pages')).status).toBe(404);
  });

  it('datafactory run prints the same funnel as its summary', async () => {
    const r = await stack.cli([
      'run',
      ...scenario.urls,
      '--template',
      'qa',
      '--examples-per-chunk',
      '2',
      '--checks',
      'format',
    ]);
    expect(r.code, r.output).toBe(0);
    const summary = r.output.slice(r.output.indexOf('where the rows went:'));
    expect(summary.split('\n').slice(1, 9)).toEqual([
      '  fetch     6 urls → ok 4 · failed 2 (blocked_address ×2)',
      '  refine    4 pages → ok 4',
      '  dedup     4 chunks → original 3 · exact duplicate 1',
      '  generate  6 examples → ok 5 · failed 1 (too_few_examples ×1)',
      '  inspect   5 examples → passed 5',
      '  export    5 examples → exported 5',
      '  exported  5 record(s)',
      '  every row is accounted for',
    ]);
  });
});
