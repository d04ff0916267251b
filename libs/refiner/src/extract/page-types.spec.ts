/**
 * Rules for forum threads, service (landing) pages and documentation pages. Each test builds its own
 * small page; none reads the benchmark data.
 */
import { describe, expect, it } from 'vitest';
import { extract, preferContainer } from './extract.js';

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
  // Readability's text is under half of the container's.
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

describe('extract: forum chrome lines', () => {
  it('drops poster counts and ranks, post buttons and the reply form, and keeps every post', () => {
    const post = (i: number) => `<article class="message">
      <div class="user"><h4>user${i}</h4><h5>Senior Member</h5><div>Posts: 1,077</div><div>14 posts · Joined 2025</div></div>
      <div class="body"><p>${sentence(`post${i}t`, 45)}</p></div>
      <div class="actions"><div>2 Likes</div><div>Reply</div><div>Quote</div></div></article>`;
    const html = page(`<main>${[0, 1, 2, 3].map(post).join('')}
      <h2>Your Answer</h2><p>Post as a guest</p><p>Required, but never shown</p>
      <p>You must log in to answer this question.</p></main>`);
    const out = extract(html);
    for (let i = 0; i < 4; i++) expect(out.text).toContain(`post${i}ta0`);
    for (const chrome of [
      'Senior Member',
      'Posts: 1,077',
      'Joined 2025',
      '2 Likes',
      'Reply',
      'Quote',
      'Your Answer',
      'guest',
      'never shown',
      'must log in',
    ])
      expect(out.text).not.toContain(chrome);
  });

  it('keeps sentences that use the same words', () => {
    const html = page(`<article><p>${sentence('intro', 40)}</p>
      <p>Reply to the council by Friday if you want your objection heard.</p>
      <p>Members of the club joined in 2019 and posted their results online.</p><p>${sentence('outro', 40)}</p></article>`);
    const out = extract(html);
    expect(out.text).toContain('Reply to the council by Friday');
    expect(out.text).toContain('Members of the club joined in 2019');
  });
});

describe('extract: product pages', () => {
  const description = `<div class="product-description"><h2>About this item</h2><p>${sentence('desc', 30)}</p><ul><li>${sentence('spec1x', 8)}</li><li>${sentence('spec2x', 8)}</li></ul></div>`;
  // Customers' reviews: more running prose than the product's own text.
  const reviews = `<section class="product-reviews"><h2>Customer reviews</h2>${[1, 2, 3, 4]
    .map((i) => `<div class="review-item"><h3>Great ${i}</h3><p>${sentence(`rev${i}w`, 60)}</p></div>`)
    .join('')}</section>`;

  const product =
    '<title>A kettle</title><script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"A kettle"}</script>';

  it('leaves out customers\u2019 reviews on a page declaring a product, which Readability would take for the article', () => {
    const out = extract(page(`<main><h1>A kettle</h1>${description}${reviews}</main>`, product));
    expect(out.text).toContain('desca0');
    expect(out.text).toContain('spec1xa0');
    expect(out.text).not.toContain('rev1wa0');
    expect(out.text).not.toContain('rev4wa0');
  });

  it('keeps reviews on a page that does not declare a product, and a review holding half the page', () => {
    // An editor's round-up of rated products: its cards carry the same class words.
    const roundUp = extract(page(`<main><h1>Best kettles</h1>${reviews}</main>`));
    expect(roundUp.text).toContain('rev1wa0');
    expect(roundUp.text).toContain('rev4wa0');
    const review = `<div class="review-body">${[1, 2, 3].map((i) => `<p>${sentence(`body${i}v`, 50)}</p>`).join('')}</div>`;
    expect(extract(page(`<main>${review}</main>`, product)).text).toContain('body3va0');
  });

  it('does not take a cookie banner for the article when the product text is in small blocks', () => {
    const banner = `<div class="cookie-consent"><p>${sentence('cookie', 45)}</p></div>`;
    const facts = `<main><h1>A drill</h1><table>${Array.from({ length: 30 }, (_, i) => i + 1)
      .map((i) => `<tr><td>Spec ${i}</td><td>value${i} unit</td></tr>`)
      .join('')}</table><p>${sentence('short', 12)}</p></main>`;
    const out = extract(page(`${banner}${facts}`));
    expect(out.text).not.toContain('cookiea0');
    expect(out.text).toContain('value3');
  });

  it('drops a section of other products under a heading, up to the next heading of its level', () => {
    const others = `<h2>Customers who viewed this item also viewed</h2><div class="cards">${[1, 2, 3]
      .map((i) => `<div><p>Other kettle ${i}</p><p>${sentence(`other${i}k`, 14)}</p><p>$${i}9.99</p></div>`)
      .join('')}</div>`;
    const out = extract(
      page(
        `<main><h1>A kettle</h1>${description}${others}<h2>Specifications</h2><p>${sentence('after', 30)}</p></main>`,
      ),
    );
    expect(out.text).toContain('desca0');
    expect(out.text).not.toContain('Other kettle');
    expect(out.text).not.toContain('other2ka0');
    expect(out.text).not.toContain('also viewed');
    expect(out.text).toContain('aftera0');
  });

  it('drops what an inline style hides (a message, a form), not a disclosure body nor a long hidden text', () => {
    const hidden =
      `<div class="notify-form" style="display: none"><p>Notify me when back in stock</p><p>${sentence('notify', 12)}</p></div>` +
      `<div class="error_message" style="visibility:hidden">Oops hiddenerror happened</div>` +
      `<div class="faq-answer" style="display:none"><p>${sentence('answer', 20)}</p></div>` +
      `<div style="display:none"><p>${sentence('longhidden', 210)}</p></div>`;
    const body = `<main><h1>A kettle</h1>${description}${hidden}</main>`;
    const out = extract(page(body, product));
    expect(out.text).toContain('desca0');
    expect(out.text).not.toContain('notifya0');
    expect(out.text).not.toContain('hiddenerror');
    expect(out.text).toContain('answera0');
    expect(out.text).toContain('longhiddena0');
    // A page that declares no product keeps it.
    expect(extract(page(body)).text).toContain('notifya0');
  });
});

