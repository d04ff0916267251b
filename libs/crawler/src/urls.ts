/**
 * URL normalisation for deduplication within a job: fragment dropped, scheme
 * and host lower-cased (URL does that), default port removed, empty path made
 * `/`. The query is kept as is: its order can matter to the site.
 */
export function normalizeUrl(input: string, base?: string): string {
  const url = new URL(input.trim(), base);
  url.hash = '';
  url.username = '';
  url.password = '';
  if (url.hostname.endsWith('.')) url.hostname = url.hostname.slice(0, -1);
  return url.toString();
}

/** `normalizeUrl`, or undefined for something that is not an http(s) URL. */
export function tryNormalizeHttpUrl(input: string, base?: string): string | undefined {
  try {
    const url = normalizeUrl(input, base);
    return url.startsWith('http://') || url.startsWith('https://') ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Scheme, host and port: the unit robots.txt and the rate limit apply to. */
export function originOf(url: string): string {
  return new URL(url).origin;
}

/** Two URLs are on the same site when their hosts (name and port) match, ignoring a leading `www.`. */
export function sameSite(a: string, b: string): boolean {
  const host = (u: string) => new URL(u).host.replace(/^www\./, '');
  return host(a) === host(b);
}

/**
 * A URL pattern: `/regex/` as a regular expression, anything else as a glob
 * where `*` matches any run of characters; both are tested against the whole
 * normalised URL (a glob must match all of it).
 */
export function compilePattern(pattern: string): RegExp {
  if (pattern.length > 1 && pattern.startsWith('/') && pattern.endsWith('/')) return new RegExp(pattern.slice(1, -1));
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/** Include (any of, when some are given) and exclude (none of) URL patterns. */
export class UrlFilter {
  private readonly include: RegExp[];
  private readonly exclude: RegExp[];

  constructor(include: string[], exclude: string[]) {
    this.include = include.map(compilePattern);
    this.exclude = exclude.map(compilePattern);
  }

  accepts(url: string): boolean {
    if (this.include.length && !this.include.some((r) => r.test(url))) return false;
    return !this.exclude.some((r) => r.test(url));
  }
}
