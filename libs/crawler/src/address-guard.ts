import dns from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';

/** Resolves a host name the way `dns.lookup` does (the signature `net.connect` accepts as `lookup`). */
export type LookupFunction = (
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/**
 * Cloud metadata endpoints, named `metadata` in messages. Most are inside a
 * range refused anyway; the Azure WireServer is a public address that the
 * host answers (agent and extension configuration).
 */
const METADATA_ADDRESSES = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OpenStack
  '100.100.100.200', // Alibaba Cloud
  'fd00:ec2::254', // AWS over IPv6
  '168.63.129.16', // Azure WireServer
]);

/**
 * Ranges that ipaddr.js calls `unicast` but that must be refused. Everything
 * else comes from ipaddr.js's own range table: an address whose `range()` is
 * not `unicast` is refused under that name (so a range a later ipaddr.js
 * names is refused too).
 */
const UNICAST_REFUSED: ReadonlyArray<readonly [cidr: ReturnType<typeof ipaddr.parseCIDR>, addressClass: string]> = [
  // IPv4-compatible IPv6 (RFC 4291 2.5.5.1, deprecated): `::7f00:1` reaches 127.0.0.1 on some stacks.
  // ipaddr.js has no range for it; `::` and `::1` inside it keep their own names.
  [ipaddr.parseCIDR('::/96'), 'ipv4Compatible'],
];

/**
 * Why an address must not be connected to by default (`loopback`, `private`,
 * `linkLocal`, `metadata`, `deprecatedSiteLocal`...: an ipaddr.js range
 * name, `metadata` or `ipv4Compatible`), or undefined for a public unicast
 * address. IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
 */
export function refusedAddressClass(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'invalid';
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (METADATA_ADDRESSES.has(ip.toString())) return 'metadata';
  const range = ip.range();
  if (range !== 'unicast') return range;
  for (const [[net, bits], cls] of UNICAST_REFUSED) if (net.kind() === ip.kind() && ip.match(net, bits)) return cls;
  return undefined;
}

/**
 * The one wording of a refused address, naming the operator settings that
 * would allow it (libs/config reads them).
 */
export function blockedAddressMessage(host: string, address: string, addressClass: string): string {
  const what = host === address || host === `[${address}]` ? host : `${host} is ${address}`;
  return (
    `blocked address: ${what} (${addressClass}); ` +
    'set CRAWL_ALLOW_PRIVATE_NETWORKS=true or list the host in CRAWL_TRUSTED_HOSTS to allow it'
  );
}

/** A connection refused before it was made, because of the address it would go to. */
export class BlockedAddressError extends Error {
  readonly code = 'EBLOCKEDADDRESS';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly addressClass: string,
  ) {
    super(blockedAddressMessage(host, address, addressClass));
    this.name = 'BlockedAddressError';
  }
}

/**
 * A `lookup` for `net.connect` that resolves with `base` and refuses the
 * connection when any resolved address is in a refused class. Because it runs
 * when the socket connects, a DNS answer that changed since an earlier check
 * (rebinding) or a redirect to an internal name is caught too.
 */
export function guardedLookup(base: LookupFunction = dns.lookup as unknown as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, { ...options, all: true }, (err, result) => {
      if (err) return callback(err, '');
      const addresses = result as LookupAddress[];
      for (const a of addresses) {
        const cls = refusedAddressClass(a.address);
        if (cls) return callback(new BlockedAddressError(hostname, a.address, cls) as NodeJS.ErrnoException, '');
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
      callback(null, first.address, first.family);
    });
  };
}

/** For an IP literal host (no lookup happens for those): the refused class, if any. */
export function refusedLiteralHost(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return ipaddr.isValid(bare) ? refusedAddressClass(bare) : undefined;
}
