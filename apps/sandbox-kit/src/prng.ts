/**
 * Deterministic randomness for the seed generator: 32-bit integer hashing, a small PRNG
 * (sfc32) and UUID-shaped identifiers, for every sandbox bank's seed. Integer arithmetic only; never
 * `Math.random`, so one seed always yields the same data.
 */

/** MurmurHash3's 32-bit finaliser: a good avalanche for combining integers. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a list of integers (each taken modulo 2^32) into one unsigned 32-bit value. */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    // Split values above 2^32 (e.g. sequence numbers, epoch milliseconds) into two words.
    const lo = p >>> 0;
    const hi = Math.floor(p / 4294967296) >>> 0;
    h = fmix32((h ^ lo) + 0x7f4a7c15);
    if (hi) h = fmix32((h ^ hi) + 0x165667b1);
  }
  return h >>> 0;
}

/** FNV-1a over a string; used to turn names into hash salts. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** sfc32: a fast, well-distributed 32-bit PRNG with a 128-bit state. */
/** 16 lower-case hex digits derived from the parts: the random-looking part of an identifier. */
export function hex64(...parts: number[]): string {
  return (
    hash32(0x1d, ...parts)
      .toString(16)
      .padStart(8, '0') +
    hash32(0x2e, ...parts)
      .toString(16)
      .padStart(8, '0')
  );
}

/** sfc32: a fast, well-distributed 32-bit PRNG with a 128-bit state. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...seedParts: number[]) {
    this.a = hash32(1, ...seedParts);
    this.b = hash32(2, ...seedParts);
    this.c = hash32(3, ...seedParts);
    this.d = hash32(4, ...seedParts) | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [0, n). Exact for n <= 2^21 (u32 * n stays below 2^53). */
  below(n: number): number {
    if (n <= 1) return 0;
    return Math.floor((this.u32() * n) / 4294967296);
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    const span = max - min + 1;
    if (span <= 2 ** 21) return min + this.below(span);
    // Wide ranges: combine two draws (still integer arithmetic).
    const hi = this.below(Math.ceil(span / 2 ** 20));
    return min + ((hi * 2 ** 20 + this.below(2 ** 20)) % span);
  }

  /** True with probability num/den. */
  chance(num: number, den: number): boolean {
    return this.below(den) < num;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }

  /** Picks an index by integer weights. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.below(total);
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex32(n: number): string {
  return HEX[(n >>> 24) & 0xff]! + HEX[(n >>> 16) & 0xff]! + HEX[(n >>> 8) & 0xff]! + HEX[n & 0xff]!;
}

/** A version-4-shaped UUID derived from the given integers. */
export function uuidFrom(...parts: number[]): string {
  const w0 = hash32(11, ...parts);
  const w1 = hash32(12, ...parts);
  const w2 = hash32(13, ...parts);
  const w3 = hash32(14, ...parts);
  const h = hex32(w0) + hex32(w1) + hex32(w2) + hex32(w3);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const MIX = 0x9e3779b1;
/** Inverse of MIX modulo 2^32 (Newton's iteration), so the mix below can be undone. */
const MIX_INV = (() => {
  let inv = MIX;
  for (let i = 0; i < 5; i++) inv = Math.imul(inv, (2 - Math.imul(MIX, inv)) >>> 0);
  return inv >>> 0;
})();

/** An invertible scramble of a 32-bit word: xor, odd multiply, xorshift. */
function mix32(x: number, mask: number): number {
  const m = Math.imul((x ^ mask) >>> 0, MIX) >>> 0;
  return (m ^ (m >>> 16)) >>> 0;
}

function unmix32(y: number, mask: number): number {
  const m = (y ^ (y >>> 16)) >>> 0;
  return ((Math.imul(m, MIX_INV) >>> 0) ^ mask) >>> 0;
}

/**
 * Transaction ids: UUID-shaped, but the last 48 bits carry the posting's sequence number,
 * scrambled with a seed-derived invertible mix, so a lookup by id is O(1) without an index of a
 * million strings, and ids still look uniformly random. The other bits are a hash of (seed, seq)
 * and act as a check: a forged or foreign id fails to decode.
 */
export class TransactionIdCodec {
  private readonly maskHi: number;
  private readonly maskLo: number;

  constructor(private readonly seed: number) {
    this.maskHi = hash32(seed, 0x51d) & 0xffff;
    this.maskLo = hash32(seed, 0x10c);
  }

  encode(seq: number): string {
    const hi = Math.floor(seq / 4294967296) & 0xffff;
    const lo = mix32(seq >>> 0, this.maskLo);
    const tail = ((hi ^ this.maskHi ^ (lo >>> 16)) & 0xffff).toString(16).padStart(4, '0') + hex32(lo);
    const w0 = hash32(21, this.seed, seq);
    const w1 = hash32(22, this.seed, seq);
    const w2 = hash32(23, this.seed, seq);
    const h = hex32(w0) + hex32(w1) + hex32(w2);
    const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${tail}`;
  }

  /** Returns the sequence number, or undefined when the id was not produced by `encode`. */
  decode(id: string): number | undefined {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)) return undefined;
    const tail = id.slice(24);
    const lo = parseInt(tail.slice(4), 16) >>> 0;
    const hi = (parseInt(tail.slice(0, 4), 16) ^ this.maskHi ^ (lo >>> 16)) & 0xffff;
    const seq = hi * 4294967296 + unmix32(lo, this.maskLo);
    return this.encode(seq) === id ? seq : undefined;
  }
}
