/**
 * End-to-end fault matrix: the API and two workers as processes (one stack,
 * the machine's Redis under its own prefix, a SQLite file), the fixture site,
 * and one fake OpenAI-compatible server per fault that misbehaves the way
 * real servers do at a set rate (see FaultKind in libs/testing). Each case is
 * a small job against its own server (the operator allows them all; the job
 * picks one with generation.base_url); the jobs run at once. For each, from
 * the stored rows: every URL, page, chunk and example ends in a final state,
 * examples asked (original chunks × examples_per_chunk) = ok + failed
 * exactly, every failed example names its reason, every call is counted in
 * the job's cost (lost replies from the estimate, marked estimated), and the
 * job's outcome is honest: completed with what passed, or failed with a
 * sentence when it exported nothing.
 */
import { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '@datafactory/config';
import { ExampleStatus, ItemStatus } from '@datafactory/contracts';
import { Chunk, createOrmConfig, Export, LlmCall, RawDocument, TrainingExample } from '@datafactory/persistence';
import {
  FAULT_KINDS,
  type FaultKind,
  FakeOpenAiServer,
  FixtureSite,
  qaFromPrompt,
  type Stack,
  startStack,
  waitFor,
} from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Every reason code an example may fail with (libs/generator FailureReason). */
const REASONS = [
  'request_failed',
  'truncated',
  'unparseable',
  'too_few_examples',
  'invalid_example',
  'budget_exhausted',
] as const;
type Reason = (typeof REASONS)[number];

const EXAMPLES_PER_CHUNK = 2;
/** Pages (one chunk each) per job, unless the case says more. */
const PAGES = 4;

interface Case {
  name: string;
  faults: Partial<Record<FaultKind, number>>;
  /** The reasons a failed example of this case may have; [] when none may fail. */
  reasons: readonly Reason[];
  /** 'completed', 'failed', or undefined when either is honest (checked against what was exported). */
  outcome?: 'completed' | 'failed';
  /** Pages of the job (default PAGES): enough requests for each fault's rate to come round. */
  pages?: number;
  /** Generation settings on top of the matrix's own. */
  generation?: Record<string, unknown>;
}

const CASES: Case[] = [
  { name: 'JSON in prose', faults: { prose: 0.5 }, reasons: [], outcome: 'completed' },
  { name: 'JSON in code fences', faults: { fenced: 0.5 }, reasons: [], outcome: 'completed' },
  // Asked again with more room; cut off again only if the retry takes a faulty turn too.
  { name: 'finish_reason length with cut JSON', faults: { truncated: 0.5 }, reasons: ['truncated'] },
  { name: 'fewer items than asked', faults: { fewer_items: 0.5 }, reasons: ['too_few_examples'] },
  // An empty reply gets one repair call.
  { name: 'empty choices', faults: { empty_choices: 0.5 }, reasons: ['unparseable'] },
  { name: '429 with Retry-After', faults: { rate_limited: 0.5 }, reasons: ['request_failed'] },
  { name: '500', faults: { server_error: 0.5 }, reasons: ['request_failed'] },
  // A hang costs its timeout per attempt.
  {
    name: 'a hang past the timeout',
    faults: { hang: 0.5 },
    reasons: ['request_failed'],
    generation: { request_timeout_ms: 1_500 },
  },
  {
    name: 'all combined',
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0.1])),
    reasons: REASONS,
    // Eight faults at 0.1 each: every one comes round by the 17th request.
    pages: 16,
    generation: { request_timeout_ms: 1_500 },
  },
  // The budget has room for the first calls only (each call is held at its most, about 0.0003 USD with
  // max_tokens 400, until it settles at about half that): the chunks left are not generated, and their
  // examples fail as such, not vanish.
  {
    name: 'max_cost_usd spent part way',
    faults: {},
    reasons: ['budget_exhausted'],
    pages: 8,
    generation: { max_cost_usd: 0.0006 },
  },
  // Nothing can be generated: the job must not say completed.
  { name: '500 on every call', faults: { server_error: 1 }, reasons: ['request_failed'], outcome: 'failed' },
];

