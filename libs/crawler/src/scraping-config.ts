import { configProblems, isPlainObject, scrapingSection } from '@datafactory/contracts';

/**
 * The job's `scraping` section: its schema, defaults and type live in
 * libs/contracts (job-config/scraping.ts), so that the API validates a job
 * without loading the crawler.
 */
export { DEFAULT_USER_AGENT, SCRAPING_DEFAULTS, type ScrapingConfig } from '@datafactory/contracts';
import type { ScrapingConfig } from '@datafactory/contracts';

/** The robots.txt product token of a User-Agent: its first word, without the version. */
export function robotsToken(userAgent: string): string {
  return userAgent.trim().split(/[\s/;(]/, 1)[0] || '*';
}

export class ScrapingConfigError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`scraping.${field} ${problem}`);
    this.name = 'ScrapingConfigError';
  }
}

const SECTION = scrapingSection();

/**
 * The job's scraping section with defaults applied (an already resolved one
 * comes back unchanged). Unknown fields and bad values throw a
 * ScrapingConfigError naming the first; `undefined` and `null` mean "use the
 * default". The operator's ceiling on private networks is applied by the
 * job's config (libs/pipeline) and again by the process that crawls.
 */
export function resolveScrapingConfig(partial: unknown = {}): ScrapingConfig {
  if (partial === null || partial === undefined) partial = {};
  if (!isPlainObject(partial)) {
    throw new ScrapingConfigError('(section)', `must be an object (got ${JSON.stringify(partial)})`);
  }
  const parsed = SECTION.safeParse(partial);
  if (parsed.success) return parsed.data;
  const [first] = configProblems(parsed.error, partial);
  throw new ScrapingConfigError(first.field, first.problem);
}
