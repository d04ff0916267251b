/**
 * The LLM judge through the fake OpenAI-compatible server on 127.0.0.1 with
 * the real `openai` SDK: the production code path, with the network edge
 * replaced. Ratings, reasons, failures, token usage and cost are checked.
 */
import { Inspector, judgeCost, LlmJudge, resolveQualityConfig, buildQualityReport } from '@datafactory/inspector';
import { memoryCallBudget } from '@datafactory/generator';
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

  it('spends from the job budget: reserves before each call, settles its cost, and makes no call without room', async () => {
    const budget = memoryCallBudget(0.0008);
    const asked: number[] = [];
    const client = new OpenAI({ apiKey: 'test-key', baseURL: server.baseUrl, maxRetries: 0 });
    const budgeted = new LlmJudge({
      client,
      model: 'gpt-4o-mini',
      minScore: 0.5,
      price: (_model, u) => (u.promptTokens * 1 + u.completionTokens * 2) / 1e6,
      // 0.0006 USD reserved a call: the first fits in 0.0008; after it spent 0.00034, a second does not.
      reserve: async (call) => {
        expect(call.model).toBe('gpt-4o-mini');
        expect(call.messages.map((m) => m.role)).toEqual(['system', 'user']);
        asked.push(call.maxOutputTokens);
        return budget.reserve(0.0006);
      },
    });
    const inspector = new Inspector({ config: resolveQualityConfig({ checks: ['judge'] }), judge: budgeted });
    const example = { id: 'a', templateType: 'qa', inputText: 'Capital of France?', outputText: 'Paris.' };
    const before = server.requests.length;
    server.enqueue({ content: '{"faithfulness": 5, "usefulness": 5, "reason": "ok"}', usage: usage(300, 20) });
    const [first] = await inspector.inspect([example]);
    expect(first!.details.checks.judge).toMatchObject({ status: 'pass', data: { cost: 0.00034 } });
    expect(await budget.state()).toEqual({ spentUsd: 0.00034, reservedUsd: 0 });

    const [second] = await inspector.inspect([{ ...example, id: 'b' }]);
    expect(second!.details.checks.judge).toMatchObject({ status: 'unavailable', codes: ['unavailable'] });
    expect(second!.details.checks.judge!.reason).toMatch(/^budget_exhausted: /);
    expect(server.requests.length - before).toBe(1);
    expect(asked).toEqual([256, 256]);
    expect(await budget.state()).toEqual({ spentUsd: 0.00034, reservedUsd: 0 });

    // A call that fails releases its reservation and counts nothing.
    const roomy = memoryCallBudget(null);
    const failing = new LlmJudge({ client, model: 'gpt-4o-mini', minScore: 0.5, reserve: () => roomy.reserve(0.5) });
    server.enqueue({ status: 500, error: { message: 'upstream exploded' } });
    await new Inspector({ config: resolveQualityConfig({ checks: ['judge'] }), judge: failing }).inspect([example]);
    expect(await roomy.state()).toEqual({ spentUsd: 0, reservedUsd: 0 });
  });
});