describe('fault matrix: every example accounted for under each fault the fake server injects', () => {
  let site: FixtureSite;
  let stack: Stack;
  const servers: FakeOpenAiServer[] = [];

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main'] });
    for (const c of CASES) {
      servers.push(await new FakeOpenAiServer({ content: qaFromPrompt, faults: c.faults }).start());
    }
    stack = await startStack({
      workers: 2,
      env: {
        OPENAI_BASE_URL: servers[0]!.baseUrl,
        LLM_ALLOWED_BASE_URLS: servers.map((s) => s.baseUrl).join(','),
        WORKER_CONCURRENCY: '4',
        CRAWL_TRUSTED_HOSTS: site.hostPorts().join(','),
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await site?.close();
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('asked = ok + failed, a reason for every failure, counts that add up and an honest outcome, per fault', async () => {
    const project = await stack.json('POST', '/api/projects', { name: 'fault matrix' });
    expect(project.status).toBe(201);
    const jobIds: string[] = [];
    for (const [i, c] of CASES.entries()) {
      const urls = [
        ...Array.from({ length: c.pages ?? PAGES }, (_, p) => site.url('main', `/doc/${500 + i * 100 + p}`)),
        site.url('main', '/404'),
      ];
      const created = await stack.json('POST', `/api/projects/${project.body.id}/jobs`, {
        urls,
        config: {
          scraping: { requests_per_second: 50 },
          generation: {
            template: 'qa',
            examples_per_chunk: EXAMPLES_PER_CHUNK,
            max_concurrent_llm: 2,
            base_url: servers[i]!.baseUrl,
            // Long enough that a busy machine does not time calls out (the hang cases set a short one).
            request_timeout_ms: 20_000,
            max_retries: 2,
            max_tokens: 400,
            ...c.generation,
          },
          quality: { checks: ['format'] },
        },
      });
      expect(created.status, `${c.name}: ${JSON.stringify(created.body)}`).toBe(201);
      jobIds.push(created.body.id);
    }

    const jobs = await waitFor(
      async () => {
        const all = await Promise.all(jobIds.map(async (id) => (await stack.json('GET', `/api/jobs/${id}`)).body));
        return all.every((j) => ['completed', 'failed', 'cancelled'].includes(j.status)) ? all : undefined;
      },
      { timeoutMs: 100_000, intervalMs: 250, what: 'every fault-matrix job to end' },
    );

    const orm = await MikroORM.init(
      createOrmConfig(loadConfig(stack.env).database) as Parameters<typeof MikroORM.init>[0],
    );
    try {
      for (const [i, c] of CASES.entries()) {
        const job = jobs[i]!;
        const server = servers[i]!;
        const pages = c.pages ?? PAGES;
        const what = `${c.name} (job ${job.id}: ${job.status} ${job.error ?? ''})`;
        const em = orm.em.fork();

        // The fault really happened.
        for (const kind of Object.keys(c.faults) as FaultKind[]) expect(server.injected[kind], what).toBeGreaterThan(0);

        // Pages: every URL fetched or failed, every fetched page refined.
        const docs = await em.find(RawDocument, { job: job.id });
        expect(docs, what).toHaveLength(pages + 1);
        const fetched = docs.filter((d) => d.scrapeStatus === ItemStatus.Ok);
        expect(fetched, what).toHaveLength(pages);
        expect(job.progress.crawler, what).toEqual({ total: pages + 1, done: pages, failed: 1 });
        expect(job.progress.refiner, what).toEqual({ total: pages, done: pages, failed: 0 });
        expect(
          fetched.every((d) => d.refineStatus === ItemStatus.Ok),
          what,
        ).toBe(true);

        // Chunks: each original one was generated from exactly once.
        const chunks = await em.find(Chunk, { job: job.id });
        const originals = chunks.filter((ch) => !ch.duplicateOf);
        expect(originals.length, what).toBeGreaterThanOrEqual(pages);
        expect(job.progress.generator.total, what).toBe(originals.length);
        expect(job.progress.generator.done + job.progress.generator.failed, what).toBe(originals.length);

        // Examples: asked = ok + failed, exactly, per chunk and in all.
        const examples = await em.find(TrainingExample, { job: job.id });
        const asked = originals.length * EXAMPLES_PER_CHUNK;
        const ok = examples.filter((e) => e.status === ExampleStatus.Ok);
        const failed = examples.filter((e) => e.status === ExampleStatus.Failed);
        expect(examples.length, what).toBe(asked);
        expect(ok.length + failed.length, what).toBe(asked);
        const perChunk = new Map<string, number>();
        for (const e of examples) perChunk.set(e.chunk.id, (perChunk.get(e.chunk.id) ?? 0) + 1);
        for (const ch of originals) expect(perChunk.get(ch.id), what).toBe(EXAMPLES_PER_CHUNK);

        // Every failed example names a reason this fault can cause, as its code and in its lineage.
        for (const e of failed) {
          const code = /^([a-z_]+): /.exec(e.error ?? '')?.[1];
          expect(c.reasons, `${what}: ${e.error}`).toContain(code);
          expect((e.lineage as { failureReason?: string }).failureReason, what).toBe(code);
        }
        if (c.reasons.length === 0) expect(failed, what).toHaveLength(0);

        // The inspector saw every generated chunk.
        expect(job.progress.inspector.done + job.progress.inspector.failed, what).toBe(job.progress.generator.done);

        // Each reply cut off at the token limit was asked again once, with more room (where no timeout retries
        // a request as well).
        if (c.faults.truncated && Object.keys(c.faults).length === 1) {
          const cut = server.requests.filter((r) => r.fault === 'truncated' && r.body.max_tokens === 400);
          const bigger = server.requests.filter((r) => (r.body.max_tokens ?? 0) > 400);
          expect(cut.length, what).toBeGreaterThan(0);
          expect(bigger.length, what).toBe(cut.length);
        }

        // Costs: every call counted and settled; what the lost replies (timeouts, 5xx) cost is estimated,
        // a 429 costs nothing, an answer with usage is the provider's count.
        const calls = await em.find(LlmCall, { job: job.id });
        const sum = (xs: unknown[]) => xs.reduce<number>((n, x) => n + Number(x ?? 0), 0);
        expect(
          calls.filter((call) => call.status !== 'settled'),
          what,
        ).toEqual([]);
        expect(job.costTotal, what).toBeGreaterThan(0);
        expect(job.costTotal, what).toBeCloseTo(sum(calls.map((call) => call.cost)), 9);
        expect(job.costEstimated, what).toBeCloseTo(sum(calls.map((call) => call.costEstimated)), 9);
        if (c.faults.hang || c.faults.server_error) expect(job.costEstimated, what).toBeGreaterThan(0);
        else expect(job.costEstimated, what).toBe(0);

        // An honest outcome: completed with what passed, failed with a sentence when nothing was exported.
        const exportRows = await em.find(Export, { job: job.id });
        const passed = ok.filter((e) => e.passedQc === true).length;
        if (c.outcome) expect(job.status, what).toBe(c.outcome);
        if (passed > 0) {
          expect(job.status, what).toBe('completed');
          expect(exportRows, what).toHaveLength(1);
          expect(exportRows[0]!.recordCount, what).toBe(passed);
          expect(job.error, what).toBeNull();
        } else {
          expect(job.status, what).toBe('failed');
          expect(job.error, what).toMatch(/\w+ .*\w/);
          if (ok.length === 0) expect(job.error, what).toContain(`of the ${asked} example(s) asked for`);
        }
      }
    } finally {
      await orm.close();
    }
  });
});
