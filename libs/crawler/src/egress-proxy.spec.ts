import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LookupFunction } from './address-guard.js';
import { EgressProxy, type EgressRefusal } from './egress-proxy.js';

/*
 * The egress proxy against two local servers on 127.0.0.1: `trusted` (its
 * host:port is in trustedHosts) and `untrusted`, which must never see a
 * connection. Real sockets; DNS is a fake that maps names to 127.0.0.1.
 */

let trusted: http.Server;
let untrusted: http.Server;
let untrustedConnections = 0;
const port = (s: http.Server) => (s.address() as AddressInfo).port;

const fakeDns: LookupFunction = (hostname, options, callback) => {
  const address = hostname.endsWith('.test') ? '127.0.0.1' : '93.184.216.34';
  if (options.all) return callback(null, [{ address, family: 4 }]);
  callback(null, address, 4);
};

async function withProxy<T>(
  options: ConstructorParameters<typeof EgressProxy>[0],
  fn: (proxyPort: number, refusals: EgressRefusal[]) => Promise<T>,
): Promise<T> {
  const proxy = new EgressProxy({ lookup: fakeDns, ...options });
  const refusals: EgressRefusal[] = [];
  proxy.on('refused', (r: EgressRefusal) => refusals.push(r));
  try {
    return await fn(await proxy.listen(), refusals);
  } finally {
    await proxy.close();
  }
}

/** A plain-HTTP request sent to the proxy (absolute URL): status and body. */
async function viaProxy(proxyPort: number, url: string, headers: Record<string, string> = {}) {
  const req = http.request({
    host: '127.0.0.1',
    port: proxyPort,
    path: url,
    headers: { host: new URL(url).host, ...headers },
  });
  req.end();
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  let body = '';
  for await (const chunk of res) body += chunk;
  return { status: res.statusCode, body };
}

/** A CONNECT to `authority` through the proxy; on 200 sends a GET inside the tunnel and returns its first bytes. */
async function tunnel(proxyPort: number, authority: string) {
  const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: authority });
  req.end();
  const [res, socket] = (await once(req, 'connect')) as [http.IncomingMessage, import('node:net').Socket];
  if (res.statusCode !== 200) {
    socket.destroy();
    return { status: res.statusCode, inner: '' };
  }
  socket.write(`GET /inner HTTP/1.1\r\nHost: ${authority}\r\nConnection: close\r\n\r\n`);
  let inner = '';
  for await (const chunk of socket) inner += chunk;
  return { status: res.statusCode, inner };
}

beforeAll(async () => {
  trusted = http.createServer((req, res) => res.end(`trusted saw ${req.url}`));
  untrusted = http.createServer((_req, res) => res.end('leaked'));
  untrusted.on('connection', () => untrustedConnections++);
  for (const s of [trusted, untrusted]) {
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
  }
});

afterAll(async () => {
  for (const s of [trusted, untrusted]) await new Promise((resolve) => s.close(resolve));
  expect(untrustedConnections).toBe(0);
});

describe('egress proxy', () => {
  it('forwards plain HTTP and tunnels CONNECT to a trusted host:port', async () => {
    await withProxy({ trustedHosts: [`127.0.0.1:${port(trusted)}`] }, async (proxyPort, refusals) => {
      expect(await viaProxy(proxyPort, `http://127.0.0.1:${port(trusted)}/a?b=1`)).toEqual({
        status: 200,
        body: 'trusted saw /a?b=1',
      });
      const t = await tunnel(proxyPort, `127.0.0.1:${port(trusted)}`);
      expect(t.status).toBe(200);
      expect(t.inner).toContain('trusted saw /inner');
      expect(refusals).toEqual([]);
    });
  });

  it('refuses loopback, IPv4-compatible and private names that are not trusted, in both forms, before connecting', async () => {
    await withProxy({ trustedHosts: [`127.0.0.1:${port(trusted)}`] }, async (proxyPort, refusals) => {
      const refused = await viaProxy(proxyPort, `http://127.0.0.1:${port(untrusted)}/`);
      expect(refused.status).toBe(403);
      expect(refused.body).toContain('blocked address: 127.0.0.1 (loopback); set CRAWL_ALLOW_PRIVATE_NETWORKS=true');
      expect((await tunnel(proxyPort, `127.0.0.1:${port(untrusted)}`)).status).toBe(403);
      expect((await tunnel(proxyPort, `[::7f00:1]:${port(untrusted)}`)).status).toBe(403);
      // A name is judged by the address it resolves to, at connect time.
      expect((await viaProxy(proxyPort, `http://intranet.test:${port(untrusted)}/`)).status).toBe(403);
      expect((await tunnel(proxyPort, `intranet.test:${port(untrusted)}`)).status).toBe(403);
      expect(refusals.map((r) => r.reason.replace(/\).*/, ')'))).toEqual([
        'blocked address: 127.0.0.1 (loopback)',
        'blocked address: 127.0.0.1 (loopback)',
        'blocked address: [::7f00:1] (ipv4Compatible)',
        'blocked address: intranet.test is 127.0.0.1 (loopback)',
        'blocked address: intranet.test is 127.0.0.1 (loopback)',
      ]);
    });
    expect(untrustedConnections).toBe(0);
  });

  it('refuses service-worker scripts even from a trusted host', async () => {
    await withProxy({ trustedHosts: [`127.0.0.1:${port(trusted)}`] }, async (proxyPort, refusals) => {
      const sw = await viaProxy(proxyPort, `http://127.0.0.1:${port(trusted)}/sw.js`, { 'service-worker': 'script' });
      expect(sw.status).toBe(403);
      expect(refusals).toMatchObject([{ reason: 'service worker script' }]);
    });
  });

  it('lets private addresses through when allowPrivateNetworks is set', async () => {
    await withProxy({ allowPrivateNetworks: true }, async (proxyPort) => {
      expect(await viaProxy(proxyPort, `http://intranet.test:${port(trusted)}/x`)).toEqual({
        status: 200,
        body: 'trusted saw /x',
      });
    });
  });
});
