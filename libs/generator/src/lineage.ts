import type { ChunkInput, GeneratedExample, LlmCallRecord } from './generator.js';
import type { TokenUsage } from './pricing/pricing.js';
import type { Draft } from './reply-accounting.js';
import type { PromptTemplate } from './templates/template.js';
import { type GenerationControls, retrievalContext } from './controls.js';

/** What a chunk's calls add up to. */
export interface CallTotals {
  usage: TokenUsage;
  /** Null when any call's price is unknown. */
  cost: number | null;
  latencyMs: number;
  attempts: number;
}

export function callTotals(calls: readonly LlmCallRecord[]): CallTotals {
  const usage = calls.reduce<TokenUsage>(
    (sum, c) => ({
      promptTokens: sum.promptTokens + c.usage.promptTokens,
      cachedPromptTokens: sum.cachedPromptTokens + c.usage.cachedPromptTokens,
      completionTokens: sum.completionTokens + c.usage.completionTokens,
    }),
    { promptTokens: 0, cachedPromptTokens: 0, completionTokens: 0 },
  );
  const cost = calls.some((c) => c.cost === null) ? null : calls.reduce((sum, c) => sum + (c.cost ?? 0), 0);
  const latencyMs = calls.reduce((sum, c) => sum + c.latencyMs, 0);
  const attempts = calls.reduce((sum, c) => sum + c.attempts, 0);
  return { usage, cost, latencyMs, attempts };
}

/** Where a chunk's examples came from: the chunk, the template, the model and server, the calls. */
export interface LineageSource {
  chunk: ChunkInput;
  template: PromptTemplate;
  model: string;
  baseUrl: string;
  pricingVersion: string;
  calls: readonly LlmCallRecord[];
  totals: CallTotals;
  repaired: boolean;
  extraInReply: number;
  controls: GenerationControls;
  paramsHash: string;
}

/** Where the chunk sits in its page's extracted text (refiner metadata `start`/`end`, exclusive end). */
function chunkSpan(chunk: ChunkInput): { chunkStart: number | null; chunkEnd: number | null } {
  const start = chunk.metadata?.start;
  const end = chunk.metadata?.end;
  return {
    chunkStart: typeof start === 'number' ? start : null,
    chunkEnd: typeof end === 'number' ? end : null,
  };
}

/** The drafts as stored: each with its share of the cost and its lineage. */
export function withLineage(drafts: readonly Draft[], source: LineageSource): GeneratedExample[] {
  const { chunk, template, calls, totals } = source;
  const { usage, cost } = totals;
  const share = cost === null ? null : cost / drafts.length;
  // No call at all when the budget had no room for the first one.
  const last = calls.at(-1);
  return drafts.map(({ fields, failureReason, ...e }, i) => ({
    ...e,
    cost: share,
    lineage: {
      chunkId: chunk.id,
      documentId: chunk.document?.id ?? null,
      sourceUrl: chunk.document?.url ?? null,
      ...chunkSpan(chunk),
      templateType: template.type,
      templateHash: template.hash,
      model: source.model,
      responseModel: last?.responseModel ?? null,
      baseUrl: source.baseUrl,
      requestTokens: usage.promptTokens,
      cachedRequestTokens: usage.cachedPromptTokens,
      responseTokens: usage.completionTokens,
      usageSource: calls.every((c) => c.usageSource === 'provider') ? 'provider' : 'tiktoken',
      cost: share,
      callsCost: cost,
      pricingVersion: source.pricingVersion,
      latencyMs: totals.latencyMs,
      attempts: totals.attempts,
      calls: calls.length,
      repaired: source.repaired,
      structuredOutput: last?.mode ?? 'prompt',
      exampleIndex: i,
      examplesInReply: drafts.length,
      extraInReply: source.extraInReply,
      failureReason: failureReason ?? null,
      fields,
      paramsHash: source.paramsHash,
      persona: source.controls.personas?.[i] ?? null,
      difficulty: source.controls.difficulty,
      ...(template.spec.retrieval
        ? {
            retrieval: {
              ...retrievalContext(
                chunk,
                (chunk.distractors ?? []).slice(0, source.controls.distractors),
                i,
                source.controls.noOracleShare,
              ),
              // Fewer than asked when the job had too few chunks of other documents stored yet (see
              // completeRagDistractors, which the export stage runs once every chunk is stored).
              distractorsWanted: source.controls.distractors,
              distractorsFound: Math.min(chunk.distractors?.length ?? 0, source.controls.distractors),
            },
          }
        : {}),
    },
  }));
}
