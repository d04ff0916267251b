import { randomUUID } from 'node:crypto';
import OpenAI, { APIError, APIUserAbortError } from 'openai';
import pLimit, { type LimitFunction } from 'p-limit';
import type { ExampleStatus } from '@datafactory/contracts';
import { type AttemptOutcome, CALL_ID_HEADER, LlmClient } from './client.js';
import { GENERATION_DEFAULTS, type GenerationConfig, type LlmConnection } from './config.js';
import { memoryCallLedger } from './budget.js';
import { BudgetExhaustedError, GenerationAbortedError, LlmFatalError } from './errors.js';
import { extractJson } from './parse.js';
import { callTotals, withLineage } from './lineage.js';
import {
  type DistractorChunk,
  examplesAsked,
  generationControls,
  paramsHash,
  type RetrievalContext,
} from './controls.js';
import {
  costOf,
  DEFAULT_PRICING,
  findPrice,
  type ModelPrice,
  type PricingTable,
  type TokenUsage,
} from './pricing/pricing.js';
import { ExampleAccount, type FailureReason, type ReadReply } from './reply-accounting.js';
import { isResponseFormatRejection, type StructuredOutputMode, StructuredOutputSupport } from './structured-output.js';
import type { PromptTemplate, TemplateVariables } from './templates/template.js';
import { type ChatMessageText, countChatTokens, countTokens } from './tokens.js';

/** A chunk as the generator needs it (the pipeline maps its Chunk and RawDocument rows to this). */
export interface ChunkInput {
  id: string;
  text: string;
  index?: number | null;
  tokenCount?: number | null;
  language?: string | null;
  metadata?: Record<string, unknown>;
  document?: { id?: string | null; url?: string | null; title?: string | null; language?: string | null };
  /** For a template with `retrieval` (rag): chunks of the job's other documents, shown beside this one. */
  distractors?: DistractorChunk[];
}

export interface GenerateOptions {
  template: PromptTemplate;
  model?: string;
  /** Default: the template's. */
  examplesPerChunk?: number;
  temperature?: number;
  maxTokens?: number | null;
  templateParams?: Record<string, unknown>;
  signal?: AbortSignal;
  /**
   * Where each call is recorded before it is made (with its estimated cost,
   * and only if the budget has room for the most it may cost) and settled
   * after: the job's cost then counts calls whose reply is lost with the
   * process, and the budget holds across workers. With a ledger,
   * ChunkGeneration.costCounted is true. Without one, the generator's own
   * (memoryCallLedger, limited by GeneratorOptions.maxCostUsd).
   */
  ledger?: CallLedger;
  /**
   * A slot of a limit shared beyond this generator (the job's `max_concurrent_llm` across workers), taken
   * after this generator's own for each call and released once the call is settled; resolves with the
   * release.
   */
  slot?: (signal?: AbortSignal) => Promise<() => Promise<void>>;
}

/** A call as the ledger records it before it is made. */
export interface CallStart {
  chunkId: string | null;
  kind: LlmCallRecord['kind'] | 'judge';
  model: string;
  /** Estimated: the prompt counted with tiktoken, the reply at the template's typical size. */
  promptTokens: number;
  completionTokens: number;
  /** USD; null when the model's price is unknown. */
  cost: number | null;
  /**
   * The most the call may cost (USD): its prompt plus its longest reply
   * (max_tokens, else twice the template's typical reply). The budget holds
   * this while the call runs. null when the price is unknown.
   */
  maxCost: number | null;
}

/** What a call cost once it ended. */
export interface CallSettlement {
  promptTokens: number;
  completionTokens: number;
  cost: number | null;
  /** The estimated part of `cost` (attempts whose reply was lost, a reply without usage). */
  costEstimated: number;
}

/**
 * Records calls before they are made and settles them after; the record is
 * the budget reservation too (jobCallLedger over the job row, shared by every
 * worker; memoryCallLedger in this process).
 */
export interface CallLedger {
  /** The job's max_cost_usd (null: none). */
  readonly maxCostUsd: number | null;
  /** Records the call and counts its estimate; null when the budget has no room for `maxCost`: make no call. */
  start(call: CallStart): Promise<string | null>;
  /** Replaces the call's estimate with what it cost and releases its hold. Once per call. */
  settle(id: string, settlement: CallSettlement): Promise<void>;
  /** USD counted (settled calls, and calls in flight at their estimate) and held beyond that by calls in flight. */
  state(): Promise<{ spentUsd: number; reservedUsd: number }>;
}

