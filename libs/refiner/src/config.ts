import { configProblems, isPlainObject, ProcessingSection } from '@datafactory/contracts';
import type { ProcessingConfig } from '@datafactory/contracts';

/** The `processing` section of a job's config: schema, defaults and type in libs/contracts (job-config/processing.ts). */
export { DEFAULT_PROCESSING_CONFIG, type ProcessingConfig } from '@datafactory/contracts';

export class ProcessingConfigError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`processing.${field} ${problem}`);
    this.name = 'ProcessingConfigError';
  }
}

/**
 * The processing config with defaults filled in. Throws a
 * ProcessingConfigError naming the first bad or unknown field.
 */
export function resolveProcessingConfig(partial: unknown = {}): ProcessingConfig {
  if (partial === null || partial === undefined) partial = {};
  if (!isPlainObject(partial)) {
    throw new ProcessingConfigError('(section)', `must be an object (got ${JSON.stringify(partial)})`);
  }
  const parsed = ProcessingSection.safeParse(partial);
  if (parsed.success) return parsed.data;
  const [first] = configProblems(parsed.error, partial);
  throw new ProcessingConfigError(first.field, first.problem);
}
