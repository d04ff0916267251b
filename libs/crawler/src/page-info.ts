import { Parser } from 'htmlparser2';
import { tryNormalizeHttpUrl } from './urls.js';

/** What the crawler reads from a page: document metadata, links, and signs of client-side rendering. */
export interface PageInfo {
  title?: string;
  language?: string;
  canonicalUrl?: string;
  publishedAt?: Date;
  /** Absolute, normalised http(s) links of `<a href>` and `<area href>`, without `rel=nofollow` ones. */
  links: string[];
  /** `<meta name="robots">` content, lower-cased (`noindex, nofollow`...). */
  metaRobots?: string;
  /** `<meta name="tdm-reservation">` (TDMRep): 1, 0, or absent (also when the value is neither). */
  tdmReservation?: 0 | 1;
  /** `<meta name="tdm-policy">` (TDMRep), resolved against the page. */
  tdmPolicy?: string;
  /** The first `rel="license"` link (`<link>`, `<a>` or `<area>`), absolute. */
  licenseUrl?: string;
  /** Characters of text outside script, style, noscript and template elements (whitespace collapsed). */
  visibleTextLength: number;
  scriptCount: number;
  /** An app mount point (`#root`, `#app`, `#__next`...) with nothing in it. */
  emptyAppRoot: boolean;
  /** A `<noscript>` telling the reader to enable JavaScript. */
  noscriptHint: boolean;
}

const APP_ROOT_IDS = new Set(['root', 'app', '__next', '__nuxt', '___gatsby', 'svelte', 'main-app', 'application']);
const HIDDEN = new Set(['script', 'style', 'noscript', 'template', 'head', 'title', 'svg']);
const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);
const PUBLISHED_META = new Set([
  'article:published_time',
  'og:published_time',
  'datepublished',
  'date',
  'pubdate',
  'publishdate',
  'publish-date',
  'publish_date',
  'dc.date',
  'dc.date.issued',
  'dcterms.created',
  'dcterms.issued',
  'sailthru.date',
  'parsely-pub-date',
]);

function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value.trim());
  return Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1990 || d.getUTCFullYear() > 2100 ? undefined : d;
}

/** `datePublished` anywhere in a JSON-LD value (objects, arrays, `@graph`). */
function jsonLdDate(value: unknown, depth = 0): string | undefined {
  if (depth > 8 || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (const v of value) {
      const d = jsonLdDate(v, depth + 1);
      if (d) return d;
    }
    return undefined;
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj.datePublished === 'string') return obj.datePublished;
  for (const v of Object.values(obj)) {
    const d = jsonLdDate(v, depth + 1);
    if (d) return d;
  }
  return undefined;
}

/** `href` made absolute against `base` (any scheme kept as written); undefined when it is not a URL. */
function absoluteUrl(href: string, base: string): string | undefined {
  try {
    return new URL(href, base).href;
  } catch {
    return undefined;
  }
}

