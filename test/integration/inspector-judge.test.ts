/**
 * The LLM judge through the fake OpenAI-compatible server on 127.0.0.1 with
 * the real `openai` SDK: the production code path, with the network edge
 * replaced. Ratings, reasons, failures, token usage and cost are checked.
 */
import { Inspector, judgeCost, LlmJudge, resolveQualityConfig, buildQualityReport } from '@datafactory/inspector';
import { type CallLedger, memoryCallLedger, reserveThrough } from '@datafactory/generator';
import { FakeOpenAiServer } from '@datafactory/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const usage = (prompt: number, completion: number) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

describe('the LLM judge against the fake OpenAI-compatible server', () => {
  let server: FakeOpenAiServer;
  let judge: LlmJudge;

  beforeAll(async () => {
    server = await new FakeOpenAiServer().start();
    const client = new OpenAI({ apiKey: 'test-key', baseURL: server.baseUrl, maxRetries: 0 });
    judge = new LlmJudge({
      client,
      model: 'gpt-4o-mini',
      minScore: 0.5,
      // $1 per million prompt tokens, $2 per million completion tokens.
      price: (_model, u) => (u.promptTokens * 1 + u.completionTokens * 2) / 1e6,
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('rates faithfulness and usefulness, fails weak examples with reasons, and tracks cost', async () => {
    server.enqueue(
      { content: '{"faithfulness": 5, "usefulness": 4, "reason": "Supported and specific."}', usage: usage(300, 20) },
      { content: '{"faithfulness": 1, "usefulness": 3, "reason": "The text never says this."}', usage: usage(280, 22) },
      { content: 'I think it is fine.', usage: usage(250, 5) },
    );
    const inspector = new Inspector({ config: resolveQualityConfig({ checks: ['judge'] }), judge });
    const examples = [
      { id: 'good', answer: 'Paris is the capital of France.' },
      { id: 'invented', answer: 'Lyon is the capital of France.' },
      { id: 'garbled', answer: 'Paris.' },
    ].map(({ id, answer }) => ({
      id,
      templateType: 'qa',
      inputText: 'What is the capital of France?',
      outputText: answer,
      chunkText: 'Paris is the capital and largest city of France.',
    }));
    // One example at a time so that the scripted replies map to examples in order.
    const results = [];
    for (const e of examples) results.push(...(await inspector.inspect([e])));

    const [good, invented, garbled] = results.map((r) => r.details.checks.judge!);
    expect(good).toMatchObject({
      status: 'pass',
      score: 0.875,
      reason: 'faithfulness 5/5, usefulness 4/5: Supported and specific.',
      data: {
        model: 'gpt-4o-mini',
        faithfulness: 5,
        usefulness: 4,
        usage: { promptTokens: 300, completionTokens: 20 },
      },
    });
    expect(good!.data!.cost).toBeCloseTo(0.00034, 8);
    expect(invented).toMatchObject({ status: 'fail', score: 0.25, codes: ['unfaithful'] });
    expect(invented!.reason).toContain('The text never says this.');
    expect(garbled).toMatchObject({ status: 'unavailable', codes: ['unavailable'] });
    expect(results.map((r) => r.passed)).toEqual([true, false, false]);

    // The prompt carries the source chunk and the example; the reply format is JSON.
    const request = server.requests.at(-3)!.body;
    expect(request.response_format).toEqual({ type: 'json_object' });
    expect(request.messages!.at(-1)!.content).toContain('Paris is the capital and largest city of France.');
    expect(request.messages!.at(-1)!.content).toContain('Paris is the capital of France.');

    const total = 0.00034 + 0.000324 + 0.00026;
    expect(judgeCost(results.map((r) => r.details.checks.judge))).toBeCloseTo(total, 8);
    const report = buildQualityReport(
      results.map((r) => ({
        status: 'ok' as const,
        tokenCount: 1,
        qualityScore: r.score,
        passedQc: r.passed,
        qualityDetails: r.details,
      })),
    );
    expect(report.judgeCost).toBeCloseTo(total, 6);
    expect(report.checks.judge).toMatchObject({
      pass: 1,
      fail: 1,
      unavailable: 1,
      reasons: [{ code: 'unfaithful', count: 1 }],
    });
  });

  it('reports `unavailable` (not a pass) when the server errors', async () => {
    server.enqueue({ status: 500, error: { message: 'upstream exploded' } });
    const inspector = new Inspector({ config: resolveQualityConfig({ checks: ['judge'] }), judge });
    const [r] = await inspector.inspect([
      { id: 'x', templateType: 'qa', inputText: 'What is the capital of France?', outputText: 'Paris.' },
    ]);
    expect(r!.details.checks.judge).toMatchObject({ status: 'unavailable' });
    expect(r!.details.checks.judge!.reason).toMatch(/^LLM judge failed: .*500/);
    expect(r!.passed).toBe(false);
  });

  it('spends from the job budget through its ledger: counted before each call, settled at its cost, no call without room', async () => {
    const price = (_model: string, u: { promptTokens: number; completionTokens: number }) =>
      (u.promptTokens * 1 + u.completionTokens * 2) / 1e6;
    const example = { id: 'a', templateType: 'qa', inputText: 'Capital of France?', outputText: 'Paris.' };
    // What one judge call of this example is counted at before it is made: its prompt, and a 256-token reply.
    const probe = memoryCallLedger(null);
    const estimates: number[] = [];
    const client = new OpenAI({ apiKey: 'test-key', baseURL: server.baseUrl, maxRetries: 0 });
    const judgeWith = (ledger: CallLedger) =>
      new LlmJudge({
        client,
        model: 'gpt-4o-mini',
        minScore: 0.5,
        price,
        reserve: reserveThrough(
          { ...ledger, start: (call) => (estimates.push(call.cost!), ledger.start(call)) },
          'judge',
          price,
        ),
      });
    const inspect = (ledger: CallLedger, id: string) =>
      new Inspector({ config: resolveQualityConfig({ checks: ['judge'] }), judge: judgeWith(ledger) }).inspect([
        { ...example, id },
      ]);
    server.enqueue({ content: '{"faithfulness": 5, "usefulness": 5, "reason": "ok"}', usage: usage(300, 20) });
    await inspect(probe, 'probe');
    const estimate = estimates[0]!;
    expect(estimate).toBeGreaterThan(256 * 2e-6);

    // Room for the first call's estimate and what it really costs (0.00034), not for a second estimate on top.
    const budget = memoryCallLedger(estimate + 0.00034 / 2);
    const before = server.requests.length;
    server.enqueue({ content: '{"faithfulness": 5, "usefulness": 5, "reason": "ok"}', usage: usage(300, 20) });
    const [first] = await inspect(budget, 'a');
    expect(first!.details.checks.judge).toMatchObject({ status: 'pass', data: { cost: 0.00034 } });
    expect((await budget.state()).spentUsd).toBeCloseTo(0.00034, 12);
    expect((await budget.state()).reservedUsd).toBe(0);

    const [second] = await inspect(budget, 'b');
    expect(second!.details.checks.judge).toMatchObject({ status: 'unavailable', codes: ['unavailable'] });
    expect(second!.details.checks.judge!.reason).toMatch(/^budget_exhausted: /);
    expect(server.requests.length - before).toBe(1);
    expect((await budget.state()).spentUsd).toBeCloseTo(0.00034, 12);
    expect((await budget.state()).reservedUsd).toBe(0);

    // A call that fails stays counted at its estimate (the provider may have billed it).
    const roomy = memoryCallLedger(null);
    server.enqueue({ status: 500, error: { message: 'upstream exploded' } });
    await inspect(roomy, 'c');
    expect((await roomy.state()).spentUsd).toBeCloseTo(estimate, 12);
    expect((await roomy.state()).reservedUsd).toBe(0);
  });
});