/** One chat completion request (with the SDK's retries inside it). */
export interface LlmCallRecord {
  kind: 'generate' | 'repair';
  mode: StructuredOutputMode;
  usage: TokenUsage;
  /** `provider`: the server's usage block; `tiktoken`: counted here because the server sent none. */
  usageSource: 'provider' | 'tiktoken';
  /** The request's prompt tokens as tiktoken counts them; counted only when the server sent no usage (it costs ~1 ms a call). */
  countedPromptTokens: number | null;
  cost: number | null;
  latencyMs: number;
  /** HTTP attempts, 1 + retries. */
  attempts: number;
  /**
   * Attempts whose reply was lost (timed out, dropped, a 5xx, or a call that
   * failed after an answer): each is counted in `cost` from the estimate.
   */
  lostAttempts: number;
  /** The estimated tokens of the lost attempts (not in `usage`, which is what the answer reported). */
  lostUsage: TokenUsage;
  /**
   * The estimated part of `cost`, which is `usage` priced plus `lostUsage`
   * priced: the lost attempts, and all of it when the usage was counted here.
   */
  costEstimated: number;
  responseModel: string | null;
  finishReason: string | null;
  error?: string;
}

/** What goes into TrainingExample.lineage. No secret is ever part of it. */
export interface ExampleLineage {
  chunkId: string;
  documentId: string | null;
  sourceUrl: string | null;
  templateType: string;
  templateHash: string;
  model: string;
  responseModel: string | null;
  baseUrl: string;
  requestTokens: number;
  cachedRequestTokens: number;
  responseTokens: number;
  usageSource: 'provider' | 'tiktoken';
  /** This example's share of the calls' cost (USD; null when the price is unknown). */
  cost: number | null;
  /** Cost of all calls made for the chunk. */
  callsCost: number | null;
  pricingVersion: string;
  latencyMs: number;
  attempts: number;
  calls: number;
  repaired: boolean;
  structuredOutput: StructuredOutputMode;
  exampleIndex: number;
  examplesInReply: number;
  /** Examples the reply held beyond the ones asked for (not stored). */
  extraInReply: number;
  /** Why this example failed (null when ok). */
  failureReason: FailureReason | null;
  /** The example as the model wrote it (null when the reply could not be read). */
  fields: Record<string, unknown> | null;
  /** Hash of the examples asked per chunk and generation.template_params (personas, difficulty...). */
  paramsHash: string;
  /** The persona this example was asked for (template_params.personas, in order), else null. */
  persona: string | null;
  /** template_params.difficulty, else null. */
  difficulty: string | null;
  /**
   * rag: the documents of the user turn (distractors and, unless left out, the oracle), with how many distractors
   * were asked (template_params.distractors) and found among the job's other documents' chunks.
   */
  retrieval?: RagRetrieval;
}

/** A rag example's documents as its lineage stores them. */
export interface RagRetrieval extends RetrievalContext {
  distractorsWanted: number;
  distractorsFound: number;
  /** Set when the export stage completed the distractors of an example generated before enough chunks were stored. */
  distractorsCompletedAt?: 'export';
}

export interface GeneratedExample {
  status: ExampleStatus;
  inputText: string;
  outputText: string;
  /** Why it failed; null when ok. */
  error: string | null;
  /** The model's reply text, kept for failed examples (and for repaired ones: the reply that was used). */
  rawReply: string | null;
  /** tiktoken count of input + output text. */
  tokenCount: number;
  cost: number | null;
  lineage: ExampleLineage;
}

export interface ChunkGeneration {
  chunkId: string;
  templateType: string;
  templateHash: string;
  model: string;
  examples: GeneratedExample[];
  calls: LlmCallRecord[];
  usage: TokenUsage;
  /** Sum of the calls' costs; null when the model's price is unknown. */
  cost: number | null;
  latencyMs: number;
  attempts: number;
  repaired: boolean;
  /** True when every call was counted into the job's cost as it was made (through GenerateOptions.ledger). */
  costCounted: boolean;
}

export interface GeneratorLogger {
  warn(message: string, context?: Record<string, unknown>): void;
  debug?(message: string, context?: Record<string, unknown>): void;
}

