import type { FetchMethod, PageTerms, ScrapeStatus } from '@datafactory/contracts';
import type { FailureCode } from './errors.js';

/** One URL's outcome, streamed by `Crawler.crawl` as soon as it is known. */
export interface CrawledDocument {
  /** The URL as requested, normalised (fragment dropped). */
  url: string;
  status: Exclude<ScrapeStatus, 'pending'>;
  /** Machine-readable cause of `failed` / `skipped`. */
  reasonCode?: FailureCode;
  /** Human-readable cause: "HTTP 404", "timeout: ...", "robots: disallowed by robots.txt"... */
  reason?: string;
  /** Link hops from a start URL (0 for the URLs given). */
  depth: number;
  /** The page that linked to it, or the sitemap that listed it (site mode). */
  discoveredFrom?: string;
  httpStatus?: number;
  contentType?: string;
  /** After redirects. */
  finalUrl?: string;
  /** Every URL after the first one, in order. */
  redirects: string[];
  canonicalUrl?: string;
  fetchMethod?: FetchMethod;
  /** Why the browser was used: `always`, or what made the HTTP result look script-rendered. */
  browserReason?: string;
  /** When `auto` tried the browser and it failed, the HTTP result is kept and this says why. */
  browserError?: string;
  title?: string;
  language?: string;
  publishedAt?: Date;
  /** Charset the body was decoded from. */
  charset?: string;
  /** The page as UTF-8 text (HTML, or plain text for text/plain), for `ok` documents. */
  content?: string;
  /** Size of the decoded body as received, in bytes. */
  bytes?: number;
  fetchedAt?: Date;
  /** The response's `ETag` and `Last-Modified`, as sent (provenance, and a refresh's conditional request). */
  etag?: string;
  lastModified?: string;
  /** What the page says about its use (robots meta, X-Robots-Tag, TDMRep, license), for fetched pages. */
  terms?: PageTerms;
  attempts: number;
  /** Milliseconds: time to first byte and whole fetch of the last attempt, browser rendering, time queued. */
  timings: { ttfbMs?: number; fetchMs?: number; browserMs?: number; totalMs: number };
  /**
   * True when a conditional request was answered `304 Not Modified`: the page is `ok` with no
   * `content` (the caller holds the copy it asked about).
   */
  notModified?: boolean;
  /** Same-site links found on the page (site mode follows those within the limits). */
  linksFound?: number;
  robotsIgnored: boolean;
  privateNetworksAllowed: boolean;
}

/** Totals of one crawl, returned when it ends. */
export interface CrawlSummary {
  ok: number;
  failed: number;
  skipped: number;
  /** Requests sent (pages, robots.txt, sitemaps, browser sub-resources, retries). */
  requests: number;
  sitemapsRead: number;
  /** Discovered URLs left out because `max_pages` was reached. */
  droppedByMaxPages: number;
  cancelled: boolean;
}
