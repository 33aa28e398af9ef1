import fc from 'fast-check';

import { toMajorString, toMinorUnits } from './amount.js';

describe('toMinorUnits', () => {
  it('takes integers as minor units and decimal strings as major units', () => {
    expect(toMinorUnits(4299, 'TJS')).toBe(4299);
    expect(toMinorUnits('42.99', 'TJS')).toBe(4299);
    expect(toMinorUnits('12.5', 'TJS')).toBe(1250);
    expect(toMinorUnits('12', 'TJS')).toBe(1200);
    expect(toMinorUnits('0.01', 'TJS')).toBe(1);
    expect(toMinorUnits('1.234', 'KWD')).toBe(1234);
    expect(toMinorUnits('500', 'JPY')).toBe(500);
  });

  it('refuses floats, zero, negatives, surplus digits and other shapes', () => {
    for (const bad of [12.5, 0, -1, '0', '0.00', '-1', '1.234', '1e3', ' 1', '1.', '.5', '5.0', null, true])
      expect(toMinorUnits(bad, bad === '5.0' ? 'JPY' : 'TJS')).toBeUndefined();
    expect(toMinorUnits(Number.MAX_SAFE_INTEGER + 1, 'TJS')).toBeUndefined();
  });

  it('round-trips any amount through its major-unit string', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.constantFrom('TJS', 'USD', 'JPY', 'KWD'),
        (minor, ccy) => toMinorUnits(toMajorString(minor, ccy), ccy) === minor,
      ),
    );
  });
});