describe('extract: product pages, script data and shop widgets', () => {
  const ld = (data: object) =>
    `<title>A lamp</title><script type="application/ld+json">${JSON.stringify(data)}</script>`;
  const described = (description: string) =>
    ld({ '@context': 'https://schema.org', '@graph': [{ '@type': 'Product', name: 'A lamp', description }] });

  it('adds the JSON-LD Product description that the short text lacks, tags and entities undone', () => {
    const description = `<p>${sentence('ldesc', 30)} &amp; more</p>`;
    const body = `<main><h1>A lamp</h1><p>Price $35.00</p><p>${sentence('chrome', 15)}</p></main>`;
    const out = extract(page(body, described(description)));
    expect(out.text.startsWith('ldesca0')).toBe(true);
    expect(out.text).toContain('& more');
    expect(out.text).not.toContain('<p>');
    expect(out.text).toContain('chromea0');
  });

  it('does not add it when the text has it, when it is short, or on a page that declares no product', () => {
    const description = sentence('ldesc', 30);
    const withIt = extract(page(`<main><h1>A lamp</h1><p>${description}</p></main>`, described(description)));
    expect(withIt.text.match(/ldesca0/g)).toHaveLength(1);
    const short = extract(page(`<main><p>${sentence('body', 30)}</p></main>`, described('A lamp for your desk.')));
    expect(short.text).not.toContain('A lamp for your desk');
    const notProduct = ld({ '@type': 'Thing', description });
    expect(extract(page(`<main><p>${sentence('body', 30)}</p></main>`, notProduct)).text).not.toContain('ldesca0');
  });

  it('drops a repeated header block (narrow and wide layouts) on a product page, not a repeated short line', () => {
    const header = `<div><p>Rambler tumbler with lid</p><p>${sentence('head', 20)}</p></div>`;
    const specs = (i: number) => `<h3>Box contents</h3><p>${sentence(`box${i}q`, 20)}</p>`;
    const body = `<main>${header}${header}<p>${sentence('feat', 40)}</p>${specs(1)}${specs(2)}</main>`;
    const out = extract(page(body, ld({ '@type': 'Product', name: 'A tumbler' })));
    expect(out.text.match(/heada0/g)).toHaveLength(1);
    expect(out.text.match(/Rambler tumbler with lid/g)).toHaveLength(1);
    expect(out.text).toContain('feata0');
    expect(out.text.match(/Box contents/g)).toHaveLength(2);
  });

  it('leaves out the pickers, quantity field and cart buttons of a declared product', () => {
    const form = `<form><label>Colour</label><select><option>Midnight Navy</option><option>Forest Green</option></select>
      <input type="number" value="1"><button>Add to cart</button><button>Add to wishlist</button></form>`;
    const body = `<main><h1>A tumbler</h1>${form}<p>${sentence('desc', 40)}</p></main>`;
    const out = extract(page(body, ld({ '@type': 'Product', name: 'A tumbler' })));
    expect(out.text).toContain('desca0');
    for (const chrome of ['Midnight Navy', 'Add to cart', 'wishlist', 'Colour']) expect(out.text).not.toContain(chrome);
  });
});

describe('extract: customers\u2019 reviews and questions known by their headings', () => {
  it('drops each review under a star heading and the questions section, and keeps the FAQ', () => {
    const review = (i: number) => `<h5>${i}.0 out of 5 stars Works well ${i}</h5><p>${sentence(`rev${i}r`, 30)}</p>`;
    const body = `<main><h1>Earbuds</h1><p>${sentence('desc', 40)}</p><h2>Top reviews</h2>${[4, 5].map(review).join('')}
      <h2>People are asking</h2><p>${sentence('ask', 25)}</p>
      <h2>Frequently asked questions</h2><p>${sentence('faq', 25)}</p></main>`;
    const out = extract(page(body));
    expect(out.text).toContain('desca0');
    expect(out.text).not.toContain('rev4ra0');
    expect(out.text).not.toContain('rev5ra0');
    expect(out.text).not.toContain('out of 5 stars');
    expect(out.text).not.toContain('aska0');
    expect(out.text).toContain('faqa0');
  });
});

describe('extract: overlays a script opens', () => {
  const names = ['Clog', 'Sandal', 'Slipper', 'Boot', 'Sneaker', 'Loafer', 'Mule', 'Oxford'];
  const cards = ['black', 'white']
    .flatMap((colour) => names.map((n) => `${n} classic in ${colour}`))
    .map((n, i) => `<div class="tile"><h3>${n}</h3><p>$${i + 30}.99</p><p>${i + 3} sizes</p></div>`)
    .join('');
  const menu = `<nav><ul>${Array.from({ length: 60 }, (_, i) => `<li><a href="/c/${i}">Category ${i}</a></li>`).join('')}</ul></nav>`;
  // The overlay's prose outweighs the cards, but not half the page: one holding half of it is the page.
  const terms = [1, 2, 3].map((i) => `<p>${sentence(`terms${i}r`, 30)}</p>`).join('');

  it('are not taken for the article of a page of product cards (a side sheet, a promotion bar)', () => {
    for (const overlay of [
      `<div class="sidesheet-modal-content"><div class="rich-text">${terms}</div></div>`,
      `<div id="promoBar" class="promo-bar"><div class="slide">${terms}</div></div>`,
    ]) {
      const out = extract(page(`${menu}<main><h1>Classic shoes</h1><div class="grid">${cards}</div></main>${overlay}`));
      expect(out.text).toContain('Sandal classic in white');
      expect(out.text).not.toContain('terms1ra0');
    }
  });

  it('are not looked for on a page declared an article, whose story a wrapper may call `modal-enabled`', () => {
    const ld = '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle"}</script>';
    const story = [1, 2, 3].map((i) => `<p>${sentence(`story${i}s`, 40)}</p>`).join('');
    const out = extract(
      page(`${menu}${menu}${menu}<div class="box article modal-enabled">${story}</div>`, `<title>A story</title>${ld}`),
      { candidates: true },
    );
    // Readability reads the story (without it, it took a share dialog's lines for the article).
    expect(out.candidates!.readability).toContain('story1sa0');
  });

  it('stay inside the page\u2019s <main>, where they hold its own text (a size guide)', () => {
    const guide = `<div class="size-modal">${terms}</div>`;
    const out = extract(
      page(`${menu}${menu}<main><h1>Classic shoes</h1>${guide}<div class="grid">${cards}</div></main>`),
      {
        candidates: true,
      },
    );
    expect(out.candidates!.readability).toContain('terms1ra0');
  });

  it('stay when they are the page', () => {
    const out = extract(page(`<div class="popup-page">${terms}</div>`));
    expect(out.text).toContain('terms1ra0');
  });
});

