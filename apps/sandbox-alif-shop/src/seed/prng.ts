/**
 * Deterministic randomness for the seed generator: 32-bit integer hashing and a small PRNG
 * (sfc32). Integer arithmetic only; never `Math.random`, so one seed always yields the same data.
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

/** Hashes a list of integers (values above 2^32 are split into two words) into an unsigned 32-bit value. */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    const lo = p >>> 0;
    const hi = Math.floor(p / 4294967296) >>> 0;
    h = fmix32((h ^ lo) + 0x7f4a7c15);
    if (hi) h = fmix32((h ^ hi) + 0x165667b1);
  }
  return h >>> 0;
}

/** FNV-1a over a string: turns names into hash salts. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

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
    if (n > 2 ** 21) throw new RangeError(`Prng.below(${n}): use int() for wide ranges`);
    return Math.floor((this.u32() * n) / 4294967296);
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    const span = max - min + 1;
    if (span <= 2 ** 21) return min + this.below(span);
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
}
