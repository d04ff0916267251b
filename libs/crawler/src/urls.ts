import { RE2JS } from 're2js';

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

/** A pattern that cannot be used: not a regular expression at all, or one the linear-time engine does not support. */
export class UrlPatternError extends Error {
  // Plain fields, not parameter properties: urls.spec.ts loads this file with Node's type stripping.
  readonly pattern: string;
  readonly kind: 'invalid' | 'unsupported';
  constructor(pattern: string, kind: 'invalid' | 'unsupported', detail: string) {
    super(`${kind} regular expression ${pattern}: ${detail}`);
    this.name = 'UrlPatternError';
    this.pattern = pattern;
    this.kind = kind;
  }
}

/** A compiled include/exclude pattern. */
export interface UrlPattern {
  readonly source: string;
  /** The engine that runs it: always `re2js` (RE2 semantics, time linear in the URL's length). */
  readonly engine: 're2js';
  test(url: string): boolean;
}

/**
 * A URL pattern: `/regex/` as a regular expression found anywhere in the
 * URL, anything else as a glob where `*` matches any run of characters,
 * matched against the whole normalised URL. Both run on re2js, whose time is
 * linear in the URL, because patterns come from job configs: a backtracking
 * engine would let `/(a+)+$/` stall the worker's event loop. Backreferences
 * and lookaround have no linear-time implementation and are refused with a
 * UrlPatternError, as is a pattern that is no regular expression at all.
 */
export function compilePattern(pattern: string): UrlPattern {
  if (pattern.length > 1 && pattern.startsWith('/') && pattern.endsWith('/')) {
    const body = pattern.slice(1, -1);
    try {
      new RegExp(body);
    } catch (e) {
      throw new UrlPatternError(pattern, 'invalid', (e as Error).message);
    }
    let re: RE2JS;
    try {
      re = RE2JS.compile(body);
    } catch (e) {
      throw new UrlPatternError(
        pattern,
        'unsupported',
        `${(e as Error).message} (backreferences and lookaround are not supported)`,
      );
    }
    return { source: pattern, engine: 're2js', test: (url) => re.test(url) };
  }
  const re = RE2JS.compile(pattern.split('*').map(RE2JS.quote).join('.*'));
  return { source: pattern, engine: 're2js', test: (url) => re.testExact(url) };
}

/** Include (any of, when some are given) and exclude (none of) URL patterns. */
export class UrlFilter {
  private readonly include: UrlPattern[];
  private readonly exclude: UrlPattern[];

  constructor(include: string[], exclude: string[]) {
    this.include = include.map(compilePattern);
    this.exclude = exclude.map(compilePattern);
  }

  accepts(url: string): boolean {
    if (this.include.length && !this.include.some((r) => r.test(url))) return false;
    return !this.exclude.some((r) => r.test(url));
  }
}
