import { median, percentile } from './stats.js';

describe('bench statistics', () => {
  it('median: middle value, mean of the two middle ones, NaN when empty', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('percentile: nearest rank of sorted values', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 0.5)).toBe(50);
    expect(percentile(xs, 0.99)).toBe(99);
    expect(percentile(xs, 1)).toBe(100);
    expect(percentile(Float64Array.of(7), 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });
});
