import pricing202611 from './pricing-2026-11.json' with { type: 'json' };

/** USD per million tokens. `cachedInput` null: the provider gives no discount, cached tokens cost `input`. */
export interface ModelPrice {
  input: number;
  cachedInput: number | null;
  output: number;
}

export interface PricingTable {
  /** The dated file's version, e.g. "2026-11"; it goes into every example's lineage. */
  version: string;
  models: Record<string, ModelPrice>;
}

export interface TokenUsage {
  promptTokens: number;
  /** Part of promptTokens served from the provider's prompt cache. */
  cachedPromptTokens: number;
  completionTokens: number;
}

interface PricingFile {
  version: string;
  models: Record<string, { input: number; cached_input: number | null; output: number }>;
}

/** Turns a dated pricing file (snake_case, per 1M tokens) into a PricingTable, checking every number. */
export function parsePricingFile(data: unknown, origin = 'pricing file'): PricingTable {
  const file = data as PricingFile;
  if (!file || typeof file.version !== 'string' || typeof file.models !== 'object' || file.models === null) {
    throw new Error(`${origin}: needs "version" and "models"`);
  }
  const models: Record<string, ModelPrice> = {};
  for (const [model, p] of Object.entries(file.models)) {
    const ok = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;
    if (
      !ok(p?.input) ||
      !ok(p?.output) ||
      !(p.cached_input === null || p.cached_input === undefined || ok(p.cached_input))
    ) {
      throw new Error(
        `${origin}: model "${model}" needs input, output (and optional cached_input) as non-negative numbers`,
      );
    }
    models[model] = { input: p.input, cachedInput: p.cached_input ?? null, output: p.output };
  }
  return { version: file.version, models };
}

/** The built-in table (the newest dated file). */
export const DEFAULT_PRICING: PricingTable = parsePricingFile(pricing202611, 'pricing-2026-11.json');

/** A table with `extra` models added or overriding (a user's own prices, a local model at 0...). */
export function mergePricing(base: PricingTable, extra: PricingTable): PricingTable {
  return { version: `${base.version}+${extra.version}`, models: { ...base.models, ...extra.models } };
}

/**
 * The price of a model: an exact name first, then the name without a dated
 * snapshot suffix (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`) or a provider
 * prefix (`openai/gpt-4o-mini`). undefined when unknown: callers record a null
 * cost, never 0.
 */
export function findPrice(table: PricingTable, model: string): ModelPrice | undefined {
  const candidates = [model];
  const unprefixed = model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : model;
  candidates.push(unprefixed);
  candidates.push(unprefixed.replace(/-\d{4}-\d{2}-\d{2}$/, ''));
  for (const name of candidates) {
    const price = table.models[name];
    if (price) return price;
  }
  return undefined;
}

/** USD for one call's usage; null when the model has no price. */
export function costOf(price: ModelPrice | undefined, usage: TokenUsage): number | null {
  if (!price) return null;
  const cached = Math.min(usage.cachedPromptTokens, usage.promptTokens);
  const uncached = usage.promptTokens - cached;
  return (
    (uncached * price.input + cached * (price.cachedInput ?? price.input) + usage.completionTokens * price.output) / 1e6
  );
}
