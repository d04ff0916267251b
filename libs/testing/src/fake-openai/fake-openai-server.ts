import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake OpenAI-compatible server on 127.0.0.1: `POST /v1/chat/completions`
 * answers the way the real API does (choices, usage with cached tokens,
 * response_format, errors as `{"error": {...}}`), with controllable latency,
 * scripted replies (429 with Retry-After, 500s, malformed or schema-violating
 * JSON, no usage block, hanging), a mode that rejects json_schema (or all
 * response formats), an optional API key check and a counter of concurrent
 * requests. Its default reply is a schema-valid answer made from the schema in
 * response_format, or in a ```json block of the system prompt.
 *
 * `faults` makes it misbehave at given rates, the way real servers do (see
 * FaultKind): each unscripted request may take one fault, on a fixed schedule
 * (a rate of 0.25 faults every 4th request), so that a test of N requests
 * sees each fault about rate × N times, never by luck zero times.
 */

/**
 * What a misbehaving server does to a reply:
 * - `prose`: the JSON between a sentence before and after it;
 * - `fenced`: the JSON in a ```json code fence;
 * - `truncated`: the JSON cut off halfway, with `finish_reason: "length"`;
 * - `fewer_items`: half the items asked for (of the first array in the reply);
 * - `empty_choices`: a 200 with `choices: []` (and usage);
 * - `rate_limited`: 429 with `Retry-After` (retryAfterSeconds);
 * - `server_error`: 500;
 * - `hang`: never answers, until the client gives up.
 */
export const FAULT_KINDS = [
  'prose',
  'fenced',
  'truncated',
  'fewer_items',
  'empty_choices',
  'rate_limited',
  'server_error',
  'hang',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
}

/** One scripted answer; a request takes the next one queued, or the default. */
export type FakeReply =
  | {
      /** The assistant message (default: a schema-valid reply). */
      content?: string;
      /** Override the usage block; null sends none. */
      usage?: FakeUsage | null;
      delayMs?: number;
      headers?: Record<string, string>;
      finishReason?: string;
    }
  | {
      status: number;
      error?: { message?: string; type?: string; param?: string | null; code?: string | null };
      headers?: Record<string, string>;
      delayMs?: number;
    }
  /** A 200 whose body is not JSON at all. */
  | { rawBody: string; delayMs?: number }
  /** Never answers; the connection stays open until the client gives up. */
  | { hang: true };

export interface FakeRequest {
  /** Date.now() on arrival. */
  at: number;
  body: {
    model?: string;
    messages?: { role: string; content: string }[];
    response_format?: {
      type: string;
      json_schema?: { name?: string; schema?: Record<string, unknown>; strict?: boolean };
    };
    temperature?: number;
    max_tokens?: number;
    [key: string]: unknown;
  };
  headers: Record<string, string | string[] | undefined>;
  /** The fault injected into this request's answer (see FakeOpenAiOptions.faults). */
  fault?: FaultKind;
}

export interface FakeOpenAiOptions {
  /** Added to every answer (ms); a number or a function of the request. */
  latencyMs?: number | ((req: FakeRequest) => number);
  /** Answer 400 to response_format json_schema, as servers without structured outputs do. */
  rejectJsonSchema?: boolean;
  /** Answer 400 to any response_format (json_object too). */
  rejectResponseFormat?: boolean;
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Cached prompt tokens reported in usage (capped at prompt_tokens). */
  cachedTokens?: number;
  /** Items per array in default replies when the schema says no minItems (default 3). */
  itemsPerArray?: number;
  /** Headers added to every successful answer (e.g. x-ratelimit-*). */
  headers?: Record<string, string>;
  /** The assistant content of replies not scripted with enqueue() (default: a schema-valid sample). */
  content?: (req: FakeRequest) => string;
  /**
   * The share (0..1) of unscripted chat requests that get each fault; the
   * rates add up to at most 1. Injected on a fixed schedule, spread evenly.
   */
  faults?: Partial<Record<FaultKind, number>>;
  /** Retry-After (seconds) of an injected `rate_limited` answer (default 1). */
  retryAfterSeconds?: number;
}

