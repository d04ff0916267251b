import { createRequire } from 'node:module';
import { classifyNetworkError, FailureCode, FetchError } from './errors.js';
import type { Fetched } from './fetch-following.js';
import type { HostSchedule } from './politeness.js';

interface RobotsTxt {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
  getSitemaps(): string[];
}
// robots-parser is CommonJS whose typings claim a default export it does not have under ESM.
const robotsParser = createRequire(import.meta.url)('robots-parser') as (url: string, text: string) => RobotsTxt;

const MAX_CRAWL_DELAY_MS = 60_000;
const ROBOTS_MAX_BYTES = 512 * 1024;

type RobotsDecision =
  | { kind: 'rules'; isAllowed: (url: string) => boolean; sitemaps: string[] }
  | { kind: 'allow-all' }
  | { kind: 'disallow-all'; reason: string }
  | { kind: 'unreachable'; error: FetchError };

/** A robots.txt outcome as kept in a store shared by workers (the rules as the text they came from). */
export type StoredRobots =
  | { kind: 'rules'; body: string }
  | { kind: 'allow-all' }
  | { kind: 'disallow-all'; reason: string }
  | { kind: 'unreachable'; code: FailureCode; message: string; retryable?: boolean };

/** Where a crawl shared by workers keeps each origin's robots.txt, so it is fetched once per job. */
export interface RobotsStore {
  /** The origin's stored outcome, or the one `fetch` gets (called by one caller of all the workers). */
  load(origin: string, fetch: () => Promise<StoredRobots>): Promise<StoredRobots>;
}

export interface RobotsCacheOptions {
  /** `respect_robots_txt`: when false every URL is allowed and nothing is fetched. */
  respect: boolean;
  /** The user-agent token robots.txt groups are matched against. */
  token: string;
  /** GETs a robots.txt (redirects followed, no robots check of its own). */
  fetch: (url: string, maxBytes: number) => Promise<Fetched>;
  /** Crawl-delay is applied to the host's pacing. */
  pacer: Pick<HostSchedule, 'slowDown'>;
  /** A store shared by workers, which fetches through `fetch` only when nobody has. */
  store?: RobotsStore;
  /** A robots.txt finished loading (its host's tasks may go now). */
  onLoaded: () => void;
  /** A Sitemap line of a robots.txt, as written (site mode only). */
  onSitemap?: (raw: string) => void;
}

/** robots.txt per origin: fetched once per crawl, then asked for each document URL. */
export class RobotsCache {
  private readonly robots = new Map<string, Promise<RobotsDecision>>();
  private readonly loaded = new Set<string>();

  constructor(private readonly options: RobotsCacheOptions) {}

  /** True while the origin's robots.txt is being fetched (its URLs wait). */
  isLoading(origin: string): boolean {
    return this.robots.has(origin) && !this.loaded.has(origin);
  }

  /** Throws a FetchError when robots.txt forbids `url` (or the site cannot be reached). */
  async check(url: string): Promise<void> {
    if (!this.options.respect) return;
    if (new URL(url).pathname === '/robots.txt') return;
    const origin = new URL(url).origin;
    const decision = await this.decisionFor(origin);
    if (decision.kind === 'unreachable') throw decision.error;
    if (decision.kind === 'disallow-all') throw new FetchError(FailureCode.Robots, decision.reason);
    if (decision.kind === 'rules') {
      if (this.options.onSitemap) for (const s of decision.sitemaps) this.options.onSitemap(s);
      if (!decision.isAllowed(url)) throw new FetchError(FailureCode.Robots, 'robots: disallowed by robots.txt');
    }
  }

  private decisionFor(origin: string): Promise<RobotsDecision> {
    let p = this.robots.get(origin);
    if (!p) {
      p = this.load(origin).finally(() => {
        this.loaded.add(origin);
        this.options.onLoaded();
      });
      this.robots.set(origin, p);
    }
    return p;
  }

  private async load(origin: string): Promise<RobotsDecision> {
    const store = this.options.store;
    const fetch = () => this.fetchRobots(origin);
    return this.decide(origin, await (store ? store.load(origin, fetch) : fetch()));
  }

  /** RFC 9309: 2xx parsed; 4xx allows all; 5xx, timeouts and unreachable disallow all for now. */
  private async fetchRobots(origin: string): Promise<StoredRobots> {
    const robotsUrl = `${origin}/robots.txt`;
    let fetched: Fetched;
    try {
      fetched = await this.options.fetch(robotsUrl, ROBOTS_MAX_BYTES);
    } catch (e) {
      // Abandoned (the item cancelled, its worker stopping) is no outcome: nothing is kept, the next caller fetches.
      if ((e as { name?: unknown } | null)?.name === 'AbortError') throw e;
      const err = e instanceof FetchError ? e : classifyNetworkError(e, new URL(origin).host);
      if (err.code === FailureCode.Cancelled) throw err;
      if (err.code === FailureCode.TooLarge) return { kind: 'allow-all' };
      if (err.code === FailureCode.Timeout || err.code === FailureCode.Network) {
        return { kind: 'disallow-all', reason: `robots: robots.txt could not be read (${err.message})` };
      }
      return { kind: 'unreachable', code: err.code, message: err.message, retryable: err.retryable };
    }
    const status = fetched.response.status;
    if (status >= 400 && status < 500) return { kind: 'allow-all' };
    if (status < 200 || status >= 300) {
      return { kind: 'disallow-all', reason: `robots: robots.txt answered HTTP ${status}, site treated as disallowed` };
    }
    return { kind: 'rules', body: fetched.response.body.toString('utf8') };
  }

  /** The decision for an origin from its robots.txt outcome; Crawl-delay slows the host down. */
  private decide(origin: string, stored: StoredRobots): RobotsDecision {
    if (stored.kind === 'allow-all') return stored;
    if (stored.kind === 'disallow-all') return stored;
    if (stored.kind === 'unreachable') {
      return {
        kind: 'unreachable',
        error: new FetchError(stored.code, stored.message, { retryable: stored.retryable }),
      };
    }
    const robot = robotsParser(`${origin}/robots.txt`, stored.body);
    const token = this.options.token;
    const crawlDelay = robot.getCrawlDelay(token);
    if (crawlDelay && crawlDelay > 0) {
      this.options.pacer.slowDown(new URL(origin).host, Math.min(crawlDelay * 1000, MAX_CRAWL_DELAY_MS));
    }
    return {
      kind: 'rules',
      isAllowed: (url) => robot.isAllowed(url, token) !== false,
      sitemaps: robot.getSitemaps(),
    };
  }
}
