import { describe, expect, it } from 'vitest';
import { estimateGeneration } from './estimate.js';
import { TemplateRegistry } from './templates/registry.js';

const qa = TemplateRegistry.builtins().get('qa');
const text = 'Ownership is a set of rules that govern how a Rust program manages memory. '.repeat(20);

describe('estimateGeneration', () => {
  it('extrapolates chunks, calls, tokens and cost from a sample as a range around the expectation', () => {
    const e = estimateGeneration({
      sampleChunkTexts: [text, text, text, text, text, text, text, text, text, text],
      chunksPerSampledDocument: [2, 2, 2, 2, 2],
      totalDocuments: 100,
      template: qa,
      model: 'gpt-4o-mini',
    });
    expect(e.chunks.expected).toBe(200);
    expect(e.chunks.low).toBeLessThan(200);
    expect(e.chunks.high).toBeGreaterThan(200);
    expect(e.calls.expected).toBe(200);
    expect(e.inputTokens.expected).toBeGreaterThan(200 * 300);
    expect(e.outputTokens.expected).toBe(200 * 3 * qa.spec.outputTokensPerExample);
    expect(e.costUsd!.low).toBeLessThan(e.costUsd!.expected);
    expect(e.costUsd!.expected).toBeLessThan(e.costUsd!.high);
    expect(e.costUsd!.expected).toBeCloseTo((e.inputTokens.expected * 0.15 + e.outputTokens.expected * 0.6) / 1e6, 3);
    expect(e.note).toMatch(/from 5 of 100 documents/);
  });

  it('widens the range when the sample varies, and has no cost for an unknown model', () => {
    const steady = estimateGeneration({
      sampleChunkTexts: [text],
      chunksPerSampledDocument: [3, 3, 3, 3],
      totalDocuments: 50,
      template: qa,
      model: 'llama3',
    });
    const varied = estimateGeneration({
      sampleChunkTexts: [text],
      chunksPerSampledDocument: [1, 9, 2, 0],
      totalDocuments: 50,
      template: qa,
      model: 'llama3',
    });
    expect(varied.chunks.high - varied.chunks.low).toBeGreaterThan(steady.chunks.high - steady.chunks.low);
    expect(steady.costUsd).toBeNull();
    expect(steady.note).toMatch(/No price is known for "llama3"/);
  });

  it('refuses an empty sample', () => {
    expect(() =>
      estimateGeneration({
        sampleChunkTexts: [],
        chunksPerSampledDocument: [],
        totalDocuments: 3,
        template: qa,
        model: 'gpt-4o',
      }),
    ).toThrow(/at least one/);
  });
});
