import dns from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';

/** Resolves a host name the way `dns.lookup` does (the signature `net.connect` accepts as `lookup`). */
export type LookupFunction = (
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/** Cloud metadata endpoints that are not already in a refused range. */
const METADATA_ADDRESSES = new Set(['100.100.100.200', 'fd00:ec2::254']);
/** ipaddr.js range names that are refused unless private networks are allowed. */
const REFUSED_RANGES = new Set([
  'unspecified',
  'broadcast',
  'multicast',
  'linkLocal',
  'loopback',
  'private',
  'uniqueLocal',
  'carrierGradeNat',
  'reserved',
  'benchmarking',
  'amt',
  'as112',
  'deprecated',
  'orchid',
  'orchid2',
  'droneRemoteIdProtocolEntityTags',
  'as112v6',
  'discard',
  'ipv4Mapped',
  'rfc6145',
  'rfc6052',
  '6to4',
  'teredo',
]);

/**
 * Why an address must not be connected to by default (`loopback`, `private`,
 * `linkLocal`, `metadata`...), or undefined for a public unicast address.
 * IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
 */
export function refusedAddressClass(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'invalid';
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (METADATA_ADDRESSES.has(ip.toNormalizedString()) || METADATA_ADDRESSES.has(ip.toString())) return 'metadata';
  const range = ip.range();
  if (range === 'linkLocal' && ip.toString() === '169.254.169.254') return 'metadata';
  return REFUSED_RANGES.has(range) ? range : undefined;
}

/** A connection refused before it was made, because of the address it would go to. */
export class BlockedAddressError extends Error {
  readonly code = 'EBLOCKEDADDRESS';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly addressClass: string,
  ) {
    super(`blocked address: ${host} is ${address} (${addressClass})`);
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
