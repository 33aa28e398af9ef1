import { convert, formatFixed, formatObp, parseMinor, sumToDecimal } from './money.js';

describe('money in minor units', () => {
  it('formats the full scale', () => {
    expect(formatFixed(-1230)).toBe('-12.30');
    expect(formatFixed(5)).toBe('0.05');
    expect(formatFixed(-5)).toBe('-0.05');
    expect(formatFixed(100000)).toBe('1000.00');
  });

  it('formats OBP amounts with varying precision', () => {
    expect(formatObp(-1050, 'stripped')).toBe('-10.5');
    expect(formatObp(100000, 'stripped')).toBe('1000');
    expect(formatObp(1230, 'fixed')).toBe('12.30');
    expect(formatObp(1234, 'stripped')).toBe('12.34');
  });

  it('parses strictly', () => {
    expect(parseMinor('-10.5')).toBe(-1050);
    expect(parseMinor('1000')).toBe(100000);
    expect(() => parseMinor('1e3')).toThrow();
    expect(() => parseMinor('1.234')).toThrow();
  });

  it('converts with integer arithmetic, rounding half away from zero', () => {
    expect(convert(100, 109_500)).toBe(1095);
    expect(convert(1, 5_000)).toBe(1);
    expect(convert(-1, 5_000)).toBe(-1);
    expect(convert(1, 4_999)).toBe(0);
  });

  it('sums exactly beyond 2^53 minor units', () => {
    expect(sumToDecimal([Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 1])).toBe('180143985094819.83');
  });
});
