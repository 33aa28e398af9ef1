import {
  OccurrenceCounter,
  assignOccurrences,
  fingerprintId,
  transactionFingerprint,
  type FingerprintInput,
} from './fingerprint.js';
import { Money } from './money.js';

const entry = (over: Partial<FingerprintInput> & { amount?: Money } = {}): FingerprintInput => ({
  bookingDate: '2026-03-14',
  amount: Money.parse('-5.00', 'TJS'),
  counterparty: 'Coffee House',
  description: 'Card payment',
  ...over,
});

describe('transactionFingerprint', () => {
  it('is a deterministic sha256 hex', () => {
    const sut = transactionFingerprint(entry());
    expect(sut).toMatch(/^[0-9a-f]{64}$/);
    expect(transactionFingerprint(entry())).toBe(sut);
  });

  it('ignores case, Unicode composition and whitespace runs in free text', () => {
    const base = transactionFingerprint(
      entry({ counterparty: 'Café  Dushanbe', description: 'Card payment' }),
    );
    expect(
      transactionFingerprint(entry({ counterparty: ' CAFE\u0301 dushanbe ', description: 'card\tpayment' })),
    ).toBe(base);
  });

  it('treats a hidden (null) counterparty like an empty one', () => {
    expect(transactionFingerprint(entry({ counterparty: null }))).toBe(
      transactionFingerprint(entry({ counterparty: '' })),
    );
  });

  it.each([
    ['booking date', { bookingDate: '2026-03-15' }],
    ['amount', { amount: Money.parse('-5.01', 'TJS') }],
    ['sign', { amount: Money.parse('5.00', 'TJS') }],
    ['currency', { amount: Money.parse('-5.00', 'USD') }],
    ['counterparty', { counterparty: 'Tea House' }],
    ['description', { description: 'Card refund' }],
  ] as const)('changes with the %s', (_field, over) => {
    expect(transactionFingerprint(entry(over))).not.toBe(transactionFingerprint(entry()));
  });

  it('does not confuse text moved between counterparty and description', () => {
    const a = transactionFingerprint(entry({ counterparty: 'a b', description: 'c' }));
    const b = transactionFingerprint(entry({ counterparty: 'a', description: 'b c' }));
    expect(a).not.toBe(b);
  });

  it('does not depend on how the amount was written on the wire', () => {
    const a = transactionFingerprint(entry({ amount: Money.parse('-5', 'TJS') }));
    const b = transactionFingerprint(entry({ amount: Money.parse('-5.00', 'TJS') }));
    expect(a).toBe(b);
  });
});

describe('assignOccurrences', () => {
  interface Row {
    readonly input: FingerprintInput;
    readonly time: string;
  }
  const coffee = (time: string): Row => ({ input: entry(), time });
  const tea: Row = {
    input: entry({ counterparty: 'Tea House', amount: Money.parse('-3.00', 'TJS') }),
    time: '09:00',
  };

  it('keeps two genuine identical charges as two ids', () => {
    const sut = assignOccurrences([coffee('08:00'), tea, coffee('17:00')], (r) => r.input);
    expect(sut.map((f) => f.occurrence)).toEqual([0, 0, 1]);
    expect(new Set(sut.map((f) => f.id)).size).toBe(3);
    expect(sut[0]?.id).toBe(fingerprintId(sut[0]?.fingerprint as string, 0));
  });

  it('gives a re-read of the same window the same ids, whatever order the bank returns', () => {
    const first = assignOccurrences([coffee('08:00'), tea, coffee('17:00')], (r) => r.input).map((f) => f.id);
    const reread = assignOccurrences([tea, coffee('17:00'), coffee('08:00')], (r) => r.input).map(
      (f) => f.id,
    );
    expect(new Set(reread)).toEqual(new Set(first));
  });

  it('attaches the same id to the same entry across reorders when a tiebreak is given', () => {
    const opts = { tiebreak: (r: Row) => r.time };
    const first = assignOccurrences([coffee('08:00'), coffee('17:00')], (r) => r.input, opts);
    const reread = assignOccurrences([coffee('17:00'), coffee('08:00')], (r) => r.input, opts);
    const byTime = (xs: typeof first) => Object.fromEntries(xs.map((f) => [f.item.time, f.id]));
    expect(byTime(reread)).toEqual(byTime(first));
  });

  it('returns entries in input order', () => {
    const rows = [coffee('17:00'), tea, coffee('08:00')];
    const sut = assignOccurrences(rows, (r) => r.input);
    expect(sut.map((f) => f.item)).toEqual(rows);
  });

  it('continues numbering across pages through a counter snapshot (a resumed sync)', () => {
    const counter = new OccurrenceCounter();
    const page1 = assignOccurrences([coffee('08:00')], (r) => r.input, { counter });
    const checkpoint = JSON.parse(JSON.stringify(counter.snapshot())) as Record<string, number>;
    const page2 = assignOccurrences([coffee('17:00')], (r) => r.input, {
      counter: new OccurrenceCounter(checkpoint),
    });
    expect([page1[0]?.occurrence, page2[0]?.occurrence]).toEqual([0, 1]);
    expect(page1[0]?.id).not.toBe(page2[0]?.id);
  });

  it('numbers an empty page without touching the counter', () => {
    const counter = new OccurrenceCounter();
    expect(assignOccurrences([], (r: Row) => r.input, { counter })).toEqual([]);
    expect(counter.snapshot()).toEqual({});
  });
});
