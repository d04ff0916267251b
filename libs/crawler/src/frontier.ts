import type { ScrapingConfig } from './scraping-config.js';
import { sameSite, UrlFilter } from './urls.js';

const MAX_SITEMAPS = 100;

/** The validators of a copy already held: a page fetched with them may come back `304 Not Modified`. */
export interface ConditionalRequest {
  etag?: string;
  lastModified?: string;
}

/** One unit of work: a page or a sitemap to fetch. */
export interface Task {
  /** Set for a page fetched again (a refresh): sent as If-None-Match / If-Modified-Since. */
  conditional?: ConditionalRequest;
  kind: 'page' | 'sitemap';
  url: string;
  depth: number;
  attempt: number;
  discoveredFrom?: string;
  enqueuedAt: number;
}

/** The pacing key of a URL: its host (with port). */
export function hostKey(url: string): string {
  return new URL(url).host;
}

export type Admission = 'queued' | 'duplicate' | 'over-max-pages' | 'ignored';

/**
 * The crawl's frontier: one task queue per host, the URLs seen (dedup), the
 * depth and pattern limits for discovered URLs, and the max_pages count.
 */
export class Frontier {
  private readonly queues = new Map<string, Task[]>();
  private readonly seen = new Set<string>();
  private readonly sitemapsSeen = new Set<string>();
  private readonly okFinalUrls = new Map<string, string>();
  private readonly filter: UrlFilter;
  private admitted = 0;

  constructor(
    private readonly limits: Pick<ScrapingConfig, 'max_pages' | 'max_depth' | 'include_patterns' | 'exclude_patterns'>,
    /** Called after every task put in a queue (wakes idle workers). */
    private readonly onEnqueue: () => void,
  ) {
    this.filter = new UrlFilter(limits.include_patterns, limits.exclude_patterns);
  }

  enqueue(task: Task): void {
    const key = hostKey(task.url);
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = []));
    q.push(task);
    this.onEnqueue();
  }

  /** A seed URL (normalized): queued unless seen before or max_pages is reached. */
  admitSeed(url: string): Admission {
    if (this.seen.has(url)) return 'duplicate';
    this.seen.add(url);
    if (this.admitted >= this.limits.max_pages) return 'over-max-pages';
    this.admitted++;
    this.enqueue({ kind: 'page', url, depth: 0, attempt: 1, enqueuedAt: performance.now() });
    return 'queued';
  }

  /** A URL found in a page or a sitemap, in site mode: same site, within depth, patterns and max_pages. */
  admitDiscovered(url: string, depth: number, from: string, seed: string): Admission {
    if (depth > this.limits.max_depth || this.seen.has(url) || !sameSite(url, seed) || !this.filter.accepts(url))
      return 'ignored';
    this.seen.add(url);
    if (this.admitted >= this.limits.max_pages) return 'over-max-pages';
    this.admitted++;
    this.enqueue({ kind: 'page', url, depth, attempt: 1, discoveredFrom: from, enqueuedAt: performance.now() });
    return 'queued';
  }

  /** Queues a sitemap once (at most MAX_SITEMAPS per crawl). */
  addSitemap(url: string, from: string | undefined): void {
    if (this.sitemapsSeen.has(url) || this.sitemapsSeen.size >= MAX_SITEMAPS) return;
    this.sitemapsSeen.add(url);
    this.enqueue({ kind: 'sitemap', url, depth: 0, attempt: 1, discoveredFrom: from, enqueuedAt: performance.now() });
  }

  /**
   * Claims `finalUrl` for the ok document of `url`; returns the URL that
   * claimed it first when that was another one (a duplicate).
   */
  claimFinalUrl(finalUrl: string, url: string): string | undefined {
    const earlier = this.okFinalUrls.get(finalUrl);
    if (earlier && earlier !== url) return earlier;
    this.okFinalUrls.set(finalUrl, url);
    return undefined;
  }

  /** The origins of the URLs seen so far. */
  seenOrigins(): Set<string> {
    return new Set([...this.seen].map((u) => new URL(u).origin));
  }

  /** Whether any URL seen so far is on the same site as `url`. */
  seenSameSite(url: string): boolean {
    return [...this.seen].some((s) => sameSite(s, url));
  }

  /**
   * The queued task whose host can be sent to soonest (`nextSlot`); hosts
   * whose origin is `held` (robots.txt loading) wait.
   */
  pick(nextSlot: (host: string) => number, held: (origin: string) => boolean): Task | undefined {
    let best: { key: string; slot: number } | undefined;
    for (const [key, q] of this.queues) {
      if (!q.length) continue;
      const origin = new URL(q[0]!.url).origin;
      if (held(origin)) continue;
      const slot = nextSlot(key);
      if (!best || slot < best.slot) best = { key, slot };
    }
    if (!best) return undefined;
    const q = this.queues.get(best.key)!;
    const task = q.shift()!;
    if (!q.length) this.queues.delete(best.key);
    return task;
  }

  hasQueued(): boolean {
    for (const q of this.queues.values()) if (q.length) return true;
    return false;
  }
}
