import { createHash } from 'node:crypto';
import nunjucks from 'nunjucks';
import { Ajv, type ValidateFunction } from 'ajv';
import { TemplateError } from '../errors.js';

export type JsonSchema = Record<string, unknown>;

/** What a template is made of; built-ins and user templates (DATA_DIR/templates/<type>/) share this shape. */
export interface TemplateSpec {
  type: string;
  description: string;
  /** How many examples one call asks for, unless the job says otherwise. */
  examplesPerChunk: number;
  /** A typical reply size per example, for estimates before a job runs. */
  outputTokensPerExample: number;
  /** Nunjucks sources. */
  system: string;
  user: string;
  /** Nunjucks sources turning one example (`example`) into the stored input and output texts. */
  input: string;
  output: string;
  /** JSON schema of one example. */
  schema: JsonSchema;
  /** Built-ins: one example as the model writes it (shown by GET /api/templates and the new-job page). */
  sample?: Record<string, unknown>;
  /**
   * Built-ins only: rules a JSON schema cannot say (turns alternating, a
   * quote found in the chunk). null when the example (already valid by the
   * schema) holds, otherwise what is wrong.
   */
  /**
   * Built-ins only: each example is shown among chunks of the job's other
   * documents (RAFT), picked when the chunk is generated (ChunkInput.distractors).
   */
  retrieval?: boolean;
  check?: (example: Record<string, unknown>, vars: TemplateVariables) => string | null;
}

/** Where each part of a template comes from, for error messages. */
export interface TemplateFiles {
  definition: string;
  system: string;
  user: string;
}

/** The variables a template can use. */
export interface TemplateVariables {
  chunk: {
    id: string;
    text: string;
    index: number | null;
    token_count: number | null;
    metadata: Record<string, unknown>;
  };
  document: { id: string | null; url: string | null; title: string | null; language: string | null };
  language: string | null;
  examples_per_chunk: number;
  /** generation.template_params of the job. */
  params: Record<string, unknown>;
}

export const TEMPLATE_VARIABLES: Record<string, string> = {
  'chunk.text': 'the chunk text',
  'chunk.id': 'the chunk id',
  'chunk.index': 'position of the chunk in its document, from 0',
  'chunk.token_count': 'tokens in the chunk',
  'chunk.metadata': "the chunk's metadata (headings, ...)",
  'document.url': 'URL of the source page',
  'document.title': 'title of the source page',
  'document.language': 'language of the source page',
  language: "the chunk's (or else the page's) language code",
  examples_per_chunk: 'how many examples the call asks for',
  params: 'generation.template_params of the job',
  example: 'in `input` and `output` only: one generated example',
};

const ROOTS = new Set(['chunk', 'document', 'language', 'examples_per_chunk', 'params', 'example']);

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false, trimBlocks: true });
const ajv = new Ajv({ allErrors: true, strict: false });

/** JSON-schema keywords OpenAI's strict structured outputs reject; they stay in the local validation. */
const NON_WIRE_KEYWORDS = new Set([
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'default',
  'examples',
]);

export const SAMPLE_VARIABLES: TemplateVariables = {
  chunk: { id: 'sample', text: 'Sample text.', index: 0, token_count: 3, metadata: {} },
  document: { id: null, url: 'https://example.com/', title: 'Sample', language: 'en' },
  language: 'en',
  examples_per_chunk: 3,
  params: {},
};

/** A compiled, validated template. */
export class PromptTemplate {
  readonly hash: string;
  /** Variables the prompts use (dotted paths, e.g. `chunk.text`). */
  readonly variables: string[];
  private readonly compiled: Record<'system' | 'user' | 'input' | 'output', nunjucks.Template>;
  private readonly validateOne: ValidateFunction;

  constructor(
    readonly spec: TemplateSpec,
    readonly source: 'builtin' | 'user',
    readonly files: TemplateFiles,
  ) {
    const fail = (file: string, line: number | undefined, problem: string) =>
      new TemplateError(spec.type, file, line, problem);
    this.compiled = {
      system: compile(spec.type, spec.system, files.system),
      user: compile(spec.type, spec.user, files.user),
      input: compile(spec.type, spec.input, `${files.definition} (input)`),
      output: compile(spec.type, spec.output, `${files.definition} (output)`),
    };
    if (spec.schema?.type !== 'object')
      throw fail(files.definition, undefined, 'schema must be a JSON schema of "type": "object"');
    try {
      this.validateOne = ajv.compile(spec.schema);
    } catch (e) {
      throw fail(files.definition, undefined, `schema is not a valid JSON schema: ${(e as Error).message}`);
    }
    // A trial render catches unknown filters and other errors only rendering shows.
    this.render(SAMPLE_VARIABLES);
    this.variables = [...new Set([spec.system, spec.user].flatMap(usedVariables))].sort();
    this.hash = templateHash(spec);
  }

  get type(): string {
    return this.spec.type;
  }

  render(vars: TemplateVariables): { system: string; user: string } {
    return { system: this.run('system', vars).trim(), user: this.run('user', vars).trim() };
  }

  /** The stored input and output texts of one example. */
  texts(example: Record<string, unknown>, vars: TemplateVariables): { inputText: string; outputText: string } {
    const all = { ...vars, example };
    return { inputText: this.run('input', all).trim(), outputText: this.run('output', all).trim() };
  }

  /** null when `example` matches the schema (and, given the chunk's variables, the template's own rules), otherwise what is wrong. */
  validateExample(example: unknown, vars?: TemplateVariables): string | null {
    if (!this.validateOne(example)) return ajv.errorsText(this.validateOne.errors, { dataVar: 'example' });
    return vars && this.spec.check ? this.spec.check(example as Record<string, unknown>, vars) : null;
  }

