/**
 * Calendar helpers. The bank's business day is the calendar day in Dushanbe (`Asia/Dushanbe`,
 * UTC+05:00 all year: Tajikistan has had no daylight-saving time since 1991), so the offset is a
 * constant. Days are epoch days (days since 1970-01-01) of that local calendar.
 */

export const BANK_TIME_ZONE = 'Asia/Dushanbe';
export const BANK_UTC_OFFSET_S = 5 * 3600;
export const DAY_S = 86_400;

/** Epoch day of a YYYY-MM-DD date. */
export function epochDay(iso: string): number {
  return Math.floor(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
}

/** YYYY-MM-DD of an epoch day. */
export function dayToIso(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** The bank-local epoch day of an instant (epoch seconds). */
export function localDayOf(sec: number): number {
  return Math.floor((sec + BANK_UTC_OFFSET_S) / DAY_S);
}

/** The first second (epoch) of a bank-local day. */
export function startOfLocalDay(day: number): number {
  return day * DAY_S - BANK_UTC_OFFSET_S;
}

/** A strict YYYY-MM-DD that names a real date. */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** RFC 3339 date-time in the bank's zone, e.g. 2026-06-30T18:04:05+05:00. */
export function formatLocalDateTime(sec: number): string {
  const local = new Date((sec + BANK_UTC_OFFSET_S) * 1000).toISOString().slice(0, 19);
  return `${local}+05:00`;
}

/** Day of month (1..31) and the number of days in that month, for an epoch day. */
export function monthPosition(day: number): { dom: number; daysInMonth: number } {
  const d = new Date(day * 86_400_000);
  const daysInMonth = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  return { dom: d.getUTCDate(), daysInMonth };
}
