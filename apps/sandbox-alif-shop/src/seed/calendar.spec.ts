import { addMonths, dayStart, dayToIso, isoInstant, isoToDay, karachiDay } from './calendar.js';

describe('Karachi calendar', () => {
  const day = (iso: string) => isoToDay(iso)!;

  it('dates an instant in Pakistan time (UTC+05:00)', () => {
    expect(dayToIso(karachiDay(Date.parse('2026-06-30T18:59:59Z') / 1000))).toBe('2026-06-30');
    expect(dayToIso(karachiDay(Date.parse('2026-06-30T19:00:00Z') / 1000))).toBe('2026-07-01');
    expect(isoInstant(dayStart(day('2026-07-01')))).toBe('2026-06-30T19:00:00Z');
  });

  it('parses only valid dates', () => {
    expect(isoToDay('2026-02-30')).toBeUndefined();
    expect(isoToDay('2026-6-30')).toBeUndefined();
    expect(dayToIso(day('2024-02-29'))).toBe('2024-02-29');
  });

  it('adds months clamped to the end of the month', () => {
    expect(dayToIso(addMonths(day('2026-01-31'), 1))).toBe('2026-02-28');
    expect(dayToIso(addMonths(day('2024-01-31'), 1))).toBe('2024-02-29');
    expect(dayToIso(addMonths(day('2026-01-31'), 3))).toBe('2026-04-30');
    expect(dayToIso(addMonths(day('2026-07-01'), -3))).toBe('2026-04-01');
    expect(dayToIso(addMonths(day('2026-11-15'), 2))).toBe('2027-01-15');
  });
});
