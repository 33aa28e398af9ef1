import { isIsoDate } from '#domain/dates.js';

/**
 * Value checks shared by the DTOs and the cursor decoders, so that nothing PostgreSQL would refuse
 * (and answer with an error) reaches a query.
 */

/** A real calendar date `YYYY-MM-DD` in years 0001-9999 (PostgreSQL has no year 0 in ISO input). */
export const isApiDate = (value: unknown): value is string => isIsoDate(value) && value >= '0001-01-01';

const KEY_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z$/;

/** A keyset cursor's timestamp: UTC with microseconds, a real date in years 0001-9999. */
export const isKeyTimestamp = (value: unknown): value is string => {
  if (typeof value !== 'string') return false;
  const m = KEY_TIMESTAMP.exec(value);
  return m !== null && isApiDate(m[1]);
};

/** An RFC 3339 timestamp's year within 0001-9999 (JavaScript allows more than PostgreSQL reads back). */
export const yearInRange = (d: Date): boolean =>
  !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999;
