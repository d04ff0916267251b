/**
 * The generator against the fake OpenAI-compatible server on 127.0.0.1: real
 * HTTP through the official SDK, the same code path as against
 * api.openai.com. Only the model is fake. Storage runs on a real SQLite file.
 */
import { MikroORM } from '@mikro-orm/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BudgetExhaustedError,
  type ChunkInput,
  costOf,
  DEFAULT_PRICING,
  findPrice,
  GenerationAbortedError,
  Generator,
  type GeneratorOptions,
  LlmConnection,
  LlmFatalError,
  memoryCallLedger,
  resolveGenerationConfig,
  jobCallLedger,
  storeChunkFailure,
  storeChunkGeneration,
  StructuredOutputSupport,
  TemplateRegistry,
  type CallStart,
} from '@datafactory/generator';
import {
  createOrmConfig,
  Chunk,
  foldJobCounters,
  Job,
  LlmCall,
  migrateDatabase,
  Project,
  RawDocument,
  TrainingExample,
} from '@datafactory/persistence';
import { type FakeReply, FakeOpenAiServer, tempDir, templateExamplesFromPrompt } from '@datafactory/testing';

const registry = TemplateRegistry.builtins();
const qa = registry.get('qa');

const chunk = (i: number): ChunkInput => ({
  id: `chunk-${i}`,
  text: `Chunk ${i}: Rust's ownership rules decide when memory is freed. Each value has one owner; when the owner goes out of scope the value is dropped.`,
  index: i,
  document: { id: 'doc-1', url: 'https://fixture.test/rust/ownership', title: 'Ownership' },
});

const VALID = JSON.stringify({
  examples: [
    { question: 'When is a value dropped?', answer: 'When its owner goes out of scope.' },
    { question: 'How many owners does a value have?', answer: 'Exactly one.' },
  ],
});
const INVALID = JSON.stringify({ examples: [{ question: 'When is a value dropped?' }] });

