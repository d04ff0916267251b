/**
 * Integration: the refiner end to end in this process, with the real worker
 * thread, tiktoken and the language detector; bad pages of every kind.
 * Nothing is faked.
 */
import { Refiner } from '@datafactory/refiner';
import { distinctArticle } from '@datafactory/testing';
import { afterAll, describe, expect, it } from 'vitest';

const article = (paragraphs: number) =>
  `<!doctype html><html lang="en"><head><title>Growing tomatoes at home</title>
  <meta property="article:published_time" content="2024-05-02T10:00:00Z"><meta name="author" content="Ann Gardener"></head>
  <body><nav><a href="/">Home</a><a href="/about">About</a></nav>
  <article><h1>Growing tomatoes at home</h1>
  ${Array.from(
    { length: paragraphs },
    (_, i) =>
      `<h2>Step ${i + 1}</h2><p>Tomatoes need warmth, sun and steady water. In step ${i + 1} the gardener checks the soil, ` +
      `adds compost where it is thin and ties the stems to their canes so that the fruit does not pull them down.</p>` +
      `<ul><li>Water in the morning</li><li>Feed every ${i + 2} weeks</li></ul>`,
  ).join('\n')}
  <pre><code>water(plant, litres=2)</code></pre>
  <table><tr><th>Variety</th><th>Days</th></tr><tr><td>Roma</td><td>75</td></tr></table>
  </article><footer>© 2024 Example</footer></body></html>`;

describe('Refiner (worker thread, real tokenizer and detector)', () => {
  const refiner = new Refiner({ chunk_size: 64, timeout_ms: 15_000 }, { model: 'gpt-4o-mini' });
  afterAll(() => refiner.close());

  it('refines an article into chunks with heading path, language, URL and position', async () => {
    const doc = await refiner.refine({ html: article(6), url: 'https://example.com/tomatoes' });
    expect(doc.status).toBe('ok');
    expect(doc.reason).toBeNull();
    expect(doc.title).toBe('Growing tomatoes at home');
    expect(doc.byline).toBe('Ann Gardener');
    expect(doc.publishedAt).toBe('2024-05-02T10:00:00.000Z');
    expect(doc.language).toBe('en');
    expect(doc.text).toContain('## Step 1');
    expect(doc.text).toContain('- Water in the morning');
    expect(doc.text).toContain('```\nwater(plant, litres=2)\n```');
    expect(doc.text).toContain('| Roma | 75 |');
    expect(doc.text).not.toContain('About');
    expect(doc.chunks.length).toBeGreaterThan(3);
    for (const c of doc.chunks) {
      expect(c.tokenCount).toBeLessThanOrEqual(64);
      expect(c.sourceUrl).toBe('https://example.com/tomatoes');
      expect(c.language).toBe('en');
      expect(doc.text.slice(c.start, c.end)).toBe(c.content);
    }
    expect(doc.chunks[1]!.headingPath[0]).toMatch(/^Step/);
  });

  // The fixture site's articles: a user's clone has no benchmark data beside it (the bench reads that).
  it('extracts article pages with text in every page', async () => {
    for (const n of [1, 2, 3, 4, 5]) {
      const id = `doc-${n}`;
      const doc = await refiner.extract({ html: distinctArticle(n), url: `https://fixture.example/doc/${n}` });
      expect(doc.status, id).toBe('ok');
      expect(doc.words, id).toBeGreaterThan(50);
      expect(doc.language, id).toMatch(/^[a-z]{2}$/);
    }
  });

  it('skips an empty page with a reason', async () => {
    for (const html of ['', '   \n  ']) {
      const doc = await refiner.refine({ html });
      expect(doc).toMatchObject({ status: 'skipped', reason: 'empty page', chunks: [] });
    }
  });

  it('skips binary garbage with a reason', async () => {
    const bytes = new Uint8Array(200_000);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) bytes[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
    const doc = await refiner.refine({ html: bytes });
    expect(doc.status).toBe('skipped');
    expect(doc.reason).toMatch(/^not an HTML page/);
  });

  it('skips a page with no article', async () => {
    const doc = await refiner.refine({ html: '<html><body><nav><a href="/">Home</a></nav><p>Hi.</p></body></html>' });
    expect(doc.status).toBe('skipped');
    expect(doc.reason).toMatch(/^no article: \d+ word\(s\)/);
  });

  it('skips a 20 MB page over the size limit with its size in the reason', async () => {
    const filler = `<div class="row"><span>cell</span> <a href="/x">link text here</a></div>\n`;
    const html = `<html><body>${filler.repeat(Math.ceil((20 * 1024 * 1024) / filler.length))}</body></html>`;
    const doc = await refiner.refine({ html });
    expect(doc.status).toBe('skipped');
    expect(doc.reason).toMatch(/^page too large: 20\.\d MB/);
  });

  it('handles a 10,000-level nested DOM without crashing', async () => {
    const depth = 10_000;
    const html = `<html><body>${'<div>'.repeat(depth)}<p>${'Deep text in a deep page. '.repeat(40)}</p>${'</div>'.repeat(depth)}</body></html>`;
    const doc = await refiner.refine({ html });
    expect(['ok', 'skipped', 'failed']).toContain(doc.status);
    if (doc.status !== 'ok') expect(doc.reason).toBeTruthy();
    else expect(doc.text).toContain('Deep text in a deep page.');
    // The refiner still works afterwards.
    expect((await refiner.refine({ html: article(2) })).status).toBe('ok');
  });

  it('fails a page that exceeds the time limit by replacing its worker thread, and the next page still works', async () => {
    // The test hits the time limit itself, once the page is with the worker thread (parsing 24 MB of
    // markup takes seconds), so nothing depends on how fast this machine is; other pages never hit it.
    let armed: () => void = () => {};
    const pageArmed = new Promise<void>((resolve) => (armed = resolve));
    let hitLimit: (() => void) | undefined;
    const slow = new Refiner(
      { timeout_ms: 2_000, max_html_mb: 200 },
      {
        pageTimer: (hit) => {
          hitLimit = hit;
          armed();
          return () => (hitLimit = undefined);
        },
      },
    );
    try {
      const filler = '<div><p>Some words in a paragraph that goes on.</p><a href="/a">a link</a></div>';
      const refining = slow.refine({ html: `<html><body>${filler.repeat(300_000)}</body></html>` });
      await pageArmed;
      expect(slow.extractionStats()).toEqual({ workersStarted: 1, timeouts: 0, workersDiscarded: 0 });
      hitLimit!();
      const doc = await refining;
      expect(doc.status).toBe('failed');
      expect(doc.reason).toMatch(/^extraction took longer than 2000 ms/);
      // The thread that held the page was stopped, and the limit counted.
      expect(slow.extractionStats()).toEqual({ workersStarted: 1, timeouts: 1, workersDiscarded: 1 });
      const next = await slow.refine({ html: article(1) });
      expect(next.status).toBe('ok');
      // ...in a fresh thread.
      expect(slow.extractionStats()).toEqual({ workersStarted: 2, timeouts: 1, workersDiscarded: 1 });
    } finally {
      await slow.close();
    }
  });
});