describe('extract: a second <body>', () => {
  it('reads the page body that follows an element written between </head> and <body>', () => {
    const html = `<!doctype html><html><head><title>A page</title></head><link rel="stylesheet" href="/a.css">
      <body class="page"><main><p>${sentence('late', 40)}</p><p>${sentence('later', 40)}</p></main></body></html>`;
    const out = extract(html);
    expect(out.text).toContain('latea0');
    expect(out.text).toContain('latera0');
  });
});

describe('extract: listings of short headline links', () => {
  // Each entry is a linked headline under 30 characters of text per link on average once its byline and
  // tag links count: the link-density rule alone reads the entries, and the list of them, as a menu.
  const words = ['harbour', 'council', 'rebuild', 'winter', 'ferry', 'market', 'school', 'bridge', 'river', 'museum'];
  const card = (i: number) =>
    `<div class="card"><h3><a href="/story/${i}">${words[i]} plan wins the vote in story ${i}</a></h3>` +
    `<ul class="meta"><li><a href="/author/${i}">Ann Lee</a></li></ul>` +
    `<a href="/tag/local">#local</a> <a href="/tag/news">#news</a></div>`;
  const links = ['Home', 'About', 'Contact', 'Jobs', 'Press', 'Help', 'Terms', 'Privacy'];
  const html = page(
    `<div class="links">${links.map((l) => `<a href="/${l}">${l}</a>`).join(' ')}</div>` +
      `<main><h1>Latest stories</h1><div class="stream">${words.map((_, i) => card(i)).join('')}</div></main>`,
  );

  it('keeps every entry whose heading is a link, and drops the block of short links', () => {
    const out = extract(html);
    expect(out.method).toBe('container');
    for (let i = 0; i < words.length; i++) expect(out.text).toContain(`${words[i]} plan wins the vote in story ${i}`);
    expect(out.text).not.toContain('Privacy');
  });
});

describe('extract: cookie-consent dialogs', () => {
  const topics = [
    'harbour',
    'council',
    'ferry',
    'market',
    'school',
    'bridge',
    'river',
    'museum',
    'library',
    'stadium',
    'garden',
    'station',
    'tunnel',
    'airport',
    'clinic',
    'theatre',
  ];
  const headlines = topics.map(
    (w, i) => `<li><a href="/story/${i}">The ${w} plan wins the vote after a long night of debate</a></li>`,
  );
  const consent =
    `<div id="privacy-consent-sdk"><div class="preference-center">` +
    [1, 2, 3, 4]
      .map(
        (i) =>
          `<p>Set ${i}: we and our partners use data on your device to show you ads, to see how you use the site and to make it work well for you, and you can say no.</p>`,
      )
      .join('') +
    `<button>Accept all</button></div></div>`;

  it('are not taken for the article of a page of linked headlines', () => {
    const out = extract(page(`<main><h1>Latest</h1><ul class="stories">${headlines.join('')}</ul></main>${consent}`));
    expect(out.text).toContain('The harbour plan wins the vote');
    expect(out.text).not.toContain('we and our partners');
  });

  it('stay when they are the page', () => {
    const out = extract(
      page(`<div role="dialog">${[1, 2, 3].map((i) => `<p>${sentence(`modal${i}p`, 45)}</p>`).join('')}</div>`),
    );
    expect(out.text).toContain('modal1pa0');
  });
});

describe('extract: documentation pages', () => {
  it('reads every panel of a tab set, not only the one shown', () => {
    const panel = (lang: string, attrs: string) =>
      `<div role="tabpanel" id="panel-${lang}" ${attrs}><p>${sentence(`${lang}step`, 30)}</p>` +
      `<pre><code>install ${lang}-sdk</code></pre></div>`;
    const html = page(`<main><h1>Quickstart</h1><p>${sentence('intro', 40)}</p>
      <div role="tablist"><button role="tab">Python</button><button role="tab">Node</button><button role="tab">Go</button></div>
      ${panel('python', '')}${panel('node', 'hidden')}${panel('golang', 'aria-hidden="true" style="display:none"')}
      <p>${sentence('outro', 40)}</p></main>`);
    const out = extract(html);
    for (const lang of ['python', 'node', 'golang']) {
      expect(out.text).toContain(`${lang}stepa0`);
      expect(out.text).toContain(`install ${lang}-sdk`);
    }
  });

  it('keeps a short section heading written as a link to itself, and drops one that links elsewhere', () => {
    const section = (i: number) =>
      `<h2 id="s${i}"><a class="heading-anchor" href="#s${i}">Use ${i}</a></h2><p>${sentence(`sec${i}p`, 40)}</p>`;
    const html = page(`<main>${[0, 1, 2].map(section).join('')}
      <h3><a href="/elsewhere">More</a></h3></main>`);
    const { container } = extract(html, { candidates: true }).candidates!;
    for (let i = 0; i < 3; i++) expect(container).toContain(`## Use ${i}`);
    expect(container).not.toContain('More');
  });

  // A command's manual page: sections side by side, one of them (the options) long running prose.
  const manual = (code: boolean) => {
    const block = (seed: string) => (code ? `<pre><code>$ tool ${seed} --flag value</code></pre>` : '');
    const sect = (name: string, inner: string) =>
      `<div class="sect1"><h2 id="${name}">${name}</h2><div class="sectionbody">${inner}</div></div>`;
    return page(`<div id="content">
      ${sect('SYNOPSIS', `${block('synopsis')}<p>${sentence('synopsis', 25)}</p>`)}
      ${sect('DESCRIPTION', `<p>${sentence('descone', 30)}</p>${block('desc')}<p>${sentence('desctwo', 30)}</p>`)}
      ${sect('OPTIONS', Array.from({ length: 12 }, (_, i) => `<p>${sentence(`opt${i}x`, 30)}</p>`).join(''))}
      ${sect('EXAMPLES', `<p>${sentence('exone', 30)}</p>${block('example')}<p>${sentence('extwo', 30)}</p>`)}
      </div>`);
  };

  it('takes the container of a page with code blocks when Readability kept one section of it', () => {
    // Readability's text: the options alone, running prose; the container: every section, with its code.
    const options = Array.from({ length: 12 }, (_, i) => sentence(`opt${i}x`, 30)).join('\n\n');
    const section = (name: string, seed: string) =>
      `## ${name}\n\n\`\`\`\n$ tool ${seed} --flag value\n\`\`\`\n\n${sentence(seed, 20)}`;
    const container = [section('SYNOPSIS', 'synopsis'), `## OPTIONS\n\n${options}`, section('EXAMPLES', 'example')]
      .concat(Array.from({ length: 8 }, (_, i) => section(`STEP ${i}`, `step${i}`)))
      .join('\n\n');
    expect(preferContainer(options, container)).toBe(true);
    // The same container without its code blocks is an article with teasers around it: Readability's.
    expect(preferContainer(options, container.replace(/```\n[^\n]*\n```\n\n/g, ''))).toBe(false);
  });

  it('takes the container on a page with code blocks when both candidates hold the same text', () => {
    const out = extract(manual(true));
    expect(out.method).toBe('container');
    for (const seed of ['synopsisa0', 'desconea0', 'opt0xa0', 'opt11xa0', 'exonea0', 'tool example --flag'])
      expect(out.text).toContain(seed);
    expect(extract(manual(false)).method).toBe('readability');
  });
});