export interface GeneratorOptions {
  connection: LlmConnection;
  /** Calls in flight at once for this generator (one generator per job). */
  maxConcurrent?: number;
  /** Start no call whose most cost would take the spend past this (USD), when no GenerateOptions.ledger is given. */
  maxCostUsd?: number | null;
  requestTimeoutMs?: number;
  maxRetries?: number;
  model: string;
  temperature?: number;
  maxTokens?: number | null;
  templateParams?: Record<string, unknown>;
  pricing?: PricingTable;
  /** Share one across generators so each server's capabilities are learnt once. */
  structuredOutput?: StructuredOutputSupport;
  logger?: GeneratorLogger;
  fetch?: typeof fetch;
}

export type { FailureReason } from './reply-accounting.js';

/** The most tokens a reply cut off at `finish_reason: "length"` is retried with. */
const MAX_RETRY_TOKENS = 32_768;

interface CallContext {
  model: string;
  template: PromptTemplate;
  options: GenerateOptions;
  chunkId: string;
}

/** What a call is expected to use: its prompt counted, its reply at the template's typical size. */
interface CallEstimate {
  promptTokens: number;
  completionTokens: number;
}

interface CallOutcome {
  content: string | null;
  record: LlmCallRecord;
  /** The budget had no room for this call: it was not made. */
  refused?: boolean;
}

/**
 * Turns chunks into training examples through an OpenAI-compatible chat API.
 * One instance per job: it holds the job's concurrency limit, budget and
 * rate-limit state. It does not know whether it runs under BullMQ, the CLI
 * or a test.
 */
export class Generator {
  readonly client: LlmClient;
  private readonly limit: LimitFunction;
  private readonly pricing: PricingTable;
  private readonly support: StructuredOutputSupport;
  private readonly warnedPrices = new Set<string>();
  /** The budget of calls made without GenerateOptions.ledger. */
  private readonly ownLedger: CallLedger;
  private refusedByBudget = false;
  private spent = 0;
  private unpricedCalls = 0;

  constructor(private readonly options: GeneratorOptions) {
    this.client = new LlmClient(options.connection, {
      requestTimeoutMs: options.requestTimeoutMs ?? GENERATION_DEFAULTS.requestTimeoutMs,
      maxRetries: options.maxRetries ?? GENERATION_DEFAULTS.maxRetries,
      fetch: options.fetch,
    });
    this.limit = pLimit(options.maxConcurrent ?? GENERATION_DEFAULTS.maxConcurrentLlm);
    this.pricing = options.pricing ?? DEFAULT_PRICING;
    this.support = options.structuredOutput ?? new StructuredOutputSupport();
    this.ownLedger = memoryCallLedger(options.maxCostUsd ?? null);
  }

  /** A generator for a job's resolved `generation` settings. */
  static fromConfig(
    config: GenerationConfig,
    deps: Pick<GeneratorOptions, 'pricing' | 'structuredOutput' | 'logger' | 'fetch'> = {},
  ): Generator {
    return new Generator({
      connection: config.connection,
      maxConcurrent: config.maxConcurrentLlm,
      maxCostUsd: config.maxCostUsd,
      requestTimeoutMs: config.requestTimeoutMs,
      maxRetries: config.maxRetries,
      model: config.model,
      temperature: config.temperature,
      maxTokens: config.maxTokens,
      templateParams: config.templateParams,
      ...deps,
    });
  }

  /** USD spent by this generator's calls whose price is known. */
  get spentUsd(): number {
    return this.spent;
  }

  /** Calls whose model had no price (their cost is null). */
  get unpricedCallCount(): number {
    return this.unpricedCalls;
  }

  /** True once a call was refused because the most it may cost did not fit in what is left of the budget. */
  get budgetExhausted(): boolean {
    return this.refusedByBudget;
  }

  /** Calls running now and waiting for a slot. */
  get load(): { active: number; pending: number } {
    return { active: this.limit.activeCount, pending: this.limit.pendingCount };
  }

  /**
   * Generates a chunk's examples: one call (plus, for an invalid reply, one
   * repair call). Returns ok and failed examples; never drops a reply. When
   * the budget has no room for the first call, every example fails with
   * `budget_exhausted` and no call is made. Throws GenerationAbortedError
   * (signal) and LlmFatalError (bad key, unknown model).
   */
  async generate(chunk: ChunkInput, options: GenerateOptions): Promise<ChunkGeneration> {
    this.checkCanStart(options.signal);
    return this.run(chunk, options);
  }

