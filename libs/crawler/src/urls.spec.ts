import { describe, expect, it } from 'vitest';
import { compilePattern, normalizeUrl, sameSite, tryNormalizeHttpUrl, UrlFilter } from './urls.js';

describe('urls', () => {
  it('normalises for deduplication', () => {
    expect(normalizeUrl('HTTP://Example.COM:80/a#frag')).toBe('http://example.com/a');
    expect(normalizeUrl('https://example.com')).toBe('https://example.com/');
    expect(normalizeUrl('../b?x=1&a=2', 'https://example.com/a/c')).toBe('https://example.com/b?x=1&a=2');
    expect(normalizeUrl('http://user:pw@example.com./x')).toBe('http://example.com/x');
    expect(tryNormalizeHttpUrl('mailto:a@b.c')).toBeUndefined();
    expect(tryNormalizeHttpUrl('::nonsense')).toBeUndefined();
  });

  it('compares sites by host and port, ignoring www.', () => {
    expect(sameSite('https://www.example.com/a', 'https://example.com/b')).toBe(true);
    expect(sameSite('http://127.0.0.1:1/', 'http://127.0.0.1:2/')).toBe(false);
    expect(sameSite('https://blog.example.com/', 'https://example.com/')).toBe(false);
  });

  it('matches globs against the whole URL and /regex/ anywhere', () => {
    expect(compilePattern('*/blog/*').test('https://x.com/blog/post')).toBe(true);
    expect(compilePattern('*/blog/*').test('https://x.com/about')).toBe(false);
    expect(compilePattern('/\\.pdf$/').test('https://x.com/a.pdf')).toBe(true);
    const f = new UrlFilter(['*/docs/*'], ['*/docs/old/*']);
    expect(f.accepts('https://x.com/docs/new/a')).toBe(true);
    expect(f.accepts('https://x.com/docs/old/a')).toBe(false);
    expect(f.accepts('https://x.com/blog')).toBe(false);
    expect(new UrlFilter([], []).accepts('https://x.com/anything')).toBe(true);
  });
});
