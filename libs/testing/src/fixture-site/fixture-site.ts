import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';

/*
 * The fixture web site of the crawler tests (issue 3): several hosts on
 * 127.0.0.1, one port each, serving the same routes with per-host robots.txt.
 * Every request is recorded, so tests assert on what a crawler actually did.
 * It never sends traffic anywhere; the redirects to private addresses point
 * at addresses the crawler must refuse before connecting.
 */

/** Host roles: each decides its robots.txt. */
export type FixtureHostName = 'main' | 'delay' | 'robots503' | 'robots404' | 'other' | `h${number}`;

export interface FixtureRequest {
  host: string;
  port: number;
  method: string;
  /** Path and query. */
  path: string;
  headers: IncomingMessage['headers'];
  /** performance.now() when the request arrived. */
  at: number;
  /** The status served, for a path set with `setPage` (the built-in routes leave it unset). */
  status?: number;
}

/**
 * A page a test puts on the site (and changes between runs) with `setPage`: a body with its validators
 * (a conditional request that matches them gets 304), or a status with no page (404, 410).
 */
export type FixturePage =
  { body: string; type?: string; etag?: string; lastModified?: string } | { status: number; body?: undefined };

export interface FixtureSiteOptions {
  hosts?: FixtureHostName[];
  /** Crawl-delay (seconds) that the `delay` host's robots.txt asks for. */
  crawlDelaySeconds?: number;
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const TEXT =
  'This fixture page has enough plain text to count as a real article for the crawler. ' +
  'It talks about nothing in particular, at length, so that the visible text is well above the threshold. ';

function page(title: string, body: string, head = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${head}</head><body>${body}</body></html>`;
}

export class FixtureSite extends EventEmitter {
  readonly requests: FixtureRequest[] = [];
  /** Body bytes written per path (how much of a huge page went out before the client gave up). */
  readonly bytesSent = new Map<string, number>();
  private readonly servers = new Map<string, Server>();
  private readonly ports = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  private readonly hits = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Pages set by tests (`setPage`), by `host path`: served in place of the built-in routes. */
  private readonly pages = new Map<string, FixturePage>();
  /** Responses of /escape/hold waiting for their page's report, by key. */
  private readonly held = new Map<string, ServerResponse[]>();

  private constructor(private readonly options: FixtureSiteOptions) {
    super();
  }

  static async start(options: FixtureSiteOptions = {}): Promise<FixtureSite> {
    const site = new FixtureSite(options);
    for (const name of options.hosts ?? ['main', 'delay', 'robots503', 'robots404', 'other']) await site.listen(name);
    return site;
  }

  private async listen(name: string): Promise<void> {
    const server = createServer((req, res) => this.handle(name, req, res));
    server.keepAliveTimeout = 2_000;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    this.servers.set(name, server);
    this.ports.set(name, (server.address() as AddressInfo).port);
  }

  port(host: string): number {
    const p = this.ports.get(host);
    if (p === undefined) throw new Error(`fixture host ${host} is not running`);
    return p;
  }

  /** `http://127.0.0.1:<port of host><path>`. */
  url(host: string, path = '/'): string {
    return `http://127.0.0.1:${this.port(host)}${path}`;
  }

  /** `host:port` pairs of every fixture host (for a crawler's trusted-host list). */
  hostPorts(): string[] {
    return [...this.ports.values()].map((p) => `127.0.0.1:${p}`);
  }

  /**
   * Serves `page` at `path` (no query) on `host` from now on, in place of any built-in route; `null` forgets
   * it. A GET whose If-None-Match equals the page's etag, or whose If-Modified-Since is not before its
   * lastModified, gets `304 Not Modified` with no body (the status is in the request's record).
   */
  setPage(host: string, path: string, page: FixturePage | null): void {
    if (page) this.pages.set(`${host} ${path}`, page);
    else this.pages.delete(`${host} ${path}`);
  }

  private servePage(page: FixturePage, req: IncomingMessage, res: ServerResponse, record: FixtureRequest): void {
    if (page.body === undefined) {
      record.status = page.status;
      return this.send(res, page.status, 'text/plain', `HTTP ${page.status}`);
    }
    const validators: Record<string, string> = {
      ...(page.etag ? { etag: page.etag } : {}),
      ...(page.lastModified ? { 'last-modified': page.lastModified } : {}),
    };
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    const fresh =
      inm !== undefined
        ? page.etag !== undefined && inm.split(',').some((t) => t.trim() === page.etag)
        : ims !== undefined && page.lastModified !== undefined && Date.parse(ims) >= Date.parse(page.lastModified);
    if (fresh) {
      record.status = 304;
      res.writeHead(304, validators);
      res.end();
      return;
    }
    record.status = 200;
    this.send(res, 200, page.type ?? 'text/html; charset=utf-8', page.body, validators);
  }

  requestsTo(host: string, path?: string | RegExp): FixtureRequest[] {
    return this.requests.filter(
      (r) =>
        r.host === host && (path === undefined || (typeof path === 'string' ? r.path === path : path.test(r.path))),
    );
  }

  /** Resolves with the first recorded (or future) request matching `match`. */
  waitForRequest(match: (r: FixtureRequest) => boolean): Promise<FixtureRequest> {
    const found = this.requests.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const listener = (r: FixtureRequest) => {
        if (match(r)) {
          this.off('request', listener);
          resolve(r);
        }
      };
      this.on('request', listener);
    });
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    await Promise.all([...this.servers.values()].map((s) => new Promise((resolve) => s.close(resolve))));
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private hit(key: string): number {
    const n = (this.hits.get(key) ?? 0) + 1;
    this.hits.set(key, n);
    return n;
  }

