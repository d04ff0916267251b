import { describe, expect, it } from 'vitest';
import { resolveProcessingConfig } from '../config.js';
import { extract, preferContainer } from './extract.js';
import { extractPage, LOW_QUALITY_EXTRACTION } from './page.js';

/** A sentence of `n` distinct-looking words, so shingles and word counts are realistic. */
const sentence = (seed: string, n = 24) =>
  Array.from({ length: n }, (_, i) => `${seed}${String.fromCharCode(97 + (i % 26))}${i}`).join(' ') + '.';

const page = (body: string, title = 'A test page') =>
  `<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`;

describe('extract: noscript', () => {
  it('unwraps a long <noscript> (the page a reader without scripts sees) and drops a short one', () => {
    const posts = [1, 2, 3].map((i) => `<div class="post"><p>${sentence(`post${i}w`, 40)}</p></div>`).join('');
    const html = page(`<noscript>Please enable JavaScript to use this site.</noscript><div id="app"></div>
      <noscript><div class="topic">${posts}</div></noscript>`);
    const out = extract(html);
    expect(out.text).toContain('post1wa0');
    expect(out.text).toContain('post3wa0');
    expect(out.text).not.toMatch(/enable JavaScript/);
  });
});

describe('extract: elements written inside <head>', () => {
  it('treats them as the start of the body, as a browser does, instead of failing the page', () => {
    // A site-wide banner nested six deep in <head>: Readability scored <html> itself and threw.
    const nest = (n: number, inner: string): string => (n === 0 ? inner : `<div>${nest(n - 1, inner)}</div>`);
    const banner = nest(6, `<div>${sentence('banner', 20)}</div><div>${sentence('mobile', 20)}</div>`);
    const article = `<div id="main"><div class="entry"><p>${sentence('body', 30)}</p></div></div>`;
    const html = `<!doctype html><html><head><title>Dental care</title>${banner}</head><body>${article}</body></html>`;
    const out = extract(html);
    expect(out.title).toBe('Dental care');
    expect(out.text).toContain('bannera0');
  });
});

describe('extract: captions and credits', () => {
  it('removes elements whose class names say caption or credit (Readability keeps the classes)', () => {
    const html = page(`<article><h1>Title</h1>
      <p>${sentence('body', 40)}</p>
      <figure><img src="a.jpg"><div class="photo-credit">Jane Doe for the Example Times agency photo desk staff</div></figure>
      <p>${sentence('more', 40)}</p><p>${sentence('end', 40)}</p></article>`);
    const out = extract(html);
    expect(out.text).toContain('bodya0');
    expect(out.text).not.toContain('Jane Doe');
  });
});

describe('extract: main container', () => {
  it('keeps every post of a thread made of sibling blocks, not only the first one', () => {
    const posts = Array.from(
      { length: 6 },
      (_, i) =>
        `<div class="reply"><div class="author">user${i}</div><p>${sentence(`reply${i}x`, i === 0 ? 60 : 30)}</p></div>`,
    ).join('');
    const html = page(`<nav><ul>${'<li><a href="/x">Section link</a></li>'.repeat(8)}</ul></nav>
      <main><h1>Thread title</h1>${posts}</main>
      <div class="sidebar"><p>${sentence('side', 30)}</p></div>
      <footer><p>${sentence('foot', 20)}</p></footer>`);
    const out = extract(html);
    for (let i = 0; i < 6; i++) expect(out.text).toContain(`reply${i}xa0`);
    expect(out.text).not.toContain('Section link');
    expect(out.text).not.toContain('sidea0');
    expect(out.text).not.toContain('foota0');
  });

  it('keeps Readability\u2019s article on a news page with a comment section beside it', () => {
    const article = Array.from({ length: 8 }, (_, i) => `<p>${sentence(`art${i}y`, 40)}</p>`).join('');
    const html = page(`<main><article><h1>Headline</h1>${article}</article>
      <section class="comments"><p>${sentence('comment', 20)}</p></section></main>`);
    const out = extract(html);
    expect(out.method).toBe('readability');
    expect(out.text).toContain('art7ya0');
  });

  it('reads a layout wrapper named after its sidebar or a skip link as content, and drops the sidebar', () => {
    const entries = Array.from(
      { length: 6 },
      (_, i) => `<div class="entry"><h3>Entry ${i}</h3><p>${sentence(`item${i}v`, 25)}</p></div>`,
    ).join('');
    const html = page(`<div class="layout has-sidebar"><div class="list skip-to-content">${entries}</div>
      <div class="sidebar"><p>${sentence('side', 30)}</p></div></div>`);
    const { container } = extract(html, { candidates: true }).candidates!;
    for (let i = 0; i < 6; i++) expect(container).toContain(`item${i}va0`);
    expect(container).not.toContain('sidea0');
  });

  it('reads a wrapper holding half the page as content whatever its class words, and drops a small one', () => {
    const entries = Array.from(
      { length: 6 },
      (_, i) => `<div class="entry"><h3>Entry ${i}</h3><p>${sentence(`item${i}v`, 25)}</p></div>`,
    ).join('');
    const html = page(`<div class="page sticky-footer menu-closed">${entries}
      <div class="footer-links"><p>${sentence('foot', 20)}</p></div></div>`);
    const { container } = extract(html, { candidates: true }).candidates!;
    for (let i = 0; i < 6; i++) expect(container).toContain(`item${i}va0`);
    expect(container).not.toContain('foota0');
  });

  it('drops link lists with no chrome name from the container', () => {
    const entries = Array.from(
      { length: 5 },
      (_, i) => `<div class="entry"><p>${sentence(`entry${i}z`, 30)}</p></div>`,
    );
    const links = `<ul>${Array.from({ length: 10 }, (_, i) => `<li><a href="/t${i}">Tag number ${i}</a></li>`).join('')}</ul>`;
    const out = extract(page(`<div>${entries.join('')}</div>${links}`));
    expect(out.text).toContain('entry4za0');
    expect(out.text).not.toContain('Tag number');
  });
});

