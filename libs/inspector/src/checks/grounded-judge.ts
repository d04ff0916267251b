import type { CheckResult, InspectableExample } from '../types.js';
import { JUDGE_REPLY_TOKENS, type JudgeCall, judgeCompletion, type JudgeUsage, type LlmJudgeOptions } from './judge.js';

/** The first line of the grounded judge's system prompt (the fake OpenAI server knows it by this). */
export const GROUNDED_JUDGE_PROMPT_START = 'You check whether an answer is supported by a source text.';

const SYSTEM = `${GROUNDED_JUDGE_PROMPT_START}
Read the source text and the answer. A sentence of the answer is supported when everything it claims is stated in the source or follows directly from it; a sentence with a number, name, date or detail the source does not give, or that contradicts or negates the source, is unsupported. Paraphrases and summaries of the source are supported.
Reply with JSON only: {"supported": true|false, "unsupported_sentence": "<the first unsupported sentence of the answer, copied word for word, or an empty string>", "reason": "<one sentence: what the source does not support>"}`;

/** What the grounded judge said about one answer. */
export interface GroundedVerdict {
  supported: boolean;
  sentence: string;
  reason: string;
  model: string;
  usage: JudgeUsage;
  cost: number | null;
}

/** Why the judge gave no verdict (budget, failed call, unreadable reply); the local level stands alone then. */
export interface GroundedJudgeUnavailable {
  unavailable: string;
  model: string;
  usage: JudgeUsage;
  cost: number | null;
}

/** Something that says whether an answer is supported by its source. */
export interface GroundedAnswerJudge {
  verdict(example: InspectableExample, answer: string): Promise<GroundedVerdict | GroundedJudgeUnavailable>;
}

export type GroundedJudgeOptions = Pick<LlmJudgeOptions, 'client' | 'model' | 'price' | 'maxChunkChars' | 'reserve'>;

/**
 * The grounded check's LLM level: the judge model reads the source chunk and
 * the answer (the template's claims, as the local level reads them) and says
 * whether every sentence is supported, quoting the first one that is not.
 * Its calls go through the job's budget like the judge check's.
 */
export class LlmGroundedJudge implements GroundedAnswerJudge {
  constructor(private readonly options: GroundedJudgeOptions) {}

  async verdict(example: InspectableExample, answer: string): Promise<GroundedVerdict | GroundedJudgeUnavailable> {
    const { client, model } = this.options;
    const source = (example.chunkText ?? '').slice(0, this.options.maxChunkChars ?? 8000);
    const messages: JudgeCall['messages'] = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: `Source text:\n"""\n${source}\n"""\n\nAnswer:\n"""\n${answer}\n"""` },
    ];
    const none = { model, usage: { promptTokens: 0, completionTokens: 0 }, cost: null };
    const reservation = this.options.reserve
      ? await this.options.reserve({ model, messages, maxOutputTokens: JUDGE_REPLY_TOKENS })
      : undefined;
    if (reservation === null) {
      return {
        ...none,
        unavailable:
          "budget_exhausted: the job's max_cost_usd has no room left for the grounded judge's call; it was not made",
      };
    }
    let call: Awaited<ReturnType<typeof judgeCompletion>>;
    try {
      call = await judgeCompletion(client, model, messages, this.options.price, reservation);
    } catch (e) {
      return {
        ...none,
        unavailable: `the grounded judge's call failed: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
    const { completion, usage, cost } = call;
    const content = completion.choices[0]?.message?.content ?? '';
    const parsed = parseGroundedVerdict(content);
    if (!parsed) {
      return {
        model,
        usage,
        cost,
        unavailable: `the grounded judge's reply is not a verdict: ${JSON.stringify(content.slice(0, 200))}`,
      };
    }
    return { ...parsed, model, usage, cost };
  }
}

/** `{"supported": ..., "unsupported_sentence": ..., "reason": ...}`, found in a reply that may wrap it in prose. */
export function parseGroundedVerdict(content: string): { supported: boolean; sentence: string; reason: string } | null {
  const json = /\{[\s\S]*\}/.exec(content)?.[0];
  if (!json) return null;
  try {
    const v = JSON.parse(json) as Record<string, unknown>;
    const supported =
      typeof v.supported === 'boolean'
        ? v.supported
        : v.supported === 'true' || v.supported === 'false'
          ? v.supported === 'true'
          : null;
    if (supported === null) return null;
    const text = (x: unknown) => (typeof x === 'string' ? x.trim() : '');
    return { supported, sentence: text(v.unsupported_sentence), reason: text(v.reason) };
  } catch {
    return null;
  }
}

/**
 * The check's result with the judge's verdict: the judge decides pass or
 * fail (the local result is kept in `data.local`); a supported verdict scores
 * 1, an unsupported one the local score capped at 0.5 (0 when the local level
 * found the problem too). Without a verdict, the local result stands, with
 * why the judge gave none.
 */
export function withJudgeVerdict(local: CheckResult, verdict: GroundedVerdict | GroundedJudgeUnavailable): CheckResult {
  const judge = { model: verdict.model, usage: verdict.usage, cost: verdict.cost };
  if ('unavailable' in verdict) {
    return {
      ...local,
      reason: `${local.reason} (local level only: ${verdict.unavailable})`,
      data: { ...local.data, judge: { ...judge, unavailable: verdict.unavailable } },
    };
  }
  const data = {
    level: 'judge',
    local: { status: local.status, score: local.score, reason: local.reason, codes: local.codes },
    judge: { ...judge, supported: verdict.supported, sentence: verdict.sentence, reason: verdict.reason },
    // The report's judge cost reads `cost` at the top of a check's data.
    cost: verdict.cost,
  };
  if (verdict.supported) {
    return {
      status: 'pass',
      score: 1,
      reason: `the judge (${verdict.model}) finds every sentence supported by the source${verdict.reason ? `: ${verdict.reason}` : ''}`,
      codes: [],
      data,
    };
  }
  const quoted = verdict.sentence ? JSON.stringify(verdict.sentence.slice(0, 300)) : '(no sentence quoted)';
  return {
    status: 'fail',
    score: local.status === 'fail' ? 0 : Math.min(local.score ?? 0.5, 0.5),
    reason: `unsupported: ${quoted}${verdict.reason ? `: ${verdict.reason}` : ''} (judge ${verdict.model})`,
    codes: ['unsupported', 'judge_unsupported', ...local.codes.filter((c) => c !== 'unsupported')],
    data,
  };
}
