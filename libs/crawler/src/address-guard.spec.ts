import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import {
  BlockedAddressError,
  guardedLookup,
  type LookupFunction,
  refusedAddressClass,
  refusedLiteralHost,
} from './address-guard.js';

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
  ])('refuses %s (%s)', (address, cls) => {
    expect(refusedAddressClass(address)).toBe(cls);
  });

  it('lets public unicast addresses through', () => {
    expect(refusedAddressClass('93.184.216.34')).toBeUndefined();
    expect(refusedAddressClass('2606:2800:220:1:248:1893:25c8:1946')).toBeUndefined();
    expect(refusedLiteralHost('[::1]')).toBe('loopback');
    expect(refusedLiteralHost('example.com')).toBeUndefined();
  });

  it('refuses a name when any of its addresses is refused, in both lookup forms', async () => {
    const fn = guardedLookup(fakeDns({ 'good.test': ['93.184.216.34'], 'mixed.test': ['93.184.216.34', '10.0.0.1'] }));
    expect((await lookup(fn, 'good.test')).address).toBe('93.184.216.34');
    expect((await lookup(fn, 'good.test', true)).address).toEqual([{ address: '93.184.216.34', family: 4 }]);
    const refused = await lookup(fn, 'mixed.test');
    expect(refused.err).toBeInstanceOf(BlockedAddressError);
    expect(refused.err?.message).toBe('blocked address: mixed.test is 10.0.0.1 (private)');
  });
});
