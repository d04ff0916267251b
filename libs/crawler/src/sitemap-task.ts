import { classifyNetworkError, FetchError } from './errors.js';
import { type Fetched, httpError } from './fetch-following.js';
import { hostKey, type Task } from './frontier.js';
import { parseSitemap, sitemapText } from './sitemap.js';
import { sameSite } from './urls.js';

/** What reading a sitemap needs of the crawl. */
export interface SitemapTaskContext {
  maxBodyBytes: number;
  /** GET with redirects, robots.txt checked on every hop. */
  fetch: (url: string) => Promise<Fetched>;
  /** Another attempt later, when the error and the attempts left allow it. */
  scheduleRetry: (task: Task, error: FetchError) => void;
  /** A sitemap was read (for the summary). */
  onRead: () => void;
  addSitemap: (url: string, from: string) => void;
  admitDiscovered: (url: string, depth: number, from: string, seed: string) => void;
}

/** Reads one sitemap: its child sitemaps (same site) and its page URLs (depth 1) go to the frontier. */
export async function processSitemap(ctx: SitemapTaskContext, task: Task): Promise<void> {
  let fetched: Fetched;
  try {
    fetched = await ctx.fetch(task.url);
  } catch (e) {
    const err = e instanceof FetchError ? e : classifyNetworkError(e, hostKey(task.url));
    ctx.scheduleRetry(task, err);
    return;
  }
  const { response } = fetched;
  if (response.status < 200 || response.status >= 300) {
    ctx.scheduleRetry(task, httpError(response));
    return;
  }
  let parsed: { urls: string[]; sitemaps: string[] };
  try {
    parsed = parseSitemap(sitemapText(response.body, ctx.maxBodyBytes));
  } catch {
    return;
  }
  ctx.onRead();
  for (const child of parsed.sitemaps) if (sameSite(child, task.url)) ctx.addSitemap(child, task.url);
  for (const url of parsed.urls) ctx.admitDiscovered(url, 1, task.url, task.url);
}
