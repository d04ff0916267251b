import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { TemplateError, UnknownTemplateError } from '../errors.js';
import { BUILTIN_TEMPLATES } from './builtin.js';
import { PromptTemplate, type TemplateSpec } from './template.js';

const TYPE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * The templates a job can use: the four built-ins plus the user's own from
 * DATA_DIR/templates/<type>/ (template.json, system.njk, user.njk). A broken
 * user template does not stop the others from loading: it is listed in
 * `errors` (with file and line), and asking for it throws that error.
 */
export class TemplateRegistry {
  private constructor(
    private readonly templates: Map<string, PromptTemplate>,
    readonly errors: TemplateError[],
  ) {}

  static builtins(): TemplateRegistry {
    return new TemplateRegistry(builtinMap(), []);
  }

  /** Built-ins plus the templates under `<dataDir>/templates` (a missing folder is fine). */
  static async load(options: { dataDir?: string; templatesDir?: string } = {}): Promise<TemplateRegistry> {
    const templates = builtinMap();
    const errors: TemplateError[] = [];
    const dir = options.templatesDir ?? (options.dataDir ? path.join(options.dataDir, 'templates') : undefined);
    if (dir) {
      let entries: { name: string; isDirectory(): boolean }[] = [];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      for (const entry of entries.filter((e) => e.isDirectory() && !e.name.startsWith('.'))) {
        try {
          const template = await loadUserTemplate(path.join(dir, entry.name));
          if (templates.has(template.type)) {
            throw new TemplateError(
              template.type,
              template.files.definition,
              undefined,
              'has the name of a built-in template',
            );
          }
          templates.set(template.type, template);
        } catch (e) {
          if (!(e instanceof TemplateError)) throw e;
          errors.push(e);
        }
      }
    }
    return new TemplateRegistry(templates, errors);
  }

  list(): PromptTemplate[] {
    return [...this.templates.values()];
  }

  has(type: string): boolean {
    return this.templates.has(type);
  }

  /** The template, or its load error, or an UnknownTemplateError listing the available ones. */
  get(type: string): PromptTemplate {
    const template = this.templates.get(type);
    if (template) return template;
    const broken = this.errors.find((e) => e.template === type);
    if (broken) throw broken;
    throw new UnknownTemplateError(type, [...this.templates.keys()]);
  }
}

function builtinMap(): Map<string, PromptTemplate> {
  return new Map(
    BUILTIN_TEMPLATES.map((spec) => [
      spec.type,
      new PromptTemplate(spec, 'builtin', {
        definition: `builtin:${spec.type}/template.json`,
        system: `builtin:${spec.type}/system.njk`,
        user: `builtin:${spec.type}/user.njk`,
      }),
    ]),
  );
}

interface TemplateDefinitionFile {
  description?: unknown;
  examples_per_chunk?: unknown;
  output_tokens_per_example?: unknown;
  schema?: unknown;
  input?: unknown;
  output?: unknown;
}

/** Reads DATA_DIR/templates/<type>/; every problem is a TemplateError naming the file (and line when there is one). */
export async function loadUserTemplate(dir: string): Promise<PromptTemplate> {
  const type = path.basename(dir);
  const files = {
    definition: path.join(dir, 'template.json'),
    system: path.join(dir, 'system.njk'),
    user: path.join(dir, 'user.njk'),
  };
  if (!TYPE.test(type)) {
    throw new TemplateError(type, dir, undefined, 'the folder name must be a template name (a-z, 0-9, _ or -)');
  }
  const read = async (file: string) => {
    try {
      return await readFile(file, 'utf8');
    } catch (e) {
      throw new TemplateError(type, file, undefined, `cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`);
    }
  };
  const [definitionText, system, user] = await Promise.all([
    read(files.definition),
    read(files.system),
    read(files.user),
  ]);
  let def: TemplateDefinitionFile;
  try {
    def = JSON.parse(definitionText) as TemplateDefinitionFile;
  } catch (e) {
    const message = (e as Error).message;
    throw new TemplateError(
      type,
      files.definition,
      jsonErrorLine(message, definitionText),
      `is not valid JSON: ${message}`,
    );
  }
  const bad = (field: string, what: string) =>
    new TemplateError(type, files.definition, lineOf(definitionText, `"${field}"`), `"${field}" ${what}`);
  if (!def || typeof def !== 'object' || Array.isArray(def))
    throw new TemplateError(type, files.definition, 1, 'must be a JSON object');
  if (typeof def.schema !== 'object' || def.schema === null)
    throw bad('schema', 'must be the JSON schema of one example');
  if (typeof def.input !== 'string' || typeof def.output !== 'string') {
    throw bad(
      typeof def.input !== 'string' ? 'input' : 'output',
      'must be a Nunjucks string, e.g. "{{ example.question }}"',
    );
  }
  const count = def.examples_per_chunk ?? 3;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 20) {
    throw bad('examples_per_chunk', 'must be an integer from 1 to 20');
  }
  const outTokens = def.output_tokens_per_example ?? 150;
  if (typeof outTokens !== 'number' || !(outTokens > 0))
    throw bad('output_tokens_per_example', 'must be a positive number');
  const spec: TemplateSpec = {
    type,
    description: typeof def.description === 'string' ? def.description : '',
    examplesPerChunk: count,
    outputTokensPerExample: outTokens,
    system,
    user,
    input: def.input,
    output: def.output,
    schema: def.schema as Record<string, unknown>,
  };
  return new PromptTemplate(spec, 'user', files);
}

/** JSON.parse names a position (and, on recent Node, the line); turn either into a 1-based line. */
function jsonErrorLine(message: string, text: string): number | undefined {
  const line = /line (\d+)/.exec(message);
  if (line) return Number(line[1]);
  const pos = /position (\d+)/.exec(message);
  return pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
}

function lineOf(text: string, needle: string): number | undefined {
  const at = text.indexOf(needle);
  return at === -1 ? undefined : text.slice(0, at).split('\n').length;
}
