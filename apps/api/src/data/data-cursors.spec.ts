import { HisobError } from '#common/http/problem.js';
import { encodeCursor } from '../infra/cursor.js';
import {
  decodeFeedCursor,
  decodeTimeCursor,
  decodeTransactionCursor,
  encodeFeedCursor,
  encodeTimeCursor,
  encodeTransactionCursor,
} from './data-cursors.js';
import { oldestDataAsOf } from './data-freshness.js';

const ID = '0b7d6c1e-8f3a-4a2b-9c1d-2e3f4a5b6c7d';
const refused = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (
      err instanceof HisobError &&
      err.code === 'validation_failed' &&
      err.options.errors?.[0]?.field === 'cursor'
    );
  }
  return false;
};

describe('data cursors', () => {
  it('round-trip', () => {
    expect(decodeTransactionCursor(encodeTransactionCursor({ date: '2026-01-31', id: ID }))).toEqual({
      date: '2026-01-31',
      id: ID,
    });
    expect(
      decodeTransactionCursor(encodeTransactionCursor({ date: '2026-01-31', id: ID, total: 42 })),
    ).toEqual({ date: '2026-01-31', id: ID, total: 42 });
    expect(decodeTimeCursor(encodeTimeCursor('2026-01-31T10:00:00.123456Z', ID))).toEqual({
      at: '2026-01-31T10:00:00.123456Z',
      id: ID,
    });
    expect(decodeFeedCursor(encodeFeedCursor(ID, 9007199254740993n), ID)).toBe(9007199254740993n);
  });

  it('refuse anything else as validation_failed on cursor', () => {
    for (const bad of [
      '',
      'garbage',
      '%%%',
      encodeCursor({ d: '2026-02-30', id: ID }),
      encodeCursor({ d: '2026-01-01', id: 'x' }),
      encodeCursor({ d: '2026-01-01', id: ID, n: -1 }),
      encodeCursor({ d: '2026-01-01', id: ID, n: 1.5 }),
    ]) {
      expect([bad, refused(() => decodeTransactionCursor(bad))]).toEqual([bad, true]);
    }
    expect(refused(() => decodeTimeCursor(encodeCursor({ at: '2026-01-31T10:00:00Z', id: ID })))).toBe(true);
    expect(
      refused(() => decodeFeedCursor(encodeFeedCursor(ID, 5n), '11111111-1111-4111-8111-111111111111')),
    ).toBe(true);
    expect(refused(() => decodeFeedCursor(encodeCursor({ c: ID, s: '-1' }), ID))).toBe(true);
    expect(refused(() => decodeFeedCursor(encodeCursor({ c: ID, s: '9223372036854775808' }), ID))).toBe(true);
  });
});

describe('oldestDataAsOf', () => {
  it('is the oldest, or null when any account was never read or there is none', () => {
    const a = new Date('2026-01-01T00:00:00Z');
    const b = new Date('2026-02-01T00:00:00Z');
    expect(oldestDataAsOf([b, a])).toBe(a);
    expect(oldestDataAsOf([a, null])).toBeNull();
    expect(oldestDataAsOf([])).toBeNull();
  });
});
