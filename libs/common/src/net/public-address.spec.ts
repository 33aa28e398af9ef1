import type { LookupAddress } from 'node:dns';
import { OutboundRefused, checkedLookup, nonPublicReason, resolvePublic } from './public-address.js';

describe('nonPublicReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['fe80::1%eth0', 'link-local'],
    ['fd00:ec2::254', 'unique local (private)'],
    ['fc00::1', 'unique local (private)'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback (IPv4 inside IPv6)'],
    ['::ffff:7f00:1', 'loopback (IPv4 inside IPv6)'],
    ['::ffff:169.254.169.254', 'link-local (cloud metadata) (IPv4 inside IPv6)'],
    ['64:ff9b::a00:1', 'private (IPv4 inside IPv6)'],
    ['2002:7f00:1::', 'loopback (IPv4 inside IPv6)'],
    ['::127.0.0.1', 'loopback (IPv4 inside IPv6)'],
    ['example.com', 'not an IP address'],
  ])('refuses %s (%s)', (ip, reason) => {
    expect(nonPublicReason(ip)).toBe(reason);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'accepts the public address %s',
    (ip) => {
      expect(nonPublicReason(ip)).toBeNull();
    },
  );
});

describe('resolvePublic', () => {
  const dns =
    (...addresses: string[]) =>
    async (): Promise<LookupAddress[]> =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  const strict = { allowPrivate: false };

  it('refuses a name when any of its addresses is not public', async () => {
    await expect(resolvePublic('rebind.example', strict, dns('93.184.215.14', '127.0.0.1'))).rejects.toThrow(
      /resolves to a loopback address \(127\.0\.0\.1\)/,
    );
    await expect(resolvePublic('localhost', strict, dns('93.184.215.14'))).rejects.toBeInstanceOf(
      OutboundRefused,
    );
    await expect(resolvePublic('ok.example', strict, dns('93.184.215.14'))).resolves.toEqual([
      { address: '93.184.215.14', family: 4 },
    ]);
  });

  it('resolves the real localhost to loopback and refuses it', async () => {
    await expect(resolvePublic('localhost.', strict)).rejects.toBeInstanceOf(OutboundRefused);
  });

  it('lets everything through when private addresses are allowed', async () => {
    await expect(resolvePublic('127.0.0.1', { allowPrivate: true })).resolves.toHaveLength(1);
  });

  it('hands the connection only the addresses it checked', async () => {
    const lookup = checkedLookup(strict);
    const err = await new Promise<Error | null>((resolve) => lookup('localhost', { all: true }, resolve));
    expect(err).toBeInstanceOf(OutboundRefused);
  });
});