/** Reads a page in one streaming pass (no DOM is built). `url` resolves relative links. */
export function extractPageInfo(html: string, url: string): PageInfo {
  const info: PageInfo = { links: [], visibleTextLength: 0, scriptCount: 0, emptyAppRoot: false, noscriptHint: false };
  let base = url;
  let title: string | undefined;
  let inTitle = false;
  let hidden = 0;
  let noscriptText = '';
  let inNoscript = 0;
  let jsonLd: string | undefined;
  let metaDate: string | undefined;
  let jsonLdPublished: string | undefined;
  let timeDate: string | undefined;
  let pubTimeDate: string | undefined;
  let lastWasSpace = true;
  /** Open app-root candidates: depth when opened, and whether anything appeared inside. */
  const appRoots: Array<{ depth: number; filled: boolean }> = [];
  const stack: string[] = [];
  const links: string[] = [];
  const readLicense = (attrs: Record<string, string>) => {
    if (!info.licenseUrl && attrs.href && attrs.rel?.toLowerCase().split(/\s+/).includes('license')) {
      info.licenseUrl = absoluteUrl(attrs.href.trim(), base);
    }
  };

  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (appRoots.length) for (const r of appRoots) r.filled = true;
        if (!VOID.has(name)) stack.push(name);
        if (HIDDEN.has(name)) hidden++;
        switch (name) {
          case 'html':
            if (attrs.lang) info.language = attrs.lang.trim() || undefined;
            break;
          case 'base':
            if (attrs.href) base = tryNormalizeHttpUrl(attrs.href, url) ?? base;
            break;
          case 'title':
            if (title === undefined && !stack.includes('svg')) inTitle = true;
            break;
          case 'meta': {
            const key = (attrs.property ?? attrs.name ?? attrs.itemprop ?? '').toLowerCase();
            if (key === 'robots') {
              const content = (attrs.content ?? '').toLowerCase();
              info.metaRobots = info.metaRobots ? `${info.metaRobots}, ${content}` : content;
            }
            if (key === 'tdm-reservation' && info.tdmReservation === undefined) {
              const v = attrs.content?.trim();
              if (v === '1' || v === '0') info.tdmReservation = v === '1' ? 1 : 0;
            }
            if (key === 'tdm-policy' && attrs.content?.trim() && !info.tdmPolicy) {
              info.tdmPolicy = absoluteUrl(attrs.content.trim(), base);
            }
            if (!metaDate && PUBLISHED_META.has(key) && attrs.content) metaDate = attrs.content;
            if (attrs['http-equiv']?.toLowerCase() === 'content-language' && !info.language) {
              info.language = attrs.content?.split(',')[0]?.trim() || undefined;
            }
            break;
          }
          case 'link':
            if (attrs.rel?.toLowerCase().split(/\s+/).includes('canonical') && attrs.href && !info.canonicalUrl) {
              info.canonicalUrl = tryNormalizeHttpUrl(attrs.href, base);
            }
            readLicense(attrs);
            break;
          case 'a':
          case 'area':
            readLicense(attrs);
            if (attrs.href && !attrs.rel?.toLowerCase().split(/\s+/).includes('nofollow')) {
              const link = tryNormalizeHttpUrl(attrs.href, base);
              if (link) links.push(link);
            }
            break;
          case 'script':
            if (attrs.type?.toLowerCase() === 'application/ld+json') jsonLd = '';
            else if (!attrs.type || /javascript|module/i.test(attrs.type)) info.scriptCount++;
            break;
          case 'noscript':
            inNoscript++;
            break;
          case 'time':
            if (attrs.datetime && (attrs.pubdate !== undefined || attrs.itemprop === 'datePublished')) {
              pubTimeDate ??= attrs.datetime;
            }
            if (attrs.datetime) timeDate ??= attrs.datetime;
            break;
        }
        if (attrs.id && APP_ROOT_IDS.has(attrs.id) && !VOID.has(name))
          appRoots.push({ depth: stack.length, filled: false });
      },
      ontext(text) {
        if (inTitle) title = (title ?? '') + text;
        if (jsonLd !== undefined) jsonLd += text;
        if (inNoscript) noscriptText += text;
        if (hidden) return;
        const collapsed = text.replace(/\s+/g, ' ');
        if (collapsed.trim() && appRoots.length) for (const r of appRoots) r.filled = true;
        // Count characters as a reader sees them: runs of whitespace are one space.
        let n = collapsed.length;
        if (lastWasSpace && collapsed.startsWith(' ')) n--;
        if (n > 0) {
          info.visibleTextLength += n;
          lastWasSpace = collapsed.endsWith(' ');
        }
      },
      onclosetag(name) {
        if (VOID.has(name)) return;
        const root = appRoots[appRoots.length - 1];
        if (root && root.depth === stack.length) {
          appRoots.pop();
          if (!root.filled) info.emptyAppRoot = true;
        }
        if (stack[stack.length - 1] === name) stack.pop();
        if (HIDDEN.has(name)) hidden = Math.max(0, hidden - 1);
        if (name === 'title') inTitle = false;
        if (name === 'noscript') inNoscript = Math.max(0, inNoscript - 1);
        if (name === 'script' && jsonLd !== undefined) {
          try {
            jsonLdPublished ??= jsonLdDate(JSON.parse(jsonLd));
          } catch {
            // Broken JSON-LD is common; the other sources still count.
          }
          jsonLd = undefined;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();

  info.title = title?.replace(/\s+/g, ' ').trim() || undefined;
  info.publishedAt = parseDate(metaDate) ?? parseDate(jsonLdPublished) ?? parseDate(pubTimeDate) ?? parseDate(timeDate);
  info.noscriptHint =
    /enable javascript|javascript (is )?(required|disabled|must be enabled)|requires javascript|turn on javascript/i.test(
      noscriptText,
    );
  const nofollowAll = /\bnofollow\b|\bnone\b/.test(info.metaRobots ?? '');
  info.links = nofollowAll ? [] : [...new Set(links)];
  return info;
}

/**
 * Whether an HTTP result is probably rendered by scripts in the browser, so
 * that `use_playwright: auto` should render it: scripts with little visible
 * text, an empty app root, or a `<noscript>` asking for JavaScript.
 */
export function looksScriptRendered(info: PageInfo): boolean {
  if (info.scriptCount > 0 && (info.emptyAppRoot || info.visibleTextLength < 200)) return true;
  return info.noscriptHint && info.visibleTextLength < 2000;
}