describe('extract: one group of sibling blocks', () => {
  const card = (seed: string) =>
    `### Card ${seed}\n\n${sentence(seed, 20)}\n\nStart the ${seed} guide now and learn more here`;
  const cards = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => card(`card${from + i}z`)).join('\n\n');

  it('takes the container when Readability kept most of a page of cards but not all, and no running prose', () => {
    // Readability's four groups of cards are 0.8 of the container's five, and 65% of their words are prose.
    expect(preferContainer(cards(0, 16), cards(0, 20), false)).toBe(true);
  });

  it('keeps Readability when it misses only a few words of the container (a short story and its byline)', () => {
    // 0.86 of the container, but only 20 words short of it.
    expect(preferContainer(cards(0, 4), `${cards(0, 4)}\n\n${sentence('byline', 20)}`, false)).toBe(false);
  });

  it('keeps Readability when the part it kept is running prose', () => {
    const prose = Array.from({ length: 16 }, (_, i) => sentence(`para${i}y`, 30)).join('\n\n');
    expect(preferContainer(prose, `${prose}\n\n${cards(0, 4)}`, false)).toBe(false);
  });
});

describe('extract: a short block of a longer container', () => {
  const intro = sentence('intro', 40);
  const cards = ['### Plans', sentence('plans', 8), '### Support', sentence('support', 8)].join('\n\n');

  it('takes the container when Readability kept under 80 words and under 0.8 of it', () => {
    // 40 words of 60: 0.67 of the container, and only 20 words short of it.
    expect(preferContainer(intro, `${intro}\n\n${cards}`, false)).toBe(true);
  });

  it('keeps Readability on a declared article, or when the container adds little', () => {
    expect(preferContainer(intro, `${intro}\n\n${cards}`, true)).toBe(false);
    expect(preferContainer(intro, `${intro}\n\n${sentence('credit', 6)}`, false)).toBe(false);
  });
});

describe('extract: a listing of headlines with snippets', () => {
  const entry = (i: number) => `## Headline number ${i} of the blog\n\n${sentence(`snip${i}k`, 15)}`;
  // Readability's text is the first entry's full post: long running prose, which the article rule would keep.
  const post = `## Headline number 0 of the blog\n\n${Array.from({ length: 8 }, (_, i) => sentence(`full${i}q`, 40)).join('\n\n')}`;
  const listing = `${post}\n\n${Array.from({ length: 9 }, (_, i) => entry(i + 1)).join('\n\n')}`;

  it('takes the container when Readability kept one entry of many (a post of a blog index)', () => {
    expect(preferContainer(post, listing, false)).toBe(true);
  });

  it('takes the container when its entries are list items that open with their headings (a feed in a <ul>)', () => {
    const items = `${post}\n\n${Array.from({ length: 9 }, (_, i) => `- ${entry(i + 1)}`).join('\n\n')}`;
    expect(preferContainer(post, items, false)).toBe(true);
  });

  it('keeps Readability on a page declared an article (teaser headlines under a story)', () => {
    expect(preferContainer(post, listing, true)).toBe(false);
  });

  it('keeps Readability beside a grid of product cards (names and prices, no snippets)', () => {
    const card = (i: number) => `## Product number ${i} in stock\n\n$${i}9.00\n\nAdd to cart`;
    const grid = `${post}\n\n${Array.from({ length: 9 }, (_, i) => card(i)).join('\n\n')}`;
    expect(preferContainer(post, grid, false)).toBe(false);
  });

  it('keeps Readability when it holds most of the entries itself', () => {
    const most = `${Array.from({ length: 8 }, (_, i) => entry(i + 1)).join('\n\n')}\n\n${post}`;
    expect(preferContainer(most, `${most}\n\n${entry(10)}`, false)).toBe(false);
  });
});

describe("extract: Readability's block outside the container", () => {
  // A prose box the container drops as chrome (an aside: a newsletter teaser), beside a grid of short cards.
  const promo = [1, 2, 3].map((i) => `<p>${sentence(`promo${i}p`, 60).replace(/ /g, ', ')}</p>`).join('');
  const cards = Array.from(
    { length: 24 },
    (_, i) =>
      `<div class="card"><h3><a href="/item/${i}">Item number ${i} of the shop</a></h3><span>$${i}.00</span></div>`,
  ).join('');
  const html = page(`<aside>${promo}</aside><div class="grid">${cards}</div>`);

  it('takes the container, whose entries Readability missed', () => {
    const out = extract(html);
    expect(out.method).toBe('container');
    expect(out.text).toContain('Item number 7 of the shop');
    expect(out.text).not.toContain('promo1pa0');
  });

  const box = [1, 2].map((i) => sentence(`box${i}b`, 30)).join('\n\n');
  const grid = Array.from({ length: 12 }, (_, i) => `### Entry number ${i} here\n\n$${i}.00`).join('\n\n');

  it('keeps Readability on a page declared an article, or when the container holds its block', () => {
    expect(preferContainer(box, grid, false)).toBe(true);
    expect(preferContainer(box, grid, true)).toBe(false);
    expect(preferContainer(box, `${box}\n\n${grid}`.slice(0, box.length + 60), false)).toBe(false);
  });

  it('keeps Readability when the container is more running prose than its block (a landing page)', () => {
    const sections = [1, 2, 3].map((i) => sentence(`sec${i}s`, 30)).join('\n\n');
    expect(preferContainer(`${grid}\n\n${box}`, sections, false)).toBe(false);
  });
});