export class FakeOpenAiServer extends EventEmitter<{ request: [FakeRequest] }> {
  readonly requests: FakeRequest[] = [];
  /** GET /v1/models requests (preflight checks), counted apart from the chat requests. */
  modelListRequests = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** Faults injected so far, by kind. */
  readonly injected: Record<FaultKind, number> = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<
    FaultKind,
    number
  >;
  /** Per fault, how far its schedule is towards the next injection. */
  private readonly faultCredit = new Map<FaultKind, number>();
  private readonly script: FakeReply[] = [];
  private readonly sockets = new Set<import('node:net').Socket>();
  private server?: Server;
  private port = 0;

  constructor(public options: FakeOpenAiOptions = {}) {
    super();
    const rates = Object.entries(options.faults ?? {}) as [FaultKind, number][];
    for (const [kind, rate] of rates) {
      if (!FAULT_KINDS.includes(kind)) throw new Error(`unknown fault "${kind}" (known: ${FAULT_KINDS.join(', ')})`);
      if (!(rate >= 0 && rate <= 1)) throw new Error(`fault rate of ${kind} must be in 0..1 (got ${rate})`);
    }
    if (rates.reduce((n, [, r]) => n + r, 0) > 1 + 1e-9) throw new Error('fault rates add up to more than 1');
  }

  /** http://127.0.0.1:<port>/v1 — what OPENAI_BASE_URL would be. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Queues replies for the next requests, in order. */
  enqueue(...replies: FakeReply[]): this {
    this.script.push(...replies);
    return this;
  }

  /** Forgets requests and counters (not the options or the queue). */
  reset(): void {
    this.requests.length = 0;
    this.maxInFlight = this.inFlight;
  }

  /**
   * The fault for the next request, if any: each kind earns its rate per
   * request and is injected when it has earned a whole one (the kind with the
   * most credit first), so faults are spread evenly and never depend on luck.
   */
  private nextFault(): FaultKind | undefined {
    let chosen: FaultKind | undefined;
    for (const [kind, rate] of Object.entries(this.options.faults ?? {}) as [FaultKind, number][]) {
      const credit = (this.faultCredit.get(kind) ?? 0) + rate;
      this.faultCredit.set(kind, credit);
      if (credit >= 1 - 1e-9 && (chosen === undefined || credit > this.faultCredit.get(chosen)!)) chosen = kind;
    }
    if (chosen) {
      this.faultCredit.set(chosen, this.faultCredit.get(chosen)! - 1);
      this.injected[chosen]++;
    }
    return chosen;
  }