  private send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers = {}): void {
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    res.writeHead(status, { 'content-type': type, 'content-length': buf.length, ...headers });
    res.end(buf);
  }

  /**
   * Pages that try to get Chromium past the crawler (issue 13 item 4), aimed
   * at the test's canary (`?canary=<tcp port>`, `?udp=<udp port>`). A page
   * that reports an outcome (`/escape/report?key=...&r=...`) holds its load
   * event with an async script from the `other` host, answered when the
   * report arrives (or after 8 s), so the page is still open when it reports.
   */
  private escape(host: string, p: string, url: URL, res: ServerResponse): void {
    const key = url.searchParams.get('key') ?? p;
    const canary = `http://127.0.0.1:${url.searchParams.get('canary') ?? '9'}`;
    const udp = url.searchParams.get('udp') ?? '9';
    const hold = `<script async src="http://127.0.0.1:${this.ports.get('other') ?? this.port(host)}/escape/hold?key=${encodeURIComponent(key)}"></script>`;
    const report = `function report(r) { fetch('/escape/report?key=${encodeURIComponent(key)}&r=' + encodeURIComponent(r)); }`;
    const html = (title: string, script: string, head = '') =>
      this.send(
        res,
        200,
        'text/html; charset=utf-8',
        page(title, `<p>${TEXT}</p><script>${report}\n${script}</script>${hold}`, head),
      );
    switch (p) {
      case '/escape/hold': {
        const waiting = this.held.get(key) ?? [];
        this.held.set(key, waiting);
        waiting.push(res);
        return this.later(8_000, () => this.release(key));
      }
      case '/escape/report':
        this.send(res, 200, 'text/plain', 'noted');
        return this.release(key);
      case '/escape/popup':
        // A link with target=_blank and noopener opens a popup without an opener; window.open one
        // with. window.closed turns true when the crawler closes the second; the page reports that.
        return html(
          'Popup',
          `const a = document.createElement('a');
           a.href = '${canary}/noopener'; a.target = '_blank'; a.rel = 'noopener';
           document.body.appendChild(a); a.click();
           const w = window.open('${canary}/popup');
           if (!w) report('not opened');
           else { const t = setInterval(() => { if (w.closed) { clearInterval(t); report('closed'); } }, 20); }`,
        );
      case '/escape/service-worker':
        return html(
          'Service worker',
          // With navigator.serviceWorker gone, a fresh about:blank frame's navigator is the next thing to try.
          `let sw = navigator.serviceWorker;
           if (!sw) { const f = document.createElement('iframe'); document.body.appendChild(f); sw = f.contentWindow.navigator.serviceWorker; }
           if (!sw) report('no service worker API');
           else sw.register('/escape/sw.js?canary=${url.searchParams.get('canary') ?? ''}')
             .then(() => report('registered'), (e) => report('refused: ' + e.message));`,
        );
      case '/escape/sw.js':
        return this.send(
          res,
          200,
          'application/javascript',
          `fetch('${canary}/sw-script').catch(() => undefined);
           self.addEventListener('install', (e) => e.waitUntil(fetch('${canary}/sw-install').catch(() => undefined)));
           self.addEventListener('fetch', (e) => e.respondWith(fetch('${canary}/sw-fetch')));`,
        );
      case '/escape/stun':
        return html(
          'STUN',
          `const pc = new RTCPeerConnection({ iceServers: [{ urls: 'stun:127.0.0.1:${udp}' }] });
           pc.createDataChannel('probe');
           pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') report('gathered'); };
           pc.createOffer().then((o) => pc.setLocalDescription(o)).catch((e) => report('failed: ' + e.message));`,
        );
      case '/escape/websocket':
        return html(
          'WebSocket',
          `const ws = new WebSocket('${canary.replace('http:', 'ws:')}/ws');
           ws.onerror = () => report('error'); ws.onopen = () => report('open');`,
        );
      case '/escape/navigate':
        return this.send(
          res,
          200,
          'text/html; charset=utf-8',
          page('Navigates away', `<p>${TEXT}</p><script>location.href = '${canary}/navigated';</script>`),
        );
      case '/escape/redirect':
        res.writeHead(302, { location: `${canary}/redirected` });
        return void res.end();
      default:
        return this.send(res, 404, 'text/html', page('Not found', '<p>no such escape page</p>'));
    }
  }

  private release(key: string): void {
    for (const res of this.held.get(key)?.splice(0) ?? []) {
      if (!res.destroyed) this.send(res, 200, 'application/javascript', '/* released */');
    }
  }

  private robots(host: string, res: ServerResponse): void {
    const base = `http://127.0.0.1:${this.port(host)}`;
    switch (host) {
      case 'robots503':
        return this.send(res, 503, 'text/plain', 'down for maintenance');
      case 'robots404':
        return this.send(res, 404, 'text/plain', 'no robots here');
      case 'delay':
        return this.send(
          res,
          200,
          'text/plain',
          `User-agent: *\nCrawl-delay: ${this.options.crawlDelaySeconds ?? 1}\nDisallow: /private/\n`,
        );
      case 'main':
        return this.send(
          res,
          200,
          'text/plain',
          [
            'User-agent: *',
            'Disallow: /private/',
            '',
            'User-agent: DataFactoryBot',
            'Disallow: /private/',
            'Disallow: /bot-forbidden',
            'Allow: /private/open',
            '',
            `Sitemap: ${base}/sitemap-extra.xml`,
          ].join('\n'),
        );
      default:
        return this.send(res, 200, 'text/plain', 'User-agent: *\nDisallow:\n');
    }
  }

  private handle(host: string, req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    const record: FixtureRequest = {
      host,
      port: this.port(host),
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      at: performance.now(),
    };
    this.requests.push(record);
    this.emit('request', record);
    const url = new URL(path, `http://127.0.0.1:${this.port(host)}`);
    const p = url.pathname;
    const set = this.pages.get(`${host} ${p}`);
    if (set) return this.servePage(set, req, res, record);
    const base = `http://127.0.0.1:${this.port(host)}`;
    const html = (body: string, status = 200, headers = {}) =>
      this.send(res, status, 'text/html; charset=utf-8', body, headers);
    let m: RegExpExecArray | null;

    if (p === '/robots.txt') return this.robots(host, res);
    if (p === '/') {
      return html(
        page(
          'Fixture home',
          `<p>${TEXT}</p>
           <a href="/articles/1">one</a> <a href="/articles/2#section">two</a> <a href="articles/2">two again</a>
           <a href="/private/secret">private</a> <a href="/bot-forbidden">forbidden</a>
           <a href="/nofollowed" rel="nofollow">nofollow</a> <a href="mailto:x@example.com">mail</a>
           <a href="http://127.0.0.1:${this.ports.get('other') ?? 1}/articles/1">other site</a>
           <a href="/chain/1">chain</a> <a href="/files/report.pdf">pdf</a>`,
        ),
      );
    }
    if ((m = /^\/articles\/(\d+)$/.exec(p))) {
      const n = Number(m[1]);
      return html(page(`Article ${n}`, `<h1>Article ${n}</h1><p>${TEXT}</p><a href="/articles/${n + 1}">next</a>`));
    }
    if ((m = /^\/doc\/(\d+)$/.exec(p))) return html(distinctArticle(Number(m[1]), host));
    if ((m = /^\/near\/(\d+)\/(\d+)$/.exec(p))) return html(nearDuplicateArticle(Number(m[1]), Number(m[2])));
    // A tree of distinct pages, four links each: a wide site-mode frontier (several pages in flight at once).
    if ((m = /^\/fan\/(\d+)$/.exec(p))) {
      const n = Number(m[1]);
      const links = [1, 2, 3, 4].map((k) => `<a href="/fan/${n * 4 + k}">more ${n * 4 + k}</a>`).join(' ');
      return html(distinctArticle(n, host).replace('</article>', `</article><nav>${links}</nav>`));
    }
    if ((m = /^\/chain\/(\d+)$/.exec(p))) {
      const n = Number(m[1]);
      return html(page(`Chain ${n}`, `<p>${TEXT}</p><a href="/chain/${n + 1}">deeper</a>`));
    }
    if ((m = /^\/p\/(\d+)$/.exec(p))) return html(page(`Page ${m[1]} of ${host}`, `<p>${TEXT}</p>`));
    if (p.startsWith('/private/') || p === '/bot-forbidden' || p === '/nofollowed' || p.startsWith('/sm/')) {
      return html(page(`Page ${p}`, `<p>${TEXT}</p>`));
    }
    if (p === '/files/report.pdf') return this.send(res, 200, 'application/pdf', Buffer.from('%PDF-1.4\n%fixture\n'));

    // Sitemaps: an index pointing at a plain and a gzipped urlset; robots.txt names one more.
    if (p === '/sitemap.xml') {
      return this.send(
        res,
        200,
        'application/xml',
        `<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
         <sitemap><loc>${base}/sitemap-pages.xml</loc></sitemap>
         <sitemap><loc>${base}/sitemap-more.xml.gz</loc></sitemap></sitemapindex>`,
      );
    }
    if (p === '/sitemap-pages.xml') {
      return this.send(res, 200, 'application/xml', urlset([`${base}/sm/1`, `${base}/sm/2`, `${base}/private/x`]));
    }
    if (p === '/sitemap-more.xml.gz') {
      return this.send(res, 200, 'application/gzip', gzipSync(urlset([`${base}/sm/3`])));
    }
    if (p === '/sitemap-extra.xml') return this.send(res, 200, 'application/xml', urlset([`${base}/sm/4`]));

    // Character sets.
    if (p === '/cp1252') {
      const body = page('Café', '<p>Café naïve – “quotes” cost 5 €.</p>').replace('<meta charset="utf-8">', '');
      return this.send(res, 200, 'text/html; charset=windows-1252', iconv.encode(body, 'windows-1252'));
    }
    if (p === '/cp1252-meta') {
      const body = page('Crème brûlée', '<p>Crème brûlée – déjà vu.</p>').replace(
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">',
      );
      return this.send(res, 200, 'text/html', iconv.encode(body, 'windows-1252'));
    }
    if (p === '/sjis') {
      const body = page('日本語のページ', '<p>これは日本語のテストページです。</p>').replace(
        '<meta charset="utf-8">',
        '<meta charset="Shift_JIS">',
      );
      return this.send(res, 200, 'text/html', iconv.encode(body, 'shift_jis'));
    }
    if (p === '/bom') {
      const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(page('BOM', '<p>Grüße aus Köln</p>'))]);
      return this.send(res, 200, 'text/html', body);
    }

    // Compression.
    if (p === '/gzip' || p === '/br' || p === '/deflate') {
      const body = Buffer.from(page(`Compressed ${p}`, `<p>${TEXT}</p>`));
      const encoded = p === '/gzip' ? gzipSync(body) : p === '/br' ? brotliCompressSync(body) : deflateSync(body);
      return this.send(res, 200, 'text/html; charset=utf-8', encoded, { 'content-encoding': p.slice(1) });
    }
    if (p === '/gzip-bomb') {
      return this.send(res, 200, 'text/html', gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20)), {
        'content-encoding': 'gzip',
      });
    }

    // Redirects.
    if ((m = /^\/redirect\/(\d+)$/.exec(p))) {
      const n = Number(m[1]);
      if (n === 0) return html(page('Redirect target', `<p>${TEXT}</p>`));
      res.writeHead(302, { location: `/redirect/${n - 1}` });
      return void res.end();
    }
    if (p === '/loop/a' || p === '/loop/b') {
      res.writeHead(301, { location: p === '/loop/a' ? '/loop/b' : '/loop/a' });
      return void res.end();
    }
    if (p === '/to-private' || p === '/to-metadata' || p === '/to-internal-name' || p === '/to-ftp') {
      const target = {
        '/to-private': 'http://10.20.30.40/admin',
        '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
        '/to-internal-name': `http://intranet.fixture.test:${this.port(host)}/p/1`,
        '/to-ftp': 'ftp://127.0.0.1/file',
      }[p];
      res.writeHead(302, { location: target });
      return void res.end();
    }
    if (p === '/dup-a' || p === '/dup-b') {
      res.writeHead(302, { location: '/articles/1' });
      return void res.end();
    }

    // Failures and retries, counted per full path so each test can use its own key.
    if (p === '/429') {
      const seconds = url.searchParams.get('seconds') ?? '2';
      if (this.hit(path) === 1) return this.send(res, 429, 'text/plain', 'slow down', { 'retry-after': seconds });
      return html(page('After 429', `<p>${TEXT}</p>`));
    }
    if (p === '/429-date') {
      if (this.hit(path) === 1) {
        // An HTTP-date has one-second precision: 3 s ahead guarantees at least 2 s.
        const when = new Date(Date.now() + 3_000).toUTCString();
        return this.send(res, 429, 'text/plain', 'slow down', { 'retry-after': when });
      }
      return html(page('After 429 date', `<p>${TEXT}</p>`));
    }
    if (p === '/503-then-200') {
      if (this.hit(path) === 1) return this.send(res, 503, 'text/plain', 'try again');
      return html(page('Recovered', `<p>${TEXT}</p>`));
    }
    if (p === '/always-500') return this.send(res, 500, 'text/plain', 'broken');
    if (p === '/404') return this.send(res, 404, 'text/html', page('Not found', '<p>nothing</p>'));
    if (p === '/slow') {
      const ms = Number(url.searchParams.get('ms') ?? '5000');
      // Tests see when the client gave up on a slow page (the `closed` event, with the path).
      res.on('close', () => {
        if (!res.writableFinished) this.emit('closed', path);
      });
      return this.later(ms, () => {
        if (!res.destroyed) html(page('Slow', `<p>${TEXT}</p>`));
      });
    }
    if (p === '/never-ends') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.write(`<!doctype html><html><head><title>Never ends</title></head><body><p>${TEXT}</p>`);
      return; // the body never finishes
    }
    if (p === '/huge' || p === '/huge-declared') {
      const total = 50 * 1024 * 1024;
      const chunk = Buffer.alloc(64 * 1024, 'a');
      res.writeHead(200, {
        'content-type': 'text/html',
        ...(p === '/huge-declared' ? { 'content-length': total } : {}),
      });
      let sent = 0;
      const pump = () => {
        while (sent < total && !res.destroyed) {
          sent += chunk.length;
          this.bytesSent.set(path, sent);
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      res.on('close', () => this.emit('closed', path));
      return pump();
    }
    if (p === '/binary-as-html') return this.send(res, 200, 'text/html', Buffer.concat([PNG, Buffer.alloc(2048, 0)]));
    if (p === '/plain') return this.send(res, 200, 'text/plain; charset=utf-8', 'Just some plain text.\nSecond line.');

    // Planted personal data and secrets (PII redaction), with near misses that must stay.
    if (p === '/pii') return html(piiArticle());

    // Rights statements (provenance): one page per kind, see RIGHTS_PAGES; tdmrep.json on every host.
    if (p === TDMREP_PATH) return this.send(res, 200, 'application/json', JSON.stringify(TDMREP_RULES));
    if ((m = /^\/rights\/([a-z-]+)$/.exec(p)) && m[1]! in RIGHTS_PAGES) {
      const kind = m[1] as RightsPageKind;
      const spec: RightsPage = RIGHTS_PAGES[kind];
      const article = distinctArticle(500 + Object.keys(RIGHTS_PAGES).indexOf(kind), host).replace(
        '</head>',
        `${spec.head ?? ''}</head>`,
      );
      return html(article, 200, { ...(spec.headers ?? {}), ...RIGHTS_VALIDATORS });
    }

    // Metadata.
    if (p === '/meta') {
      return html(
        page(
          '  Metadata   page ',
          `<article><time datetime="2019-01-01">old</time><p>${TEXT}</p></article>`,
          `<link rel="canonical" href="/meta-canonical"><meta property="article:published_time" content="2024-03-05T10:00:00Z">
           <script type="application/ld+json">{"@type":"Article","datePublished":"2023-01-01"}</script>`,
        ).replace('lang="en"', 'lang="fr-CA"'),
      );
    }
    if (p === '/jsonld') {
      return this.send(
        res,
        200,
        'text/html',
        `<html><head><title>JSON-LD</title><script type="application/ld+json">{"@graph":[{"@type":"WebPage"},{"@type":"NewsArticle","datePublished":"2022-07-08T09:10:11Z"}]}</script></head><body><p>${TEXT}</p></body></html>`,
        { 'content-language': 'de' },
      );
    }

    // Script-rendered pages.
    if (p === '/spa' || /^\/spa\/\d+$/.test(p)) {
      return html(
        `<!doctype html><html lang="en"><head><title>SPA</title></head><body><div id="root"></div>
         <img src="/img/logo.png"><script src="/spa.js"></script></body></html>`,
      );
    }
    if (p === '/spa.js') {
      return this.send(
        res,
        200,
        'application/javascript',
        `document.getElementById('root').innerHTML = '<h1>Rendered by script</h1><p>' + 'Only the browser sees this text. '.repeat(5) + '</p><a href="/articles/7">a link</a>';`,
      );
    }
    if (p === '/spa-inline') {
      return html(
        `<!doctype html><html><head><title>Inline SPA</title></head><body><noscript>Please enable JavaScript to view this page.</noscript><div id="app"></div>
         <script>document.getElementById('app').textContent = 'Inline script wrote this sentence.';</script></body></html>`,
      );
    }
    if (p === '/spa-hanging') {
      return html(
        `<!doctype html><html><head><title>Hanging SPA</title></head><body><div id="root"></div>
         <script src="/never-ends"></script></body></html>`,
      );
    }
    if (p.startsWith('/img/')) return this.send(res, 200, 'image/png', PNG);
    if (p.startsWith('/escape/')) return this.escape(host, p, url, res);
    return this.send(res, 404, 'text/html', page('Not found', '<p>no such fixture page</p>'));
  }
}