describe("extract: dates of a listing's entries", () => {
  const entries = Array.from(
    { length: 7 },
    (_, i) =>
      `<div class="entry"><h2>Headline number ${i} of the blog</h2><p>March ${i + 1}, 2026</p><p>${sentence(`snip${i}d`, 15)}</p></div>`,
  ).join('');
  const ldArticle =
    '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle"}</script>';

  it('keeps the date line under each headline of a listing', () => {
    const out = extract(page(`<main>${entries}</main>`));
    expect(out.text).toContain('March 1, 2026');
    expect(out.text).toContain('March 7, 2026');
    expect(out.text).toContain('snip6da0');
  });

  it('drops them on a page declared an article, and on a page with fewer entries', () => {
    expect(extract(page(`<main>${entries}</main>`, `<title>A test page</title>${ldArticle}`)).text).not.toContain(
      'March 1, 2026',
    );
    const few = entries.split('</div>').slice(0, 3).join('</div>') + '</div>';
    expect(extract(page(`<main>${few}<p>${sentence('body', 40)}</p></main>`)).text).not.toContain('March 1, 2026');
  });
});

describe('extract: link lists under the headings of an index', () => {
  const list = (letter: string) =>
    `<ul>${Array.from({ length: 12 }, (_, i) => `<li><a href="/wiki/${letter}${i}">${letter}lang${i}</a></li>`).join('')}</ul>`;
  const section = (letter: string) =>
    `<div class="heading"><h2 id="${letter}">${letter}</h2><a href="?edit=${letter}">edit</a></div>` +
    `<link rel="stylesheet" href="cols.css"><div class="columns">${list(letter)}</div>`;
  const intro = `<p>${sentence('intro', 40)}</p>`;

  it('keeps a long list of links right under a heading (the section is the list)', () => {
    const out = extract(page(`<main>${intro}${['A', 'B', 'C', 'D'].map(section).join('')}</main>`));
    expect(out.method).toBe('container');
    expect(out.text).toContain('Alang0');
    expect(out.text).toContain('Dlang11');
  });

  it('drops the same list under no heading (a menu)', () => {
    const out = extract(
      page(`<main>${intro}<div class="links">${list('M')}</div><p>${sentence('more', 40)}</p></main>`),
    );
    expect(out.text).not.toContain('Mlang0');
  });
});

describe('extract: the repeated entries of a listing', () => {
  const topics = ['harbour', 'council', 'winter', 'ferry', 'market', 'school'];
  const container = (body: string) => extract(page(body), { candidates: true }).candidates!.container;

  it('keeps a short linked title among sibling entries of the same classes whose titles are long', () => {
    // Rows 2 and 5 are one link of under 30 characters: alone, a link block; beside their siblings, entries.
    const title = (i: number) =>
      i % 3 === 2 ? `Why ${topics[i]} ${i} fails` : `The ${topics[i]} plan ${i} wins the long vote at the town hall`;
    const rows = topics.map((_, i) => `<div class="row athing"><a href="/s/${i}">${title(i)}</a></div>`).join('');
    const text = container(`<p>${sentence('intro', 40)}</p><div class="list">${rows}</div>`);
    for (let i = 0; i < topics.length; i++) expect(text).toContain(title(i));
  });

  it('drops sibling entries of short links when most of them are short (a menu)', () => {
    const items = ['Home', 'About', 'Contact', 'Jobs', 'Press', 'Help']
      .map((l) => `<div class="item"><a href="/${l}">${l} page</a></div>`)
      .join('');
    const long = `<div class="item"><a href="/long">The long story of the town hall and its harbour vote</a></div>`;
    const text = container(`<p>${sentence('intro', 40)}</p><div class="links">${items}${long}</div>`);
    expect(text).not.toContain('Contact page');
  });

  it('keeps the linked titles of a grid of cards, however short (a recipe grid)', () => {
    const dishes = ['Pad thai', 'Lemon tart', 'Fish pie', 'Dal', 'Ramen', 'Paella'];
    const cards = dishes
      .map((d, i) => `<div class="card"><a href="/r/${i}"><h3>${d}</h3></a><p>${20 + i} minutes</p></div>`)
      .join('');
    const text = container(`<p>${sentence('intro', 40)}</p><div class="grid">${cards}</div>`);
    for (const d of dishes.filter((d) => d.replace(/\s/g, '').length >= 5)) expect(text).toContain(d);
  });

  it('keeps a grid of cards that are nothing but a linked title of two words (a course catalogue)', () => {
    const courses = ['Data science', 'Lemon tarts', 'Stage design', 'Tax basics', 'Sea kayaking', 'Film editing'];
    const cards = courses.map((c, i) => `<div class="card"><a href="/c/${i}"><h3>${c}</h3></a></div>`).join('');
    const text = container(`<p>${sentence('intro', 40)}</p><div class="grid">${cards}</div>`);
    for (const c of courses) expect(text).toContain(c);
  });
});

describe('extract: other products shown as cards on a product page', () => {
  const description = `<h1>A kettle</h1><p>${sentence('desc', 40)}</p><p>Price $49.00</p>`;
  const cards = `<div class="carousel">${['Steel kettle', 'Glass teapot', 'Tea infuser', 'Milk frother']
    .map((name, i) => `<div class="tile"><a href="/p${i}"><p>${name}</p></a><p>$${i + 1}9.99</p></div>`)
    .join('')}</div>`;
  const ld = '<title>A kettle</title><script type="application/ld+json">{"@type":"Product","name":"A kettle"}</script>';
  const og = '<title>A kettle</title><meta property="og:type" content="product">';

  it('drops a row of three or more sibling cards, each a short name and a price', () => {
    const out = extract(page(`<main>${description}${cards}</main>`, ld));
    expect(out.text).toContain('desca0');
    expect(out.text).toContain('$49.00');
    for (const name of ['Steel kettle', 'Glass teapot', 'Milk frother', '$19.99']) expect(out.text).not.toContain(name);
  });

  it('keeps two cards, a price table, and the cards of a page whose only product signal is og:type', () => {
    const two = cards.replace(/<div class="tile"><a href="\/p[23]">.*?<\/div>/g, '');
    expect(extract(page(`<main>${description}${two}</main>`, ld)).text).toContain('Glass teapot');
    const table = `<table>${['Small', 'Medium', 'Large'].map((s, i) => `<tr><td>${s} size</td><td>€${i + 1}2,00</td></tr>`).join('')}</table>`;
    expect(extract(page(`<main>${description}${table}</main>`, ld)).text).toContain('Medium size');
    expect(extract(page(`<main>${description}${cards}</main>`, og)).text).toContain('Glass teapot');
  });
});

