import { isIsoDate } from './dates.js';

describe('isIsoDate', () => {
  it.each(['2026-03-14', '2024-02-29', '1970-01-01'])('accepts %s', (value) => {
    expect(isIsoDate(value)).toBe(true);
  });

  it.each([
    '2026-02-30',
    '2025-02-29',
    '2026-13-01',
    '2026-3-14',
    '14.03.2026',
    '2026-03-14T00:00:00Z',
    '',
    20260314,
  ])('refuses %j', (value) => {
    expect(isIsoDate(value)).toBe(false);
  });
});
