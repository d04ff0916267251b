import { configProblems, isPlainObject, QualitySection } from '@datafactory/contracts';
import type { QualityConfig } from '@datafactory/contracts';

/** The `quality` section of a job's config: schema, defaults and type in libs/contracts (job-config/quality.ts). */
export { type CheckName, DEFAULT_TOXICITY_MODEL, QUALITY_CHECKS, type QualityConfig } from '@datafactory/contracts';

/** Every default of the quality section (what an empty section resolves to). */
export const DEFAULT_QUALITY_CONFIG: Readonly<QualityConfig> = Object.freeze(QualitySection.parse({}));

export class QualityConfigError extends Error {
  constructor(
    /** Dotted path under `quality`, e.g. `toxicity.threshold`. */
    readonly field: string,
    readonly problem: string,
  ) {
    super(`quality.${field} ${problem}`);
    this.name = 'QualityConfigError';
  }
}

/**
 * The quality config with defaults filled in, from any subset of it (the job's
 * `quality` section). Throws a QualityConfigError naming the first bad or
 * unknown field, e.g. `quality.toxicity.threshold must be a number from 0 to 1 (got 2)`.
 */
export function resolveQualityConfig(partial: unknown = {}): QualityConfig {
  if (partial === null || partial === undefined) partial = {};
  if (!isPlainObject(partial)) {
    throw new QualityConfigError('(section)', `must be an object (got ${JSON.stringify(partial)})`);
  }
  const parsed = QualitySection.safeParse(partial);
  if (parsed.success) return parsed.data;
  const [first] = configProblems(parsed.error, partial);
  throw new QualityConfigError(first.field, first.problem);
}