describe('extract: disclaimers and footnotes of a product page', () => {
  const body = `<main><h1>A blender</h1><div class="product-description"><p>${sentence('desc', 40)}</p><ul>
    <li>${sentence('spec1x', 8)}</li><li>${sentence('spec2x', 8)}</li></ul></div>
    <div class="product-disclaimer"><p>${sentence('legalese', 30)}</p></div>
    <p class="fine-print">${sentence('fine', 20)}</p><div id="footnotes"><p>${sentence('note', 20)}</p></div></main>`;

  it('drops them on a page declaring a product', () => {
    const product =
      '<title>A blender</title><script type="application/ld+json">{"@type":"Product","name":"A blender"}</script>';
    const out = extract(page(body, product));
    expect(out.text).toContain('desca0');
    for (const chrome of ['legalesea0', 'finea0', 'notea0']) expect(out.text).not.toContain(chrome);
  });

  it('keeps them on other pages (an article\u2019s notes)', () => {
    const out = extract(page(body));
    expect(out.text).toContain('legalesea0');
    expect(out.text).toContain('notea0');
  });
});

describe('extract: a product page known by its buy button', () => {
  const reviews = `<section class="reviews">${[1, 2, 3]
    .map((i) => `<div class="review"><p>${sentence(`rev${i}w`, 60)}</p></div>`)
    .join('')}</section>`;
  const body = (buttons: number) =>
    `<main><h1>A lamp</h1><p>${sentence('desc', 40)}</p>${'<button type="submit"><span>Add to cart</span></button>'.repeat(buttons)}${reviews}</main>`;

  it('is a product page with one or two "Add to cart" buttons and no product markup', () => {
    const out = extract(page(body(1)));
    expect(out.text).toContain('desca0');
    expect(out.text).not.toContain('rev1wa0');
    expect(extract(page(body(2))).text).not.toContain('rev1wa0');
  });

  it('is not one with none, nor with a button per card (a listing)', () => {
    expect(extract(page(body(0))).text).toContain('rev1wa0');
    expect(extract(page(body(5))).text).toContain('rev1wa0');
  });
});

describe('extract: text a reader does not see', () => {
  it('drops screen-reader-only labels and tooltips on every page', () => {
    const body = `<main><h1>A guide</h1><p>${sentence('body', 40)}<span class="sr-only">Opens in a new window</span></p>
      <p><span class="visually-hidden">Sale price</span>$12.00</p>
      <p>${sentence('more', 30)}<span role="tooltip">Hover help for this term</span></p>
      <a class="screen-reader-text skip-link" href="#main">Jump to the content</a></main>`;
    const out = extract(page(body));
    expect(out.text).toContain('bodya0');
    expect(out.text).toContain('$12.00');
    for (const unseen of ['Opens in a new window', 'Sale price', 'Hover help', 'Jump to the content']) {
      expect(out.text).not.toContain(unseen);
    }
  });
});

describe('extract: headings inside list items', () => {
  it('count as headings: an other-products heading in a list item drops its section, up to the next heading', () => {
    const others = `<ul class="blocks"><li><h2>You may also like</h2></li>${[1, 2, 3]
      .map((i) => `<li><p>Other lamp ${i}</p><p>${sentence(`other${i}k`, 14)}</p></li>`)
      .join('')}<li><h2>Care and cleaning</h2><p>${sentence('care', 30)}</p></li></ul>`;
    const out = extract(page(`<main><h1>A lamp</h1><p>${sentence('desc', 40)}</p>${others}</main>`));
    expect(out.text).toContain('desca0');
    expect(out.text).not.toContain('Other lamp');
    expect(out.text).not.toContain('other2ka0');
    expect(out.text).toContain('carea0');
  });
});

describe('extract: more headings over other products and reviews', () => {
  it('drops the sections under "Products related to this item", "Complete the set?" and "Top reviews from ..."', () => {
    const section = (heading: string, seed: string) => `<h2>${heading}</h2><p>${sentence(seed, 20)}</p>`;
    const body = `<main><h1>A lamp</h1><p>${sentence('desc', 40)}</p>${section('Products related to this item', 'rel')}
      ${section('Added to your cart! Complete the set?', 'set')}${section('Customers frequently viewed', 'freq')}
      ${section('Top reviews from the United States', 'top')}${section('Care and cleaning', 'care')}</main>`;
    const out = extract(page(body));
    expect(out.text).toContain('desca0');
    for (const gone of ['rela0', 'seta0', 'freqa0', 'topa0', 'Complete the set']) expect(out.text).not.toContain(gone);
    expect(out.text).toContain('carea0');
  });
});

describe('extract: a shop\u2019s buttons written as links', () => {
  it('drops "Add to cart", "Buy now" and "Quantity" lines, and keeps sentences with the same words', () => {
    const body = `<main><h1>A lamp</h1><p>${sentence('desc', 40)}</p><div><a href="/cart">Add to cart</a></div>
      <div><a href="/buy">Buy now</a></div><div>Quantity</div><p>Add to cart before midnight for delivery on Monday.</p></main>`;
    const out = extract(page(body));
    expect(out.text).toContain('desca0');
    expect(out.text).not.toMatch(/^(?:Add to cart|Buy now|Quantity)$/m);
    expect(out.text).toContain('Add to cart before midnight');
  });
});

