/**
 * Dates and instants. Alif Shop dates its records in Pakistan time: a history item's `date` and an
 * instalment's `due_date` are calendar days in Asia/Karachi, while `created_at`/`paid_at` are UTC
 * instants. Pakistan has kept UTC+05:00 all year since 2009 (no daylight saving), so a fixed
 * offset is exact for every date this sandbox produces. Days are counted as "epoch days" of that
 * calendar (day 0 = 1970-01-01 in Karachi).
 */

export const KARACHI_OFFSET_S = 5 * 3600;
export const DAY_S = 86_400;

/** The Karachi calendar day of an instant (epoch seconds). */
export function karachiDay(sec: number): number {
  return Math.floor((sec + KARACHI_OFFSET_S) / DAY_S);
}

/** The first second (epoch) of a Karachi calendar day. */
export function dayStart(day: number): number {
  return day * DAY_S - KARACHI_OFFSET_S;
}

/** An instant at a local time of day (seconds after Karachi midnight). */
export function atLocal(day: number, secondOfDay: number): number {
  return dayStart(day) + secondOfDay;
}

export function dayToIso(day: number): string {
  return new Date(day * DAY_S * 1000).toISOString().slice(0, 10);
}

/** Epoch day of a valid `YYYY-MM-DD`, or undefined. */
export function isoToDay(iso: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return undefined;
  const ms = Date.parse(`${iso}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== iso) return undefined;
  return ms / (DAY_S * 1000);
}

/** `2026-06-30T09:15:42Z`: an instant, UTC, whole seconds. */
export function isoInstant(sec: number): string {
  return `${new Date(sec * 1000).toISOString().slice(0, 19)}Z`;
}

/**
 * The same day of the month `months` later (or earlier), clamped to the month's last day, as
 * instalment calendars do: 31 Jan + 1 month = 28/29 Feb.
 */
export function addMonths(day: number, months: number): number {
  const d = new Date(day * DAY_S * 1000);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const target = new Date(Date.UTC(y, m, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  return (
    Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(d.getUTCDate(), last)) / (DAY_S * 1000)
  );
}
