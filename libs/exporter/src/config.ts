import { configProblems, ExportSection, isPlainObject } from '@datafactory/contracts';
import type { ExportConfig } from '@datafactory/contracts';

/** How a job is exported: schema, defaults and type in libs/contracts (job-config/export.ts). */
export { DEFAULT_EXPORT_CONFIG, type ExportConfig, type SplitRatios } from '@datafactory/contracts';

/** A bad export config value; `field` names it (`split.train`, `format`...). */
export class ExportConfigError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`export.${field} ${problem}`);
    this.name = 'ExportConfigError';
  }
}

/**
 * Validates a partial export config (from a job config or an API request)
 * and fills in the defaults. Throws an ExportConfigError naming the first
 * bad field. `split` is `"none"` or `{train, validation, test}` ratios that
 * add up to 1 (a missing ratio counts as 0).
 */
export function resolveExportConfig(partial: unknown = {}): ExportConfig {
  if (partial === null || partial === undefined) partial = {};
  if (!isPlainObject(partial)) {
    throw new ExportConfigError('(config)', `must be an object (got ${JSON.stringify(partial)})`);
  }
  const parsed = ExportSection.safeParse(partial);
  if (parsed.success) return parsed.data;
  const [first] = configProblems(parsed.error, partial);
  throw new ExportConfigError(first.field, first.problem);
}