describe('extract: readers\u2019 comments under a blog post', () => {
  const post = [1, 2, 3, 4, 5].map((i) => `<p>${sentence(`story${i}s`, 40)}</p>`).join('');
  const comment = (i: number) =>
    `<li class="comment"><div class="comment-author">Reader ${i}</div><div class="comment-content"><p>${sentence(`reply${i}r`, 30)}</p></div></li>`;
  const container = (body: string) => extract(page(body), { candidates: true }).candidates!.container;

  it('are not part of the main container', () => {
    const comments = [1, 2, 3].map(comment).join('');
    const text = container(
      `<div class="site"><div class="entry-content">${post}</div>` +
        `<div id="comments" class="comments-area"><h2>3 comments</h2><ol class="comment-list">${comments}</ol></div></div>`,
    );
    expect(text).toContain('story1sa0');
    expect(text).toContain('story5sa0');
    expect(text).not.toContain('reply1ra0');
    expect(text).not.toContain('3 comments');
  });

  it('stay when the comment section holds most of the page: a thread of replies', () => {
    const comments = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(comment).join('');
    const text = container(
      `<div class="site"><p>${sentence('intro', 20)}</p><div class="comments">${comments}</div></div>`,
    );
    expect(text).toContain('reply1ra0');
    expect(text).toContain('reply10ra0');
  });
});

describe('extract: lines repeated across the posts of a declared thread', () => {
  const ldThread =
    '<title>A thread</title><script type="application/ld+json">{"@context":"https://schema.org","@type":"DiscussionForumPosting","headline":"A thread"}</script>';
  const post = (i: number) => `<article class="message">
    <div class="user"><h4>poster${i}</h4><div>Gold Circle Club</div></div>
    <div class="body"><p>${sentence(`post${i}t`, 45)}</p></div>
    <div class="signature">My rig is a quiet box with too many fans</div></article>`;
  const thread = `<main>${[0, 1, 2, 3].map(post).join('')}</main>`;

  it('drops a badge and a signature written under every post, and keeps every post', () => {
    const out = extract(page(thread, ldThread));
    for (let i = 0; i < 4; i++) expect(out.text).toContain(`post${i}ta0`);
    expect(out.text).not.toContain('Gold Circle Club');
    expect(out.text).not.toContain('too many fans');
  });

  it('keeps them on a page that does not declare a thread', () => {
    const out = extract(page(thread));
    expect(out.text).toContain('Gold Circle Club');
  });

  it('keeps code and quotes that repeat across the posts', () => {
    const code = '<pre><code>import asyncio\nasyncio.run(main())</code></pre>';
    const quoted = '<blockquote><p>Hello all</p><p>Which car rental should I use</p></blockquote>';
    const posts = [0, 1, 2, 3]
      .map(
        (i) =>
          `<article class="message"><h4>poster${i}</h4>${i ? quoted : ''}<p>${sentence(`post${i}q`, 40)}</p>${code}</article>`,
      )
      .join('');
    const out = extract(page(`<main>${posts}</main>`, ldThread));
    expect(out.text.match(/import asyncio/g)).toHaveLength(4);
    expect(out.text.match(/Which car rental/g)).toHaveLength(3);
  });
});

describe('extract: repeated blocks of a declared article', () => {
  const ldArticle =
    '<title>A story</title><script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle"}</script>';
  const box =
    '<div class="box"><h3>Weekly digest by mail</h3><p>The best of our reporting every Sunday morning</p></div>';
  const story = [0, 1, 2, 3, 4].map((i) => `<p>${sentence(`story${i}p`, 40)}</p>`).join('');

  it('drops a block written above and below the story, both times', () => {
    const out = extract(page(`<article>${box}${story}${box}</article>`, ldArticle));
    expect(out.text).toContain('story4pa0');
    expect(out.text).not.toContain('Weekly digest');
    expect(out.text).not.toContain('every Sunday morning');
  });

  it('keeps the first copy of a block repeated inside the story', () => {
    const out = extract(page(`<article>${story}${box}<p>${sentence('more', 40)}</p>${box}</article>`, ldArticle));
    expect(out.text.match(/Weekly digest/g)).toHaveLength(1);
    expect(out.text).toContain('morea0');
  });

  it('leaves a page that does not declare an article as it is', () => {
    const out = extract(page(`<article>${box}${story}${box}</article>`));
    expect(out.text.match(/Weekly digest/g)).toHaveLength(2);
  });
});

describe('extract: sections after the story', () => {
  const story = [0, 1, 2, 3, 4].map((i) => `<p>${sentence(`story${i}p`, 40)}</p>`).join('');
  const cards = [0, 1, 2]
    .map(
      (i) =>
        `<div class="card"><h3>Card headline number ${i} of the site</h3><p>${sentence(`card${i}c`, 12)}</p></div>`,
    )
    .join('');

  it('drop the heading over other stories and the cards under it, and the comments section', () => {
    const out = extract(
      page(`<main><h1>A story</h1>${story}<h2>More from Science</h2>${cards}
        <h2>3 Comments</h2><p>${sentence('comment', 30)}</p></main>`),
    );
    expect(out.text).toContain('story4pa0');
    for (const gone of ['More from Science', 'Card headline', 'card0ca0', 'Comments', 'commenta0'])
      expect(out.text).not.toContain(gone);
  });

  it('leave such a heading above the story, and on a declared thread', () => {
    const top = extract(page(`<main><h2>Trending</h2>${story}</main>`));
    expect(top.text).toContain('story0pa0');
    const ldThread =
      '<title>A thread</title><script type="application/ld+json">{"@type":"DiscussionForumPosting"}</script>';
    const thread = extract(page(`<main>${story}<h2>2 Comments</h2><p>${sentence('reply', 30)}</p></main>`, ldThread));
    expect(thread.text).toContain('replya0');
  });
});

describe('extract: a declared thread whose first post is long', () => {
  const first = `<article class="post"><h4>starter</h4><div class="content">${[0, 1, 2, 3, 4, 5, 6, 7]
    .map((i) => `<p>${sentence(`first${i}f`, 50)}</p>`)
    .join('')}</div></article>`;
  const replies = [0, 1, 2, 3]
    .map(
      (i) =>
        `<article class="post"><h4>replier${i}</h4><div class="content"><p>${sentence(`reply${i}r`, 30)}</p></div></article>`,
    )
    .join('');
  const ldThread =
    '<title>A thread</title><script type="application/ld+json">{"@type":"DiscussionForumPosting"}</script>';

  it('takes the container, which holds the first post and the replies Readability left out', () => {
    const out = extract(page(`<main><div class="posts">${first}${replies}</div></main>`, ldThread));
    expect(out.text).toContain('first0fa0');
    for (let i = 0; i < 4; i++) expect(out.text).toContain(`reply${i}ra0`);
  });
});

