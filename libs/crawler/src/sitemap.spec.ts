import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseSitemap, sitemapText } from './sitemap.js';

describe('sitemaps', () => {
  it('reads urlsets, indexes, gzip and plain text', () => {
    const urlset = `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://e.com/a#x</loc></url><url><loc>ftp://e.com/b</loc></url></urlset>`;
    expect(parseSitemap(urlset)).toEqual({ urls: ['https://e.com/a'], sitemaps: [] });
    const index = `<sitemapindex><sitemap><loc>https://e.com/s1.xml</loc></sitemap><sitemap><loc>https://e.com/s2.xml.gz</loc></sitemap></sitemapindex>`;
    expect(parseSitemap(index).sitemaps).toEqual(['https://e.com/s1.xml', 'https://e.com/s2.xml.gz']);
    expect(sitemapText(gzipSync(Buffer.from(urlset)), 1e6)).toBe(urlset);
    expect(parseSitemap('https://e.com/x\nnot a url\n').urls).toEqual(['https://e.com/x']);
    expect(parseSitemap('<urlset><url><loc>').urls).toEqual([]);
  });
});
