import { MoneyError } from '#domain/money-errors.js';
import { parseBankAmount, type Money } from '#domain/money.js';
import type { IsoDate, Timestamp } from '#domain/dates.js';
import { WireShapeError } from '../wire.js';
import type { ObpAmount, ObpRouting } from './obp.wire.js';

/** Value helpers shared by the OBP mappers. They throw {@link WireShapeError} with a JSON path. */

/** A field the canonical model cannot do without, although OBP's views may null it. */
export function required<T>(value: T | null, path: string, expected: string): T {
  if (value === null || value === '') throw new WireShapeError(path, expected, value);
  return value;
}

/**
 * An OBP `AmountOfMoney` as exact Money (§1.5: BigDecimal strings of varying precision).
 * `fallbackCurrency` fills a null currency where OBP implies it (a `new_balance` without one is
 * in the transaction's currency).
 */
export function obpMoney(
  amount: ObpAmount | null,
  path: string,
  fallbackCurrency: string | null = null,
): Money {
  const value = required(amount?.amount ?? null, `${path}.amount`, 'an amount string');
  const currency = required(amount?.currency ?? fallbackCurrency, `${path}.currency`, 'a currency code');
  try {
    return parseBankAmount(value, currency);
  } catch (err) {
    if (err instanceof MoneyError) {
      const at = err.code === 'unknown_currency' ? `${path}.currency` : `${path}.amount`;
      throw new WireShapeError(at, `an exact amount (${err.code}: ${err.message})`, value);
    }
    throw err;
  }
}

const OBP_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})$/;

/** A parsed OBP date-time: epoch milliseconds and the RFC 3339 UTC form (seconds). */
export interface ObpInstant {
  readonly ms: number;
  readonly iso: Timestamp;
}

/**
 * OBP response dates are `yyyy-MM-dd'T'HH:mm:ss'Z'` (Lift's default format, §1.5); milliseconds
 * and offsets are tolerated for other OBP deployments.
 */
export function obpInstant(value: string | null, path: string): ObpInstant {
  const text = required(value, path, 'a date-time');
  const ms = OBP_TIMESTAMP.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new WireShapeError(path, "a date-time yyyy-MM-dd'T'HH:mm:ss'Z'", text);
  // OBP's own format already is the RFC 3339 UTC form (formatting it again cost ~2 µs a call, a
  // few percent of a sync), unless Date.parse rolled an impossible date over (Feb 30 → Mar 1).
  return { ms, iso: isCanonicalUtc(text) ? text : toRfc3339(ms) };
}

/** `yyyy-MM-ddTHH:mm:ssZ` (shape already checked) naming a real calendar day and hour. */
function isCanonicalUtc(text: string): boolean {
  if (text.length !== 20 || text.charCodeAt(19) !== 0x5a /* Z */) return false;
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  if (month < 1 || month > 12 || day < 1 || Number(text.slice(11, 13)) > 23) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** RFC 3339 UTC to the second, as the API prints timestamps. */
export function toRfc3339(ms: number): Timestamp {
  // toISOString is `YYYY-MM-DDTHH:mm:ss.sssZ` for the years OBP_TIMESTAMP admits.
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** OBP request date format `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` (§1.5; anything else is OBP-10026). */
export function obpRequestDate(ms: number): string {
  return new Date(ms).toISOString();
}

const DATE_FORMATS = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar date of an instant in the bank's time zone. OBP sends UTC instants; what a user
 * calls the booking date is the bank's local date, hence the configurable zone.
 */
export function localDate(ms: number, timeZone: string): IsoDate {
  // UTC needs no calendar lookup: the ISO form's date part is it (Intl.format costs ~5 µs a call,
  // a tenth of the whole per-transaction budget of a sync).
  if (timeZone === 'UTC') return new Date(ms).toISOString().slice(0, 10);
  return zonedDate(ms, timeZone);
}

/** {@link localDate} of an {@link ObpInstant}: in UTC, the date part of the instant it already has. */
export function instantDate(instant: ObpInstant, timeZone: string): IsoDate {
  return timeZone === 'UTC' ? instant.iso.slice(0, 10) : zonedDate(instant.ms, timeZone);
}

function zonedDate(ms: number, timeZone: string): IsoDate {
  let format = DATE_FORMATS.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    DATE_FORMATS.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** First routing address of `scheme` (case-insensitive). */
export function routing(routings: readonly ObpRouting[], scheme: string): string | null {
  const wanted = scheme.toUpperCase();
  return routings.find((r) => r.scheme?.toUpperCase() === wanted && r.address)?.address ?? null;
}

const CODES = new Map<string, string>();
const MAX_CODES = 4096;

/**
 * Upper-case code with non-alphanumerics as `_`: `"Card payment"` → `CARD_PAYMENT`. Banks repeat
 * a handful of attribute names and types on every transaction, so the codes are remembered (up to
 * a few thousand distinct values; past that they are computed each time).
 */
export function codeOf(value: string | null): string {
  if (value === null) return '';
  let code = CODES.get(value);
  if (code === undefined) {
    code = value
      .trim()
      .toUpperCase()
      .replace(/[^A-Z0-9]+/g, '_')
      .replace(/^_|_$/g, '');
    if (CODES.size < MAX_CODES) CODES.set(value, code);
  }
  return code;
}

/** Masks all but the last four characters: `****1234`. */
export function maskTail(value: string): string {
  const compact = value.replace(/\s+/g, '');
  return compact.length <= 4 ? compact : `****${compact.slice(-4)}`;
}
