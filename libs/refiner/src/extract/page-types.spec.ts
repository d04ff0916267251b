/**
 * Rules for forum threads, service (landing) pages and documentation pages. Each test builds its own
 * small page; none reads the benchmark data.
 */
import { describe, expect, it } from 'vitest';
import { extract } from './extract.js';

/** A sentence of `n` distinct-looking words, so shingles and word counts are realistic. */
const sentence = (seed: string, n = 24) =>
  Array.from({ length: n }, (_, i) => `${seed}${String.fromCharCode(97 + (i % 26))}${i}`).join(' ') + '.';

const page = (body: string, head = '<title>A test page</title>') =>
  `<!doctype html><html><head>${head}</head><body>${body}</body></html>`;

describe('extract: <![CDATA[ in the body', () => {
  it('reads it as a bogus comment closed by the next ">", as a browser does, and keeps the page after it', () => {
    const posts = [1, 2, 3].map((i) => `<article class="message"><p>${sentence(`post${i}w`, 40)}</p></article>`);
    const html = page(`<![CDATA[\n<div id="jumpToTop"></div><main>${posts.join('')}</main>`);
    const out = extract(html);
    expect(out.text).toContain('post1wa0');
    expect(out.text).toContain('post3wa0');
  });
});

describe('extract: meta description of an empty page', () => {
  const description = sentence('desc', 40);
  const head = `<title>Thread</title><meta property="og:description" content="${description.slice(0, -1)}...">`;

  it('is the text of a page whose body scripts would write', () => {
    const out = extract(page(`<section id="main"></section><div class="preloader"></div>`, head));
    expect(out.method).toBe('description');
    expect(out.text).toContain('desca0');
    expect(out.text).not.toMatch(/\.\.\.$/);
  });

  it('is not used when the body has text, nor when it is short', () => {
    const body = `<article>${[1, 2, 3].map((i) => `<p>${sentence(`body${i}v`, 40)}</p>`).join('')}</article>`;
    const withBody = extract(page(body, head));
    expect(withBody.text).toContain('body1va0');
    expect(withBody.text).not.toContain('desca0');
    const short = extract(page('<div></div>', '<title>x</title><meta name="description" content="A shop for shoes.">'));
    expect(short.method).not.toBe('description');
  });
});

describe('extract: choice between Readability and the main container', () => {
  // A landing page: an opening section Readability takes, then a list of features it leaves out.
  // Readability's text is under 0.4 of the container's.
  const sections =
    `<div class="hero"><h2>Opening</h2><p>${sentence('hero1u', 50)}</p><p>${sentence('hero2u', 50)}</p></div>` +
    `<ul class="features">${[0, 1, 2, 3, 4]
      .map((i) => `<li><h3>Feature ${i}</h3>${sentence(`feat${i}u`, 60)}</li>`)
      .join('')}</ul>`;
  const ldArticle =
    '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle"}</script>';

  it('takes the container for a page that does not declare itself an article', () => {
    const out = extract(page(`<main>${sections}</main>`));
    expect(out.method).toBe('container');
    for (let i = 0; i < 5; i++) expect(out.text).toContain(`feat${i}ua0`);
  });

  it('keeps Readability for the same page declared an article in its JSON-LD', () => {
    const out = extract(page(`<main>${sections}</main>`, `<title>A test page</title>${ldArticle}`));
    expect(out.method).toBe('readability');
    expect(out.text).toContain('hero1ua0');
    expect(out.text).not.toContain('feat0ua0');
  });
});
