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
  outputText: string;
  modelUsed: string;
  status: string;
  error: string | null;
  templateHash: string | null;
  /** The fields the model wrote (lineage.fields), when known. */
  fields: Record<string, unknown> | null;
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
}

export interface AlpacaRecord {
  instruction: string;
  input: string;
  output: string;
}
export interface OpenAiRecord {
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
}
export interface ShareGptRecord {
  conversations: { from: 'system' | 'human' | 'gpt'; value: string }[];
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

/** The alpaca record of an example (see the table at the top of this file). */
export function toAlpaca(row: ExampleRow): AlpacaRecord {
  const mapped = row.fields ? ALPACA_BY_TEMPLATE[row.templateType]?.(row, row.fields) : undefined;
  return mapped ?? { instruction: row.inputText, input: '', output: row.outputText };
}

/** The user and assistant turns of an example. */
export function chatTurns(row: ExampleRow): { user: string; assistant: string } {
  const alpaca = (): AlpacaRecord => toAlpaca(row);
  const user = text(row.inputText) ?? joinParts(alpaca().instruction, alpaca().input);
  const assistant = text(row.outputText) ?? alpaca().output;
  return { user, assistant };
}

/** OpenAI chat fine-tuning: `{"messages": [{"role": "user", ...}, {"role": "assistant", ...}]}`. */
export function toOpenAi(row: ExampleRow): OpenAiRecord {
  const { user, assistant } = chatTurns(row);
  return {
    messages: [
      { role: 'user', content: user },
      { role: 'assistant', content: assistant },
    ],
  };
}

/** ShareGPT: `{"conversations": [{"from": "human", ...}, {"from": "gpt", ...}]}`. */
export function toShareGpt(row: ExampleRow): ShareGptRecord {
  const { user, assistant } = chatTurns(row);
  return {
    conversations: [
      { from: 'human', value: user },
      { from: 'gpt', value: assistant },
    ],
  };
}

/** Whether a trainer shape of the example has the content trainers need (a non-empty prompt and answer). */
export function isTrainable(row: ExampleRow): boolean {
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
  { name: 'status', type: 'STRING', analysisOnly: true },
  { name: 'error', type: 'STRING', analysisOnly: true },
  { name: 'quality_details', type: 'STRING', analysisOnly: true },
];

export function flatColumns(includeFailed: boolean): FlatColumn[] {
  return FLAT_COLUMNS.filter((c) => includeFailed || !c.analysisOnly);
}

export type FlatRecord = Record<string, string | number | boolean | null>;

/** The flat record of an example; `quality_details` is a JSON string (CSV and Parquet have no objects). */
export function toFlatRecord(row: ExampleRow, includeFailed: boolean): FlatRecord {
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
