import { RE2JS } from 're2js';
import { z } from 'zod';
import { boolean, integer, json, must, oneOf, orDefault, section } from './fields.js';

/**
 * Names the bot; its first word (`DataFactoryBot`) is the token robots.txt
 * groups are matched against. Operators should add a contact URL or address.
 */
export const DEFAULT_USER_AGENT = 'DataFactoryBot/0.1 (AI Data Factory crawler; obeys robots.txt)';

export const PRIVATE_NETWORKS_REFUSED =
  'scraping.allow_private_networks cannot be true: this server does not allow private networks ' +
  '(the operator allows them with CRAWL_ALLOW_PRIVATE_NETWORKS=true, or single hosts with CRAWL_TRUSTED_HOSTS)';

/** What the operator lets a job's crawl reach (AppConfig.crawl): the default and the ceiling. */
export interface CrawlPolicy {
  allowPrivateNetworks: boolean;
}

const DAY_MS = 86_400_000;

/**
 * Why an include/exclude pattern cannot be used, or undefined. The crawler
 * compiles patterns with re2js (libs/crawler/src/urls.ts `compilePattern`,
 * which must stay free of imports for its worker-thread spec); this is the
 * same test, here so that the API can refuse a pattern without loading the
 * crawler: a JavaScript regular expression that RE2 also compiles.
 */
export function urlPatternProblem(pattern: string): string | undefined {
  if (!(pattern.length > 1 && pattern.startsWith('/') && pattern.endsWith('/'))) return undefined;
  const body = pattern.slice(1, -1);
  try {
    new RegExp(body);
  } catch (e) {
    return `invalid regular expression ${pattern}: ${(e as Error).message}`;
  }
  try {
    RE2JS.compile(body);
  } catch (e) {
    return `unsupported regular expression ${pattern}: ${(e as Error).message} (backreferences and lookaround are not supported)`;
  }
  return undefined;
}

const patterns = () =>
  z
    .array(z.unknown(), must('a list of non-empty strings'))
    .superRefine((list, ctx) => {
      if (list.some((p) => typeof p !== 'string' || p === '')) {
        ctx.addIssue({ code: 'custom', message: `must be a list of non-empty strings (got ${json(list)})` });
        return;
      }
      for (const p of list as string[]) {
        const problem = urlPatternProblem(p);
        if (problem) return void ctx.addIssue({ code: 'custom', message: `has an ${problem}` });
      }
    })
    .transform((list) => [...(list as string[])])
    .meta({ items: { type: 'string', minLength: 1 } });

const positiveNumber = (max: number) => {
  const e = must(`a number above 0 and at most ${max}`);
  return z.number(e).gt(0, e).max(max, e);
};

const singleLine = () => {
  const e = must('a non-empty single-line string');
  return z
    .string(e)
    .refine((v) => v.trim() !== '' && !/[\r\n]/.test(v), e)
    .transform((v) => v.trim());
};

export const SCRAPING_DEFAULTS = Object.freeze({
  max_concurrent: 3,
  use_playwright: 'auto',
  respect_robots_txt: true,
  respect_ai_reservations: true,
  mode: 'pages',
  max_depth: 2,
  max_pages: 1000,
  include_patterns: [] as string[],
  exclude_patterns: [] as string[],
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
} as const);

const d =
  <K extends keyof typeof SCRAPING_DEFAULTS>(key: K) =>
  () =>
    SCRAPING_DEFAULTS[key];

/**
 * The job's `scraping` section (DESIGN.md "Job config"). Every field may be
 * absent or null (the default). With the operator's crawl policy, the
 * policy's `allowPrivateNetworks` is the default of `allow_private_networks`
 * and its ceiling: a job may turn private networks off, never on. Without one
 * (the crawler checking a section it was handed) the default is false.
 */
export const scrapingSection = (crawl?: CrawlPolicy) =>
  section(
    {
      /** Requests in flight at once for the whole job. */
      max_concurrent: orDefault(integer(1, 256), d('max_concurrent')),
      /** Browser fallback: `auto` renders pages whose HTTP result looks script-rendered; `always`, `never` force it. */
      use_playwright: orDefault(oneOf(['auto', 'always', 'never']), d('use_playwright')),
      respect_robots_txt: orDefault(boolean(), d('respect_robots_txt')),
      /**
       * Skip pages that reserve text-and-data-mining rights (`tdm-reservation: 1` from
       * /.well-known/tdmrep.json, the HTTP header or the HTML meta; or `noai` in the robots meta or
       * X-Robots-Tag): `skipped: tdm_reserved`. The terms are recorded either way.
       */
      respect_ai_reservations: orDefault(boolean(), d('respect_ai_reservations')),
      /** `pages`: exactly the URLs given; `site`: also follow same-site links and sitemaps. */
      mode: orDefault(oneOf(['pages', 'site']), d('mode')),
      /** Link hops from a start URL that `site` mode follows (sitemap URLs count as one hop). */
      max_depth: orDefault(integer(0, 100), d('max_depth')),
      /** Hard cap on the documents a job produces, in both modes. */
      max_pages: orDefault(integer(1, 10_000_000), d('max_pages')),
      /** URL patterns a discovered URL must match (one of), in `site` mode: globs (`*`) or `/regex/`. */
      include_patterns: orDefault(patterns(), () => []),
      /** URL patterns a discovered URL must not match. */
      exclude_patterns: orDefault(patterns(), () => []),
      /** Requests per second to one host (robots.txt `Crawl-delay` can only slow it down). */
      requests_per_second: orDefault(positiveNumber(1000), d('requests_per_second')),
      user_agent: orDefault(singleLine(), d('user_agent')),
      connect_timeout_ms: orDefault(integer(1, DAY_MS), d('connect_timeout_ms')),
      /** Time allowed to wait for the response headers, and between two body chunks. */
      read_timeout_ms: orDefault(integer(1, DAY_MS), d('read_timeout_ms')),
      /** Whole request, redirects included. */
      request_timeout_ms: orDefault(integer(1, DAY_MS), d('request_timeout_ms')),
      /** Browser navigation timeout. */
      navigation_timeout_ms: orDefault(integer(1, DAY_MS), d('navigation_timeout_ms')),
      /** Largest decoded body accepted, enforced while streaming. */
      max_body_bytes: orDefault(integer(1, 1024 * 1024 * 1024), d('max_body_bytes')),
      max_redirects: orDefault(integer(0, 20), d('max_redirects')),
      /** Attempts per URL (1 = no retry) on network errors, timeouts, 408, 429 and 5xx. */
      max_attempts: orDefault(integer(1, 10), d('max_attempts')),
      /** First retry delay; doubles each attempt, with jitter. */
      retry_base_delay_ms: orDefault(integer(0, DAY_MS), d('retry_base_delay_ms')),
      /** Longest Retry-After the crawler waits for; a longer one fails the URL. */
      max_retry_after_ms: orDefault(integer(0, DAY_MS), d('max_retry_after_ms')),
      /** Lifts the refusal of loopback, private, link-local and metadata addresses (tests, intranets). */
      allow_private_networks: orDefault(
        boolean().refine((v) => !v || !crawl || crawl.allowPrivateNetworks, {
          error: PRIVATE_NETWORKS_REFUSED.slice('scraping.allow_private_networks '.length),
        }),
        () => crawl?.allowPrivateNetworks ?? false,
      ),
    },
    (known) => `is not a scraping option (known: ${known})`,
  );

export type ScrapingSection = ReturnType<typeof scrapingSection>;
/** The resolved `scraping` section, every field with its value. */
export type ScrapingConfig = z.output<ScrapingSection>;
