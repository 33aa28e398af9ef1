import { HisobError } from '#common/http/problem.js';
import { decodeCursor, encodeCursor } from '../infra/cursor.js';
import { isApiDate, isKeyTimestamp } from '../infra/edge-values.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const bad = () =>
  HisobError.validation([{ field: 'cursor', message: 'cursor is not valid' }], 'The cursor is not valid');

/**
 * Position in a transaction list: the last row's (booking date, id). `total` carries a
 * `total_count` that was expensive to count (see TransactionsService) from the first page on.
 */
export interface TransactionCursor {
  date: string;
  id: string;
  total?: number;
}

export function encodeTransactionCursor(c: TransactionCursor): string {
  return encodeCursor({ d: c.date, id: c.id, ...(c.total === undefined ? {} : { n: c.total }) });
}

export function decodeTransactionCursor(cursor: string): TransactionCursor {
  const { d, id } = decodeCursor(cursor, ['d', 'id'] as const);
  if (!isApiDate(d) || !UUID.test(id)) throw bad();
  const n = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { n?: unknown }).n;
  if (n === undefined) return { date: d, id };
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw bad();
  return { date: d, id, total: n };
}

/** Position in a list ordered by a timestamp (microseconds) and id. */
export function decodeTimeCursor(cursor: string): { at: string; id: string } {
  const c = decodeCursor(cursor, ['at', 'id'] as const);
  if (!isKeyTimestamp(c.at) || !UUID.test(c.id)) throw bad();
  return c;
}

export const encodeTimeCursor = (at: string, id: string): string => encodeCursor({ at, id });

export function decodeIdCursor(cursor: string): string {
  const { id } = decodeCursor(cursor, ['id'] as const);
  if (!UUID.test(id)) throw bad();
  return id;
}

export const encodeIdCursor = (id: string): string => encodeCursor({ id });

/**
 * Change-feed position: the last `transaction_change_seq` value seen, bound to its consent so a
 * cursor of another consent is refused instead of silently skipping or repeating changes.
 */
export function decodeFeedCursor(cursor: string, consentId: string): bigint {
  const { c, s } = decodeCursor(cursor, ['c', 's'] as const);
  if (c !== consentId || !/^\d{1,19}$/.test(s)) throw bad();
  const seq = BigInt(s);
  if (seq > 9223372036854775807n) throw bad();
  return seq;
}

export const encodeFeedCursor = (consentId: string, seq: bigint): string =>
  encodeCursor({ c: consentId, s: seq.toString() });
