import { gunzipSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import { tryNormalizeHttpUrl } from './urls.js';

const parser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, processEntities: true });

/** Bytes of a sitemap, gunzipped when they are gzip (a `.xml.gz` file served without Content-Encoding). */
export function sitemapText(body: Buffer, maxBytes: number): string {
  if (body[0] === 0x1f && body[1] === 0x8b) return gunzipSync(body, { maxOutputLength: maxBytes }).toString('utf8');
  return body.toString('utf8');
}

function list(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

/**
 * The page URLs of a `<urlset>` and the child sitemaps of a `<sitemapindex>`
 * (both absolute, normalised, http(s) only). A plain-text sitemap (one URL a
 * line) is read too. Bad XML gives nothing rather than an error.
 */
export function parseSitemap(text: string): { urls: string[]; sitemaps: string[] } {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('<')) {
    const urls = trimmed
      .split(/\r?\n/)
      .map((l) => l.trim())
      // A text sitemap lists absolute URLs only.
      .map((l) => (/^https?:\/\//i.test(l) ? tryNormalizeHttpUrl(l) : undefined))
      .filter((u): u is string => !!u);
    return { urls, sitemaps: [] };
  }
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text) as Record<string, unknown>;
  } catch {
    return { urls: [], sitemaps: [] };
  }
  const locs = (entries: unknown) =>
    list(entries)
      .map((e) => (e && typeof e === 'object' ? (e as { loc?: unknown }).loc : undefined))
      // Sitemap locations are absolute by the protocol; anything else is ignored.
      .map((l) => (typeof l === 'string' && /^\s*https?:\/\//i.test(l) ? tryNormalizeHttpUrl(l) : undefined))
      .filter((u): u is string => !!u);
  const urlset = doc.urlset as { url?: unknown } | undefined;
  const index = doc.sitemapindex as { sitemap?: unknown } | undefined;
  return { urls: urlset ? locs(urlset.url) : [], sitemaps: index ? locs(index.sitemap) : [] };
}
