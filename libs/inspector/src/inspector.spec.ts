import { loadLanguageDetector } from '@datafactory/text';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveQualityConfig } from './config.js';
import { Inspector } from './inspector.js';
import { buildQualityReport } from './report.js';
import type { CheckResult, InspectableExample } from './types.js';

const NOW = () => new Date('2026-11-25T12:00:00.000Z');
const QA_SCHEMA = {
  type: 'object',
  properties: { question: { type: 'string' }, answer: { type: 'string' } },
  required: ['question', 'answer'],
};

const qa = (id: string, question: string, answer: string): InspectableExample => ({
  id,
  templateType: 'qa',
  inputText: question,
  outputText: answer,
  fields: { question, answer },
  chunkLanguage: 'en',
});

const EXAMPLES = [
  qa(
    'a',
    'What is the capital of France?',
    'Paris is the capital of France. It is also the largest city in the country.',
  ),
  qa(
    'b',
    'What is the capital of France?',
    'Paris is the capital of France. It is also the largest city in the country!',
  ),
  qa('c', 'Tell me about boiling', 'As an AI language model I cannot help with that, but water boils at 100 degrees.'),
  qa(
    'd',
    'How does Rust keep memory safe?',
    'The borrow checker enforces ownership rules at compile time, so no data races occur.',
  ),
];

// The language model loads on first use: not inside a test's time limit.
beforeAll(() => loadLanguageDetector(), 60_000);

describe('Inspector', () => {
  it('scores every example with per-check details and explains each rejection', async () => {
    const inspector = new Inspector({
      config: resolveQualityConfig({ checks: ['format', 'readability', 'duplicates'] }),
      schemas: { qa: QA_SCHEMA },
      now: NOW,
    });
    const results = await inspector.inspect(EXAMPLES);
    expect(results.map((r) => [r.id, r.passed])).toEqual([
      ['a', true],
      ['b', false],
      ['c', false],
      ['d', true],
    ]);
    const [a, b, c] = results;
    expect(a!.details).toMatchObject({
      version: 1,
      passed: true,
      minScore: 0.7,
      failed: [],
      unavailable: [],
      inspectedAt: '2026-11-25T12:00:00.000Z',
    });
    expect(Object.keys(a!.details.checks)).toEqual(['format', 'readability', 'duplicates']);
    expect(b!.details.failed).toEqual(['duplicates']);
    expect(b!.details.checks.duplicates).toMatchObject({
      status: 'fail',
      codes: ['near_duplicate'],
      data: { duplicateOf: 'a' },
    });
    expect(c!.details.failed).toEqual(['format']);
    expect(c!.details.checks.format!.codes).toEqual(['not_a_question', 'refusal']);
    // The composite is the mean of the scored checks.
    const scores = Object.values(a!.details.checks).map((r) => r.score!);
    expect(a!.score).toBeCloseTo(scores.reduce((x, y) => x + y) / scores.length, 4);
  });

  it('keeps the duplicate index across batches of the same job', async () => {
    const inspector = new Inspector({ config: resolveQualityConfig({ checks: ['duplicates'] }) });
    await inspector.inspect([EXAMPLES[0]!]);
    const [second] = await inspector.inspect([EXAMPLES[1]!]);
    expect(second!.details.checks.duplicates!.data).toMatchObject({ duplicateOf: 'a' });
  });

  it('fails examples below min_score even when every check passes', async () => {
    const judge = {
      judge: async (): Promise<CheckResult> => ({ status: 'pass', score: 0.6, reason: 'meh', codes: [] }),
    };
    const inspector = new Inspector({ config: resolveQualityConfig({ checks: ['judge'], min_score: 0.7 }), judge });
    const [r] = await inspector.inspect([EXAMPLES[0]!]);
    expect(r).toMatchObject({ score: 0.6, passed: false });
    expect(r!.details.failed).toEqual([]);
  });

  it('never passes silently when a check cannot run, unless allowed', async () => {
    const strict = new Inspector({ config: resolveQualityConfig({ checks: ['format', 'judge'] }) });
    const [r] = await strict.inspect([EXAMPLES[0]!]);
    expect(r!.details.checks.judge).toMatchObject({ status: 'unavailable', score: null });
    expect(r!.details.unavailable).toEqual(['judge']);
    expect(r!.passed).toBe(false);
    expect(r!.score).toBe(1);

    const lenient = new Inspector({
      config: resolveQualityConfig({ checks: ['format', 'judge'], allow_unavailable: true }),
    });
    expect((await lenient.inspect([EXAMPLES[0]!]))[0]!.passed).toBe(true);
  });

  it('turns a judge error into `unavailable` for that example only', async () => {
    let calls = 0;
    const judge = {
      judge: async (): Promise<CheckResult> => {
        if (calls++ === 0) throw new Error('429 Too Many Requests');
        return { status: 'pass', score: 1, reason: 'ok', codes: [] };
      },
    };
    const inspector = new Inspector({ config: resolveQualityConfig({ checks: ['judge'] }), judge });
    const results = await inspector.inspect([EXAMPLES[0]!, EXAMPLES[3]!]);
    expect(results.map((r) => r.details.checks.judge!.status).sort()).toEqual(['pass', 'unavailable']);
  });

  it('feeds a report whose numbers add up', async () => {
    const inspector = new Inspector({
      config: resolveQualityConfig({ checks: ['format', 'readability', 'duplicates'] }),
    });
    const results = await inspector.inspect(EXAMPLES);
    const report = buildQualityReport(
      results.map((r, i) => ({
        status: 'ok' as const,
        tokenCount: 10 * (i + 1),
        qualityScore: r.score,
        passedQc: r.passed,
        qualityDetails: r.details,
      })),
    );
    expect(report).toMatchObject({ total: 4, inspected: 4, passed: 2, failed: 2, passRate: 0.5 });
    expect(report.checks.duplicates).toMatchObject({
      pass: 3,
      fail: 1,
      reasons: [{ code: 'near_duplicate', count: 1 }],
    });
    expect(report.checks.format!.reasons).toEqual([
      { code: 'not_a_question', count: 1 },
      { code: 'refusal', count: 1 },
    ]);
  });
});
