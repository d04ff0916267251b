import dns from 'node:dns';
import { EventEmitter, once } from 'node:events';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { blockedAddressMessage, guardedLookup, type LookupFunction, refusedLiteralHost } from './address-guard.js';

export interface EgressProxyOptions {
  /** Lift the private-address refusal for every connection (an operator's setting; default false). */
  allowPrivateNetworks?: boolean;
  /** `host:port` pairs reachable even on a private address (the crawler's `trustedHosts`). */
  trustedHosts?: readonly string[];
  /** DNS resolution (default `dns.lookup`). */
  lookup?: LookupFunction;
  connectTimeoutMs?: number;
}

/** A connection the proxy would not make, with the reason (the address guard's message). */
export interface EgressRefusal {
  host: string;
  port: number;
  reason: string;
}

// Headers that describe one hop, not the message (RFC 9110 7.6.1), plus the proxy's own.
const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const listed = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase());
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k) && !listed.includes(k)) out[k] = v;
  return out;
}

/**
 * The only way out of Chromium: an HTTP proxy on 127.0.0.1 that Chromium is
 * launched behind (`--proxy-server`), so that whatever the crawler's request
 * interception does not see (popups, workers, WebSockets, anything a new
 * Chromium feature adds) still goes through the address guard. It forwards
 * plain HTTP and tunnels CONNECT, and opens every upstream connection with
 * the guarded lookup (or refuses an IP literal before connecting), exactly as
 * the crawler's HttpClient does; `trustedHosts` and `allowPrivateNetworks`
 * lift the refusal in the same way. A refused connection is answered 403 and
 * emitted as `refused` (an EgressRefusal). Service-worker scripts it can see
 * (plain http: the `Service-Worker: script` header) are refused outright: a
 * worker would run, and fetch, outside the crawler's interception.
 */
export class EgressProxy extends EventEmitter {
  private readonly server: http.Server;
  private readonly sockets = new Set<Duplex>();
  private readonly trusted: Set<string>;
  private readonly guarded: LookupFunction;
  private readonly open: LookupFunction;

  constructor(private readonly options: EgressProxyOptions = {}) {
    super();
    this.trusted = new Set(options.trustedHosts ?? []);
    this.open = options.lookup ?? (dns.lookup as unknown as LookupFunction);
    this.guarded = guardedLookup(options.lookup);
    this.server = http.createServer((req, res) => this.forward(req, res));
    this.server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.tunnel(req, socket, head));
    this.server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => socket.destroy());
    this.server.on('connection', (s: Socket) => this.track(s));
  }

  /** Listens on 127.0.0.1 on a free port; resolves with the port. */
  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return this.port;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Closes the listener and every connection still open through it. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server.listening) await new Promise((resolve) => this.server.close(resolve));
  }

  private track(s: Duplex): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  /** The lookup to connect `hostname:port` with; throws the refusal for a refused IP literal (no lookup happens for those). */
  private route(hostname: string, port: number): LookupFunction {
    if (this.options.allowPrivateNetworks || this.trusted.has(`${hostname}:${port}`)) return this.open;
    const refused = refusedLiteralHost(hostname);
    if (refused) throw new Error(blockedAddressMessage(hostname, hostname.replace(/^\[(.*)\]$/, '$1'), refused));
    return this.guarded;
  }

  private refuse(host: string, port: number, reason: string): void {
    this.emit('refused', { host, port, reason } satisfies EgressRefusal);
  }

  private connect(hostname: string, port: number, lookup: LookupFunction): Socket {
    const upstream = net.connect({
      host: hostname.replace(/^\[(.*)\]$/, '$1'),
      port,
      lookup: lookup as unknown as net.LookupFunction,
      timeout: this.options.connectTimeoutMs ?? 10_000,
    });
    this.track(upstream);
    upstream.once('connect', () => upstream.setTimeout(0));
    upstream.once('timeout', () => upstream.destroy(new Error(`connect timeout to ${hostname}:${port}`)));
    return upstream;
  }

  private tunnel(req: IncomingMessage, client: Duplex, head: Buffer): void {
    this.track(client);
    let target: URL;
    try {
      target = new URL(`http://${req.url ?? ''}`);
      if (!target.port || target.pathname !== '/' || target.username) throw new Error('bad authority');
    } catch {
      return void client.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    }
    const port = Number(target.port);
    let lookup: LookupFunction;
    try {
      lookup = this.route(target.hostname, port);
    } catch (e) {
      this.refuse(target.hostname, port, (e as Error).message);
      return void client.end(`HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n`);
    }
    const upstream = this.connect(target.hostname, port, lookup);
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EBLOCKEDADDRESS') {
        this.refuse(target.hostname, port, e.message);
        return void client.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      }
      if (upstream.readyState === 'opening') client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n');
      else client.destroy();
    });
    client.once('error', () => upstream.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const fail = (status: number, message: string) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(message);
    };
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      return fail(400, 'the proxy takes absolute http URLs');
    }
    if (target.protocol !== 'http:') return fail(400, `scheme ${target.protocol} is not proxied`);
    const port = Number(target.port || 80);
    if (req.headers['service-worker'] === 'script') {
      this.refuse(target.hostname, port, 'service worker script');
      return fail(403, 'service workers are not allowed');
    }
    let lookup: LookupFunction;
    try {
      lookup = this.route(target.hostname, port);
    } catch (e) {
      this.refuse(target.hostname, port, (e as Error).message);
      return fail(403, (e as Error).message);
    }
    const upstream = http.request({
      host: target.hostname.replace(/^\[(.*)\]$/, '$1'),
      port,
      method: req.method,
      path: `${target.pathname}${target.search}`,
      headers: endToEnd(req.headers),
      lookup: lookup as unknown as net.LookupFunction,
      agent: false,
      timeout: this.options.connectTimeoutMs ?? 10_000,
    });
    upstream.once('socket', (s) => {
      this.track(s);
      s.once('connect', () => upstream.setTimeout(0));
    });
    upstream.once('timeout', () => upstream.destroy(new Error('connect timeout')));
    upstream.once('response', (up) => {
      res.writeHead(up.statusCode ?? 502, up.statusMessage, endToEnd(up.headers));
      up.pipe(res);
      up.once('error', () => res.destroy());
    });
    upstream.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EBLOCKEDADDRESS') {
        this.refuse(target.hostname, port, e.message);
        return fail(403, e.message);
      }
      fail(502, `upstream: ${e.message}`);
    });
    req.pipe(upstream);
    res.once('close', () => upstream.destroy());
  }
}
