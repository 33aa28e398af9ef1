import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

/**
 * Outbound requests to URLs a client chose (webhooks) must reach the public internet only: never
 * the host's loopback, the cloud metadata service, or the private network Hisob runs in (SSRF).
 * Blocks follow the IANA special-purpose registries (RFC 6890 and updates).
 */

type Range = readonly [prefix: bigint, bits: number, width: 32 | 128, reason: string];

const v4 = (dotted: string): bigint =>
  dotted.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);

const V4_BLOCKS: ReadonlyArray<Range> = (
  [
    ['0.0.0.0', 8, 'unspecified'],
    ['10.0.0.0', 8, 'private'],
    ['100.64.0.0', 10, 'carrier-grade NAT'],
    ['127.0.0.0', 8, 'loopback'],
    ['169.254.0.0', 16, 'link-local (cloud metadata)'],
    ['172.16.0.0', 12, 'private'],
    ['192.0.0.0', 24, 'IETF protocol assignments'],
    ['192.0.2.0', 24, 'documentation'],
    ['192.88.99.0', 24, '6to4 relay'],
    ['192.168.0.0', 16, 'private'],
    ['198.18.0.0', 15, 'benchmarking'],
    ['198.51.100.0', 24, 'documentation'],
    ['203.0.113.0', 24, 'documentation'],
    ['224.0.0.0', 4, 'multicast'],
    ['240.0.0.0', 4, 'reserved'],
  ] as const
).map(([a, bits, reason]) => [v4(a), bits, 32, reason] as const);

/** IPv6 blocks; the ranges that embed an IPv4 address are judged by that address instead. */
const V6_BLOCKS: ReadonlyArray<Range> = (
  [
    ['::', 128, 'unspecified'],
    ['::1', 128, 'loopback'],
    ['64:ff9b:1::', 48, 'local NAT64'],
    ['100::', 64, 'discard-only'],
    ['2001::', 23, 'IETF protocol assignments'],
    ['2001:db8::', 32, 'documentation'],
    ['fc00::', 7, 'unique local (private)'],
    ['fe80::', 10, 'link-local'],
    ['fec0::', 10, 'site-local'],
    ['ff00::', 8, 'multicast'],
  ] as const
).map(([a, bits, reason]) => [parseV6(a)!, bits, 128, reason] as const);

/** IPv6 prefixes whose low 32 bits (or bits 16-47 for 6to4) are an IPv4 address. */
const V4_MAPPED = parseV6('::ffff:0:0')!;
const V4_COMPATIBLE = 0n;
const NAT64 = parseV6('64:ff9b::')!;
const SIX_TO_FOUR = parseV6('2002::')!;

const inRange = (value: bigint, [prefix, bits, width]: Range): boolean =>
  value >> BigInt(width - bits) === prefix >> BigInt(width - bits);

/** 8 hextets as one 128-bit number (an IPv4 tail `::ffff:1.2.3.4` included); null if not IPv6. */
function parseV6(text: string): bigint | null {
  let s = text.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (isIP(s) !== 6) return null;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    const n = v4(tail[1]!);
    s = `${s.slice(0, -tail[1]!.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, rest] = s.includes('::') ? s.split('::') : [s, undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const groups =
    rest === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

/**
 * Why `ip` is not a public unicast address (`"loopback"`, `"private"`…), or null when it is.
 * Anything that is not an IP literal is refused too.
 */
export function nonPublicReason(ip: string): string | null {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const kind = isIP(bare.split('%')[0]!);
  if (kind === 4) {
    const n = v4(bare);
    return V4_BLOCKS.find((r) => inRange(n, r))?.[3] ?? null;
  }
  if (kind !== 6) return 'not an IP address';
  const n = parseV6(bare)!;
  const hi96 = n >> 32n;
  if (hi96 === V4_MAPPED >> 32n || (hi96 === V4_COMPATIBLE && n > 1n) || hi96 === NAT64 >> 32n) {
    return embedded(n & 0xffffffffn);
  }
  if (n >> 112n === SIX_TO_FOUR >> 112n) return embedded((n >> 80n) & 0xffffffffn);
  return V6_BLOCKS.find((r) => inRange(n, r))?.[3] ?? null;
}

function embedded(n: bigint): string | null {
  const dotted = [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
  const reason = nonPublicReason(dotted);
  return reason ? `${reason} (IPv4 inside IPv6)` : null;
}

/** Host names that always mean this machine or the cloud's metadata service, whatever DNS says. */
const BLOCKED_NAMES = /^(?:localhost|.*\.localhost|metadata|metadata\.google\.internal|instance-data)\.?$/i;

export interface OutboundPolicy {
  /** Skip the address checks (local sandboxes and tests: `HISOB_ALLOW_PRIVATE_WEBHOOKS`). */
  allowPrivate: boolean;
}

export class OutboundRefused extends Error {
  override readonly name = 'OutboundRefused';
  readonly code = 'EOUTBOUNDREFUSED';
}

/** The URL's host without IPv6 brackets (WHATWG has already normalised `0x7f.1`, `2130706433`…). */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * Checks a host before anything connects to it: an IP literal by itself, a name by every address
 * it resolves to (one private answer is enough to refuse: the connection could use any of them).
 * Throws {@link OutboundRefused} with a reason that names the address, never the URL.
 */
export async function resolvePublic(
  host: string,
  policy: OutboundPolicy,
  resolve: (host: string) => Promise<LookupAddress[]> = lookupAll,
): Promise<LookupAddress[]> {
  const literal = isIP(host);
  if (literal) {
    const reason = policy.allowPrivate ? null : nonPublicReason(host);
    if (reason) throw new OutboundRefused(`${host} is a ${reason} address`);
    return [{ address: host, family: literal }];
  }
  if (!policy.allowPrivate && BLOCKED_NAMES.test(host)) throw new OutboundRefused(`${host} is a local name`);
  const addresses = await resolve(host);
  if (!addresses.length) throw new OutboundRefused(`${host} has no address`);
  if (!policy.allowPrivate) {
    for (const a of addresses) {
      const reason = nonPublicReason(a.address);
      if (reason) throw new OutboundRefused(`${host} resolves to a ${reason} address (${a.address})`);
    }
  }
  return addresses;
}

const lookupAll = (host: string): Promise<LookupAddress[]> =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    ),
  );

/**
 * A `lookup` for `http.request` / `net.connect` that answers only with addresses it has checked:
 * the check and the connection use the same resolution, so a name that re-resolves to a private
 * address between a check and the connect (DNS rebinding) cannot slip through.
 */
export function checkedLookup(policy: OutboundPolicy) {
  return (
    hostname: string,
    options: { all?: boolean } | number,
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    const all = typeof options === 'object' && options.all === true;
    resolvePublic(hostname, policy).then(
      (addresses) =>
        all ? callback(null, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family),
      (err: Error) => callback(err, all ? [] : '', 0),
    );
  };
}
