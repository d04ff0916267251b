import type OpenAI from 'openai';
import type { ExampleJudge } from '../inspector.js';
import { round } from '../text.js';
import type { CheckResult, InspectableExample } from '../types.js';

export interface JudgeUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface LlmJudgeOptions {
  /** An OpenAI SDK client (OpenAI or any OpenAI-compatible endpoint via baseURL). */
  client: Pick<OpenAI, 'chat'>;
  model: string;
  /** Judge score (0–1) below which the check fails. */
  minScore: number;
  /** USD for a call, or null when the model's price is unknown (never a made-up 0). */
  price?: (model: string, usage: JudgeUsage) => number | null;
  /** Characters of the source chunk put in the prompt. */
  maxChunkChars?: number;
  /**
   * Reserves a call's cost in the job's budget before it is made (the
   * pipeline's job budget, shared with generation); null when there is no
   * room left: the call is not made and the check is `unavailable`, its
   * reason starting `budget_exhausted: `. The reservation is settled with the
   * call's cost and usage (null when the call failed or its reply had no usage).
   */
  reserve?: (
    call: JudgeCall,
  ) => Promise<{ settle(costUsd: number | null, usage: JudgeUsage | null): Promise<void> } | null>;
}

/** A judge call as the budget sees it before it is made. */
export interface JudgeCall {
  model: string;
  messages: { role: 'system' | 'user'; content: string }[];
  /** Reply tokens to reserve: the judge sends no max_tokens, its reply is one short JSON object. */
  maxOutputTokens: number;
}

/** Reply tokens a judge call reserves in the budget. */
export const JUDGE_REPLY_TOKENS = 256;

const SYSTEM = `You review training examples written by a language model from a source text.
Rate the example on two scales from 1 (worst) to 5 (best):
- faithfulness: is everything in the example supported by the source text? (1 = invented or contradicts it, 5 = fully supported)
- usefulness: would this example teach a model something worthwhile? (1 = trivial, broken or off-topic, 5 = clear, specific and valuable)
Reply with JSON only: {"faithfulness": <1-5>, "usefulness": <1-5>, "reason": "<one sentence>"}`;

/**
 * The optional LLM judge: the configured model rates each example for
 * faithfulness to its source chunk and for usefulness (1–5 each). Score =
 * the mean of both mapped to 0–1 ((x − 1) / 4). Tokens and cost of every
 * call are kept in the check's data, so the job's cost can include them.
 */
export class LlmJudge implements ExampleJudge {
  constructor(private readonly options: LlmJudgeOptions) {}

  async judge(example: InspectableExample): Promise<CheckResult> {
    const { client, model, minScore } = this.options;
    const source = (example.chunkText ?? '').slice(0, this.options.maxChunkChars ?? 8000);
    const messages: JudgeCall['messages'] = [
      { role: 'system', content: SYSTEM },
      {
        role: 'user',
        content: `Source text:\n"""\n${source || '(not available)'}\n"""\n\nExample (${example.templateType}):\nInput:\n"""\n${example.inputText}\n"""\nOutput:\n"""\n${example.outputText}\n"""`,
      },
    ];
    const reservation = this.options.reserve
      ? await this.options.reserve({ model, messages, maxOutputTokens: JUDGE_REPLY_TOKENS })
      : undefined;
    if (reservation === null) {
      return {
        status: 'unavailable',
        score: null,
        reason: "budget_exhausted: the job's max_cost_usd has no room left for the judge's call; it was not made",
        codes: ['unavailable'],
        data: { model, usage: { promptTokens: 0, completionTokens: 0 }, cost: null },
      };
    }
    const { completion, usage, cost } = await judgeCompletion(client, model, messages, this.options.price, reservation);
    const meta = { model, usage, cost };
    const content = completion.choices[0]?.message?.content ?? '';
    const verdict = parseVerdict(content);
    if (!verdict) {
      return {
        status: 'unavailable',
        score: null,
        reason: `the judge's reply is not a rating: ${JSON.stringify(content.slice(0, 200))}`,
        codes: ['unavailable'],
        data: meta,
      };
    }
    const score = round(((verdict.faithfulness - 1) / 4 + (verdict.usefulness - 1) / 4) / 2);
    const passed = score >= minScore;
    const codes = passed
      ? []
      : [...(verdict.faithfulness <= 2 ? ['unfaithful'] : []), ...(verdict.usefulness <= 2 ? ['not_useful'] : [])];
    if (!passed && codes.length === 0) codes.push('low_judge_score');
    return {
      status: passed ? 'pass' : 'fail',
      score,
      reason: `faithfulness ${verdict.faithfulness}/5, usefulness ${verdict.usefulness}/5${verdict.reason ? `: ${verdict.reason}` : ''}`,
      codes,
      data: { ...meta, faithfulness: verdict.faithfulness, usefulness: verdict.usefulness },
    };
  }
}

function parseVerdict(content: string): { faithfulness: number; usefulness: number; reason: string } | null {
  const json = /\{[\s\S]*\}/.exec(content)?.[0];
  if (!json) return null;
  try {
    const v = JSON.parse(json) as Record<string, unknown>;
    const rating = (x: unknown) => {
      const n = typeof x === 'string' ? Number(x) : x;
      return typeof n === 'number' && Number.isFinite(n) && n >= 1 && n <= 5 ? n : null;
    };
    const faithfulness = rating(v.faithfulness);
    const usefulness = rating(v.usefulness);
    if (faithfulness === null || usefulness === null) return null;
    return { faithfulness, usefulness, reason: typeof v.reason === 'string' ? v.reason.trim() : '' };
  } catch {
    return null;
  }
}

/** The judge's total cost over inspection results: null when no call was priced. */
/**
 * One judge call (temperature 0, a JSON object asked for) priced from its reported usage, its budget
 * reservation settled whatever happens; throws when the call fails. Both judges (faithfulness and
 * usefulness, groundedness) make their call through this.
 */
export async function judgeCompletion(
  client: Pick<OpenAI, 'chat'>,
  model: string,
  messages: OpenAI.Chat.ChatCompletionMessageParam[],
  price: LlmJudgeOptions['price'],
  reservation: { settle(costUsd: number | null, usage: JudgeUsage | null): Promise<void> } | undefined,
): Promise<{ completion: OpenAI.Chat.ChatCompletion; usage: JudgeUsage; cost: number | null }> {
  let cost: number | null = null;
  let reported: JudgeUsage | null = null;
  try {
    const completion = await client.chat.completions.create({
      model,
      temperature: 0,
      response_format: { type: 'json_object' },
      messages,
    });
    if (completion.usage) {
      reported = {
        promptTokens: completion.usage.prompt_tokens ?? 0,
        completionTokens: completion.usage.completion_tokens ?? 0,
      };
      cost = price?.(model, reported) ?? null;
    }
    return { completion, usage: reported ?? { promptTokens: 0, completionTokens: 0 }, cost };
  } finally {
    await reservation?.settle(cost, reported);
  }
}

export function judgeCost(checks: (CheckResult | undefined)[]): number | null {
  let total: number | null = null;
  for (const c of checks) {
    const cost = c?.data?.cost;
    if (typeof cost === 'number') total = (total ?? 0) + cost;
  }
  return total;
}
