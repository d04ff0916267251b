import { type JobConfig, NO_TEMPLATE } from '@datafactory/contracts';
import { TemplateRegistry } from '@datafactory/generator';
import { JobInputError } from './job-input.js';

/**
 * What makes a job fail before it starts, checked when it is created (before
 * any page is fetched or any call is paid for): a JobInputError listing every
 * problem. What needs the network (the LLM endpoint, the toxicity model) is
 * the job's first step instead (handlers/checks-preflight.ts).
 */
export async function preflightJob(dataDir: string, config: JobConfig): Promise<void> {
  const problems = [await templateProblem(dataDir, config.generation.template), judgeProblem(config)];
  const found = problems.filter((p): p is string => p !== null);
  if (found.length) throw new JobInputError(found);
}

/**
 * The job's template is one this install has (built-in or DATA_DIR/templates),
 * or a JobInputError naming the field and the templates there are.
 */
export async function checkTemplateExists(dataDir: string, template: string): Promise<void> {
  const problem = await templateProblem(dataDir, template);
  if (problem) throw new JobInputError([problem]);
}

async function templateProblem(dataDir: string, template: string): Promise<string | null> {
  if (template === NO_TEMPLATE) return null;
  const registry = await TemplateRegistry.load({ dataDir });
  if (registry.has(template)) return null;
  const available = [...registry.list().map((t) => t.type), NO_TEMPLATE];
  return `config.generation.template "${template}" is not a template of this install (available: ${available.join(', ')})`;
}

/**
 * The judge check rates examples with a model the job names: enabled without
 * `quality.judge.model`, it is refused rather than run with a model nobody
 * chose (and `quality.allow_unavailable` does not help: nothing is unavailable yet).
 */
function judgeProblem(config: JobConfig): string | null {
  const { checks, judge } = config.quality;
  if (!checks.includes('judge') || judge.model !== null) return null;
  return (
    'config.quality.judge.model must be set when quality.checks includes "judge" (the model that rates ' +
    'each example, e.g. "gpt-4o-mini"); or remove "judge" from quality.checks'
  );
}
