/**
 * OBP paging and filter parameters (research notes §1.6, `APIUtil.getLimit/getOffset/…`):
 * `limit` (>= 1, default 50), `offset` (>= 0, default 0), `from_date` (default the epoch),
 * `to_date` (default 2100-01-01), `sort_direction` (ASC|DESC, case-insensitive, default DESC),
 * each with an `obp_` alias; the plain name wins when both are sent. Validated in OBP's order:
 * sort direction, from date, to date, limit, offset.
 */
import { OBP_MESSAGES, ObpError } from './obp-errors.js';
import { parseObpRequestDate } from './obp-encodings.js';

export const DEFAULT_LIMIT = 50;
export const DEFAULT_TO_MS = Date.UTC(2100, 0, 1);

export interface PagingParams {
  limit: number;
  offset: number;
  fromMs: number;
  toMs: number;
  sortDirection: 'ASC' | 'DESC';
}

/** Looks a parameter up by name; returns undefined when absent. */
export type ParamSource = (name: string) => string | undefined;

/** Tries each source in turn (the first that has the name wins), plain names before `obp_` aliases. */
export function readPaging(sources: ParamSource[]): PagingParams {
  const get = (name: string): string | undefined => {
    for (const src of sources) {
      const plain = src(name);
      if (plain !== undefined) return plain;
      const alias = src(`obp_${name}`);
      if (alias !== undefined) return alias;
    }
    return undefined;
  };

  const sortRaw = get('sort_direction');
  let sortDirection: 'ASC' | 'DESC' = 'DESC';
  if (sortRaw !== undefined) {
    const upper = sortRaw.toUpperCase();
    if (upper !== 'ASC' && upper !== 'DESC') throw new ObpError(400, OBP_MESSAGES.sortDirection);
    sortDirection = upper;
  }

  const fromMs = parseDate(get('from_date'), 0);
  const toMs = parseDate(get('to_date'), DEFAULT_TO_MS);
  const limit = parseCount(get('limit'), DEFAULT_LIMIT, 1, OBP_MESSAGES.limit);
  const offset = parseCount(get('offset'), 0, 0, OBP_MESSAGES.offset);
  return { limit, offset, fromMs, toMs, sortDirection };
}

function parseDate(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const ms = parseObpRequestDate(raw);
  if (ms === undefined) throw new ObpError(400, OBP_MESSAGES.dateFormat);
  return ms;
}

function parseCount(raw: string | undefined, fallback: number, min: number, message: string): number {
  if (raw === undefined) return fallback;
  // OBP parses with Scala's toInt: optional sign, digits only, 32-bit range.
  if (!/^[+-]?\d{1,10}$/.test(raw)) throw new ObpError(400, message);
  const n = Number(raw);
  if (n > 2_147_483_647 || n < min) throw new ObpError(400, message);
  return n;
}

export function headerSource(headers: Record<string, string | string[] | undefined>): ParamSource {
  return (name) => {
    const v = headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
}

export function querySource(query: URLSearchParams): ParamSource {
  return (name) => query.get(name) ?? undefined;
}