function urlset(urls: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls
    .map((u) => `<url><loc>${u}</loc></url>`)
    .join('')}</urlset>`;
}

const WORDS = (
  'river mountain engine protocol garden library signal harvest circuit ocean theory market village orbit ' +
  'lantern compiler forest bridge archive meadow sensor glacier harbor canyon tunnel beacon thunder valley ' +
  'crystal vessel furnace compass quarry prairie summit estuary lagoon plateau delta reef tundra savanna'
).split(' ');

/** The values planted in `/pii`, by kind: none of them may reach the model or a chunk. */
export const PLANTED_PII = {
  email: ['maria.schmidt@example.org', 'support+billing@fixture-shop.test'],
  phone: ['+49 30 1234 5678', '(415) 555-2671'],
  ip: ['203.0.113.42', '2001:db8:85a3::8a2e:370:7334'],
  credit_card: ['4111 1111 1111 1111'],
  iban: ['DE89 3704 0044 0532 0130 00'],
  secret: ['sk-proj-Zq8Lm3Xv0Tp7YwK2nBd5Rf9H', 'AKIAIOSFODNN7EXAMPLE'],
} as const;

/** Text in `/pii` that looks like PII but is not (a date, a version, a price, a card number failing Luhn). */
export const PII_NEAR_MISSES = [
  '2024-01-15',
  '10:30:00',
  'version 3.12.4',
  '$1,299.99',
  '4111 1111 1111 1112',
  '1,234,567',
];

/** An article with PLANTED_PII and PII_NEAR_MISSES in running text. */
export function piiArticle(): string {
  const [email1, email2] = PLANTED_PII.email;
  const [phone1, phone2] = PLANTED_PII.phone;
  const [ip4, ip6] = PLANTED_PII.ip;
  const paragraphs = [
    `Our customer service team answers every message within two working days. Write to ${email1} for questions about ` +
      `an order, or to ${email2} for invoices and refunds. The Berlin office takes calls on ${phone1} and the San ` +
      `Francisco office on ${phone2} during business hours.`,
    `On 2024-01-15 at 10:30:00 the shop moved to version 3.12.4 of its software. The old server at ${ip4} and the ` +
      `new one at ${ip6} both answered during the move, which took about an hour and affected 1,234,567 page views.`,
    `A customer paid $1,299.99 with the card ${PLANTED_PII.credit_card[0]} and asked for a refund to the account ` +
      `${PLANTED_PII.iban[0]}. The order number 4111 1111 1111 1112 looks like a card number but fails the checksum.`,
    `A developer pasted the configuration into the forum by mistake: api_key=${PLANTED_PII.secret[0]} and the ` +
      `access key ${PLANTED_PII.secret[1]} were both revoked within minutes, and the post was edited afterwards.`,
  ];
  return page(
    'Customer service notes',
    `<article><h1>Customer service notes</h1>${paragraphs.map((t) => `<p>${t}</p>`).join('')}</article>`,
  );
}

/** Where TDMRep puts an origin's declarations. */
export const TDMREP_PATH = '/.well-known/tdmrep.json';
export const TDM_POLICY_URL = 'https://fixture.example/tdm-policy.json';

/** The fixture's tdmrep.json: one reserved page (first rule wins), one explicitly open. */
export const TDMREP_RULES = [
  { location: '/rights/tdmrep', 'tdm-reservation': 1, 'tdm-policy': TDM_POLICY_URL },
  { location: '/rights/cc-by$', 'tdm-reservation': 0 },
  { location: '/rights/tdmrep*', 'tdm-reservation': 0 },
];

/** ETag and Last-Modified of every /rights page. */
export const RIGHTS_VALIDATORS = { etag: '"rights-v1"', 'last-modified': 'Tue, 01 Dec 2026 08:00:00 GMT' };

export interface RightsPage {
  head?: string;
  headers?: Record<string, string>;
  reserved: boolean;
}

/**
 * One page per kind of rights statement, each a distinct article: which
 * channel says what. `reserved` says whether a crawl that respects AI
 * reservations skips it (`noai` and `tdm-reservation: 1` do; `noimageai`,
 * `noindex`, a license and nothing at all do not).
 */
export const RIGHTS_PAGES = {
  'meta-noai': { head: '<meta name="robots" content="noai, noimageai">', reserved: true },
  'x-robots': { headers: { 'x-robots-tag': 'noai, otherbot: noindex' }, reserved: true },
  'x-robots-other': { headers: { 'x-robots-tag': 'otherbot: noai, noimageai' }, reserved: false },
  tdmrep: { reserved: true },
  'tdm-header': {
    headers: { 'tdm-reservation': '1', 'tdm-policy': TDM_POLICY_URL },
    reserved: true,
  },
  'tdm-meta': {
    head: `<meta name="tdm-reservation" content="1"><meta name="tdm-policy" content="${TDM_POLICY_URL}">`,
    reserved: true,
  },
  'cc-by': {
    head: '<link rel="license" href="https://creativecommons.org/licenses/by/4.0/"><meta name="robots" content="noindex">',
    reserved: false,
  },
  none: { reserved: false },
} satisfies Record<string, RightsPage>;
export type RightsPageKind = keyof typeof RIGHTS_PAGES;

/**
 * An article whose text is its own (seeded by n): for pipeline tests, where
 * identical fixture pages would all be deduplicated away.
 */
export function distinctArticle(n: number, host = 'main'): string {
  let seed = (n * 2654435761 + host.length * 97) >>> 0;
  const next = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const sentence = () => {
    const words = Array.from({ length: 8 + Math.floor(next() * 8) }, () => WORDS[Math.floor(next() * WORDS.length)]);
    return `${words.join(' ').replace(/^./, (c) => c.toUpperCase())}.`;
  };
  const paragraphs = Array.from({ length: 4 }, () => `<p>${Array.from({ length: 5 }, sentence).join(' ')}</p>`);
  return page(
    `Field notes ${n}`,
    `<header><nav><a href="/">Home</a></nav></header><article><h1>Field notes ${n}</h1>${paragraphs.join('')}</article><footer>Fixture footer</footer>`,
  );
}

/**
 * Copy `copy` of near-duplicate group `group` (the same on every host): the
 * group's article with one word of its first paragraph changed per copy
 * (copy 0 is unchanged), for tests of near-duplicate detection.
 */
export function nearDuplicateArticle(group: number, copy: number): string {
  const base = distinctArticle(100_000 + group, 'near').replace(/Field notes \d+/g, `Near group ${group}`);
  if (copy === 0) return base;
  return base.replace(/<p>([^<]*)<\/p>/, (_, text: string) => {
    const words = text.split(' ');
    words[(3 + copy * 5) % words.length] = `altered${copy}`;
    return `<p>${words.join(' ')}</p>`;
  });
}