describe('generator against the fake OpenAI server', () => {
  let server: FakeOpenAiServer;
  const generators: Generator[] = [];

  const generator = (options: Partial<GeneratorOptions> = {}) => {
    const g = new Generator({
      connection: new LlmConnection('sk-test-key-0123456789', server.baseUrl),
      model: 'gpt-4o-mini',
      maxRetries: 3,
      ...options,
    });
    generators.push(g);
    return g;
  };

  beforeAll(async () => {
    server = await new FakeOpenAiServer().start();
  });
  afterAll(async () => {
    await server.stop();
  });
  afterEach(() => {
    server.options = {};
    server.reset();
  });

  it('every built-in template produces schema-valid examples through json_schema', async () => {
    for (const template of registry.list()) {
      // The schema alone says what the first four need; the new ones have rules beyond it (turns alternating,
      // a quote from the chunk), which the fake server is taught separately.
      server.options.content = template.spec.check ? templateExamplesFromPrompt : undefined;
      const result = await generator().generate(chunk(1), { template });
      expect(result.examples).toHaveLength(template.spec.examplesPerChunk);
      for (const e of result.examples) {
        expect(e.status, `${template.type}: ${e.error}`).toBe('ok');
        expect(template.validateExample(e.lineage.fields, { chunk: { text: chunk(1).text } } as never)).toBeNull();
        expect(e.inputText.length).toBeGreaterThan(0);
        expect(e.outputText.length).toBeGreaterThan(0);
        expect(e.lineage).toMatchObject({
          chunkId: 'chunk-1',
          sourceUrl: 'https://fixture.test/rust/ownership',
          source: 'web',
          templateType: template.type,
          templateHash: template.hash,
          model: 'gpt-4o-mini',
          structuredOutput: 'json_schema',
          attempts: 1,
          repaired: false,
        });
      }
      const sent = server.requests.at(-1)!.body;
      expect(sent.response_format?.type).toBe('json_schema');
      expect(sent.response_format?.json_schema?.strict).toBe(true);
    }
  });

  it('never has more than max_concurrent_llm requests in flight (server-side counter)', async () => {
    server.options = { latencyMs: 30 };
    const g = generator({ maxConcurrent: 3 });
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => g.generate(chunk(i), { template: qa })));
    expect(results).toHaveLength(24);
    expect(server.requests).toHaveLength(24);
    expect(server.maxInFlight).toBeLessThanOrEqual(3);
    expect(server.maxInFlight).toBe(3);
  });

  it("holds a slot per call, not per chunk: another chunk's call goes between a chunk's call and its repair", async () => {
    server.enqueue({ content: `Here:\n${INVALID}` }, { content: VALID }, { content: VALID });
    const g = generator({ maxConcurrent: 1 });
    const [first, second] = await Promise.all([
      g.generate(chunk(1), { template: qa, examplesPerChunk: 2 }),
      g.generate(chunk(2), { template: qa, examplesPerChunk: 2 }),
    ]);
    expect(server.maxInFlight).toBe(1);
    const asked = server.requests.map((r) => {
      const messages = r.body.messages!;
      return `${/Chunk (\d)/.exec(String(messages[1]!.content))![1]}${messages.length > 2 ? ' repair' : ''}`;
    });
    expect(asked).toEqual(['1', '2', '1 repair']);
    expect(first!.repaired).toBe(true);
    expect(second!.calls.map((c) => c.kind)).toEqual(['generate']);
  });

  it("takes a shared slot (the job's limit across workers) around each request, after its own", async () => {
    server.options = { latencyMs: 20 };
    let held = 0;
    let most = 0;
    let waiting: (() => void)[] = [];
    const shared = async () => {
      while (held >= 2) await new Promise<void>((resolve) => waiting.push(resolve));
      held++;
      most = Math.max(most, held);
      return async () => {
        held--;
        const next = waiting;
        waiting = [];
        for (const w of next) w();
      };
    };
    const g = generator({ maxConcurrent: 6 });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => g.generate(chunk(i), { template: qa, slot: shared })),
    );
    expect(results).toHaveLength(12);
    expect(server.requests).toHaveLength(12);
    expect(most).toBe(2);
    expect(held).toBe(0);
    expect(server.maxInFlight).toBe(2);
  });

  it('waits as long as Retry-After says on a 429, then uses the retry', async () => {
    server.enqueue({
      status: 429,
      headers: { 'retry-after': '1' },
      error: { message: 'Rate limit reached', type: 'requests' },
    });
    const result = await generator().generate(chunk(1), { template: qa });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(result.examples.every((e) => e.status === 'ok')).toBe(true);
    expect(result.attempts).toBe(2);
    expect(result.examples[0]!.lineage.attempts).toBe(2);
  });

  it('honours x-ratelimit-reset-* on a 429 without Retry-After', async () => {
    server.enqueue({
      status: 429,
      headers: { 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '1.2s' },
    });
    await generator().generate(chunk(1), { template: qa });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(1200);
  });

  it('holds the next request while x-ratelimit-remaining-requests is 0', async () => {
    server.enqueue({ headers: { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '800ms' } });
    const g = generator({ maxConcurrent: 1 });
    await g.generate(chunk(1), { template: qa });
    await g.generate(chunk(2), { template: qa });
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(800);
  });

  it('retries 500s and keeps going', async () => {
    server.enqueue({ status: 500 }, { status: 503 });
    const result = await generator().generate(chunk(1), { template: qa });
    expect(server.requests).toHaveLength(3);
    expect(result.attempts).toBe(3);
    expect(result.examples.every((e) => e.status === 'ok')).toBe(true);
  });

  it('sends exactly one repair request showing the validation error, and uses its result', async () => {
    server.enqueue({ content: `Here:\n${INVALID}` }, { content: VALID });
    const result = await generator().generate(chunk(1), { template: qa, examplesPerChunk: 2 });
    expect(server.requests).toHaveLength(2);
    const repair = server.requests[1]!.body.messages!;
    expect(repair.at(-2)).toMatchObject({ role: 'assistant', content: `Here:\n${INVALID}` });
    expect(repair.at(-1)!.content).toMatch(/must have required property 'answer'/);
    expect(result.repaired).toBe(true);
    expect(result.calls.map((c) => c.kind)).toEqual(['generate', 'repair']);
    expect(result.examples.map((e) => [e.status, e.inputText, e.outputText])).toEqual([
      ['ok', 'When is a value dropped?', 'When its owner goes out of scope.'],
      ['ok', 'How many owners does a value have?', 'Exactly one.'],
    ]);
    expect(result.examples[0]!.lineage).toMatchObject({ repaired: true, calls: 2 });
  });

  it('keeps a reply that is still invalid after the repair as a failed example with its text', async () => {
    server.enqueue({ content: 'Sorry, I cannot produce JSON today.' }, { content: '{"examples": [{"question": 42' });
    const result = await generator().generate(chunk(1), { template: qa });
    expect(server.requests).toHaveLength(2);
    // Every one of the 3 examples asked for is a failed row with the reason.
    expect(result.examples).toHaveLength(3);
    for (const failed of result.examples) {
      expect(failed).toMatchObject({ status: 'failed', rawReply: '{"examples": [{"question": 42' });
      expect(failed.error).toMatch(/^unparseable: .*no JSON object.*still invalid after one repair request/);
      expect(failed.lineage.failureReason).toBe('unparseable');
    }
  });

  it('keeps the valid examples of a partly invalid reply and fails the others with the reason', async () => {
    const mixed = JSON.stringify({ examples: [{ question: 'Why?', answer: 'Because.' }, { question: 'How?' }] });
    server.enqueue({ content: mixed }, { content: mixed });
    const result = await generator().generate(chunk(1), { template: qa, examplesPerChunk: 2 });
    expect(result.examples.map((e) => e.status)).toEqual(['ok', 'failed']);
    expect(result.examples[1]!.lineage.failureReason).toBe('invalid_example');
    expect(result.examples[1]!.error).toMatch(/required property 'answer'/);
    expect(result.examples[1]!.rawReply).toBe(mixed);
  });

  it('accounts for every example asked: asked = ok + failed under each fault, with a reason for each failure', async () => {
    const three = JSON.stringify({
      examples: [1, 2, 3].map((n) => ({ question: `Question ${n}?`, answer: `Answer ${n}.` })),
    });
    const cut = three.slice(0, Math.floor(three.length * 0.6));
    const cases: { name: string; replies: FakeReply[]; ok: number; reasons: string[] }[] = [
      {
        name: 'JSON wrapped in prose',
        replies: [{ content: `Sure! Here you go:\n${three}\nHope it helps.` }],
        ok: 3,
        reasons: [],
      },
      { name: 'JSON in a code fence', replies: [{ content: `\`\`\`json\n${three}\n\`\`\`` }], ok: 3, reasons: [] },
      {
        name: 'cut off once at the token limit, then whole with more room',
        replies: [{ content: cut, finishReason: 'length' }, { content: three }],
        ok: 3,
        reasons: [],
      },
      {
        name: 'cut off twice',
        replies: [
          { content: cut, finishReason: 'length' },
          { content: cut, finishReason: 'length' },
        ],
        ok: 0,
        reasons: ['truncated', 'truncated', 'truncated'],
      },
      { name: 'fewer items than asked', replies: [{ content: VALID }], ok: 2, reasons: ['too_few_examples'] },
      {
        name: 'a cut-off reply whose inner example parses',
        replies: [{ content: `{"examples": [{"question": "Q?", "answer": "A."}, {"question": "R` }, { content: 'no' }],
        ok: 0,
        reasons: ['unparseable', 'unparseable', 'unparseable'],
      },
      {
        name: 'a 500 with no retries left',
        replies: [{ status: 500 }],
        ok: 0,
        reasons: ['request_failed', 'request_failed', 'request_failed'],
      },
    ];
    for (const c of cases) {
      server.reset();
      server.enqueue(...c.replies);
      const result = await generator({ maxRetries: 0, maxTokens: 100 }).generate(chunk(1), { template: qa });
      const statuses = result.examples.map((e) => e.status);
      expect(statuses.length, c.name).toBe(3);
      expect(statuses.filter((s) => s === 'ok').length, c.name).toBe(c.ok);
      const failed = result.examples.filter((e) => e.status === 'failed');
      expect(
        failed.map((e) => e.lineage.failureReason),
        c.name,
      ).toEqual(c.reasons);
      for (const e of failed) expect(e.error, c.name).toMatch(new RegExp(`^${e.lineage.failureReason}: `));
    }
  });

  it('asks again with more room when a reply is cut off at finish_reason "length"', async () => {
    const three = JSON.stringify({
      examples: [1, 2, 3].map((n) => ({ question: `Question ${n}?`, answer: `Answer ${n}.` })),
    });
    server.enqueue(
      {
        content: three.slice(0, 40),
        finishReason: 'length',
        usage: { prompt_tokens: 50, completion_tokens: 100, total_tokens: 150 },
      },
      { content: three },
    );
    const result = await generator({ maxTokens: 100 }).generate(chunk(1), { template: qa });
    expect(server.requests.map((r) => r.body.max_tokens)).toEqual([100, 2148]);
    expect(result.calls.map((c) => c.finishReason)).toEqual(['length', 'stop']);
    expect(result.examples.every((e) => e.status === 'ok')).toBe(true);
  });

  it('records a 200 whose body is not JSON as a failed example', async () => {
    server.enqueue({ rawBody: '<html>bad gateway</html>' });
    const result = await generator({ maxRetries: 0 }).generate(chunk(1), { template: qa });
    expect(result.examples[0]!.status).toBe('failed');
  });

  it('falls back to json_object, then prompt-only, when the server rejects response formats, and remembers it', async () => {
    const support = new StructuredOutputSupport();
    server.options = { rejectJsonSchema: true };
    const r1 = await generator({ structuredOutput: support }).generate(chunk(1), { template: qa });
    expect(server.requests.map((r) => r.body.response_format?.type)).toEqual(['json_schema', 'json_object']);
    expect(r1.examples.every((e) => e.status === 'ok' && e.lineage.structuredOutput === 'json_object')).toBe(true);
    expect(server.requests[1]!.body.messages![0]!.content).toMatch(/JSON schema/);

    server.reset();
    server.options = { rejectResponseFormat: true };
    const r2 = await generator({ structuredOutput: support }).generate(chunk(2), { template: qa });
    expect(server.requests.map((r) => r.body.response_format?.type)).toEqual(['json_object', undefined]);
    expect(r2.examples.every((e) => e.status === 'ok' && e.lineage.structuredOutput === 'prompt')).toBe(true);

    server.reset();
    await generator({ structuredOutput: support }).generate(chunk(3), { template: qa });
    expect(server.requests.map((r) => r.body.response_format?.type)).toEqual([undefined]);
  });

  it('cost equals the reported usage times the price, per call, per example and in total', async () => {
    server.options = { cachedTokens: 40 };
    server.enqueue({ content: INVALID }, { content: VALID });
    const result = await generator().generate(chunk(1), { template: qa });
    const price = findPrice(DEFAULT_PRICING, 'gpt-4o-mini')!;
    expect(result.calls).toHaveLength(2);
    let total = 0;
    for (const call of result.calls) {
      expect(call.usageSource).toBe('provider');
      expect(call.usage.cachedPromptTokens).toBe(40);
      const expected =
        ((call.usage.promptTokens - 40) * price.input +
          40 * price.cachedInput! +
          call.usage.completionTokens * price.output) /
        1e6;
      expect(call.cost).toBeCloseTo(expected, 15);
      total += expected;
    }
    expect(result.cost).toBeCloseTo(total, 15);
    const sum = result.examples.reduce((s, e) => s + e.cost!, 0);
    expect(sum).toBeCloseTo(total, 15);
    expect(result.examples[0]!.lineage.requestTokens).toBe(result.usage.promptTokens);
  });

  it('counts tokens with tiktoken when the server sends no usage', async () => {
    server.enqueue({ content: VALID, usage: null });
    const result = await generator().generate(chunk(1), { template: qa });
    const [call] = result.calls;
    expect(call!.usageSource).toBe('tiktoken');
    expect(call!.usage.promptTokens).toBe(call!.countedPromptTokens);
    expect(call!.usage.completionTokens).toBeGreaterThan(10);
    expect(call!.cost).toBeCloseTo(costOf(findPrice(DEFAULT_PRICING, 'gpt-4o-mini'), call!.usage)!, 15);
  });

  it('records null cost (never 0) for a model without a price, and warns once', async () => {
    const warnings: string[] = [];
    const g = generator({ model: 'llama3.1:8b', logger: { warn: (m) => warnings.push(m) } });
    const r = await g.generate(chunk(1), { template: qa });
    await g.generate(chunk(2), { template: qa });
    expect(r.cost).toBeNull();
    expect(r.examples.every((e) => e.cost === null)).toBe(true);
    expect(warnings).toEqual([expect.stringMatching(/no price for model "llama3.1:8b"/)]);
  });

  it('stops issuing requests when cancelled', async () => {
    server.options = { latencyMs: 60_000 };
    const controller = new AbortController();
    const g = generator({ maxConcurrent: 2 });
    const runs = Array.from({ length: 10 }, (_, i) =>
      g.generate(chunk(i), { template: qa, signal: controller.signal }),
    );
    await server.waitForRequests(2);
    controller.abort();
    const settled = await Promise.allSettled(runs);
    expect(settled.every((s) => s.status === 'rejected' && s.reason instanceof GenerationAbortedError)).toBe(true);
    expect(server.requests).toHaveLength(2);
    await expect(g.generate(chunk(99), { template: qa, signal: controller.signal })).rejects.toThrow(
      GenerationAbortedError,
    );
    expect(server.requests).toHaveLength(2);
  });

  it("reserves each call's estimated cost before it starts: a chunk that does not fit makes no call and fails budget_exhausted", async () => {
    // The most one call may cost, as the generator asks its ledger to hold it (a real ledger that records what
    // it is asked).
    const asked: number[] = [];
    const roomy = memoryCallLedger(1000);
    const probe = generator();
    const ledger = { ...roomy, start: (call: CallStart) => (asked.push(call.maxCost!), roomy.start(call)) };
    const one = await probe.generate(chunk(1), { template: qa, ledger });
    expect(asked).toHaveLength(1);
    // An upper bound: the prompt as sent plus more reply tokens than the reply used.
    expect(asked[0]!).toBeGreaterThanOrEqual(one.cost!);
    expect((await roomy.state()).spentUsd).toBeCloseTo(one.cost!, 12);
    expect((await roomy.state()).reservedUsd).toBe(0);
    server.reset();

    const max = 2.5 * asked[0]!;
    const g = generator({ maxConcurrent: 1, maxCostUsd: max });
    const results = [];
    for (let i = 1; i <= 8; i++) results.push(await g.generate(chunk(i), { template: qa }));
    const refused = results.filter((r) => r.examples.every((e) => e.lineage.failureReason === 'budget_exhausted'));
    const made = results.filter((r) => !refused.includes(r));
    expect(made.length).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeGreaterThan(0);
    // Once one is refused, nothing is in flight and nothing more fits: every later chunk is refused too.
    expect(results.slice(results.indexOf(refused[0]!))).toEqual(refused);
    expect(server.requests).toHaveLength(made.length);
    expect(g.spentUsd).toBeLessThanOrEqual(max);
    expect(g.budgetExhausted).toBe(true);
    for (const r of refused) {
      expect(r.calls).toEqual([]);
      expect(r.cost).toBe(0);
      expect(r.examples).toHaveLength(qa.spec.examplesPerChunk);
      for (const e of r.examples) {
        expect(e.status).toBe('failed');
        expect(e.error).toMatch(/^budget_exhausted: generation stopped: max_cost_usd .* does not fit/);
        expect(e.lineage).toMatchObject({ calls: 0, cost: 0, failureReason: 'budget_exhausted' });
      }
    }
    expect(new BudgetExhaustedError(max, g.spentUsd).message).toContain(`max_cost_usd ${max}`);
  });

  it('a wrong API key fails fast with a message that does not contain the key', async () => {
    server.options = { apiKey: 'sk-the-right-key-000000' };
    const wrong = 'sk-wrong-key-abcdef123456';
    const g = generator({ connection: new LlmConnection(wrong, server.baseUrl) });
    const error = await g.generate(chunk(1), { template: qa }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmFatalError);
    expect((error as Error).message).toMatch(/401/);
    expect((error as Error).message).not.toContain(wrong);
    expect(server.requests).toHaveLength(1);

    server.options = { apiKey: 'sk-the-right-key-000000' };
    const ok = await generator({ connection: new LlmConnection('sk-the-right-key-000000', server.baseUrl) }).generate(
      chunk(1),
      {
        template: qa,
      },
    );
    expect(JSON.stringify(ok)).not.toContain('sk-the-right-key-000000');
  });

  it('builds from a resolved job config', async () => {
    const config = resolveGenerationConfig(
      { template: 'instruction', examples_per_chunk: 2, max_concurrent_llm: 2, base_url: server.baseUrl },
      // The job may name the endpoint because the operator allows it.
      { llm: { model: 'gpt-4o-mini', allowedBaseUrls: [server.baseUrl] } },
    );
    server.options = { itemsPerArray: 2 };
    const result = await Generator.fromConfig(config).generate(chunk(1), {
      template: registry.get(config.template),
      examplesPerChunk: config.examplesPerChunk,
    });
    expect(result.examples.map((e) => e.status)).toEqual(['ok', 'ok']);
    expect(server.requests[0]!.body.messages![1]!.content).toMatch(/Write 2 different instruction-following examples/);
  });
});

