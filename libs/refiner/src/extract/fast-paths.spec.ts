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
    // Conditional cleaning of nested blocks: an inner link block goes, and its ancestors are judged
    // on their text without it; empty blocks (white space, <br>, <hr>) go, a <template> is not walked.
    `<article>${para('a')}<div><div>${'<a href="/x">link text</a> '.repeat(12)}</div>${para('n')}` +
      `<div> \n <br><hr></div><div><span>  </span></div><section>\u00a0</section><DIV>x</DIV>` +
      `<template><p>hidden</p><h2>t</h2></template></div><ul><li><a href="/1">one</a></li><li><a href="/2">two</a></li></ul>` +
      `<div class="related"><a href="/r">${'related '.repeat(5)}</a>, a, b</div>${para('b')}</article>`,
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

describe('QuickReadability helpers', () => {
  type Internals = {
    _getAllNodesWithTag(node: unknown, tags: string[]): ArrayLike<unknown>;
    _isElementWithoutContent(node: unknown): boolean;
    _getInnerText(node: unknown, normalize?: boolean): string;
    _removeNodes(list: ArrayLike<unknown>, filter?: (node: unknown) => boolean): void;
  };
  const html =
    '<html><body><div id="a"><p>one <b>two</b></p><template><p>in template</p></template><ul><li>x</li></ul>' +
    '<div> <br> </div><div><hr><span> \n </span></div><div><p></p><br></div><section><![CDATA[x]]></section>' +
    '<table><tr><td>cell</td></tr></table><h2>h</h2></div><p>after</p></body></html>';
  const setup = () => {
    const { document } = parseHTML(html);
    const quick = new QuickReadability(document as never, {}) as unknown as Internals;
    const plain = new Readability(document as never, {}) as unknown as Internals;
    return { document, quick, plain };
  };

  it('finds the nodes of a tag list in document order as querySelectorAll does', () => {
    const { document, quick, plain } = setup();
    const roots = [document, document.body, document.getElementById('a'), document.querySelector('template')];
    for (const root of roots) {
      for (const tags of [['p'], ['p', 'li', 'td'], ['h1', 'h2'], ['div', 'section'], ['br'], ['nothing']]) {
        expect(Array.from(quick._getAllNodesWithTag(root, tags)), tags.join()).toEqual(
          Array.from(plain._getAllNodesWithTag(root, tags)),
        );
      }
    }
  });

  it('finds the same elements without content as Readability', () => {
    const { document, quick, plain } = setup();
    for (const el of Array.from(document.querySelectorAll('*') as ArrayLike<{ outerHTML: string }>)) {
      expect(quick._isElementWithoutContent(el), el.outerHTML).toBe(plain._isElementWithoutContent(el));
    }
  });

  it('forgets the text of the ancestors of a node _removeNodes removes', () => {
    const { document } = parseHTML(
      '<html><body><div id="o">keep <span id="c">gone</span> <i id="s">same</i></div></body></html>',
    );
    const quick = new QuickReadability(document as never, {}) as unknown as Internals;
    const o = document.getElementById('o');
    const c = document.getElementById('c');
    const s = document.getElementById('s');
    const seen: string[] = [];
    quick._removeNodes([o, s, c], (node) => {
      seen.push(`${quick._getInnerText(o)}|${quick._getInnerText(s, false)}`);
      return node === c;
    });
    expect(seen).toEqual(['keep gone same|same', 'keep same|same', 'keep same|same']);
    expect(o?.textContent).toBe('keep  same');
    // Outside _removeNodes nothing is remembered.
    s!.textContent = 'changed';
    expect(quick._getInnerText(o)).toBe('keep changed');
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