  private checkCanStart(signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw new GenerationAbortedError(signal.reason);
  }

  /** One chunk: render the prompt, call (and repair), account every example asked for, then cost and lineage. */
  private async run(chunk: ChunkInput, options: GenerateOptions): Promise<ChunkGeneration> {
    const { template } = options;
    const model = options.model ?? this.options.model;
    const params = options.templateParams ?? this.options.templateParams ?? {};
    const count = examplesAsked(params, options.examplesPerChunk, template.spec.examplesPerChunk);
    const vars = this.templateVariables(chunk, count, options);
    const prompt = template.render(vars);
    const messages: ChatMessageText[] = [
      { role: 'system', content: prompt.system },
      { role: 'user', content: prompt.user },
    ];
    const ctx = { model, template, options, chunkId: chunk.id };
    const calls: LlmCallRecord[] = [];
    const account = new ExampleAccount(count, template, vars, model);
    const repaired = await this.generateExamples(messages, ctx, calls, account);
    const totals = callTotals(calls);
    const examples = withLineage(account.drafts, {
      chunk,
      template,
      model,
      baseUrl: this.client.baseUrl,
      pricingVersion: this.pricing.version,
      calls,
      totals,
      repaired,
      extraInReply: account.extraInReply,
      controls: generationControls(params),
      paramsHash: paramsHash(count, params),
    });
    return {
      chunkId: chunk.id,
      templateType: template.type,
      templateHash: template.hash,
      model,
      examples,
      calls,
      usage: totals.usage,
      cost: totals.cost,
      latencyMs: totals.latencyMs,
      attempts: totals.attempts,
      repaired,
      costCounted: options.ledger !== undefined,
    };
  }

  private templateVariables(chunk: ChunkInput, count: number, options: GenerateOptions): TemplateVariables {
    return {
      chunk: {
        id: chunk.id,
        text: chunk.text,
        index: chunk.index ?? null,
        token_count: chunk.tokenCount ?? null,
        metadata: chunk.metadata ?? {},
      },
      document: {
        id: chunk.document?.id ?? null,
        url: chunk.document?.url ?? null,
        title: chunk.document?.title ?? null,
        language: chunk.document?.language ?? null,
      },
      language: chunk.language ?? chunk.document?.language ?? null,
      examples_per_chunk: count,
      params: options.templateParams ?? this.options.templateParams ?? {},
    };
  }

  /**
   * The generate call, and for a reply that cannot be used as it is one
   * repair call; every example asked for ends in `account`. Returns whether
   * the repair reply was used.
   */
  private async generateExamples(
    messages: ChatMessageText[],
    ctx: CallContext,
    calls: LlmCallRecord[],
    account: ExampleAccount,
  ): Promise<boolean> {
    const first = await this.callWithRoom('generate', messages, ctx, calls);
    if (first.refused) {
      account.fillTo('budget_exhausted', first.record.error!, null);
      return false;
    }
    if (first.content === null) {
      account.fillTo('request_failed', `LLM request failed: ${first.record.error}`, null);
      return false;
    }
    if (first.record.finishReason === 'length') {
      account.fillTo(
        'truncated',
        'the reply was cut off at the token limit (finish_reason "length"), also with a larger max_tokens',
        first.content,
      );
      return false;
    }
    const read = readReply(first.content, ctx.template, account.vars);
    if (read.problem) return this.repair(messages, first.content, read, ctx, calls, account);
    const n = account.fromReply(read, first.content, '');
    account.fillTo('too_few_examples', `the reply had ${n} of the ${account.count} examples asked for`, first.content);
    return false;
  }

  /** Asks once for a corrected reply; uses it unless that call failed or was cut off. Returns whether it was used. */
  private async repair(
    messages: ChatMessageText[],
    reply: string,
    read: ReadReply,
    ctx: CallContext,
    calls: LlmCallRecord[],
    account: ExampleAccount,
  ): Promise<boolean> {
    const repairMessages: ChatMessageText[] = [
      ...messages,
      { role: 'assistant', content: reply },
      { role: 'user', content: repairPrompt(read.problem!, ctx.template) },
    ];
    const second = await this.callWithRoom('repair', repairMessages, ctx, calls);
    let repaired = false;
    let used = read;
    let raw = reply;
    let note = second.refused
      ? ` (no repair request: ${second.record.error})`
      : ` (the repair request failed: ${second.record.error})`;
    if (second.content !== null && second.record.finishReason !== 'length') {
      repaired = true;
      used = readReply(second.content, ctx.template, account.vars);
      raw = second.content;
      note = used.problem ? ' (still invalid after one repair request)' : '';
    } else if (second.content !== null) {
      note = ' (the repair reply was cut off at the token limit)';
    }
    const n = account.fromReply(used, raw, note);
    if (n === 0) account.fillTo('unparseable', `${used.problem ?? 'the reply has no examples'}${note}`, raw);
    else
      account.fillTo('too_few_examples', `the reply had ${n} of the ${account.count} examples asked for${note}`, raw);
    return repaired;
  }