  /** Resolves when the server has received `count` requests in total. */
  waitForRequests(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.requests.length >= count) {
          this.off('request', check);
          resolve();
        }
      };
      this.on('request', check);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        this.inFlight--;
      }
    };
    res.on('close', finish);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method === 'GET' && req.url?.startsWith('/v1/models')) {
      // What a preflight asks: the key is checked as for a completion; never counted in `requests`.
      this.modelListRequests++;
      if (this.options.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
        return void sendError(res, 401, {
          message: 'Incorrect API key provided.',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        });
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(
        JSON.stringify({
          object: 'list',
          data: [{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'fake' }],
        }),
      );
    }
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat/completions')) {
      return void sendError(res, 404, {
        message: `Unknown request URL: ${req.method} ${req.url}`,
        type: 'invalid_request_error',
        code: 'unknown_url',
      });
    }
    let body: FakeRequest['body'];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeRequest['body'];
    } catch {
      return void sendError(res, 400, {
        message: 'We could not parse the JSON body of your request.',
        type: 'invalid_request_error',
      });
    }
    const record: FakeRequest = { at: Date.now(), body, headers: req.headers };
    this.requests.push(record);
    this.emit('request', record);

    if (this.options.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      const given = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      // Like OpenAI: the message echoes a masked form of the key it was given.
      const masked = given.length > 8 ? `${given.slice(0, 3)}*****${given.slice(-4)}` : '****';
      return void sendError(res, 401, {
        message: `Incorrect API key provided: ${masked}.`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      });
    }
    const format = body.response_format?.type;
    if (format && (this.options.rejectResponseFormat || (format === 'json_schema' && this.options.rejectJsonSchema))) {
      return void sendError(res, 400, {
        message: `Invalid parameter: 'response_format' of type '${format}' is not supported with this model.`,
        type: 'invalid_request_error',
        param: 'response_format',
        code: null,
      });
    }
    const scripted = this.script.shift();
    const fault = scripted ? undefined : this.nextFault();
    if (fault) record.fault = fault;
    const reply: FakeReply =
      scripted ??
      (fault === 'hang'
        ? { hang: true }
        : fault === 'rate_limited'
          ? {
              status: 429,
              headers: { 'retry-after': String(this.options.retryAfterSeconds ?? 1) },
              error: {
                message: 'Rate limit reached for requests. Please try again in 1s.',
                type: 'requests',
                code: 'rate_limit_exceeded',
              },
            }
          : fault === 'server_error'
            ? { status: 500, error: { message: 'The server had an error while processing your request.' } }
            : {});
    if ('hang' in reply) return;
    const latency =
      typeof this.options.latencyMs === 'function' ? this.options.latencyMs(record) : (this.options.latencyMs ?? 0);
    const delay = latency + (('delayMs' in reply && reply.delayMs) || 0);
    if (delay > 0) {
      // A client that gives up (abort, timeout) frees the timer too.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        res.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (res.destroyed) return;
    if ('status' in reply) {
      return void sendError(
        res,
        reply.status,
        { message: `fake error ${reply.status}`, type: 'server_error', ...reply.error },
        reply.headers,
      );
    }
    if ('rawBody' in reply) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(reply.rawBody);
    }
    const answer =
      reply.content ?? this.options.content?.(record) ?? defaultContent(body, this.options.itemsPerArray ?? 3);
    const content = fault ? withFault(answer, fault) : answer;
    const promptChars = (body.messages ?? []).reduce((n, m) => n + String(m.content ?? '').length, 0);
    const promptTokens = Math.ceil(promptChars / 4) + 3 * (body.messages?.length ?? 0);
    const completionTokens = Math.ceil(content.length / 4);
    const cached = Math.min(this.options.cachedTokens ?? 0, promptTokens);
    const usage: FakeUsage | null =
      reply.usage === undefined
        ? {
            prompt_tokens: promptTokens,
            completion_tokens: completionTokens,
            total_tokens: promptTokens + completionTokens,
            prompt_tokens_details: { cached_tokens: cached },
          }
        : reply.usage;
    const payload = {
      id: `chatcmpl-fake${this.requests.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? 'unknown',
      choices:
        fault === 'empty_choices'
          ? []
          : [
              {
                index: 0,
                message: { role: 'assistant', content, refusal: null },
                logprobs: null,
                finish_reason: fault === 'truncated' ? 'length' : (reply.finishReason ?? 'stop'),
              },
            ],
      ...(usage ? { usage } : {}),
    };
    res.writeHead(200, { 'content-type': 'application/json', ...this.options.headers, ...reply.headers });
    res.end(JSON.stringify(payload));
  }
}

function sendError(
  res: ServerResponse,
  status: number,
  error: { message?: string; type?: string; param?: string | null; code?: string | null },
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { message: '', type: 'server_error', param: null, code: null, ...error } }));
}

/** The assistant content as a server with `fault` writes it. */
function withFault(content: string, fault: FaultKind): string {
  switch (fault) {
    case 'prose':
      return `Sure! Here is the JSON you asked for:\n${content}\nI hope these examples help. Let me know if you need more.`;
    case 'fenced':
      return `\`\`\`json\n${content}\n\`\`\``;
    case 'truncated':
      return content.slice(0, Math.ceil(content.length / 2));
    case 'fewer_items':
      return fewerItems(content);
    case 'empty_choices':
      return '';
    default:
      return content;
  }
}

/** The reply with half (rounded down) of the items of its first array; unchanged when it holds none. */
function fewerItems(content: string): string {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return content;
  }
  if (Array.isArray(value)) return JSON.stringify(value.slice(0, Math.floor(value.length / 2)));
  if (!value || typeof value !== 'object') return content;
  const obj = value as Record<string, unknown>;
  const key = Object.keys(obj).find((k) => Array.isArray(obj[k]));
  if (key === undefined) return content;
  const items = obj[key] as unknown[];
  return JSON.stringify({ ...obj, [key]: items.slice(0, Math.floor(items.length / 2)) });
}

