import { describe, expect, it } from 'vitest';
import { costOf, DEFAULT_PRICING, findPrice, mergePricing, parsePricingFile } from './pricing.js';

describe('pricing', () => {
  it('is a dated table with per-million prices', () => {
    expect(DEFAULT_PRICING.version).toBe('2026-11');
    expect(findPrice(DEFAULT_PRICING, 'gpt-4o-mini')).toEqual({ input: 0.15, cachedInput: 0.075, output: 0.6 });
  });

  it('finds dated snapshots and provider-prefixed names', () => {
    expect(findPrice(DEFAULT_PRICING, 'gpt-4o-mini-2024-07-18')).toBe(DEFAULT_PRICING.models['gpt-4o-mini']);
    expect(findPrice(DEFAULT_PRICING, 'openai/gpt-4o')).toBe(DEFAULT_PRICING.models['gpt-4o']);
  });

  it('prices uncached, cached and completion tokens separately', () => {
    const price = findPrice(DEFAULT_PRICING, 'gpt-4o-mini');
    const cost = costOf(price, { promptTokens: 1_000_000, cachedPromptTokens: 400_000, completionTokens: 500_000 });
    expect(cost).toBeCloseTo(0.6 * 0.15 + 0.4 * 0.075 + 0.5 * 0.6, 12);
  });

  it('charges cached tokens at the input price when there is no cache discount', () => {
    const price = findPrice(DEFAULT_PRICING, 'gpt-3.5-turbo');
    expect(costOf(price, { promptTokens: 1_000_000, cachedPromptTokens: 1_000_000, completionTokens: 0 })).toBeCloseTo(
      0.5,
    );
  });

  it('gives null, never 0, for an unknown model', () => {
    expect(findPrice(DEFAULT_PRICING, 'llama3.1:8b')).toBeUndefined();
    expect(costOf(undefined, { promptTokens: 10, cachedPromptTokens: 0, completionTokens: 10 })).toBeNull();
  });

  it('merges a user table over the built-in one and rejects bad numbers', () => {
    const local = parsePricingFile({ version: 'local', models: { 'llama3.1:8b': { input: 0, output: 0 } } });
    const merged = mergePricing(DEFAULT_PRICING, local);
    expect(
      costOf(findPrice(merged, 'llama3.1:8b'), { promptTokens: 5, cachedPromptTokens: 0, completionTokens: 5 }),
    ).toBe(0);
    expect(() => parsePricingFile({ version: 'x', models: { m: { input: -1, output: 1 } } })).toThrow(/model "m"/);
  });
});
