/**
 * A calendar date `YYYY-MM-DD` (api.md "Dates"). A string, not a `Date`: a booking date has no
 * time zone and must not shift when a process runs with another `TZ`.
 */
export type IsoDate = string;

/** An RFC 3339 UTC timestamp such as `2024-05-01T10:00:00Z` (api.md "timestamps"). */
export type Timestamp = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date in `YYYY-MM-DD` form (`2024-02-30` is false). */
export function isIsoDate(value: unknown): value is IsoDate {
  if (typeof value !== 'string') return false;
  const m = ISO_DATE.exec(value);
  if (m === null) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(value);
}

/** `date` moved by `days` (negative: back), clamped to years 0001-9999. */
export function addDays(date: IsoDate, days: number): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  const s = d.toISOString().slice(0, 10);
  if (d.getUTCFullYear() < 1 || s.startsWith('-')) return '0001-01-01';
  if (d.getUTCFullYear() > 9999 || s.startsWith('+')) return '9999-12-31';
  return s;
}
