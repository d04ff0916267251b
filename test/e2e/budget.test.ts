/**
 * End-to-end: the job budget is global. The API and TWO workers as
 * processes on PostgreSQL (a schema of its own), the machine's Redis (own
 * prefix), the fixture site and the fake OpenAI-compatible server (usage in
 * every reply). Both workers generate for one job with max_cost_usd set:
 * every call is recorded in the job's ledger first, which reserves it on the
 * job row (its estimate counted, the most it may cost held), so the job's
 * cost_total stays within the budget plus the calls in flight, never twice
 * it; the chunks that found no room end with every example
 * `budget_exhausted`, and the job exports what it has.
 */
import { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '@datafactory/config';
import { createOrmConfig, Job, JobLog, LlmCall, TrainingExample } from '@datafactory/persistence';
import { FakeOpenAiServer, FixtureSite, qaFromPrompt, SseClient, type Stack, startStack } from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAX_CONCURRENT_LLM = 2;
const EXAMPLES_PER_CHUNK = 2;

describe('a job budget shared by two workers on PostgreSQL', () => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let stack: Stack;
  let orm: MikroORM;

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main', 'other'] });
    llm = new FakeOpenAiServer({ content: qaFromPrompt, latencyMs: 150 });
    await llm.start();
    stack = await startStack({
      workers: 2,
      database: 'postgres',
      // Three processes migrating and starting at once on a shared 2-core machine can take a minute.
      timeoutMs: 90_000,
      env: {
        OPENAI_BASE_URL: llm.baseUrl,
        WORKER_CONCURRENCY: '4',
        CRAWL_TRUSTED_HOSTS: site.hostPorts().join(','),
      },
    });
    orm = await MikroORM.init(createOrmConfig(loadConfig({ ...stack.env, NODE_ENV: 'test' }).database));
  });

  afterAll(async () => {
    await orm?.close();
    await stack?.stop();
    await site?.close();
    await llm?.stop();
  });

  it('stops generating at max_cost_usd across both workers, fails the rest budget_exhausted, and exports the rest', async () => {
    const project = (await stack.json('POST', '/api/projects', { name: 'e2e budget' })).body.id as string;
    const urls = [
      ...Array.from({ length: 12 }, (_, i) => site.url('main', `/doc/${i + 1}`)),
      ...Array.from({ length: 12 }, (_, i) => site.url('other', `/doc/${i + 13}`)),
    ];
    const maxCostUsd = 0.0016;
    const created = await stack.json('POST', `/api/projects/${project}/jobs`, {
      urls,
      config: {
        scraping: { requests_per_second: 20 },
        generation: {
          template: 'qa',
          examples_per_chunk: EXAMPLES_PER_CHUNK,
          max_concurrent_llm: MAX_CONCURRENT_LLM,
          max_cost_usd: maxCostUsd,
        },
        quality: { checks: ['format'] },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const jobId = created.body.id as string;
    const sse = await SseClient.open(`${stack.base}/api/jobs/${jobId}/stream`);
    const done = await sse.next((e) => e.event === 'done', 'the done event');
    sse.close();
    expect(done.data.status, JSON.stringify(done.data)).toBe('completed');

    const em = orm.em.fork();
    const job = await em.findOneOrFail(Job, { id: jobId });
    const examples = await em.find(
      TrainingExample,
      { job: jobId },
      { fields: ['id', 'status', 'error', 'cost', 'lineage', 'chunk'] },
    );
    const refused = examples.filter((e) => e.error?.startsWith('budget_exhausted: '));
    const made = examples.filter((e) => (e.lineage as { calls?: number } | null)?.calls);

    // Every example asked for is accounted for: each chunk asked for its 2, ok or failed.
    expect(job.progress.generator.failed).toBe(0);
    expect(job.progress.generator.done).toBe(job.progress.generator.total);
    expect(examples).toHaveLength(job.progress.generator.total * EXAMPLES_PER_CHUNK);
    expect(made.length + refused.length).toBe(examples.length);
    // The budget, not a lack of chunks, ended generation; something was generated before it did.
    expect(refused.length).toBeGreaterThan(0);
    expect(made.filter((e) => e.status === 'ok').length).toBeGreaterThan(0);
    for (const e of refused) {
      expect(e.status).toBe('failed');
      expect(e.cost).toBe(0);
      expect(e.lineage).toMatchObject({ calls: 0, failureReason: 'budget_exhausted' });
    }

    // cost_total is what the calls cost (the examples' shares add up to it) and stays within the budget plus
    // what the calls in flight could cost beyond their reservation; never the 2× that two per-process budgets allow.
    const callCosts = made.map((e) => (e.lineage as { callsCost: number }).callsCost);
    const costOfCalls = made.reduce((sum, e) => sum + Number(e.cost ?? 0), 0);
    expect(job.costTotal).toBeCloseTo(costOfCalls, 12);
    expect(llm.requests.length).toBe(made.length / EXAMPLES_PER_CHUNK);
    const inFlight = MAX_CONCURRENT_LLM * Math.max(...callCosts);
    expect(job.costTotal).toBeLessThanOrEqual(maxCostUsd + inFlight);
    expect(maxCostUsd + inFlight).toBeLessThan(2 * maxCostUsd);
    // Every call was recorded in the job's ledger before it was made (that record was its reservation) and
    // settled after: no hold left, nothing estimated (the fake server reports usage).
    expect(job.costReserved).toBe(0);
    expect(job.costEstimated).toBe(0);
    const ledger = await em.find(LlmCall, { job: jobId });
    expect(ledger).toHaveLength(llm.requests.length);
    for (const c of ledger) expect(c).toMatchObject({ status: 'settled', estimated: false, reserved: 0 });
    expect(ledger.reduce((sum, c) => sum + Number(c.cost), 0)).toBeCloseTo(Number(job.costTotal), 12);
    // The job says why: one line per worker that met the stop, and the final line with the loss.
    const logs = await em.find(JobLog, { job: jobId }, { orderBy: { id: 'asc' } });
    const stops = logs.filter((l) => /generation stopped: max_cost_usd 0\.0016 reached/.test(l.message));
    expect(stops.length).toBeGreaterThanOrEqual(1);
    expect(stops.length).toBeLessThanOrEqual(2);
    expect(logs.at(-1)!.message).toBe(
      `job completed: generation stopped at max_cost_usd: ${refused.length} of ${examples.length} example(s) ` +
        `asked for were not generated (budget_exhausted); the dataset holds what was generated before`,
    );

    console.log(
      `budget_max_usd=${maxCostUsd} budget_cost_total_usd=${Number(job.costTotal).toFixed(6)} ` +
        `budget_calls=${llm.requests.length} budget_chunks_refused=${refused.length / EXAMPLES_PER_CHUNK} budget_stop_logs=${stops.length}`,
    );

    // The export holds the generated examples that passed.
    const exported = (await stack.json('GET', `/api/jobs/${jobId}/exports`)).body;
    const items = Array.isArray(exported) ? exported : exported.items;
    expect(items).toHaveLength(1);
    const passed = await em.count(TrainingExample, { job: jobId, status: 'ok', passedQc: true });
    expect(passed).toBeGreaterThan(0);
    expect(items[0].recordCount).toBe(passed);
  });

  it('fails with one sentence when the budget has no room for even the first call', async () => {
    const project = (await stack.json('POST', '/api/projects', { name: 'e2e no budget' })).body.id as string;
    const before = llm.requests.length;
    const created = await stack.json('POST', `/api/projects/${project}/jobs`, {
      urls: [site.url('main', '/doc/201'), site.url('other', '/doc/202')],
      config: {
        generation: { template: 'qa', examples_per_chunk: EXAMPLES_PER_CHUNK, max_cost_usd: 1e-7 },
        quality: { checks: ['format'] },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const jobId = created.body.id as string;
    const sse = await SseClient.open(`${stack.base}/api/jobs/${jobId}/stream`);
    const done = await sse.next((e) => e.event === 'done', 'the done event');
    sse.close();
    expect(done.data.status).toBe('failed');
    const job = await orm.em.fork().findOneOrFail(Job, { id: jobId });
    const asked = job.progress.generator.total * EXAMPLES_PER_CHUNK;
    expect(asked).toBeGreaterThan(0);
    expect(job.error).toBe(
      `none of the ${asked} example(s) asked for was generated: budget_exhausted ×${asked} — ` +
        'the job reached generation.max_cost_usd before their calls',
    );
    expect(llm.requests.length).toBe(before);
    expect(job.costTotal).toBe(0);
    expect(job.costReserved).toBe(0);
  });
});
