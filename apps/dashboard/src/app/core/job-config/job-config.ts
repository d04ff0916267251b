/**
 * The job config of DESIGN.md as form fields, one accordion panel per stage,
 * each with its built-in default. A job sent with a field left out gets the
 * project's value, then this default, from the API.
 */
export type ConfigValue = string | number | boolean | readonly string[];
export type ConfigSection = 'scraping' | 'processing' | 'generation' | 'quality' | 'export';

interface FieldBase {
  readonly section: ConfigSection;
  /** The field's name in its section; a dot nests it (`judge.model` is `quality.judge.model`). */
  readonly key: string;
  readonly label: string;
  readonly help: string;
}
export type ConfigField =
  | (FieldBase & {
      readonly kind: 'number';
      readonly default: number;
      readonly min: number;
      readonly max: number;
      readonly step: number;
    })
  | (FieldBase & { readonly kind: 'select'; readonly default: string; readonly options: readonly string[] })
  | (FieldBase & { readonly kind: 'text'; readonly default: string; readonly optional?: boolean })
  | (FieldBase & { readonly kind: 'boolean'; readonly default: boolean })
  | (FieldBase & { readonly kind: 'multi'; readonly default: readonly string[]; readonly options: readonly string[] });

export interface ConfigPanel {
  readonly section: ConfigSection;
  /** The stage's dashboard name. */
  readonly title: string;
  readonly fields: readonly ConfigField[];
}

export const EXPORT_FORMATS = ['jsonl', 'json', 'csv', 'parquet', 'openai', 'alpaca', 'sharegpt', 'trl'] as const;

export const CONFIG_PANELS: readonly ConfigPanel[] = [
  {
    section: 'scraping',
    title: 'Spider · scraping',
    fields: [
      {
        section: 'scraping',
        key: 'max_concurrent',
        label: 'Concurrent fetches',
        help: 'Pages fetched at once.',
        kind: 'number',
        default: 3,
        min: 1,
        max: 64,
        step: 1,
      },
      {
        section: 'scraping',
        key: 'use_playwright',
        label: 'Browser fallback',
        help: 'auto tries HTTP first; always and never force it.',
        kind: 'select',
        default: 'auto',
        options: ['auto', 'always', 'never'],
      },
      {
        section: 'scraping',
        key: 'respect_robots_txt',
        label: 'Respect robots.txt',
        help: 'Skip pages the site asks crawlers to leave alone.',
        kind: 'boolean',
        default: true,
      },
      {
        section: 'scraping',
        key: 'respect_ai_reservations',
        label: 'Respect AI reservations',
        help: 'Skip pages that reserve text-and-data mining (TDMRep tdm-reservation: 1, or noai).',
        kind: 'boolean',
        default: true,
      },
    ],
  },
  {
    section: 'processing',
    title: 'Refiner · processing',
    fields: [
      {
        section: 'processing',
        key: 'chunk_size',
        label: 'Chunk size (tokens)',
        help: 'Tokens per chunk.',
        kind: 'number',
        default: 512,
        min: 64,
        max: 8192,
        step: 1,
      },
      {
        section: 'processing',
        key: 'chunk_strategy',
        label: 'Chunk strategy',
        help: 'How text is split.',
        kind: 'select',
        default: 'recursive',
        options: ['recursive', 'fixed', 'heading'],
      },
    ],
  },
  {
    section: 'generation',
    title: 'Factory · generation',
    fields: [
      {
        section: 'generation',
        key: 'template',
        label: 'Template',
        help: 'What kind of example to write; none exports the chunks.',
        kind: 'select',
        default: 'qa',
        options: [
          'qa',
          'summarization',
          'classification',
          'instruction',
          'conversation',
          'preference',
          'rag',
          'reasoning',
          'none',
        ],
      },
      {
        section: 'generation',
        key: 'model',
        label: 'Model',
        help: 'Model name at the configured endpoint.',
        kind: 'text',
        default: 'gpt-4o-mini',
      },
      {
        section: 'generation',
        key: 'examples_per_chunk',
        label: 'Examples per chunk',
        help: 'Examples the model writes from each chunk.',
        kind: 'number',
        default: 3,
        min: 1,
        max: 20,
        step: 1,
      },
      {
        section: 'generation',
        key: 'max_concurrent_llm',
        label: 'Concurrent LLM calls',
        help: 'Requests in flight at once.',
        kind: 'number',
        default: 5,
        min: 1,
        max: 256,
        step: 1,
      },
    ],
  },
  {
    section: 'quality',
    title: 'Inspector · quality',
    fields: [
      {
        section: 'quality',
        key: 'min_score',
        label: 'Minimum score',
        help: 'Examples scoring below are filtered out.',
        kind: 'number',
        default: 0.7,
        min: 0,
        max: 1,
        step: 0.05,
      },
      {
        section: 'quality',
        key: 'checks',
        label: 'Checks',
        help: 'Checks every example goes through.',
        kind: 'multi',
        default: ['toxicity', 'readability', 'format'],
        options: ['format', 'readability', 'toxicity', 'duplicates', 'judge', 'grounded'],
      },
      {
        section: 'quality',
        key: 'grounded.threshold',
        label: 'Grounded threshold',
        help: 'grounded check: share of a sentence’s words that must be in the source chunk (numbers and names always must).',
        kind: 'number',
        default: 0.6,
        min: 0,
        max: 1,
        step: 0.05,
      },
      {
        section: 'quality',
        key: 'judge.model',
        label: 'Judge model',
        help: 'Model that grades each example; needed for the judge check. With the grounded check, it also says whether each answer is supported.',
        kind: 'text',
        default: '',
        optional: true,
      },
    ],
  },
  {
    section: 'export',
    title: 'Shipper · export',
    fields: [
      {
        section: 'export',
        key: 'format',
        label: 'Format',
        help: 'File format of the dataset.',
        kind: 'select',
        default: 'jsonl',
        options: EXPORT_FORMATS,
      },
    ],
  },
];

