import { Prng, TransactionIdCodec, uuidFrom } from './prng.js';

describe('seeded randomness', () => {
  it('repeats the same stream for the same seed parts', () => {
    const a = new Prng(42, 1, 19_000);
    const b = new Prng(42, 1, 19_000);
    const c = new Prng(42, 1, 19_001);
    const xs = Array.from({ length: 5 }, () => a.u32());
    expect(Array.from({ length: 5 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.u32())).not.toEqual(xs);
  });

  it('draws integers within bounds', () => {
    const r = new Prng(7);
    for (let i = 0; i < 1000; i++) {
      const v = r.int(-3, 3);
      expect(v).toBeGreaterThanOrEqual(-3);
      expect(v).toBeLessThanOrEqual(3);
    }
  });

  it('makes version-4-shaped UUIDs', () => {
    expect(uuidFrom(1, 2, 3)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('round-trips transaction ids and rejects forged ones', () => {
    const codec = new TransactionIdCodec(42);
    for (const seq of [0, 1, 999_999, 2 ** 40 + 5]) expect(codec.decode(codec.encode(seq))).toBe(seq);
    const id = codec.encode(123);
    expect(codec.decode(`${id.slice(0, 35)}${id[35] === '0' ? '1' : '0'}`)).toBeUndefined();
    expect(new TransactionIdCodec(43).decode(id)).toBeUndefined();
    expect(codec.decode('not-an-id')).toBeUndefined();
  });
});
