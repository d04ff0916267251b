/**
 * The grounded check's LLM level through the fake OpenAI-compatible server on
 * 127.0.0.1 with the real `openai` SDK: the verdict with the unsupported
 * sentence quoted, replies wrapped in prose, unreadable replies and failed
 * calls (the local level stands alone, saying why), and the budget ledger.
 */
import {
  buildQualityReport,
  Inspector,
  LlmGroundedJudge,
  resolveQualityConfig,
  type InspectableExample,
} from '@datafactory/inspector';
import { memoryCallLedger, reserveThrough } from '@datafactory/generator';
import { FakeOpenAiServer, GROUNDED_CHUNKS, qaFromPrompt } from '@datafactory/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const usage = (prompt: number, completion: number) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});
const price = (_model: string, u: { promptTokens: number; completionTokens: number }) =>
  (u.promptTokens * 1 + u.completionTokens * 2) / 1e6;

const chunk = GROUNDED_CHUNKS.railway;
const example = (id: string, answer: string): InspectableExample => ({
  id,
  templateType: 'qa',
  inputText: 'What does the text say about the railway?',
  outputText: answer,
  fields: { question: 'What does the text say about the railway?', answer },
  chunkText: chunk,
});
const SUPPORTED = 'Electrification in 1955 cut the journey time from three hours to just under two.';
const INVENTED = 'The company now plans to reopen the mines to export copper to Asia.';
const config = resolveQualityConfig({ checks: ['grounded'], judge: { model: 'gpt-4o-mini' } });

describe('the grounded judge against the fake OpenAI-compatible server', () => {
  let server: FakeOpenAiServer;
  let prose: FakeOpenAiServer;

  beforeAll(async () => {
    server = await new FakeOpenAiServer({ content: qaFromPrompt }).start();
    // Every reply wrapped in a sentence before and after the JSON, as some models do.
    prose = await new FakeOpenAiServer({ content: qaFromPrompt, faults: { prose: 1 } }).start();
  });
  afterAll(async () => {
    await server?.stop();
    await prose?.stop();
  });

  const judgeOn = (s: FakeOpenAiServer, ledger = memoryCallLedger(null)) =>
    new LlmGroundedJudge({
      client: new OpenAI({ apiKey: 'test-key', baseURL: s.baseUrl, maxRetries: 0 }),
      model: 'gpt-4o-mini',
      price,
      reserve: reserveThrough(ledger, 'judge', price),
    });

  it('asks about the answer against the chunk and quotes the unsupported sentence as the reason', async () => {
    const before = server.requests.length;
    const inspector = new Inspector({ config, groundedJudge: judgeOn(server) });
    const [good, bad] = await inspector.inspect([
      example('good', SUPPORTED),
      example('bad', `Freight traffic declined after 1983. ${INVENTED}`),
    ]);
    const requests = server.requests.slice(before);
    expect(requests).toHaveLength(2);
    expect(requests[0]!.body.response_format).toEqual({ type: 'json_object' });
    expect(requests[0]!.body.messages![1]!.content).toContain(chunk);

    expect(good!.details.checks.grounded).toMatchObject({
      status: 'pass',
      score: 1,
      codes: [],
      data: { level: 'judge', local: { status: 'pass' }, judge: { model: 'gpt-4o-mini', supported: true } },
    });
    const g = bad!.details.checks.grounded!;
    expect(g.status).toBe('fail');
    expect(g.reason).toBe(
      `unsupported: ${JSON.stringify(INVENTED)}: The source does not mention Asia. (judge gpt-4o-mini)`,
    );
    expect(g.codes).toEqual(['unsupported', 'judge_unsupported', 'unsupported_entity']);
    expect(g.data).toMatchObject({ judge: { sentence: INVENTED }, local: { status: 'fail' } });
    expect(typeof g.data!.cost).toBe('number');
    expect(bad!.passed).toBe(false);
    expect(good!.passed).toBe(true);

    // The report counts the judge's spending and the grounded rate.
    const report = buildQualityReport(
      [good!, bad!].map((r) => ({
        status: 'ok' as const,
        tokenCount: 1,
        qualityScore: r.score,
        passedQc: r.passed,
        qualityDetails: r.details,
      })),
    );
    expect(report.groundedRate).toBe(0.5);
    expect(report.checks.grounded).toMatchObject({ pass: 1, fail: 1 });
    expect(report.judgeCost).toBeCloseTo(
      (good!.details.checks.grounded!.data!.cost as number) + (g.data!.cost as number),
      8,
    );
  });

  it('reads a verdict wrapped in prose', async () => {
    const [r] = await new Inspector({ config, groundedJudge: judgeOn(prose) }).inspect([example('p', INVENTED)]);
    expect(prose.injected.prose).toBeGreaterThan(0);
    expect(r!.details.checks.grounded).toMatchObject({
      status: 'fail',
      data: { level: 'judge', judge: { sentence: INVENTED } },
    });
  });

  it('keeps the local verdict, saying why, when the reply is no verdict or the call fails', async () => {
    server.enqueue(
      { content: 'It looks grounded to me.', usage: usage(200, 6) },
      { status: 500, error: { message: 'upstream exploded' } },
    );
    const inspector = new Inspector({ config, groundedJudge: judgeOn(server) });
    const [unreadable] = await inspector.inspect([example('u', SUPPORTED)]);
    const [failed] = await inspector.inspect([example('f', INVENTED)]);
    expect(unreadable!.details.checks.grounded).toMatchObject({ status: 'pass', data: { level: 'local' } });
    expect(unreadable!.details.checks.grounded!.reason).toContain(
      `(local level only: the grounded judge's reply is not a verdict: "It looks grounded to me.")`,
    );
    expect(failed!.details.checks.grounded).toMatchObject({
      status: 'fail',
      codes: ['unsupported', 'unsupported_entity'],
    });
    expect(failed!.details.checks.grounded!.reason).toMatch(
      /local level only: the grounded judge's call failed: .*500/,
    );
  });

  it('spends from the job budget: no room, no call, the local level decides', async () => {
    const before = server.requests.length;
    const [r] = await new Inspector({ config, groundedJudge: judgeOn(server, memoryCallLedger(0)) }).inspect([
      example('b', INVENTED),
    ]);
    expect(server.requests.length).toBe(before);
    expect(r!.details.checks.grounded).toMatchObject({ status: 'fail', data: { level: 'local' } });
    expect(r!.details.checks.grounded!.reason).toContain('local level only: budget_exhausted: ');
  });

  it('makes no call with use_judge off', async () => {
    const before = server.requests.length;
    const off = resolveQualityConfig({
      checks: ['grounded'],
      judge: { model: 'gpt-4o-mini' },
      grounded: { use_judge: false },
    });
    const [r] = await new Inspector({ config: off, groundedJudge: judgeOn(server) }).inspect([example('o', SUPPORTED)]);
    expect(server.requests.length).toBe(before);
    expect(r!.details.checks.grounded).toMatchObject({ status: 'pass', data: { level: 'local' } });
  });
});
