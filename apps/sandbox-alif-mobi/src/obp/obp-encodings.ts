/**
 * OBP wire encodings (research notes §1.5):
 * - response dates: Lift JSON's default `yyyy-MM-dd'T'HH:mm:ss'Z'`, UTC, no milliseconds;
 * - request date parameters: `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` or the legacy
 *   `yyyy-MM-dd'T'HH:mm:ss.SSSZ` (`+0000`), anything else is OBP-10026;
 * - amounts: strings of varying precision (see `formatObp`).
 */
import { formatObp, type AmountStyle } from '../seed/money.js';

export function formatObpDate(epochSec: number): string {
  return `${new Date(epochSec * 1000).toISOString().slice(0, 19)}Z`;
}

export function formatObpDay(epochDay: number): string {
  return formatObpDate(epochDay * 86_400);
}

const REQUEST_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})(Z|[+-]\d{4})$/;

/** Parses an OBP request date into epoch milliseconds; undefined when it is not one of the two formats. */
export function parseObpRequestDate(value: string): number | undefined {
  const m = REQUEST_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms, zone] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59)
    return undefined;
  const base = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s), Number(ms));
  // Reject dates that roll over (e.g. 2024-02-31): SimpleDateFormat would be lenient, we are not.
  if (new Date(base).getUTCDate() !== day) return undefined;
  if (zone === 'Z') return base;
  const sign = zone.startsWith('-') ? -1 : 1;
  const offsetMin = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5));
  return base - sign * offsetMin * 60_000;
}

export function amountJson(
  currency: string,
  minor: number,
  style: AmountStyle,
): { currency: string; amount: string } {
  return { currency, amount: formatObp(minor, style) };
}
