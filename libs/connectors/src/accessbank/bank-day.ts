import type { IsoDate } from '#domain/dates.js';

/**
 * The bank's calendar: Berlin Group dates (`bookingDate`, `dateFrom`, `validUntil`) are the bank's
 * local days, and `frequencyPerDay` resets at the bank's midnight. Everything here works for any
 * IANA zone, daylight-saving time included.
 */

const FORMATS = new Map<string, Intl.DateTimeFormat>();

function parts(ms: number, timeZone: string): Record<string, number> {
  let f = FORMATS.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    FORMATS.set(timeZone, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(ms))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** The zone's offset from UTC at `ms`, in ms (Dushanbe: +5 h). */
function offsetMs(ms: number, timeZone: string): number {
  const p = parts(ms, timeZone);
  const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return local - Math.floor(ms / 1000) * 1000;
}

/** The bank's calendar date at instant `ms`. */
export function bankDate(ms: number, timeZone: string): IsoDate {
  const p = parts(ms, timeZone);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** `date` plus `days` (negative: earlier), on the proleptic Gregorian calendar. */
export function addDays(date: IsoDate, days: number): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The instant the bank's next day begins after `ms` (its next midnight). */
export function nextBankMidnight(ms: number, timeZone: string): Date {
  const tomorrow = addDays(bankDate(ms, timeZone), 1);
  const wall = Date.parse(`${tomorrow}T00:00:00Z`);
  // Two passes: the offset at the guess, not at `ms`, decides (a DST change overnight).
  let guess = wall - offsetMs(ms, timeZone);
  guess = wall - offsetMs(guess, timeZone);
  return new Date(guess);
}
