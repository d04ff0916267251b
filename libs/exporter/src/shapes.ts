import type { ReviewState } from '@datafactory/contracts';
import type { Provenance } from './provenance.js';

/*
 * How a training example becomes a record of each format: the one place
 * where templates meet output shapes (docs/exporter.md shows the same table).
 *
 * The generator renders every example into `inputText` (the prompt a model
 * is trained on) and `outputText` (the answer), and keeps the fields the
 * model wrote in `lineage.fields`:
 *
 * | template       | fields                         | inputText                          | outputText |
 * |----------------|--------------------------------|------------------------------------|------------|
 * | qa             | question, answer               | question                           | answer     |
 * | summarization  | instruction, summary           | instruction + "\n\n" + chunk text  | summary    |
 * | classification | text, label, rationale         | "Classify the following text…" + "\n\n" + text | label |
 * | instruction    | instruction, input, output     | instruction (+ "\n\n" + input)     | output     |
 *
 * Chat shapes (`openai`, `sharegpt`): user = inputText, assistant =
 * outputText, for every template (the texts were rendered for exactly this).
 * When a text is empty, it is rebuilt from the fields (instruction and input
 * joined by a blank line; the template's output field).
 *
 * Alpaca (`instruction`, `input`, `output`) keeps the instruction apart from
 * the material it works on:
 * - qa:             instruction = question, input = "", output = answer;
 * - summarization:  instruction = fields.instruction, input = the chunk text, output = summary;
 * - classification: instruction = inputText without the passage ("Classify the following text…"),
 *                   input = the passage, output = label;
 * - instruction:    instruction, input, output as the model wrote them;
 * - any other template, or no fields: instruction = inputText, input = "", output = outputText.
 */

export interface ExampleRow {
  id: string;
  templateType: string;
  inputText: string;
  /** The answer exported: the reviewer's when the example was edited. */
  outputText: string;
  /** The reviewer's decision (an export never holds a rejected one). */
  review: ReviewState;
  /** The generated output of an edited example (null otherwise). */
  originalOutput: string | null;
  modelUsed: string;
  status: string;
  error: string | null;
  templateHash: string | null;
  /** The fields the model wrote (lineage.fields), when known. */
  fields: Record<string, unknown> | null;
  /** rag: the documents of the user turn (lineage.retrieval), when known. */
  retrieval?: {
    documents: { chunkId: string; text: string }[];
    oracleIndex: number | null;
    /** Distractors asked and found (lineage of examples generated before they were recorded: null). */
    distractorsWanted?: number | null;
    distractorsFound?: number | null;
  } | null;
  tokenCount: number;
  cost: number | null;
  qualityScore: number | null;
  qualityDetails: Record<string, unknown> | null;
  passedQc: boolean | null;
  /** The chunk the example was written from. */
  chunkText: string;
  language: string | null;
  sourceUrl: string | null;
  sourceTitle: string | null;
  /** Source host without `www.` ("" when unknown): the unit of the train/validation/test split. */
  domain: string;
  /** Where the example's text came from and on what terms (absent in rows built by hand). */
  provenance?: Provenance | null;
}