  /**
   * A call whose reply was cut off at the token limit (`finish_reason:
   * "length"`) is made once more with room to finish: twice the limit (or
   * what the cut reply used), at least 2,048 tokens more than that reply.
   */
  private async callWithRoom(
    kind: LlmCallRecord['kind'],
    messages: ChatMessageText[],
    ctx: CallContext,
    calls: LlmCallRecord[],
  ): Promise<CallOutcome> {
    const outcome = await this.call(kind, messages, ctx);
    if (outcome.refused) return outcome;
    calls.push(outcome.record);
    if (outcome.content === null || outcome.record.finishReason !== 'length') return outcome;
    const used = outcome.record.usage.completionTokens;
    const limit = ctx.options.maxTokens ?? this.options.maxTokens ?? used;
    const maxTokens = Math.min(MAX_RETRY_TOKENS, Math.max(2 * limit, used + 2_048));
    this.options.logger?.debug?.('reply cut off at the token limit; asking again with more room', { maxTokens });
    const again = await this.call(kind, messages, { ...ctx, maxTokens });
    // No room left in the budget for the longer call: the cut-off reply is what there is.
    if (again.refused) return outcome;
    calls.push(again.record);
    return again;
  }

  /**
   * One chat completion, recorded in the ledger before it is made (the
   * budget reservation: refused when the most it may cost does not fit) and
   * settled after, whatever happens to it. Attempts whose reply was
   * lost are counted from the estimate: a timeout or dropped connection as a
   * whole call (the provider may have answered), a 5xx as its prompt, a 429
   * or other refusal as nothing.
   */
  private async call(
    kind: LlmCallRecord['kind'],
    messages: ChatMessageText[],
    ctx: CallContext & { maxTokens?: number },
  ): Promise<CallOutcome> {
    const { model, options } = ctx;
    const callId = randomUUID();
    const ledger = options.ledger ?? this.ownLedger;
    const estimate = this.estimateCall(messages, ctx);
    const price = this.priceFor(model, null);
    const estimatedCost = costOf(price, { ...estimate, cachedPromptTokens: 0 });
    const maxCost = costOf(price, {
      promptTokens: estimate.promptTokens,
      cachedPromptTokens: 0,
      completionTokens: Math.max(estimate.completionTokens, estimate.maxCompletionTokens),
    });
    // The call's slot (this generator's limit, then the job's across workers) is held from the budget's
    // reservation to the settlement, not while the prompt is counted or the reply is read: a process busy
    // with other stages then still keeps its calls in flight. The settlement stays inside it, so that the
    // job never has more calls open in its ledger than its limit (a reply billed past the budget stops the
    // next call of a job limited to one).
    return this.limit(async () => {
      // The signal may have fired while this call waited for a slot.
      this.checkCanStart(options.signal);
      const release = options.slot ? await options.slot(options.signal) : undefined;
      try {
        const entry = await ledger.start({
          chunkId: ctx.chunkId,
          kind,
          model,
          promptTokens: estimate.promptTokens,
          completionTokens: estimate.completionTokens,
          cost: estimatedCost,
          maxCost,
        });
        if (entry === null) return await this.refused(kind, ctx, ledger, maxCost ?? 0);
        let outcome: CallOutcome | undefined;
        try {
          outcome = await this.request(kind, messages, ctx, callId);
          const lost = this.lostUsage(this.client.outcomesOf(callId), outcome.content !== null, estimate);
          const responsePrice = this.priceFor(model, outcome.record.responseModel);
          const lostCost = costOf(responsePrice, lost.usage) ?? 0;
          const record = outcome.record;
          record.lostAttempts = lost.attempts;
          record.lostUsage = lost.usage;
          if (record.cost !== null) {
            record.costEstimated = lostCost + (record.usageSource === 'tiktoken' ? record.cost : 0);
            record.cost += lostCost;
            this.spent += lostCost;
          }
          return outcome;
        } finally {
          await this.settle(ledger, entry, outcome, callId, estimate, price);
        }
      } finally {
        await release?.();
      }
    });
  }

