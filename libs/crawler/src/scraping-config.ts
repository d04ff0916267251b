import { compilePattern, UrlPatternError } from './urls.js';

/**
 * The job's `scraping` section (DESIGN.md "Job config"), every field with its
 * default. `resolveScrapingConfig` is the only way to build one: it applies
 * the defaults and rejects a bad value with an error naming the field.
 */
export interface ScrapingConfig {
  /** Requests in flight at once for the whole job. */
  max_concurrent: number;
  /** Browser fallback: `auto` renders pages whose HTTP result looks script-rendered; `always`, `never` force it. */
  use_playwright: 'auto' | 'always' | 'never';
  respect_robots_txt: boolean;
  /** `pages`: exactly the URLs given; `site`: also follow same-site links and sitemaps. */
  mode: 'pages' | 'site';
  /** Link hops from a start URL that `site` mode follows (sitemap URLs count as one hop). */
  max_depth: number;
  /** Hard cap on the documents a job produces, in both modes. */
  max_pages: number;
  /** URL patterns a discovered URL must match (one of), in `site` mode: globs (`*`) or `/regex/`. */
  include_patterns: string[];
  /** URL patterns a discovered URL must not match. */
  exclude_patterns: string[];
  /** Requests per second to one host (robots.txt `Crawl-delay` can only slow it down). */
  requests_per_second: number;
  user_agent: string;
  connect_timeout_ms: number;
  /** Time allowed to wait for the response headers, and between two body chunks. */
  read_timeout_ms: number;
  /** Whole request, redirects included. */
  request_timeout_ms: number;
  /** Browser navigation timeout. */
  navigation_timeout_ms: number;
  /** Largest decoded body accepted, enforced while streaming. */
  max_body_bytes: number;
  max_redirects: number;
  /** Attempts per URL (1 = no retry) on network errors, timeouts, 408, 429 and 5xx. */
  max_attempts: number;
  /** First retry delay; doubles each attempt, with jitter. */
  retry_base_delay_ms: number;
  /** Longest Retry-After the crawler waits for; a longer one fails the URL. */
  max_retry_after_ms: number;
  /** Lifts the refusal of loopback, private, link-local and metadata addresses (tests, intranets). */
  allow_private_networks: boolean;
}

/**
 * Names the bot; its first word (`DataFactoryBot`) is the token robots.txt
 * groups are matched against. Operators should add a contact URL or address.
 */
export const DEFAULT_USER_AGENT = 'DataFactoryBot/0.1 (AI Data Factory crawler; obeys robots.txt)';

/** The robots.txt product token of a User-Agent: its first word, without the version. */
export function robotsToken(userAgent: string): string {
  return userAgent.trim().split(/[\s/;(]/, 1)[0] || '*';
}

export const SCRAPING_DEFAULTS: Readonly<ScrapingConfig> = Object.freeze({
  max_concurrent: 3,
  use_playwright: 'auto',
  respect_robots_txt: true,
  mode: 'pages',
  max_depth: 2,
  max_pages: 1000,
  include_patterns: [],
  exclude_patterns: [],
  requests_per_second: 2,
  user_agent: DEFAULT_USER_AGENT,
  connect_timeout_ms: 10_000,
  read_timeout_ms: 20_000,
  request_timeout_ms: 60_000,
  navigation_timeout_ms: 30_000,
  max_body_bytes: 10 * 1024 * 1024,
  max_redirects: 5,
  max_attempts: 3,
  retry_base_delay_ms: 1_000,
  max_retry_after_ms: 120_000,
  allow_private_networks: false,
} satisfies ScrapingConfig);

export class ScrapingConfigError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`scraping.${field} ${problem}`);
    this.name = 'ScrapingConfigError';
  }
}

type Checker = (value: unknown, field: string) => unknown;

const integer =
  (min: number, max: number): Checker =>
  (v, field) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new ScrapingConfigError(field, `must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
    }
    return v;
  };

const positiveNumber =
  (max: number): Checker =>
  (v, field) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) {
      throw new ScrapingConfigError(field, `must be a number above 0 and at most ${max} (got ${JSON.stringify(v)})`);
    }
    return v;
  };

const oneOf =
  (...values: string[]): Checker =>
  (v, field) => {
    if (typeof v !== 'string' || !values.includes(v)) {
      throw new ScrapingConfigError(field, `must be one of ${values.join(', ')} (got ${JSON.stringify(v)})`);
    }
    return v;
  };

const boolean: Checker = (v, field) => {
  if (typeof v !== 'boolean') throw new ScrapingConfigError(field, `must be true or false (got ${JSON.stringify(v)})`);
  return v;
};

const nonEmptyString: Checker = (v, field) => {
  if (typeof v !== 'string' || v.trim() === '' || /[\r\n]/.test(v)) {
    throw new ScrapingConfigError(field, `must be a non-empty single-line string (got ${JSON.stringify(v)})`);
  }
  return v.trim();
};

const patterns: Checker = (v, field) => {
  if (!Array.isArray(v) || v.some((p) => typeof p !== 'string' || p === '')) {
    throw new ScrapingConfigError(field, `must be a list of non-empty strings (got ${JSON.stringify(v)})`);
  }
  for (const p of v as string[]) {
    try {
      compilePattern(p);
    } catch (e) {
      if (e instanceof UrlPatternError) throw new ScrapingConfigError(field, `has an ${e.message}`);
      throw e;
    }
  }
  return [...(v as string[])];
};

const DAY_MS = 86_400_000;
const CHECKS: Record<keyof ScrapingConfig, Checker> = {
  max_concurrent: integer(1, 256),
  use_playwright: oneOf('auto', 'always', 'never'),
  respect_robots_txt: boolean,
  mode: oneOf('pages', 'site'),
  max_depth: integer(0, 100),
  max_pages: integer(1, 10_000_000),
  include_patterns: patterns,
  exclude_patterns: patterns,
  requests_per_second: positiveNumber(1000),
  user_agent: nonEmptyString,
  connect_timeout_ms: integer(1, DAY_MS),
  read_timeout_ms: integer(1, DAY_MS),
  request_timeout_ms: integer(1, DAY_MS),
  navigation_timeout_ms: integer(1, DAY_MS),
  max_body_bytes: integer(1, 1024 * 1024 * 1024),
  max_redirects: integer(0, 20),
  max_attempts: integer(1, 10),
  retry_base_delay_ms: integer(0, DAY_MS),
  max_retry_after_ms: integer(0, DAY_MS),
  allow_private_networks: boolean,
};

/**
 * The job's scraping section with defaults applied. Unknown fields and bad
 * values throw a ScrapingConfigError naming the field; `undefined` and `null`
 * mean "use the default".
 */
export function resolveScrapingConfig(partial: unknown = {}): ScrapingConfig {
  if (partial === null || partial === undefined) partial = {};
  if (typeof partial !== 'object' || Array.isArray(partial)) {
    throw new ScrapingConfigError('(section)', `must be an object (got ${JSON.stringify(partial)})`);
  }
  const input = partial as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!(key in CHECKS)) {
      throw new ScrapingConfigError(key, `is not a scraping option (known: ${Object.keys(CHECKS).join(', ')})`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, check] of Object.entries(CHECKS)) {
    const v = input[key];
    const def = SCRAPING_DEFAULTS[key as keyof ScrapingConfig];
    out[key] = v === undefined || v === null ? (Array.isArray(def) ? [...def] : def) : check(v, key);
  }
  return out as unknown as ScrapingConfig;
}
