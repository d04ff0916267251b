import { describe, expect, it } from 'vitest';
import { extractPageInfo } from './page-info.js';
import { fetchTdmRep, pageTerms, parseTdmRep, tdmRepFor, xRobotsDirectives } from './terms.js';

describe('tdmrep.json', () => {
  const file = parseTdmRep(
    JSON.stringify([
      { location: '/news/*.html$', 'tdm-reservation': 1, 'tdm-policy': 'https://example.com/policy.json' },
      { location: '/news/', 'tdm-reservation': 0 },
      { location: 'blog*', 'tdm-reservation': '1' },
      { location: '/bad', 'tdm-reservation': 2 },
      'not a rule',
    ]),
  );

  it('keeps valid rules only and applies the first whose location matches', () => {
    expect(file).toMatchObject({ kind: 'rules' });
    expect(file.kind === 'rules' && file.rules).toHaveLength(3);
    expect(tdmRepFor(file, 'https://x.test/news/a/b.html')).toEqual({
      reservation: 1,
      policy: 'https://example.com/policy.json',
    });
    expect(tdmRepFor(file, 'https://x.test/news/a/b.html?x=1')).toEqual({ reservation: 0, policy: null });
    expect(tdmRepFor(file, 'https://x.test/blog/2024/post')).toEqual({ reservation: 1, policy: null });
    expect(tdmRepFor(file, 'https://x.test/bad')).toBeUndefined();
    expect(tdmRepFor(file, 'https://x.test/')).toBeUndefined();
  });

  it('has no rules when the body is not a JSON array', () => {
    expect(parseTdmRep('<html>not found</html>').kind).toBe('none');
    expect(parseTdmRep('{"location": "/"}').kind).toBe('none');
  });
});

describe('X-Robots-Tag', () => {
  it('keeps directives for every bot and for ours, not for other bots', () => {
    expect(xRobotsDirectives('noai, noimageai', 'DataFactoryBot')).toEqual(['noai', 'noimageai']);
    expect(xRobotsDirectives('googlebot: noindex, nofollow, DataFactoryBot: noai', 'DataFactoryBot')).toEqual(['noai']);
    expect(xRobotsDirectives('unavailable_after: 2030-01-01, noindex', 'x')).toEqual([
      'unavailable_after: 2030-01-01',
      'noindex',
    ]);
    expect(xRobotsDirectives(undefined, 'x')).toEqual([]);
  });
});

describe('page terms', () => {
  it('reads the robots meta, the TDM meta and header, and a Creative Commons license link', () => {
    const info = extractPageInfo(
      `<html><head><meta name="robots" content="NoAI"><meta name="robots" content="noindex">
       <meta name="tdm-reservation" content="1"><meta name="tdm-policy" content="/policy.json"></head>
       <body><a rel="license noopener" href="https://creativecommons.org/licenses/by-sa/4.0/deed.fr">CC</a></body></html>`,
      'https://x.test/a',
    );
    const terms = pageTerms({
      fileRule: undefined,
      headers: { 'tdm-reservation': '0', 'x-robots-tag': 'noimageai' },
      info,
      token: 'DataFactoryBot',
    });
    expect(terms).toEqual({
      robotsMeta: ['noai', 'noindex'],
      xRobotsTag: ['noimageai'],
      tdm: { header: { reservation: 0, policy: null }, meta: { reservation: 1, policy: 'https://x.test/policy.json' } },
      license: { url: 'https://creativecommons.org/licenses/by-sa/4.0/deed.fr', id: 'CC-BY-SA-4.0' },
    });
    // nofollow still comes from every robots meta
    expect(
      extractPageInfo(
        '<meta name="robots" content="noai"><meta name="robots" content="nofollow"><a href="/x">x</a>',
        'https://x.test/',
      ).links,
    ).toEqual([]);
  });

  it('keeps no tdmrep.json outcome for an aborted wait for the host (the next caller fetches it)', async () => {
    const aborted = new DOMException('crawl stopped', 'AbortError');
    await expect(fetchTdmRep('https://a.test', () => Promise.reject(aborted))).rejects.toBe(aborted);
  });
});
