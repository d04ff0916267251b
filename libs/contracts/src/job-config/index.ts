import { z } from 'zod';
import { ExportSection } from './export.js';
import { configProblems, isPlainObject } from './fields.js';
import { generationSection, type GenerationPolicy } from './generation.js';
import { ProcessingSection } from './processing.js';
import { QualitySection } from './quality.js';
import { type CrawlPolicy, scrapingSection } from './scraping.js';

export * from './export.js';
export * from './generation.js';
export * from './processing.js';
export * from './quality.js';
export * from './scraping.js';
export { configProblems, type ConfigProblem, isPlainObject } from './fields.js';

/** What the operator allows (libs/config), against which a job's config is resolved: a job may narrow it, never widen it. */
export interface JobConfigPolicy extends GenerationPolicy {
  crawl: CrawlPolicy;
}

export const JOB_CONFIG_SECTIONS = ['scraping', 'processing', 'generation', 'quality', 'export'] as const;
export type JobConfigSection = (typeof JOB_CONFIG_SECTIONS)[number];

/**
 * The job config of DESIGN.md, every section with every default, against the
 * operator's policy. Its output is what a job row stores (with `urls`), and
 * is a fixed point: parsing a stored config with the same policy gives it
 * back unchanged, so a stage reads its section as stored, without resolving
 * it again (see docs/development.md "Job config").
 */
export const jobConfigSchema = (policy: JobConfigPolicy) =>
  z.strictObject(
    {
      scraping: scrapingSection(policy.crawl).prefault({}),
      processing: ProcessingSection.prefault({}),
      generation: generationSection(policy).prefault({}),
      quality: QualitySection.prefault({}),
      export: ExportSection.prefault({}),
    },
    { error: (iss) => (iss.code === 'unrecognized_keys' ? 'is not a known section' : 'must be an object') },
  );

export type JobConfigSchema = ReturnType<typeof jobConfigSchema>;
/** A job's resolved config. */
export type JobConfig = z.output<JobConfigSchema>;
/** A job's config as a user writes it (every field optional). */
export type JobConfigInput = z.input<JobConfigSchema>;
/** What a job row stores: the resolved config and the job's URLs. */
export type StoredJobConfig = JobConfig & { urls: string[] };

/** The policy the OpenAPI document is drawn with (defaults that depend on the operator are not shown). */
const DOCUMENT_POLICY: JobConfigPolicy = { llm: { model: 'LLM_MODEL' }, crawl: { allowPrivateNetworks: false } };

/** The schema of a job config as the API takes it, for the OpenAPI document (3.0: `nullable`, no type lists). */
export function jobConfigJsonSchema(): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(jobConfigSchema(DOCUMENT_POLICY), {
    io: 'input',
    target: 'openapi-3.0',
    unrepresentable: 'any',
  });
  return schema;
}

/**
 * The job config with every default applied, or the problems: one per bad
 * section (the first), each naming its field (`config.scraping.max_concurrent
 * must be ...`), unknown sections first. `undefined` and `null` sections are
 * the defaults.
 */
export function parseJobConfig(
  input: unknown,
  policy: JobConfigPolicy,
): { ok: true; config: JobConfig } | { ok: false; problems: string[] } {
  const given = input ?? {};
  if (!isPlainObject(given)) return { ok: false, problems: ['config must be an object'] };
  const source = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== null));
  const parsed = jobConfigSchema(policy).safeParse(source);
  if (parsed.success) return { ok: true, config: parsed.data };
  const unknown: string[] = [];
  const bySection = new Map<string, string>();
  for (const { field, problem } of configProblems(parsed.error, source)) {
    const [sectionName] = field.split('.', 1);
    if (!(JOB_CONFIG_SECTIONS as readonly string[]).includes(sectionName)) {
      unknown.push(`config.${sectionName} ${problem} (${JOB_CONFIG_SECTIONS.join(', ')})`);
    } else if (field === sectionName && source[sectionName] !== undefined && !isPlainObject(source[sectionName])) {
      bySection.set(sectionName, `config.${sectionName} must be an object`);
    } else if (!bySection.has(sectionName)) {
      bySection.set(sectionName, `config.${field} ${problem}`);
    }
  }
  const problems = [...unknown, ...JOB_CONFIG_SECTIONS.flatMap((s) => bySection.get(s) ?? [])];
  return { ok: false, problems };
}