/** A reply that satisfies the requested schema (response_format, else a ```json block in a system message). */
function defaultContent(body: FakeRequest['body'], items: number): string {
  const schema = body.response_format?.json_schema?.schema ?? schemaFromPrompt(body.messages ?? []);
  if (!schema) return JSON.stringify({ answer: 'fake reply' });
  const source = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? '';
  return JSON.stringify(sample(schema, 'value', items, source.replace(/\s+/g, ' ').slice(0, 80)));
}

function schemaFromPrompt(messages: { role: string; content: string }[]): Record<string, unknown> | undefined {
  for (const m of messages.filter((m) => m.role === 'system')) {
    for (const block of String(m.content).matchAll(/```json\s*\n([\s\S]*?)```/g)) {
      try {
        const parsed = JSON.parse(block[1]!) as Record<string, unknown>;
        if (parsed && typeof parsed === 'object' && 'type' in parsed) return parsed;
      } catch {
        // not a schema
      }
    }
  }
  return undefined;
}

function sample(schema: Record<string, unknown>, name: string, items: number, source: string): unknown {
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      return Object.fromEntries(Object.entries(props).map(([k, s]) => [k, sample(s, k, items, source)]));
    }
    case 'array': {
      const n = Math.max(Number(schema.minItems ?? 0), Math.min(Number(schema.maxItems ?? items), items));
      return Array.from({ length: n }, (_, i) =>
        sample((schema.items ?? { type: 'string' }) as Record<string, unknown>, `${name} ${i + 1}`, items, source),
      );
    }
    case 'integer':
    case 'number':
      return Number(schema.minimum ?? 1);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return `Fake ${name} about: ${source}`.slice(0, Math.max(Number(schema.minLength ?? 0), 120));
  }
}

/** The first words of the grounded judge's system prompt (libs/inspector grounded-judge.ts). */
const GROUNDED_JUDGE_START = 'You check whether an answer is supported by a source text.';

/**
 * The grounded judge's reply, the way a careful model answers: the first
 * sentence of the answer with a number or capitalised word the source does
 * not have, or with fewer than half of its longer words in the source, is
 * quoted as unsupported; otherwise the answer is supported.
 */
export function groundedVerdict(req: FakeRequest): string {
  const user = String(req.body.messages?.filter((m) => m.role === 'user').at(-1)?.content ?? '');
  const [, source = '', answer = ''] =
    /Source text:\n"""\n([\s\S]*?)\n"""\n\nAnswer:\n"""\n([\s\S]*?)\n"""/.exec(user) ?? [];
  const known = new Set(source.toLowerCase().match(/[\p{L}\d]+/gu) ?? []);
  for (const sentence of answer.split(/(?<=[.!?])\s+|\n+/).filter((x) => x.trim())) {
    const words = sentence.match(/[\p{L}\d]+/gu) ?? [];
    const named = words.slice(1).filter((w) => /^[\p{Lu}\d]/u.test(w) && !known.has(w.toLowerCase()));
    const long = words.filter((w) => w.length > 4);
    const found = long.filter((w) => known.has(w.toLowerCase())).length;
    if (named.length || (long.length && found / long.length < 0.5)) {
      return JSON.stringify({
        supported: false,
        unsupported_sentence: sentence.trim(),
        reason: named.length ? `The source does not mention ${named.join(', ')}.` : 'The source does not say this.',
      });
    }
  }
  return JSON.stringify({ supported: true, unsupported_sentence: '', reason: 'Every sentence restates the source.' });
}

/**
 * A `content` hook for FakeOpenAiServer that answers the qa template the way a
 * model would: up to two questions about sentences of the chunk, each answered
 * from its sentence (distinct, real questions that pass the format checks).
 */