  /**
   * Settles a started call: from its outcome, or (thrown: cancelled, a refused key) from what its attempts
   * may have cost, all of it estimated.
   */
  private async settle(
    ledger: CallLedger,
    entry: string,
    outcome: CallOutcome | undefined,
    callId: string,
    estimate: CallEstimate,
    price: ModelPrice | undefined,
  ): Promise<void> {
    const settlement = outcome
      ? {
          promptTokens: outcome.record.usage.promptTokens + outcome.record.lostUsage.promptTokens,
          completionTokens: outcome.record.usage.completionTokens + outcome.record.lostUsage.completionTokens,
          cost: outcome.record.cost,
          costEstimated: outcome.record.costEstimated,
        }
      : this.thrownSettlement(this.client.outcomesOf(callId), estimate, price);
    try {
      await ledger.settle(entry, settlement);
    } finally {
      this.client.forget(callId);
    }
  }

  /**
   * The prompt as it will be sent (first structured-output mode), counted;
   * the reply at its typical size, and at its longest (max_tokens, else
   * twice the typical size) for the budget's hold.
   */
  private estimateCall(
    messages: ChatMessageText[],
    ctx: CallContext & { maxTokens?: number },
  ): CallEstimate & { maxCompletionTokens: number } {
    const { model, template, options } = ctx;
    const mode = this.support.modeFor(this.client.baseUrl, model);
    const count = options.examplesPerChunk ?? template.spec.examplesPerChunk;
    const maxTokens = ctx.maxTokens ?? options.maxTokens ?? this.options.maxTokens;
    const typical = count * template.spec.outputTokensPerExample;
    return {
      promptTokens: countChatTokens(withModeInstructions(messages, mode, template), model),
      completionTokens: Math.min(maxTokens ?? Infinity, typical),
      maxCompletionTokens: maxTokens ?? 2 * typical,
    };
  }

  /** The outcome of a call the budget had no room for: not made, costing nothing, saying why. */
  private async refused(
    kind: LlmCallRecord['kind'],
    ctx: CallContext,
    ledger: CallLedger,
    maxCost: number,
  ): Promise<CallOutcome> {
    this.refusedByBudget = true;
    const state = await ledger.state();
    const error =
      `${new BudgetExhaustedError(ledger.maxCostUsd ?? 0, state.spentUsd).message}: ` +
      `this call, at most ${maxCost.toFixed(6)} USD, does not fit` +
      (state.reservedUsd > 0 ? ` (${state.reservedUsd.toFixed(6)} USD held by calls in flight)` : '');
    const none: TokenUsage = { promptTokens: 0, cachedPromptTokens: 0, completionTokens: 0 };
    const record: LlmCallRecord = {
      kind,
      mode: this.support.modeFor(this.client.baseUrl, ctx.model) ?? 'prompt',
      usage: none,
      usageSource: 'provider',
      countedPromptTokens: null,
      cost: 0,
      latencyMs: 0,
      attempts: 0,
      lostAttempts: 0,
      lostUsage: { ...none },
      costEstimated: 0,
      responseModel: null,
      finishReason: null,
      error,
    };
    return { content: null, record, refused: true };
  }

  /**
   * Tokens of the attempts whose reply was lost: a lost attempt (and, when
   * the call failed, an answered one) as a whole estimated call, a 5xx as its
   * prompt. The answered attempt the call used is the provider's usage.
   */
  private lostUsage(
    outcomes: readonly AttemptOutcome[],
    succeeded: boolean,
    estimate: CallEstimate,
  ): { attempts: number; usage: TokenUsage } {
    const usedIndex = succeeded ? outcomes.lastIndexOf('answered') : -1;
    const usage: TokenUsage = { promptTokens: 0, cachedPromptTokens: 0, completionTokens: 0 };
    let attempts = 0;
    outcomes.forEach((o, i) => {
      if (i === usedIndex || o === 'refused') return;
      attempts++;
      usage.promptTokens += estimate.promptTokens;
      if (o !== 'server_error') usage.completionTokens += estimate.completionTokens;
    });
    return { attempts, usage };
  }