describe('extract: listing entries', () => {
  it('keeps product cards written as one link each, and still drops a menu of short links', () => {
    const cards = Array.from(
      { length: 8 },
      (_, i) =>
        `<div class="card"><a href="/p${i}"><div class="name">Model card${i} robotic mower</div>` +
        `<div class="desc">Quiet autonomous mower number${i} for half an acre per charge</div><div>$ ${i}99.99</div></a></div>`,
    ).join('');
    const menu = `<ul>${Array.from({ length: 10 }, (_, i) => `<li><a href="/c${i}">Category ${i}</a></li>`).join('')}</ul>`;
    const out = extract(page(`<nav>${menu}</nav><div class="grid">${menu}${cards}</div>`, 'Robotic mowers'));
    expect(out.method).toBe('container');
    for (let i = 0; i < 8; i++) expect(out.text).toContain(`mower number${i}`);
    expect(out.text).not.toContain('Category 3');
  });
});

describe('extract: choosing between Readability and the container', () => {
  const lines = (seed: string, n: number, words: number) =>
    Array.from({ length: n }, (_, i) => sentence(`${seed}${i}s`, words)).join('\n\n');

  it('takes the container when Readability kept one short block that is not prose (a spec table)', () => {
    const specs = Array.from({ length: 30 }, (_, i) => `| Spec ${i} | value ${i} |`).join('\n');
    const page = `${lines('desc', 6, 30)}\n\n${specs}\n\n${lines('review', 4, 25)}`;
    expect(preferContainer(specs, page)).toBe(true);
  });

  it('keeps Readability\u2019s article when the container adds teasers and headlines around it', () => {
    const article = lines('para', 10, 30);
    const teasers = Array.from(
      { length: 200 },
      (_, i) => `#### Teaser headline number ${i} here\n\nShort summary ${i}`,
    ).join('\n\n');
    expect(preferContainer(article, `${article}\n\n${teasers}`)).toBe(false);
  });

  it('takes the container for a thread whose long first post is prose, as its replies are', () => {
    const first = lines('first', 10, 30);
    expect(preferContainer(first, `${first}\n\n${lines('reply', 60, 30)}`)).toBe(true);
  });

  it('takes the container for a thread whose first post is short prose', () => {
    const first = lines('first', 2, 30);
    expect(preferContainer(first, `${first}\n\n${lines('reply', 12, 30)}`)).toBe(true);
  });
});

describe('extraction verdict', () => {
  it('scores a real article high and passes it', () => {
    const html = page(
      `<article>${Array.from({ length: 6 }, (_, i) => `<p>${sentence(`ok${i}q`, 40)}</p>`).join('')}</article>`,
    );
    const out = extractPage(html, { minWords: 30, minQuality: 0.25 });
    expect(out.status).toBe('ok');
    expect(out.quality!.score).toBeGreaterThan(0.8);
    expect(out.quality!.errorPage).toBe(false);
  });

  it('skips an error page as low_quality_extraction', () => {
    const html = page(`<h1>404 - Page not found</h1><p>${sentence('sorry', 35)}</p>`, 'Page not found');
    const out = extractPage(html, { minWords: 30, minQuality: 0.25 });
    expect(out.quality!.errorPage).toBe(true);
    expect(out.status).toBe('skipped');
    expect(out.reason).toMatch(new RegExp(`^${LOW_QUALITY_EXTRACTION}: .*error page`));
    // Threshold 0 keeps it.
    expect(extractPage(html, { minWords: 30, minQuality: 0 }).status).toBe('ok');
  });

  it('scores a page made of links low', () => {
    const links = Array.from(
      { length: 60 },
      (_, i) => `<p><a href="/p${i}">Product page link number ${i} here</a></p>`,
    );
    const html = page(`<div>${links.join('')}<p>${sentence('tiny', 12)}</p></div>`);
    const out = extractPage(html, { minWords: 0, minQuality: 0.25 });
    expect(out.quality!.linkDensity).toBeGreaterThan(0.8);
    expect(out.status).toBe('skipped');
  });

  it('min_extraction_quality is a processing option from 0 to 1', () => {
    expect(resolveProcessingConfig({}).min_extraction_quality).toBe(0.25);
    expect(resolveProcessingConfig({ min_extraction_quality: 0 }).min_extraction_quality).toBe(0);
    expect(() => resolveProcessingConfig({ min_extraction_quality: 1.5 })).toThrow(/min_extraction_quality/);
  });
});

describe('extract: related-links lines', () => {
  it('a sentence starting with "More" is text, a bare "More stories" heading and its list go', () => {
    const body = Array.from({ length: 5 }, (_, i) => `<p>${sentence(`para${i}k`, 30)}</p>`).join('');
    const html = page(`<article>${body}
      <p>More than forty people signed the petition before the council met on Tuesday evening.</p>
      <h3>More stories</h3><ul><li>Another story title here</li><li>Yet another title</li></ul></article>`);
    const out = extract(html);
    expect(out.text).toContain('More than forty people signed the petition');
    expect(out.text).not.toContain('Another story title');
  });
});
