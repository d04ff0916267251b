/**
 * The faster paths of extraction give what the plain ones give: word counting, Readability's
 * cheaper checks, linkedom nodes without a listener registry, the one-query metadata read.
 */
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { withoutEventListeners } from './dom.js';
import { countWords, extract } from './extract.js';
import { QuickReadability } from './readability.js';

describe('countWords', () => {
  const byRegex = (text: string) => text.match(/[\p{L}\p{N}_]+/gu)?.length ?? 0;

  it('counts runs of letters, digits and _ as the regex does', () => {
    const samples = [
      '',
      '   ',
      'one two  three',
      'snake_case and kebab-case, 3.14 and 1,000',
      'café naïve Straße ĳssel',
      'cafe\u0301 (a combining accent ends a word)',
      '東京は日本の首都です。 北京',
      'emoji 😀 between 🇫🇷 words',
      'astral letters 𝐀𝐁𝐂 and 𠀀𠀁 count',
      'lone surrogates \ud800 and \udc00 split words: a\ud800b',
      'Ελληνικά русский עברית العربية हिन्दी ١٢٣',
      '\u00a0nbsp\u2003em space\u200bzero width',
    ];
    for (const s of samples) expect(countWords(s), s).toBe(byRegex(s));
  });

  it('agrees with the regex on random mixed text', () => {
    const pool = [
      'a',
      'Z',
      '7',
      '_',
      ' ',
      '\n',
      '-',
      '.',
      'é',
      'ß',
      '東',
      '😀',
      '𝐀',
      '\ud800',
      '\udc00',
      '\u0301',
      '١',
    ];
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 300; n++) {
      const s = Array.from({ length: next() % 40 }, () => pool[next() % pool.length]).join('');
      expect(countWords(s), JSON.stringify(s)).toBe(byRegex(s));
    }
  });
});

describe('QuickReadability', () => {
  const para = (seed: string) =>
    `<p>${Array.from({ length: 60 }, (_, i) => `${seed}${i}`).join(' ')}, with commas, and more commas, here.</p>`;
  const pages = [
    // Byline candidates: class name, rel=author, itemprop=author, one too long to be a byline.
    `<div class="byline">By Ann Writer</div><article>${para('a')}${para('b')}</article>`,
    `<a rel="author" href="/ann">Ann Writer</a><article>${para('a')}${para('b')}</article>`,
    `<span itemprop="author"><span itemprop="name">Ann</span> Writer</span><article>${para('a')}${para('b')}</article>`,
    `<div class="author">${'long '.repeat(30)}</div><article>${para('a')}${para('b')}</article>`,
    // Hidden elements: hidden, aria-hidden (and the fallback-image exception), inline styles.
    `<article>${para('a')}<div hidden>${para('h')}</div><div aria-hidden="true">${para('x')}</div>` +
      `<div aria-hidden="true" class="fallback-image">${para('f')}</div><div style="display: none">${para('d')}</div>` +
      `<div style="visibility:hidden">${para('v')}</div><div style="color: red">${para('c')}</div>${para('b')}</article>`,
    // Too little text for the first attempt: Readability retries with fewer rules.
    `<div class="sidebar"><p>short one</p></div><div class="comment"><p>${'word '.repeat(40)}</p></div>`,
  ];

  it('finds the same article, title and byline as Readability', () => {
    for (const body of pages) {
      const html = `<!doctype html><html><head><title>T</title></head><body>${body}</body></html>`;
      const run = (R: typeof Readability) => {
        const { document } = parseHTML(html);
        const a = new R(document as unknown as ConstructorParameters<typeof Readability>[0], {
          charThreshold: 500,
          keepClasses: true,
        }).parse();
        return a && { title: a.title, byline: a.byline, content: a.content, length: a.length };
      };
      expect(run(QuickReadability as typeof Readability), body.slice(0, 60)).toEqual(run(Readability));
    }
  });
});

describe('withoutEventListeners', () => {
  it('leaves linkedom as it was after the call, also after nested calls and a throw', () => {
    const inside = withoutEventListeners(() =>
      withoutEventListeners(() => parseHTML('<p id="x">text</p>').document.getElementById('x')),
    );
    expect(inside?.textContent).toBe('text');
    expect(() =>
      withoutEventListeners(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    const { document } = parseHTML('<button id="b">go</button>');
    const button = document.getElementById('b')!;
    let clicks = 0;
    button.addEventListener('click', () => clicks++);
    button.dispatchEvent(new (parseHTML('').window.Event)('click'));
    expect(clicks).toBe(1);
  });
});

describe('extract: metadata', () => {
  const sentence = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ') + '.';
  const page = (head: string, body: string) =>
    `<!doctype html><html><head>${head}</head><body>${body}<article><p>${sentence}</p><p>${sentence}</p></article></body></html>`;

  it('takes og:title, then twitter:title when og:title is empty, then the first h1, then <title>', () => {
    expect(extract(page('<title>T</title><meta property="og:title" content="OG">', '')).title).toBe('OG');
    const emptyOg = '<meta property="og:title" content=" "><meta name="twitter:title" content="TW"><title>T</title>';
    expect(extract(page(emptyOg, '')).title).toBe('TW');
  });

  it('takes the date of the first selector that matches, not of the first meta in the page, else time[datetime]', () => {
    const head =
      '<meta itemprop="datePublished" content="2020-01-02T03:04:05Z"><meta name="date" content="2021-05-06T07:08:09Z">';
    expect(extract(page(head, '')).publishedAt).toBe('2021-05-06T07:08:09.000Z');
    const timed = extract(page('', '<time>no date</time><time datetime="2019-03-04">March</time>'));
    expect(timed.publishedAt).toBe('2019-03-04T00:00:00.000Z');
  });
});
