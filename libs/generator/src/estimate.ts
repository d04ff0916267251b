import { costOf, DEFAULT_PRICING, findPrice, type PricingTable } from './pricing/pricing.js';
import type { PromptTemplate, TemplateVariables } from './templates/template.js';
import { countChatTokens } from './tokens.js';

export interface EstimateInput {
  /** Chunks of the sampled documents, as the refiner produced them. */
  sampleChunkTexts: string[];
  /** Chunks each sampled document produced (its length is the number of documents sampled). */
  chunksPerSampledDocument: number[];
  /** Documents the job will process (the sample included). */
  totalDocuments: number;
  template: PromptTemplate;
  model: string;
  examplesPerChunk?: number;
  pricing?: PricingTable;
}

export interface Range {
  low: number;
  expected: number;
  high: number;
}

export interface GenerationEstimate {
  sampledDocuments: number;
  totalDocuments: number;
  chunks: Range;
  calls: Range;
  inputTokens: Range;
  outputTokens: Range;
  /** USD; null when the model has no price. */
  costUsd: Range | null;
  /** Says plainly that this is extrapolated from a sample, and how wide the range is. */
  note: string;
}

/**
 * Extrapolates a job's generation work from a sample of its documents: chunk
 * count from the sample's chunks per document, prompt tokens by rendering the
 * template on the sampled chunks and counting with tiktoken, reply tokens from
 * the template's typical example size. The range widens as the sample shrinks
 * or varies (±2 standard errors, at least ±20%); one call per chunk is the
 * expected case and the high end allows for repair calls on 10% of chunks.
 * Pure: no I/O.
 */
export function estimateGeneration(input: EstimateInput): GenerationEstimate {
  const { template, model } = input;
  const sampled = input.chunksPerSampledDocument.length;
  if (sampled === 0) throw new Error('estimateGeneration needs at least one sampled document');
  if (input.totalDocuments < sampled) throw new Error('totalDocuments must include the sampled documents');
  const perExample = input.examplesPerChunk ?? template.spec.examplesPerChunk;

  const mean = input.chunksPerSampledDocument.reduce((a, b) => a + b, 0) / sampled;
  const sd =
    sampled > 1
      ? Math.sqrt(input.chunksPerSampledDocument.reduce((a, b) => a + (b - mean) ** 2, 0) / (sampled - 1))
      : mean;
  const relMargin = Math.max(0.2, mean > 0 ? (2 * sd) / Math.sqrt(sampled) / mean : 1);
  const expectedChunks = mean * input.totalDocuments;
  const chunks = spread(expectedChunks, relMargin);

  const promptTokens = input.sampleChunkTexts.map((text, i) => {
    const vars: TemplateVariables = {
      chunk: { id: `sample-${i}`, text, index: i, token_count: null, metadata: {} },
      document: { id: null, url: null, title: null, language: null },
      language: null,
      examples_per_chunk: perExample,
      params: {},
    };
    const { system, user } = template.render(vars);
    return countChatTokens(
      [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
      model,
    );
  });
  const promptPerCall = promptTokens.length ? promptTokens.reduce((a, b) => a + b, 0) / promptTokens.length : 0;
  const outputPerCall = perExample * template.spec.outputTokensPerExample;

  const calls = { low: chunks.low, expected: chunks.expected, high: chunks.high * 1.1 };
  const inputTokens = scale(calls, promptPerCall, 1 - relMargin / 2, 1 + relMargin / 2);
  const outputTokens = scale(calls, outputPerCall, 0.5, 1.5);
  const price = findPrice(input.pricing ?? DEFAULT_PRICING, model);
  const cost = (i: number, o: number) => costOf(price, { promptTokens: i, cachedPromptTokens: 0, completionTokens: o });
  const costUsd = price
    ? {
        low: cost(inputTokens.low, outputTokens.low)!,
        expected: cost(inputTokens.expected, outputTokens.expected)!,
        high: cost(inputTokens.high, outputTokens.high)!,
      }
    : null;
  return {
    sampledDocuments: sampled,
    totalDocuments: input.totalDocuments,
    chunks: roundRange(chunks),
    calls: roundRange(calls),
    inputTokens: roundRange(inputTokens),
    outputTokens: roundRange(outputTokens),
    costUsd,
    note:
      `Extrapolated from ${sampled} of ${input.totalDocuments} documents (±${Math.round(relMargin * 100)}% on chunk count); ` +
      `reply sizes are typical values for the "${template.type}" template, not measured.` +
      (price ? '' : ` No price is known for "${model}".`),
  };
}

function spread(expected: number, margin: number): Range {
  return { low: expected * Math.max(0, 1 - margin), expected, high: expected * (1 + margin) };
}

function scale(r: Range, per: number, lowFactor: number, highFactor: number): Range {
  return { low: r.low * per * lowFactor, expected: r.expected * per, high: r.high * per * highFactor };
}

function roundRange(r: Range): Range {
  return { low: Math.floor(r.low), expected: Math.round(r.expected), high: Math.ceil(r.high) };
}