  private thrownSettlement(
    outcomes: readonly AttemptOutcome[],
    estimate: CallEstimate,
    price: ModelPrice | undefined,
  ): CallSettlement {
    const { usage } = this.lostUsage(outcomes, false, estimate);
    const cost = costOf(price, usage);
    return {
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      cost,
      costEstimated: cost ?? 0,
    };
  }

  /** The HTTP side of a call, moving down the structured-output modes when the server rejects one. */
  private async request(
    kind: LlmCallRecord['kind'],
    messages: ChatMessageText[],
    ctx: CallContext & { maxTokens?: number },
    callId: string,
  ): Promise<CallOutcome> {
    const { model, template, options } = ctx;
    const baseUrl = this.client.baseUrl;
    let mode: StructuredOutputMode | undefined = this.support.modeFor(baseUrl, model);
    const started = performance.now();
    const record = (extra: Partial<LlmCallRecord>): LlmCallRecord => {
      const usage = extra.usage ?? { promptTokens: 0, cachedPromptTokens: 0, completionTokens: 0 };
      return {
        kind,
        mode: mode ?? 'prompt',
        usage,
        usageSource: extra.usageSource ?? 'provider',
        countedPromptTokens: extra.usageSource === 'tiktoken' ? usage.promptTokens : null,
        cost: this.priceOf(model, extra.responseModel ?? null, usage),
        latencyMs: Math.round(performance.now() - started),
        attempts: Math.max(1, this.client.attemptsOf(callId)),
        lostAttempts: 0,
        lostUsage: { promptTokens: 0, cachedPromptTokens: 0, completionTokens: 0 },
        costEstimated: 0,
        responseModel: extra.responseModel ?? null,
        finishReason: extra.finishReason ?? null,
        ...(extra.error === undefined ? {} : { error: extra.error }),
      };
    };
    for (;;) {
      const sent = withModeInstructions(messages, mode, template);
      const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
        model,
        messages: sent as OpenAI.Chat.ChatCompletionMessageParam[],
        temperature: options.temperature ?? this.options.temperature ?? GENERATION_DEFAULTS.temperature,
        ...responseFormat(mode, template),
      };
      const maxTokens = ctx.maxTokens ?? options.maxTokens ?? this.options.maxTokens;
      if (maxTokens) body.max_tokens = maxTokens;
      let completion: OpenAI.Chat.ChatCompletion;
      try {
        completion = await this.client.openai.chat.completions.create(body, {
          signal: options.signal,
          headers: { [CALL_ID_HEADER]: callId },
        });
      } catch (e) {
        if (options.signal?.aborted || e instanceof APIUserAbortError) {
          throw new GenerationAbortedError(options.signal?.reason);
        }
        if (mode && mode !== 'prompt' && isResponseFormatRejection(e)) {
          const rejected: StructuredOutputMode = mode;
          mode = this.support.downgrade(baseUrl, model, rejected) ?? 'prompt';
          this.options.logger?.debug?.('server rejected a structured-output mode; falling back', { rejected, mode });
          continue;
        }
        if (e instanceof APIError && (e.status === 401 || e.status === 403 || e.status === 404)) {
          throw new LlmFatalError(
            this.options.connection.redact(`LLM server at ${baseUrl} answered ${e.status}: ${e.message}`),
            e.status,
          );
        }
        return { content: null, record: record({ error: this.describeError(e) }) };
      }
      const choice = completion.choices?.[0];
      const message = choice?.message as { content?: string | null; refusal?: string | null } | undefined;
      const content = message?.content ?? (message?.refusal ? `[refusal] ${message.refusal}` : '');
      const u = completion.usage;
      const fromProvider = typeof u?.prompt_tokens === 'number' && typeof u?.completion_tokens === 'number';
      const usage: TokenUsage = fromProvider
        ? {
            promptTokens: u!.prompt_tokens,
            cachedPromptTokens: u!.prompt_tokens_details?.cached_tokens ?? 0,
            completionTokens: u!.completion_tokens,
          }
        : {
            promptTokens: countChatTokens(sent, model),
            cachedPromptTokens: 0,
            completionTokens: countTokens(content, model),
          };
      return {
        content,
        record: record({
          usage,
          usageSource: fromProvider ? 'provider' : 'tiktoken',
          responseModel: typeof completion.model === 'string' ? completion.model : null,
          finishReason: choice?.finish_reason ?? null,
        }),
      };
    }
  }

  private priceFor(model: string, responseModel: string | null): ModelPrice | undefined {
    return findPrice(this.pricing, model) ?? (responseModel ? findPrice(this.pricing, responseModel) : undefined);
  }

  private priceOf(model: string, responseModel: string | null, usage: TokenUsage): number | null {
    const price = this.priceFor(model, responseModel);
    const cost = costOf(price, usage);
    if (cost === null) {
      this.unpricedCalls++;
      if (!this.warnedPrices.has(model)) {
        this.warnedPrices.add(model);
        this.options.logger?.warn(
          `no price for model "${model}" in pricing table ${this.pricing.version}: its cost is recorded as unknown (null)` +
            (this.options.maxCostUsd ? ', and max_cost_usd cannot limit it' : ''),
          { model },
        );
      }
    } else {
      this.spent += cost;
    }
    return cost;
  }

  private describeError(e: unknown): string {
    const message =
      e instanceof APIError
        ? `${e.status ?? 'connection'} ${e.message}`
        : e instanceof Error
          ? `${e.name}: ${e.message}`
          : String(e);
    return this.options.connection.redact(message);
  }
}

