import { basisPoints, formatFixed, formatHuman, pkrLiteral, splitEvenly, sumMinor } from './money.js';

describe('PKR money in paisa', () => {
  it('splits 1999.50 in 4 as 499.88, 499.88, 499.87, 499.87', () => {
    expect(splitEvenly(199_950, 4)).toEqual([49_988, 49_988, 49_987, 49_987]);
  });

  it('always sums a split back to the total, to the paisa', () => {
    for (const total of [0, 1, 3, 99, 100, 2_400_000, 1_875_075, 9_999_999_999]) {
      for (const count of [1, 2, 3, 4, 6, 9, 12, 24]) {
        const parts = splitEvenly(total, count);
        expect(parts).toHaveLength(count);
        expect(sumMinor(parts)).toBe(BigInt(total));
        expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
        expect([...parts].sort((a, b) => b - a)).toEqual(parts);
      }
    }
  });

  it('rejects impossible splits', () => {
    expect(() => splitEvenly(100, 0)).toThrow(RangeError);
    expect(() => splitEvenly(-1, 2)).toThrow(RangeError);
    expect(() => splitEvenly(0.5, 2)).toThrow(RangeError);
  });

  it('writes the wire literal straight from paisa', () => {
    expect(pkrLiteral(199_950)).toBe('1999.5');
    expect(pkrLiteral(2_400_000)).toBe('24000');
    expect(pkrLiteral(1)).toBe('0.01');
    expect(pkrLiteral(49_988)).toBe('499.88');
    expect(pkrLiteral(0)).toBe('0');
    expect(pkrLiteral(-1_230)).toBe('-12.3');
    // The literal is what JSON.parse + String() gives back: a client can convert it exactly.
    for (const m of [199_950, 49_987, 1, 10, 123_456_789_012])
      expect(String(JSON.parse(pkrLiteral(m)))).toBe(pkrLiteral(m));
  });

  it('formats full-scale and human amounts', () => {
    expect(formatFixed(199_950)).toBe('1999.50');
    expect(formatFixed(-5)).toBe('-0.05');
    expect(formatHuman(500_025)).toBe('5,000.25');
    expect(formatHuman(32_999_900)).toBe('329,999.00');
  });

  it('rounds basis points half up', () => {
    expect(basisPoints(10_000, 75)).toBe(75);
    expect(basisPoints(6_667, 150)).toBe(100); // 100.005 → 100
    expect(basisPoints(6_700, 150)).toBe(101); // 100.5 → 101
  });
});