  /** The JSON schema of a whole reply: `{"examples": [example, ...]}`. */
  replySchema(): JsonSchema {
    return {
      type: 'object',
      properties: { examples: { type: 'array', items: this.spec.schema } },
      required: ['examples'],
      additionalProperties: false,
    };
  }

  /** replySchema() as sent in response_format, without keywords strict mode rejects. */
  wireSchema(): { schema: JsonSchema; strict: boolean } {
    const schema = stripKeywords(this.replySchema()) as JsonSchema;
    return { schema, strict: isStrictCompatible(schema) };
  }

  private run(part: keyof PromptTemplate['compiled'], vars: object): string {
    try {
      return this.compiled[part].render(vars);
    } catch (e) {
      const file = part === 'system' || part === 'user' ? this.files[part] : `${this.files.definition} (${part})`;
      // Render-time lines are 0-based in Nunjucks (and missing for line 0 and unknown filters).
      const line = nunjucksLine(e);
      const problem = nunjucksProblem(e);
      throw new TemplateError(
        this.spec.type,
        file,
        line !== undefined ? line + 1 : guessLine(this.spec[part], problem),
        problem,
      );
    }
  }
}

function compile(type: string, source: string, file: string): nunjucks.Template {
  if (typeof source !== 'string') throw new TemplateError(type, file, undefined, 'is missing');
  try {
    return new nunjucks.Template(source, env, file, true);
  } catch (e) {
    // "unexpected end of file" has no line: the problem is at the end.
    throw new TemplateError(type, file, nunjucksLine(e) ?? source.split('\n').length, nunjucksProblem(e));
  }
}

function nunjucksLine(e: unknown): number | undefined {
  const m = /\[Line (\d+), Column \d+\]/.exec(String((e as Error)?.message));
  return m ? Number(m[1]) : undefined;
}

/** The first line that mentions the name an error message quotes (`filter not found: x`, `` `foo` ``). */
function guessLine(source: string, problem: string): number | undefined {
  const name = /(?:not found: |`)([A-Za-z_][\w]*)/.exec(problem)?.[1];
  if (!name) return undefined;
  const index = source.split('\n').findIndex((l) => new RegExp(`\\b${name}\\b`).test(l));
  return index === -1 ? undefined : index + 1;
}

function nunjucksProblem(e: unknown): string {
  const message = String((e as Error)?.message ?? e);
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^\(.*\)( \[Line \d+, Column \d+\])?$/.test(l))
    .map((l) => l.replace(/^Error: /, ''));
  return lines.join(' ') || message;
}

/** Content hash of everything that shapes the examples: prompts, mappings, schema, count. */
export function templateHash(spec: TemplateSpec): string {
  const canonical = canonicalJson({
    system: spec.system,
    user: spec.user,
    input: spec.input,
    output: spec.output,
    schema: spec.schema,
    examplesPerChunk: spec.examplesPerChunk,
  });
  return `sha256:${createHash('sha256').update(canonical).digest('hex').slice(0, 16)}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function stripKeywords(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripKeywords);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !NON_WIRE_KEYWORDS.has(k))
        .map(([k, v]) => [k, k === 'properties' ? mapValues(v, stripKeywords) : stripKeywords(v)]),
    );
  }
  return value;
}

function mapValues(obj: unknown, fn: (v: unknown) => unknown): unknown {
  if (!obj || typeof obj !== 'object') return obj;
  return Object.fromEntries(Object.entries(obj as Record<string, unknown>).map(([k, v]) => [k, fn(v)]));
}

/** Strict mode needs every object closed (additionalProperties false) with all its properties required. */
function isStrictCompatible(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.every(isStrictCompatible);
  if (!schema || typeof schema !== 'object') return true;
  const s = schema as Record<string, unknown>;
  if (s.type === 'object' || s.properties) {
    const props = Object.keys((s.properties as object) ?? {});
    const required = new Set((s.required as string[]) ?? []);
    if (s.additionalProperties !== false || !props.every((p) => required.has(p))) return false;
  }
  return Object.entries(s).every(([k, v]) =>
    k === 'properties' ? Object.values((v as object) ?? {}).every(isStrictCompatible) : isStrictCompatible(v),
  );
}

interface NjNode {
  typename: string;
  value?: unknown;
  target?: NjNode;
  val?: NjNode;
  [key: string]: unknown;
}

/** Dotted paths of the known variables a Nunjucks source reads (`chunk.text`, `language`...). */
export function usedVariables(source: string): string[] {
  const found = new Set<string>();
  const parser = (nunjucks as unknown as { parser: { parse(src: string): NjNode } }).parser;
  const path = (node: NjNode | undefined): string | undefined => {
    if (!node) return undefined;
    if (node.typename === 'Symbol') return String(node.value);
    if (node.typename === 'LookupVal' && node.val?.typename === 'Literal') {
      const base = path(node.target);
      return base === undefined ? undefined : `${base}.${String(node.val.value)}`;
    }
    return undefined;
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object' || typeof (node as NjNode).typename !== 'string') return;
    const n = node as NjNode;
    const p = n.typename === 'Symbol' || n.typename === 'LookupVal' ? path(n) : undefined;
    if (p !== undefined && ROOTS.has(p.split('.')[0]!)) {
      found.add(p);
      return;
    }
    for (const [key, child] of Object.entries(n)) if (key !== 'parent') visit(child);
  };
  try {
    visit(parser.parse(source));
  } catch {
    // Compilation reports syntax errors with their line; this is best effort.
  }
  return [...found];
}