describe('extract: React streamed server rendering', () => {
  const body = [0, 1, 2, 3].map((i) => `<p>${sentence(`streamed${i}s`, 40)}</p>`).join('');
  const intro = `<p>${sentence('intro', 30)}</p>`;
  const header = `<header><nav><a href="/">Home</a> <a href="/blog">Blog</a></nav></header>`;

  it('puts a hidden segment in its boundary, without the fallback', () => {
    const html = page(
      `${header}<main><h1>A post</h1>${intro}<!--$?--><template id="B:0"></template><div>Loading paragraph...</div><!--/$--></main>` +
        `<div hidden id="S:0"><article>${body}</article></div>`,
    );
    const out = extract(html);
    expect(out.text).toContain('streamed0sa0');
    expect(out.text).toContain('streamed3sa0');
    expect(out.text).not.toContain('Loading');
  });

  it('shows a segment whose slot is gone (a saved page without comments or templates)', () => {
    const html = page(
      `${header}<main><h1>A post</h1>${intro}<div>Loading...</div></main><div hidden id="S:1">${body}</div>`,
    );
    const out = extract(html);
    expect(out.text).toContain('streamed0sa0');
  });

  it('shows a segment streamed twice once', () => {
    const twice = `<div hidden id="S:2"><p>${sentence('twice', 30)}</p></div><div hidden id="S:3"><p>${sentence('twice', 30)}</p></div>`;
    const out = extract(page(`${header}<main><article>${body}</article></main>${twice}`));
    expect(out.text.match(/twicea0/g)?.length).toBe(1);
  });

  it('leaves other hidden blocks hidden', () => {
    const html = page(
      `<main><article>${body}</article></main><div hidden id="menu">${sentence('hiddenmenu', 40)}</div>`,
    );
    expect(extract(html).text).not.toContain('hiddenmenua0');
  });
});

describe('extract: author boxes', () => {
  const story = [0, 1, 2, 3, 4].map((i) => `<p>${sentence(`story${i}t`, 40)}</p>`).join('');
  const box = `<div class="author-bio"><img src="/a.jpg" alt=""><p>${sentence('aboutwriter', 30)}</p></div>`;

  it('leaves out the paragraph about the writer under a story', () => {
    const out = extract(page(`<main><article><h1>A story</h1>${story}${box}</article></main>`));
    expect(out.text).toContain('story0ta0');
    expect(out.text).not.toContain('aboutwritera0');
  });

  it("keeps an author's own page, where the box is most of the text", () => {
    const out = extract(page(`<main><h1>About me</h1><div class="about-author">${story}</div></main>`));
    expect(out.text).toContain('story0ta0');
  });
});

describe('extract: number lines on a declared thread', () => {
  const ldThread =
    '<title>A thread</title><script type="application/ld+json">{"@type":"DiscussionForumPosting"}</script>';
  const posts = [0, 1, 2, 3]
    .map(
      (i) =>
        `<article class="post"><div class="votes">${[17, 4, 0, 12][i]}</div><h4>poster${i}</h4><div>Offline</div>
        <p>${sentence(`post${i}n`, 40)}</p><pre><code>42</code></pre><div class="likes">${i + 5}</div></article>`,
    )
    .join('');

  it('drops a line that is only a number (votes, likes, the post number), not one inside code, and "Offline" and "4 Answers"', () => {
    const out = extract(page(`<main><h2>4 Answers 4</h2>${posts}</main>`, ldThread));
    for (let i = 0; i < 4; i++) expect(out.text).toContain(`post${i}na0`);
    expect(out.text).not.toContain('Offline');
    expect(out.text).not.toContain('4 Answers');
    for (const n of ['17', '12', '5', '8']) expect(out.text).not.toMatch(new RegExp(`^${n}$`, 'm'));
    expect(out.text.match(/^42$/gm)).toHaveLength(4);
  });

  it('keeps them on a page that does not declare a thread', () => {
    const out = extract(page(`<main>${posts}</main>`));
    expect(out.text).toMatch(/^17$/m);
  });
});

describe('extract: a documentation page\u2019s controls and a forum\u2019s browser notice', () => {
  it('drops "Edit this page", "Was this page helpful?", "Next article", "Expand description" and the notice', () => {
    const body = `<main><p>You are using an out of date browser. It may not display this or other websites correctly.</p>
      <p>You should upgrade or use an alternative browser.</p><h1>Install the tool</h1>
      <div><button>Expand description</button></div><p>${sentence('doc', 40)}</p><p>${sentence('more', 40)}</p>
      <div>Is this page useful?<a href="/edit">Edit this page</a></div><div>Was this page helpful?</div>
      <ul><li><a href="/a">Previous article</a></li><li><a href="/b">Next article</a></li></ul>
      <p>Edit this page to add your own steps before the next article is written.</p></main>`;
    const out = extract(page(body));
    expect(out.text).toContain('doca0');
    expect(out.text).toContain('morea0');
    for (const gone of [
      'out of date browser',
      'alternative browser',
      'Expand description',
      'Is this page useful',
      'helpful?',
      'Previous article',
    ])
      expect(out.text).not.toContain(gone);
    expect(out.text).not.toMatch(/^(?:- )?Next article$/m);
    expect(out.text).toContain('Edit this page to add your own steps');
  });
});

describe('extract: a poster\u2019s reputation and seniority lines', () => {
  it('drops "12.3k5 gold badges40 silver badges" and "10+ Year Member" lines, and keeps the posts', () => {
    const posts = [0, 1, 2]
      .map(
        (i) =>
          `<div class="answer"><p>${sentence(`ans${i}w`, 40)}</p><div class="user"><a href="/u/${i}">user${i}</a>
          <div>${i + 1}2.${i}k${i + 3} gold badges${i + 20} silver badges${i + 40} bronze badges</div><div>${i + 2}+ Year Member</div></div></div>`,
      )
      .join('');
    const out = extract(page(`<main>${posts}</main>`));
    for (let i = 0; i < 3; i++) expect(out.text).toContain(`ans${i}wa0`);
    expect(out.text).not.toContain('badges');
    expect(out.text).not.toContain('Year Member');
  });
});