export function qaFromPrompt(req: FakeRequest): string {
  // The grounded check's judge asks whether an answer is supported by its source.
  if (String(req.body.messages?.[0]?.content ?? '').startsWith(GROUNDED_JUDGE_START)) return groundedVerdict(req);
  // The inspector's LLM judge asks for ratings, not examples.
  if (String(req.body.messages?.[0]?.content ?? '').startsWith('You review training examples')) {
    return JSON.stringify({ faithfulness: 5, usefulness: 4, reason: 'Grounded in the text and specific.' });
  }
  const text = String(req.body.messages?.at(-1)?.content ?? '');
  const sentences = text.match(/[A-Z][a-z ]{30,}\./g) ?? ['The text is short.'];
  // As many as the prompt asks for ("Write N ..."), as a well-behaved server does; faults are scripted apart.
  const asked = Number(/Write (\d+) /.exec(text)?.[1] ?? 2);
  const examples = Array.from({ length: asked }, (_, i) => {
    const sentence = sentences[i % sentences.length]!;
    const words = sentence.replace('.', '').split(' ');
    const round = Math.floor(i / sentences.length);
    return {
      question: `Which things does the text mention together with the word ${words[1 + (round % Math.max(1, words.length - 1))]}?`,
      answer: `According to the text: ${sentence}`,
    };
  });
  return JSON.stringify({ examples });
}

/**
 * A `content` hook that answers every built-in template the way a model
 * would, from the chunk in the prompt (the text between `"""` lines): qa as
 * qaFromPrompt does; conversation (user first, alternating, assistant last),
 * preference (a chosen answer from the text, a rejected one with a wrong
 * detail), rag (a quote copied from the text and an answer that contains it)
 * and reasoning (steps and an answer). One example per persona when the
 * prompt lists personas; as many as the prompt asks for otherwise.
 */
export function templateExamplesFromPrompt(req: FakeRequest): string {
  const user = String(req.body.messages?.filter((m) => m.role === 'user').at(0)?.content ?? '');
  const hint = /Reply with a JSON object: (.*)$/s.exec(user)?.[1] ?? '';
  const kind = hint.includes('"turns"')
    ? 'conversation'
    : hint.includes('"chosen"')
      ? 'preference'
      : hint.includes('"quote"')
        ? 'rag'
        : hint.includes('"steps"')
          ? 'reasoning'
          : 'qa';
  if (kind === 'qa') return qaFromPrompt(req);
  const chunk = /"""\n([\s\S]*?)\n"""/.exec(user)?.[1] ?? user;
  const sentences = chunk.match(/[A-Z][^.!?\n]{20,}[.!?]/g) ?? [chunk.trim() || 'The text is short.'];
  const asked = Number(/Write (\d+) /.exec(user)?.[1] ?? 1);
  const pick = (i: number) => sentences[i % sentences.length]!.trim();
  const topic = (s: string) => s.split(/\s+/).slice(0, 4).join(' ');
  const examples = Array.from({ length: asked }, (_, i) => {
    const s = pick(i);
    const next = pick(i + 1);
    switch (kind) {
      case 'conversation':
        return {
          system: i % 2 ? '' : 'You are a helpful assistant who answers from the source text.',
          turns: [
            { role: 'user', content: `What does the text say about "${topic(s)}"?` },
            { role: 'assistant', content: `It says: ${s}` },
            { role: 'user', content: 'Can you tell me more?' },
            { role: 'assistant', content: `It also says: ${next}` },
          ],
        };
      case 'preference':
        return {
          prompt: `What does the text say about "${topic(s)}"?`,
          chosen: `The text says: ${s}`,
          rejected: `The text says: ${s.replace(/\b(\w{5,})\b/, 'something else entirely')} It also proves the opposite.`,
          flaw: 'unsupported_claim',
          flaw_explanation: 'The rejected answer adds a claim the text does not make.',
        };
      case 'rag':
        return {
          question: `What does the text say about "${topic(s)}"?`,
          quote: s,
          answer: `The passage on this says ##begin_quote##${s}##end_quote##. <ANSWER>: ${s}`,
        };
      default:
        return {
          question: `How do the statements about "${topic(s)}" and "${topic(next)}" relate?`,
          steps: [`The text states: ${s}`, `It also states: ${next}`, 'Taken together, both hold.'],
          answer: `${s} ${next}`,
        };
    }
  });
  return JSON.stringify({ examples });
}
