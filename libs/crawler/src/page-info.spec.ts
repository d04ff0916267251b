import { describe, expect, it } from 'vitest';
import { extractPageInfo, looksScriptRendered } from './page-info.js';

const TEXT = 'Plenty of readable text in this article. '.repeat(10);

describe('extractPageInfo', () => {
  it('reads title, language, canonical, date and links', () => {
    const info = extractPageInfo(
      `<html lang="es"><head><title> Hola
       mundo </title><link rel="canonical" href="/c"><base href="https://example.com/base/">
       <meta name="robots" content="index"><meta itemprop="datePublished" content="2021-02-03"></head>
       <body><a href="a#x">a</a><a href="/b" rel="nofollow">b</a><a href="mailto:x@y">m</a><p>${TEXT}</p></body></html>`,
      'https://example.com/page',
    );
    expect(info.title).toBe('Hola mundo');
    expect(info.language).toBe('es');
    expect(info.canonicalUrl).toBe('https://example.com/c');
    expect(info.publishedAt?.toISOString()).toBe('2021-02-03T00:00:00.000Z');
    expect(info.links).toEqual(['https://example.com/base/a']);
    expect(looksScriptRendered(info)).toBe(false);
  });

  it('takes JSON-LD datePublished, then <time>', () => {
    const ld = extractPageInfo(
      `<script type="application/ld+json">[{"@graph":[{"datePublished":"2020-05-06T07:08:09Z"}]}]</script>`,
      'https://e.com/',
    );
    expect(ld.publishedAt?.toISOString()).toBe('2020-05-06T07:08:09.000Z');
    const time = extractPageInfo('<time datetime="2018-01-02">x</time>', 'https://e.com/');
    expect(time.publishedAt?.toISOString()).toBe('2018-01-02T00:00:00.000Z');
  });

  it('follows no links on a nofollow page', () => {
    expect(
      extractPageInfo('<meta name="robots" content="noindex, nofollow"><a href="/x">x</a>', 'https://e.com/').links,
    ).toEqual([]);
  });

  it('spots script-rendered pages', () => {
    const empty = extractPageInfo(
      `<div id="root"></div><script src="/app.js"></script><p>${TEXT}</p>`,
      'https://e.com/',
    );
    expect(empty.emptyAppRoot).toBe(true);
    expect(looksScriptRendered(empty)).toBe(true);
    const little = extractPageInfo('<p>Loading…</p><script src="/a.js"></script>', 'https://e.com/');
    expect(looksScriptRendered(little)).toBe(true);
    const hint = extractPageInfo(
      '<noscript>You need to enable JavaScript to run this app.</noscript><p>short</p>',
      'https://e.com/',
    );
    expect(hint.noscriptHint).toBe(true);
    expect(looksScriptRendered(hint)).toBe(true);
    const full = extractPageInfo(`<div id="app"><p>${TEXT}</p></div><script src="/a.js"></script>`, 'https://e.com/');
    expect(looksScriptRendered(full)).toBe(false);
  });
});