export const CONFIG_FIELDS: readonly ConfigField[] = CONFIG_PANELS.flatMap((panel) => panel.fields);

export type ConfigValues = Readonly<Record<string, ConfigValue>>;

export function fieldId(field: Pick<ConfigField, 'section' | 'key'>): string {
  return `${field.section}.${field.key}`;
}

/** Every field at its built-in default, overlaid with a saved config (Settings), where it names a known field. */
export function initialValues(saved: Record<string, unknown> = {}): ConfigValues {
  const values: Record<string, ConfigValue> = {};
  for (const field of CONFIG_FIELDS) {
    const given = field.key
      .split('.')
      .reduce<unknown>(
        (at, name) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[name] : undefined),
        saved[field.section],
      );
    values[fieldId(field)] = acceptable(field, given) ? (given as ConfigValue) : field.default;
  }
  return values;
}

function acceptable(field: ConfigField, value: unknown): boolean {
  if (value === undefined) return false;
  if (field.kind === 'multi') return Array.isArray(value) && value.every((v) => typeof v === 'string');
  if (field.kind === 'select') return typeof value === 'string';
  return typeof value === typeof field.default;
}

/**
 * The config to send: only the fields that differ from the built-in defaults,
 * grouped by section, so the project's own defaults still apply to the rest.
 */
export function toJobConfig(values: ConfigValues): Record<string, Record<string, unknown>> {
  const config: Record<string, Record<string, unknown>> = {};
  for (const field of CONFIG_FIELDS) {
    const value = values[fieldId(field)];
    if (value === undefined || sameValue(value, field.default)) continue;
    const path = field.key.split('.');
    let at: Record<string, unknown> = (config[field.section] ??= {});
    for (const name of path.slice(0, -1)) at = (at[name] ??= {}) as Record<string, unknown>;
    at[path[path.length - 1]!] = value;
  }
  return config;
}

function sameValue(a: ConfigValue, b: ConfigValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}

/** Problems the form can see before the API does (range and required); empty when none. */
export function checkValues(values: ConfigValues): string[] {
  const problems: string[] = [];
  for (const field of CONFIG_FIELDS) {
    const value = values[fieldId(field)];
    if (field.kind === 'number') {
      if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${field.label}: a number is needed`);
      else if (value < field.min || value > field.max) {
        problems.push(`${field.label}: between ${field.min} and ${field.max}`);
      }
    }
    if (field.kind === 'text' && !field.optional && (typeof value !== 'string' || !value.trim()))
      problems.push(`${field.label}: required`);
  }
  // The judge grades with a model of its own: the API refuses the check without one (a 400), so say it here first.
  const checks = values['quality.checks'];
  const judgeModel = values['quality.judge.model'];
  if (Array.isArray(checks) && checks.includes('judge') && (typeof judgeModel !== 'string' || !judgeModel.trim()))
    problems.push('Judge model: required for the judge check');
  return problems;
}
