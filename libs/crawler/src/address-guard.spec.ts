import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import {
  blockedAddressMessage,
  BlockedAddressError,
  guardedLookup,
  type LookupFunction,
  refusedAddressClass,
  refusedLiteralHost,
} from './address-guard.js';
import { FailureCode, FetchError } from './errors.js';
import { HttpClient } from './http-client.js';

const fakeDns =
  (answers: Record<string, string[]>): LookupFunction =>
  (hostname, _options, callback) =>
    callback(
      null,
      (answers[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

function lookup(fn: LookupFunction, host: string, all = false) {
  return new Promise<{ err: Error | null; address: string | LookupAddress[] }>((resolve) =>
    fn(host, { all }, (err, address) => resolve({ err, address })),
  );
}

describe('address guard', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['192.168.1.1', 'private'],
    ['172.16.0.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['169.254.1.1', 'linkLocal'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['::1', 'loopback'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['224.0.0.1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::ffff:10.0.0.1', 'private'],
    // Issue 13 item 5: classes that passed before.
    ['::7f00:1', 'ipv4Compatible'],
    ['::a00:1', 'ipv4Compatible'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['168.63.129.16', 'metadata'],
    ['2001:10::1', 'deprecatedOrchid'],
    ['5f00::1', 'segmentRouting'],
    // The rest of ipaddr.js's table, one address per class.
    ['255.255.255.255', 'broadcast'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['192.0.2.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.175.48.1', 'as112'],
    ['192.52.193.1', 'amt'],
    ['ff02::1', 'multicast'],
    ['::', 'unspecified'],
    ['100::1', 'discard'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['::ffff:0:7f00:1', 'rfc6145'],
    ['2002:7f00:1::', '6to4'],
    ['2001:0:4136:e378::1', 'teredo'],
    ['2001:2::1', 'benchmarking'],
    ['2001:db8::1', 'reserved'],
    ['2001:20::1', 'orchid2'],
  ])('refuses %s (%s)', (address, cls) => {
    expect(refusedAddressClass(address)).toBe(cls);
  });

  it.each(['93.184.216.34', '8.8.8.8', '168.63.129.17', '2606:2800:220:1:248:1893:25c8:1946', '2a00:1450:4001::1'])(
    'lets public unicast %s through',
    (address) => {
      expect(refusedAddressClass(address)).toBeUndefined();
    },
  );

  it('judges IP-literal hosts, bracketed or not', () => {
    expect(refusedLiteralHost('[::1]')).toBe('loopback');
    expect(refusedLiteralHost('[::7f00:1]')).toBe('ipv4Compatible');
    expect(refusedLiteralHost('[fec0::1]')).toBe('deprecatedSiteLocal');
    expect(refusedLiteralHost('168.63.129.16')).toBe('metadata');
    expect(refusedLiteralHost('example.com')).toBeUndefined();
    expect(refusedLiteralHost('93.184.216.34')).toBeUndefined();
  });

  it('names the operator settings that would allow a refused address', () => {
    expect(blockedAddressMessage('127.0.0.1', '127.0.0.1', 'loopback')).toBe(
      'blocked address: 127.0.0.1 (loopback); set CRAWL_ALLOW_PRIVATE_NETWORKS=true or list the host in CRAWL_TRUSTED_HOSTS to allow it',
    );
  });

  it.each([
    ['http://[::7f00:1]/', 'blocked address: [::7f00:1] (ipv4Compatible)'],
    ['http://[::127.0.0.1]:8080/x', 'blocked address: [::7f00:1] (ipv4Compatible)'],
    ['http://[fec0::1]/', 'blocked address: [fec0::1] (deprecatedSiteLocal)'],
    ['http://168.63.129.16/machine?comp=goalstate', 'blocked address: 168.63.129.16 (metadata)'],
  ])('HttpClient refuses %s before connecting', async (url, message) => {
    // A lookup that fails the test if called: IP literals are refused before any lookup or connection.
    const client = new HttpClient({
      userAgent: 'test',
      connectTimeoutMs: 1_000,
      readTimeoutMs: 1_000,
      allowPrivateNetworks: false,
      lookup: () => {
        throw new Error('no lookup expected');
      },
    });
    try {
      const err = await client.request({ url, maxBytes: 1_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FetchError);
      expect((err as FetchError).code).toBe(FailureCode.BlockedAddress);
      expect((err as FetchError).message).toContain(message);
      expect((err as FetchError).message).toContain('CRAWL_ALLOW_PRIVATE_NETWORKS=true');
    } finally {
      await client.close();
    }
  });

  it('refuses a name when any of its addresses is refused, in both lookup forms', async () => {
    const fn = guardedLookup(fakeDns({ 'good.test': ['93.184.216.34'], 'mixed.test': ['93.184.216.34', '10.0.0.1'] }));
    expect((await lookup(fn, 'good.test')).address).toBe('93.184.216.34');
    expect((await lookup(fn, 'good.test', true)).address).toEqual([{ address: '93.184.216.34', family: 4 }]);
    const refused = await lookup(fn, 'mixed.test');
    expect(refused.err).toBeInstanceOf(BlockedAddressError);
    expect(refused.err?.message).toBe(
      'blocked address: mixed.test is 10.0.0.1 (private); set CRAWL_ALLOW_PRIVATE_NETWORKS=true or list the host in CRAWL_TRUSTED_HOSTS to allow it',
    );
  });
});