/** JSON mode and prompt-only replies get the schema in the system prompt (JSON mode also needs the word "JSON" there). */
function withModeInstructions(
  messages: ChatMessageText[],
  mode: StructuredOutputMode | undefined,
  template: PromptTemplate,
): ChatMessageText[] {
  if (mode === 'json_schema') return messages;
  const [system, ...rest] = messages;
  const schema = JSON.stringify(template.replySchema(), null, 2);
  const instructions = `\n\nReply with only a JSON object (no prose, no code fences) that matches this JSON schema:\n\`\`\`json\n${schema}\n\`\`\``;
  return [{ role: system!.role, content: `${system!.content}${instructions}` }, ...rest];
}

function responseFormat(
  mode: StructuredOutputMode | undefined,
  template: PromptTemplate,
): Pick<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming, 'response_format'> {
  if (mode === 'json_schema') {
    const { schema, strict } = template.wireSchema();
    return {
      response_format: {
        type: 'json_schema',
        json_schema: { name: `${template.type.replace(/[^a-zA-Z0-9_-]/g, '_')}_examples`, schema, strict },
      },
    };
  }
  if (mode === 'json_object') return { response_format: { type: 'json_object' } };
  return {};
}

function repairPrompt(problem: string, template: PromptTemplate): string {
  return (
    `Your reply could not be used: ${problem}.\n` +
    `Reply again with only the corrected JSON object {"examples": [...]}, where every example matches this JSON schema:\n` +
    `\`\`\`json\n${JSON.stringify(template.spec.schema)}\n\`\`\``
  );
}

/** Reads a reply: tolerant JSON extraction, then the template's schema for each example. */
export function readReply(reply: string, template: PromptTemplate, vars?: TemplateVariables): ReadReply {
  // Reasoning models served locally often think aloud before answering.
  const text = reply.replace(/<think>[\s\S]*?<\/think>/gi, '').trim();
  if (!text) return { items: [], problem: 'the reply was empty' };
  const found = extractJson(text);
  if (!found) return { items: [], problem: 'the reply contains no JSON object' };
  const list = examplesOf(found.value, template);
  if (!list) return { items: [], problem: 'the reply has no "examples" array' };
  if (list.length === 0) return { items: [], problem: '"examples" is empty' };
  const items = list.map((fields) => ({
    fields: (fields && typeof fields === 'object' && !Array.isArray(fields) ? fields : { value: fields }) as Record<
      string,
      unknown
    >,
    error: template.validateExample(fields, vars),
  }));
  const errors = items.flatMap((item, i) => (item.error ? [`examples[${i}]: ${item.error}`] : []));
  return { items, problem: errors.length ? errors.join('; ') : null };
}

/** `{"examples": [...]}`, and what models write instead: a bare array, one example, or another single array key. */
function examplesOf(value: unknown, template: PromptTemplate): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (!value || typeof value !== 'object') return undefined;
  const obj = value as Record<string, unknown>;
  if (Array.isArray(obj.examples)) return obj.examples;
  const arrays = Object.values(obj).filter(Array.isArray);
  if (arrays.length === 1 && Object.keys(obj).length === 1) return arrays[0];
  if (template.validateExample(obj) === null) return [obj];
  return undefined;
}
