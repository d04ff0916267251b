import { NO_TEMPLATE } from '@datafactory/contracts';
import { TemplateRegistry } from '@datafactory/generator';
import { JobInputError } from './job-input.js';

/**
 * The job's template is one this install has (built-in or DATA_DIR/templates),
 * or a JobInputError naming the field and the templates there are: checked
 * when the job is created, before any page is fetched or any call is paid for.
 */
export async function checkTemplateExists(dataDir: string, template: string): Promise<void> {
  if (template === NO_TEMPLATE) return;
  const registry = await TemplateRegistry.load({ dataDir });
  if (registry.has(template)) return;
  const available = [...registry.list().map((t) => t.type), NO_TEMPLATE];
  throw new JobInputError([
    `config.generation.template "${template}" is not a template of this install (available: ${available.join(', ')})`,
  ]);
}