describe('storing examples (real SQLite)', () => {
  let server: FakeOpenAiServer;
  let dir: { path: string; remove: () => Promise<void> };
  let orm: MikroORM;

  beforeAll(async () => {
    server = await new FakeOpenAiServer().start();
    dir = await tempDir('df-generator-');
    const db = { driver: 'sqlite' as const, path: `${dir.path}/df.db`, busyTimeoutMs: 10_000 };
    await migrateDatabase(db);
    orm = await MikroORM.init(createOrmConfig(db));
  });
  afterAll(async () => {
    await orm?.close();
    await server?.stop();
    await dir?.remove();
  });

  it('writes ok and failed examples with lineage and adds the exact cost to the job', async () => {
    const em = orm.em.fork();
    const project = em.create(Project, { name: 'p' });
    const job = em.create(Job, { project });
    const doc = em.create(RawDocument, { job, url: 'https://fixture.test/a' });
    const rows = [0, 1].map((i) =>
      em.create(Chunk, { job, document: doc, content: chunk(i).text, tokenCount: 30, chunkIndex: i }),
    );
    await em.flush();

    const g = new Generator({
      connection: new LlmConnection('sk-test-key-0123456789', server.baseUrl),
      model: 'gpt-4o-mini',
    });
    server.enqueue({ content: VALID }, { content: 'no json' }, { content: 'still no json' });
    const ok = await g.generate({ ...chunk(0), id: rows[0]!.id }, { template: qa });
    const bad = await g.generate({ ...chunk(1), id: rows[1]!.id }, { template: qa });
    const s1 = await storeChunkGeneration(orm.em, { jobId: job.id, chunkId: rows[0]!.id }, ok);
    const s2 = await storeChunkGeneration(orm.em, { jobId: job.id, chunkId: rows[1]!.id }, bad);
    // Asked 3 each: the first reply had 2 (one failed as too_few_examples), the second none (3 failed).
    expect([s1.ok, s1.failed, s2.ok, s2.failed]).toEqual([2, 1, 0, 3]);
    expect(s2.jobCostTotal).toBeCloseTo(ok.cost! + bad.cost!, 12);

    const read = orm.em.fork();
    const stored = await read.find(TrainingExample, { job: job.id }, { orderBy: { status: 'desc', inputText: 'asc' } });
    expect(stored).toHaveLength(6);
    const failed = stored.find((e) => e.status === 'failed' && e.chunk.id === rows[1]!.id)!;
    expect(failed.rawReply).toBe('still no json');
    expect(failed.error).toMatch(/^unparseable: .*no JSON object/);
    const short = stored.find((e) => e.status === 'failed' && e.chunk.id === rows[0]!.id)!;
    expect(short.error).toMatch(/^too_few_examples: the reply had 2 of the 3 examples asked for/);
    const good = stored.find((e) => e.status === 'ok')!;
    expect(good).toMatchObject({ templateType: 'qa', templateHash: qa.hash, modelUsed: 'gpt-4o-mini' });
    expect(good.lineage).toMatchObject({ chunkId: rows[0]!.id, templateHash: qa.hash, attempts: 1 });
    expect(good.tokenCount).toBeGreaterThan(0);
    const costSum = stored.reduce((s, e) => s + Number(e.cost), 0);
    expect((await read.findOneOrFail(Job, job.id)).costTotal).toBeCloseTo(costSum, 12);
  });
  it('stores a chunk that was never generated as its failed examples, once, and not over a chunk that has them', async () => {
    const em = orm.em.fork();
    const project = em.create(Project, { name: 'p' });
    const job = em.create(Job, { project });
    const doc = em.create(RawDocument, { job, url: 'https://fixture.test/b' });
    const [done, never] = [0, 1].map((i) =>
      em.create(Chunk, { job, document: doc, content: chunk(i).text, tokenCount: 30, chunkIndex: i }),
    );
    await em.flush();
    const g = new Generator({ connection: new LlmConnection(undefined, server.baseUrl), model: 'gpt-4o-mini' });
    server.enqueue({ content: VALID });
    const generated = await g.generate({ ...chunk(0), id: done!.id }, { template: qa, examplesPerChunk: 2 });
    await storeChunkGeneration(orm.em, { jobId: job.id, chunkId: done!.id }, generated);
    const failure = {
      count: 2,
      reason: 'budget_exhausted' as const,
      error: 'generation stopped: max_cost_usd 0.01 reached',
      templateType: 'qa',
      templateHash: qa.hash,
      model: 'gpt-4o-mini',
    };
    const progress = { generator: { failed: 1 } };
    expect((await storeChunkFailure(orm.em, { jobId: job.id, chunkId: done!.id }, failure, progress)).written).toBe(0);
    const stored = await storeChunkFailure(orm.em, { jobId: job.id, chunkId: never!.id }, failure, progress);
    expect(stored.written).toBe(2);
    expect(stored.counters).not.toBeNull();
    expect((await foldJobCounters(orm.em.fork(), job.id))?.progress.generator.failed).toBe(1);
    const rows = await orm.em.fork().find(TrainingExample, { chunk: never!.id });
    expect(rows.map((r) => [r.status, r.error, (r.lineage as { failureReason?: string }).failureReason])).toEqual([
      ['failed', 'budget_exhausted: generation stopped: max_cost_usd 0.01 reached', 'budget_exhausted'],
      ['failed', 'budget_exhausted: generation stopped: max_cost_usd 0.01 reached', 'budget_exhausted'],
    ]);
    expect(await orm.em.fork().count(TrainingExample, { chunk: done!.id })).toBe(2);
  });
  it('counts every call into the job before it is made, and settles it: lost replies from the estimate, marked estimated', async () => {
    const em = orm.em.fork();
    const project = em.create(Project, { name: 'p' });
    const job = em.create(Job, { project });
    const doc = em.create(RawDocument, { job, url: 'https://fixture.test/c' });
    const rows = [0, 1, 2, 3].map((i) =>
      em.create(Chunk, { job, document: doc, content: chunk(i).text, tokenCount: 30, chunkIndex: i }),
    );
    await em.flush();
    const price = findPrice(DEFAULT_PRICING, 'gpt-4o-mini')!;
    const g = new Generator({
      connection: new LlmConnection(undefined, server.baseUrl),
      model: 'gpt-4o-mini',
      requestTimeoutMs: 1_000,
      maxRetries: 2,
    });
    const ledger = jobCallLedger(orm.em, job.id, null);
    const run = (i: number) =>
      g.generate({ ...chunk(i), id: rows[i]!.id }, { template: qa, examplesPerChunk: 2, ledger });

    // A call counted before the request: its row is there, estimated, while the server has not answered.
    server.enqueue({ content: VALID, delayMs: 400 });
    // This describe's earlier tests made requests of their own: wait for this one.
    const before = server.requests.length;
    const pending = run(0);
    await server.waitForRequests(before + 1);
    const inFlight = await orm.em.fork().findOneOrFail(LlmCall, { job: job.id });
    expect(inFlight).toMatchObject({ status: 'started', estimated: true, kind: 'generate', chunkId: rows[0]!.id });
    expect(inFlight.promptTokens).toBeGreaterThan(50);
    expect(inFlight.completionTokens).toBe(2 * qa.spec.outputTokensPerExample);
    const atStart = await orm.em.fork().findOneOrFail(Job, job.id);
    expect(atStart.costTotal).toBeCloseTo(Number(inFlight.cost), 12);
    expect(atStart.costEstimated).toBeCloseTo(Number(inFlight.cost), 12);
    const answered = await pending;
    // Settled with the provider's usage: nothing estimated left.
    const settled = await orm.em.fork().findOneOrFail(LlmCall, inFlight.id);
    expect(settled).toMatchObject({ status: 'settled', estimated: false, costEstimated: 0 });
    expect(settled.cost).toBeCloseTo(answered.calls[0]!.cost!, 15);
    expect(settled.promptTokens).toBe(answered.calls[0]!.usage.promptTokens);

    // A hang past the timeout, then an answer: the lost attempt is counted as a whole estimated call.
    server.enqueue({ hang: true }, { content: VALID });
    const retried = await run(1);
    const [call] = retried.calls;
    expect(call!.lostAttempts).toBe(1);
    const estimate = costOf(price, {
      promptTokens: inFlight.promptTokens,
      cachedPromptTokens: 0,
      completionTokens: inFlight.completionTokens,
    })!;
    expect(call!.costEstimated).toBeCloseTo(estimate, 6);
    expect(call!.cost).toBeCloseTo(costOf(price, call!.usage)! + call!.costEstimated, 15);

    // 500s until the retries are used up: each attempt's prompt, estimated; a 429 costs nothing.
    server.enqueue({ status: 500 }, { status: 500 }, { status: 500 });
    const failed = await run(2);
    expect(failed.calls[0]!.lostAttempts).toBe(3);
    expect(failed.calls[0]!.cost).toBeGreaterThan(0);
    expect(failed.calls[0]!.cost).toBeCloseTo(failed.calls[0]!.costEstimated, 15);
    server.enqueue({ status: 429, headers: { 'retry-after-ms': '10' } }, { content: VALID });
    const limited = await run(3);
    expect(limited.calls[0]).toMatchObject({ lostAttempts: 0, costEstimated: 0, attempts: 2 });

    // cost_total is the calls' sum (storing the examples adds nothing more), cost_estimated their estimated part.
    for (const [i, r] of [answered, retried, failed, limited].entries()) {
      await storeChunkGeneration(orm.em, { jobId: job.id, chunkId: rows[i]!.id }, r);
    }
    const calls = await orm.em.fork().find(LlmCall, { job: job.id });
    expect(calls.every((c) => c.status === 'settled')).toBe(true);
    const after = await orm.em.fork().findOneOrFail(Job, job.id);
    const sum = [answered, retried, failed, limited].reduce((n, r) => n + r.cost!, 0);
    expect(after.costTotal).toBeCloseTo(sum, 12);
    expect(after.costTotal).toBeCloseTo(
      calls.reduce((n, c) => n + Number(c.cost), 0),
      12,
    );
    expect(after.costEstimated).toBeCloseTo(call!.costEstimated + failed.calls[0]!.costEstimated, 12);
    expect(calls.filter((c) => c.estimated)).toHaveLength(2);
  });
});