export interface AlpacaRecord {
  instruction: string;
  input: string;
  output: string;
}
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** reasoning with the `field` style: the steps, apart from the answer in `content`. */
  reasoning?: string;
}
export interface OpenAiRecord {
  messages: ChatMessage[];
}
export interface ShareGptTurn {
  from: 'system' | 'human' | 'gpt';
  value: string;
}
export interface ShareGptRecord {
  conversations: ShareGptTurn[];
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
const joinParts = (...parts: (string | undefined)[]) => parts.filter((p) => p !== undefined && p !== '').join('\n\n');

/** Strips `suffix` (and the blank line before it) from the end of `whole`; undefined when it is not there. */
function withoutSuffix(whole: string, suffix: string | undefined): string | undefined {
  if (!suffix || !whole.endsWith(suffix)) return undefined;
  const rest = whole.slice(0, whole.length - suffix.length).replace(/\s+$/, '');
  return rest === '' ? undefined : rest;
}

type AlpacaMapper = (row: ExampleRow, f: Record<string, unknown>) => AlpacaRecord | undefined;

/** Template → alpaca parts, from the model's fields. undefined: fall back to the rendered texts. */
const ALPACA_BY_TEMPLATE: Record<string, AlpacaMapper> = {
  qa: (row, f) => {
    const instruction = text(f.question) ?? text(row.inputText);
    const output = text(f.answer) ?? text(row.outputText);
    return instruction && output ? { instruction, input: '', output } : undefined;
  },
  summarization: (row, f) => {
    const instruction = text(f.instruction);
    const output = text(f.summary) ?? text(row.outputText);
    if (!instruction || !output) return undefined;
    const fromInput = row.inputText.startsWith(instruction) ? row.inputText.slice(instruction.length).trim() : '';
    return { instruction, input: fromInput || row.chunkText, output };
  },
  classification: (row, f) => {
    const passage = text(f.text);
    const output = text(f.label) ?? text(row.outputText);
    if (!passage || !output) return undefined;
    const instruction = withoutSuffix(row.inputText, passage) ?? 'Classify the following text.';
    return { instruction, input: passage, output };
  },
  instruction: (row, f) => {
    const instruction = text(f.instruction);
    const output = text(f.output) ?? text(row.outputText);
    if (!instruction || !output) return undefined;
    return { instruction, input: typeof f.input === 'string' ? f.input : '', output };
  },
};

/** The alpaca record of a single-turn example (see the table at the top of this file). */
function baseAlpaca(row: ExampleRow): AlpacaRecord {
  const mapped = row.fields ? ALPACA_BY_TEMPLATE[row.templateType]?.(row, row.fields) : undefined;
  return mapped ?? { instruction: row.inputText, input: '', output: row.outputText };
}

/** The user and assistant turns of an example. */
export function chatTurns(row: ExampleRow): { user: string; assistant: string } {
  const alpaca = (): AlpacaRecord => baseAlpaca(row);
  const user = text(row.inputText) ?? joinParts(alpaca().instruction, alpaca().input);
  const assistant = text(row.outputText) ?? alpaca().output;
  return { user, assistant };
}

/** How a `reasoning` example shows its steps (export.reasoning). */
export type ReasoningStyle = 'think' | 'field';

export interface ShapeOptions {
  reasoning: ReasoningStyle;
}

const DEFAULT_SHAPE: ShapeOptions = { reasoning: 'think' };

/** One exchange of a training record: the turns before the answer, and the answer. */
interface Dialogue {
  system: string | undefined;
  /** user and assistant alternating, ending with a user turn. */
  prompt: { role: 'user' | 'assistant'; content: string }[];
  answer: string;
  /** reasoning: the steps, one per line. */
  reasoning: string | undefined;
}

const turnsOf = (f: Record<string, unknown>) =>
  Array.isArray(f.turns)
    ? (f.turns as { role?: unknown; content?: unknown }[]).flatMap((t) =>
        (t.role === 'user' || t.role === 'assistant') && typeof t.content === 'string'
          ? [{ role: t.role as 'user' | 'assistant', content: t.content }]
          : [],
      )
    : [];

/** rag: the documents, each in `<DOCUMENT>` tags (as RAFT writes them), then the question. */
export function ragPrompt(row: ExampleRow): string {
  const question = text(row.fields?.question) ?? row.inputText;
  const documents = row.retrieval?.documents ?? [{ chunkId: '', text: row.chunkText }];
  return `${documents.map((d) => `<DOCUMENT>${d.text}</DOCUMENT>`).join('\n')}\n\n${question}`;
}

/** The dialogue of an example, whatever its template. */
function dialogue(row: ExampleRow): Dialogue {
  const f = row.fields ?? {};
  if (row.templateType === 'conversation') {
    const turns = turnsOf(f);
    if (turns.length >= 2 && turns.at(-1)!.role === 'assistant') {
      return {
        system: text(f.system),
        prompt: turns.slice(0, -1),
        answer: turns.at(-1)!.content,
        reasoning: undefined,
      };
    }
  }
  if (row.templateType === 'rag' && text(f.answer)) {
    return {
      system: undefined,
      prompt: [{ role: 'user', content: ragPrompt(row) }],
      answer: String(f.answer),
      reasoning: undefined,
    };
  }
  const { user, assistant } = chatTurns(row);
  const steps = row.templateType === 'reasoning' && Array.isArray(f.steps) ? f.steps.map(String) : undefined;
  return {
    system: undefined,
    prompt: [{ role: 'user', content: user }],
    answer: assistant,
    reasoning: steps?.join('\n'),
  };
}

/** The assistant's answer with `<think>` reasoning before it, for the `think` style. */
function answerText(d: Dialogue, options: ShapeOptions): string {
  return d.reasoning !== undefined && options.reasoning === 'think'
    ? `<think>\n${d.reasoning}\n</think>\n\n${d.answer}`
    : d.answer;
}

const reasoningField = (d: Dialogue, options: ShapeOptions) =>
  d.reasoning !== undefined && options.reasoning === 'field' ? { reasoning: d.reasoning } : {};

function chatMessages(d: Dialogue, options: ShapeOptions): ChatMessage[] {
  return [
    ...(d.system ? [{ role: 'system' as const, content: d.system }] : []),
    ...d.prompt,
    { role: 'assistant', content: answerText(d, options), ...reasoningField(d, options) },
  ];
}

const isPreference = (row: ExampleRow) =>
  row.templateType === 'preference' &&
  text(row.fields?.prompt) !== undefined &&
  text(row.fields?.chosen) !== undefined &&
  text(row.fields?.rejected) !== undefined;

const preferenceParts = (row: ExampleRow) => ({
  prompt: String(row.fields!.prompt),
  chosen: String(row.fields!.chosen),
  rejected: String(row.fields!.rejected),
});

/** OpenAI preference fine-tuning (DPO): the prompt as `input.messages`, each answer as one assistant message. */
export interface OpenAiPreferenceRecord {
  input: { messages: ChatMessage[] };
  preferred_output: ChatMessage[];
  non_preferred_output: ChatMessage[];
}

/**
 * OpenAI fine-tuning: chat `{"messages": [system?, user, assistant, ...]}`
 * with every turn; a preference example in OpenAI's preference shape
 * (`input`, `preferred_output`, `non_preferred_output`).
 */
export function toOpenAi(
  row: ExampleRow,
  options: ShapeOptions = DEFAULT_SHAPE,
): OpenAiRecord | OpenAiPreferenceRecord {
  if (isPreference(row)) {
    const p = preferenceParts(row);
    return {
      input: { messages: [{ role: 'user', content: p.prompt }] },
      preferred_output: [{ role: 'assistant', content: p.chosen }],
      non_preferred_output: [{ role: 'assistant', content: p.rejected }],
    };
  }
  return { messages: chatMessages(dialogue(row), options) };
}

/** TRL: a preference example as `{prompt, chosen, rejected}` (DPOTrainer); others conversational `{messages}` (SFTTrainer). */
export function toTrl(
  row: ExampleRow,
  options: ShapeOptions = DEFAULT_SHAPE,
): OpenAiRecord | { prompt: string; chosen: string; rejected: string } {
  if (isPreference(row)) return preferenceParts(row);
  return { messages: chatMessages(dialogue(row), options) };
}

/**
 * ShareGPT (LLaMA-Factory, axolotl): `{"conversations": [{"from": "system"?}, human, gpt, ...]}`;
 * a preference example as LLaMA-Factory's ranking shape (`conversations` with the prompt, `chosen`, `rejected`).
 */
export function toShareGpt(row: ExampleRow, options: ShapeOptions = DEFAULT_SHAPE): Record<string, unknown> {
  if (isPreference(row)) {
    const p = preferenceParts(row);
    return {
      conversations: [{ from: 'human', value: p.prompt }],
      chosen: { from: 'gpt', value: p.chosen },
      rejected: { from: 'gpt', value: p.rejected },
    };
  }
  const d = dialogue(row);
  const from = (role: 'user' | 'assistant'): ShareGptTurn['from'] => (role === 'user' ? 'human' : 'gpt');
  const conversations: ShareGptTurn[] = [
    ...(d.system ? [{ from: 'system' as const, value: d.system }] : []),
    ...d.prompt.map((t) => ({ from: from(t.role), value: t.content })),
    { from: 'gpt', value: answerText(d, options) },
  ];
  return { conversations, ...reasoningField(d, options) };
}

/**
 * Alpaca (LLaMA-Factory, axolotl): `{instruction, input, output}`; a
 * conversation's earlier turns as `history` ([user, assistant] pairs) and its
 * system prompt as `system`; a preference example as LLaMA-Factory's ranking
 * shape (`chosen`, `rejected` for `output`); rag: the documents as `input`.
 */
export function toAlpaca(row: ExampleRow, options: ShapeOptions = DEFAULT_SHAPE): Record<string, unknown> {
  if (isPreference(row)) {
    const p = preferenceParts(row);
    return { instruction: p.prompt, input: '', chosen: p.chosen, rejected: p.rejected };
  }
  const f = row.fields ?? {};
  if (row.templateType === 'rag' && text(f.question) && text(f.answer)) {
    const documents = ragPrompt(row).slice(0, -(String(f.question).length + 2));
    return { instruction: String(f.question), input: documents, output: String(f.answer) };
  }
  const d = dialogue(row);
  if (row.templateType === 'conversation' && d.prompt.length > 1) {
    const history: [string, string][] = [];
    for (let i = 0; i + 1 < d.prompt.length; i += 2) history.push([d.prompt[i]!.content, d.prompt[i + 1]!.content]);
    return {
      instruction: d.prompt.at(-1)!.content,
      input: '',
      output: d.answer,
      ...(d.system ? { system: d.system } : {}),
      history,
    };
  }
  const base = baseAlpaca(row);
  return { ...base, output: answerText({ ...d, answer: base.output }, options), ...reasoningField(d, options) };
}

/** Whether a trainer shape of the example has the content trainers need (a non-empty prompt and answer). */
export function isTrainable(row: ExampleRow): boolean {
  if (row.templateType === 'preference' && row.fields) return isPreference(row);
  const { user, assistant } = chatTurns(row);
  return user.trim() !== '' && assistant.trim() !== '';
}

/** Parquet type of a flat column. */
export type ColumnType = 'STRING' | 'INT32' | 'DOUBLE' | 'BOOLEAN';

export interface FlatColumn {
  name: string;
  type: ColumnType;
  /** Only in exports with include_failed. */
  analysisOnly?: boolean;
}

/** Columns of the flat formats (jsonl, json, csv, parquet), in order. */
export const FLAT_COLUMNS: readonly FlatColumn[] = [
  { name: 'id', type: 'STRING' },
  { name: 'template', type: 'STRING' },
  { name: 'input', type: 'STRING' },
  { name: 'output', type: 'STRING' },
  { name: 'source_url', type: 'STRING' },
  { name: 'source_title', type: 'STRING' },
  { name: 'domain', type: 'STRING' },
  { name: 'language', type: 'STRING' },
  { name: 'model', type: 'STRING' },
  { name: 'template_hash', type: 'STRING' },
  { name: 'token_count', type: 'INT32' },
  { name: 'cost', type: 'DOUBLE' },
  { name: 'quality_score', type: 'DOUBLE' },
  { name: 'passed_qc', type: 'BOOLEAN' },
  { name: 'review', type: 'STRING' },
  { name: 'original_output', type: 'STRING' },
  { name: 'license', type: 'STRING' },
  { name: 'provenance', type: 'STRING' },
  { name: 'status', type: 'STRING', analysisOnly: true },
  { name: 'error', type: 'STRING', analysisOnly: true },
  { name: 'quality_details', type: 'STRING', analysisOnly: true },
];

export function flatColumns(includeFailed: boolean): FlatColumn[] {
  return FLAT_COLUMNS.filter((c) => includeFailed || !c.analysisOnly);
}

export type FlatRecord = Record<string, string | number | boolean | null | Provenance>;

/**
 * The flat record of an example; `quality_details` is a JSON string (CSV and
 * Parquet have no objects), and so is `provenance` unless `nested` (JSON
 * Lines and JSON keep it an object).
 */
export function toFlatRecord(row: ExampleRow, includeFailed: boolean, nested = false): FlatRecord {
  const record: FlatRecord = {
    id: row.id,
    template: row.templateType,
    input: row.inputText,
    output: row.outputText,
    source_url: row.sourceUrl,
    source_title: row.sourceTitle,
    domain: row.domain || null,
    language: row.language,
    model: row.modelUsed,
    template_hash: row.templateHash,
    token_count: row.tokenCount,
    cost: row.cost,
    quality_score: row.qualityScore,
    passed_qc: row.passedQc,
    review: row.review,
    original_output: row.originalOutput,
    license: row.provenance?.license ?? null,
    provenance: row.provenance ? (nested ? row.provenance : JSON.stringify(row.provenance)) : null,
  };
  if (includeFailed) {
    record.status = row.status;
    record.error = row.error;
    record.quality_details = row.qualityDetails ? JSON.stringify(row.qualityDetails) : null;
  }
  return record;
}

/** Source host of a URL without a leading `www.`, lower case; "" when there is no valid URL. */
export function domainOf(url: string | null | undefined): string {
  if (!url) return '';
  try {
    return new URL(url).hostname.toLowerCase().replace(/^www\./, '');
  } catch {
    return '';
  }
}
