import type { Lenient } from '../wire.js';
import { WireShapeError } from '../wire.js';
import { fixture, TJS_ACCOUNT } from './fixtures/fixtures.js';
import { mapAccount } from './map-account.js';
import { mapBalances } from './map-balance.js';
import { mapCard, maskPan } from './map-card.js';
import { classify, mapTransaction } from './map-transaction.js';
import { mapTransfer } from './map-transfer.js';
import {
  parseAccount,
  parseAccountBalances,
  parseCards,
  parseCoreAccounts,
  parseCounterparties,
  parseTransactionRequests,
  parseTransactions,
} from './obp.wire.js';

/** The guarded value of a lenient list item (the fixtures' items are all well formed). */
function ok<T>(item: Lenient<T>): T {
  if (!item.ok) throw item.error;
  return item.value;
}

const UTC = { timeZone: 'UTC' };

function shapeError(fn: () => unknown): WireShapeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WireShapeError) return err;
    throw err;
  }
  throw new Error('expected a WireShapeError');
}

describe('Alif Mobi account mapping', () => {
  const list = parseCoreAccounts(fixture('my-accounts.json'));

  it('maps the TJS wallet with its IBAN, masked number and status', () => {
    const sut = mapAccount(list.accounts[0]!, parseAccount(fixture('account-tjs.json')));
    expect(sut).toEqual({
      providerAccountId: TJS_ACCOUNT,
      type: 'wallet',
      name: 'Alif Mobi TJS',
      currency: 'TJS',
      iban: 'TJ86ALIF20216972900012345678',
      numberMasked: '****5678',
      status: 'active',
    });
  });

  it('takes the type from the list, the name from the product when the label is null, and a blocked status', () => {
    const sut = mapAccount(list.accounts[1]!, parseAccount(fixture('account-usd.json')));
    expect(sut).toMatchObject({
      type: 'savings',
      name: 'SAVINGS_USD',
      currency: 'USD',
      iban: null,
      status: 'blocked',
    });
  });

  it('refuses an account whose currency the view hides', () => {
    const detail = parseAccount({ ...fixture<object>('account-tjs.json'), balance: null });
    expect(shapeError(() => mapAccount(list.accounts[0]!, detail)).path).toBe('$.balance.currency');
  });
});

describe('Alif Mobi balance mapping', () => {
  it('maps OBP balance types, of varying precision and exponent form, to the canonical set', () => {
    const sut = mapBalances(parseAccountBalances(fixture('balances-tjs.json')));
    expect(sut.map((b) => [b.type, b.amount.toString(), b.amount.currency])).toEqual([
      ['booked', '1523.40', 'TJS'],
      ['available', '1500.00', 'TJS'],
      ['opening_booked', '1000.00', 'TJS'],
    ]);
  });

  it('keeps the first balance of a type and drops types it does not know', () => {
    const sut = mapBalances(parseAccountBalances(fixture('balances-tjs.json')));
    expect(sut.filter((b) => b.type === 'booked')).toHaveLength(1);
    expect(sut.map((b) => b.amount.toString())).not.toContain('23.40');
  });
});

describe('Alif Mobi transaction mapping', () => {
  const wire = parseTransactions(fixture('transactions-page.json'));
  const sut = wire.transactions.map((t, i) => mapTransaction(t, `$.transactions[${i}]`, UTC));

  it('uses the OBP id and the completed date, and marks entries booked', () => {
    expect(sut[0]).toMatchObject({
      providerTransactionId: 'b5f6c1d2-0e3a-4c7b-9d8e-1f2a3b4c5d60',
      status: 'booked',
      date: '2026-03-14',
      bookedAt: '2026-03-14T09:12:45Z',
      valueDate: null,
    });
  });

  it('parses amounts of varying precision exactly, signed from the account side', () => {
    expect(sut.map((t) => t.amount.toString())).toEqual([
      '-10.50',
      '-1000.00',
      '12.30',
      '-245.00',
      '-20.00',
      '-3.00',
    ]);
  });

  it('takes type and category from details.type and transaction attributes', () => {
    expect(sut.map((t) => [t.type, t.category])).toEqual([
      ['utility', 'electricity'],
      ['transfer', null],
      ['cashback', null],
      ['card', 'groceries'],
      ['service', 'mobile'],
      ['fee', null],
    ]);
  });

  it('takes the counterparty from other_account.holder.name, null when hidden or blank', () => {
    expect(sut[0]?.counterparty).toEqual({ name: 'Barqi Tojik', account: '20202972100000000042' });
    expect(sut[1]?.counterparty).toEqual({ name: 'Firuz Karimov', account: 'TJ55ALIF20216840100098765432' });
    expect(sut[2]?.counterparty).toBeNull();
    expect(sut[3]?.counterparty).toBeNull();
  });

  it('takes balance_after from new_balance, null when the view hides it', () => {
    expect(sut.map((t) => t.balanceAfter?.toString() ?? null)).toEqual([
      '1523.40',
      '1533.90',
      null,
      null,
      '1791.90',
      '1811.90',
    ]);
  });

  it('falls back to the narrative, then to an empty description', () => {
    expect(sut[2]?.description).toBe('Cashback March');
    const hidden = parseTransactions({
      transactions: [
        { id: 'x', details: { completed: '2026-03-14T00:00:00Z', value: { currency: 'TJS', amount: '1' } } },
      ],
    });
    expect(mapTransaction(hidden.transactions[0]!, '$', UTC).description).toBe('');
  });

  it('takes the booking date in the bank zone (Dushanbe is UTC+5)', () => {
    const late = parseTransactions({
      transactions: [
        { id: 'x', details: { completed: '2026-03-14T20:00:00Z', value: { currency: 'TJS', amount: '1' } } },
      ],
    });
    expect(mapTransaction(late.transactions[0]!, '$', UTC).date).toBe('2026-03-14');
    expect(mapTransaction(late.transactions[0]!, '$', { timeZone: 'Asia/Dushanbe' }).date).toBe('2026-03-15');
  });

  it('refuses a JSON number amount at the guard, naming the path', () => {
    const err = shapeError(() => parseTransactions(fixture('transactions-amount-number.json')));
    expect(err.path).toBe('$.transactions[0].details.value.amount');
    expect(err.item).toMatchObject({ id: '6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f' });
  });

  it('refuses a body without the transactions array', () => {
    expect(shapeError(() => parseTransactions(fixture('transactions-missing-array.json'))).path).toBe(
      '$.transactions',
    );
  });

  it('accepts zeros beyond the currency scale', () => {
    const w = parseTransactions(fixture('transactions-surplus-precision.json'));
    expect(mapTransaction(w.transactions[0]!, '$', UTC).amount.toString()).toBe('109.23');
  });

  it('refuses an amount with non-zero digits beyond the currency scale', () => {
    const w = parseTransactions(fixture('transactions-surplus-precision.json'));
    const err = shapeError(() => mapTransaction(w.transactions[1]!, '$.transactions[1]', UTC));
    expect(err.path).toBe('$.transactions[1].details.value.amount');
    expect(err.message).toContain('surplus_precision');
  });

  it('refuses an entry without a completed date or an id', () => {
    const noDate = parseTransactions({
      transactions: [{ id: 'x', details: { completed: null, value: { currency: 'TJS', amount: '1' } } }],
    });
    expect(shapeError(() => mapTransaction(noDate.transactions[0]!, '$', UTC)).path).toBe(
      '$.details.completed',
    );
    const noId = parseTransactions({
      transactions: [
        { id: null, details: { completed: '2026-03-14T00:00:00Z', value: { currency: 'TJS', amount: '1' } } },
      ],
    });
    expect(shapeError(() => mapTransaction(noId.transactions[0]!, '$', UTC)).path).toBe('$.id');
  });

  it('refuses a date in another format', () => {
    const odd = parseTransactions({
      transactions: [
        { id: 'x', details: { completed: '14.03.2026', value: { currency: 'TJS', amount: '1' } } },
      ],
    });
    expect(shapeError(() => mapTransaction(odd.transactions[0]!, '$', UTC)).path).toBe('$.details.completed');
  });

  it('refuses an unknown currency', () => {
    const odd = parseTransactions({
      transactions: [
        { id: 'x', details: { completed: '2026-03-14T00:00:00Z', value: { currency: 'XXX', amount: '1' } } },
      ],
    });
    expect(shapeError(() => mapTransaction(odd.transactions[0]!, '$', UTC)).path).toBe(
      '$.details.value.currency',
    );
  });
});

describe('classify', () => {
  it.each([
    ['CARD', [], 'card', null],
    ['TRANSFER_TO_PHONE', [], 'transfer', null],
    ['Currency Exchange', [], 'exchange', null],
    ['topup', [], 'topup', null],
    ['SOMETHING_NEW', [], 'other', null],
    [null, [], 'other', null],
    [null, [{ name: 'Category', type: 'STRING', value: 'Electricity' }], 'utility', 'electricity'],
    ['CARD', [{ name: 'operation_type', type: 'STRING', value: 'INSTALMENT' }], 'instalment', null],
    ['SERVICE', [{ name: 'SERVICE_CATEGORY', type: 'STRING', value: 'TV' }], 'service', 'tv'],
  ] as const)('classifies %j with %j as %s/%s', (detailsType, attributes, type, category) => {
    expect(classify(detailsType, attributes)).toEqual({ type, category });
  });
});

describe('Alif Mobi card mapping', () => {
  const wire = parseCards(fixture('cards.json'));
  const sut = wire.cards.map((c, i) => mapCard(ok(c), `$.cards[${i}]`, '2026-03-15'));

  it('masks the PAN to first six and last four, and never keeps it whole', () => {
    expect(sut.map((c) => c.maskedPan)).toEqual(['444433******1111', '555544******1111', '970712******4455']);
    expect(JSON.stringify(sut)).not.toContain('4444333322221111');
    expect(JSON.stringify(sut)).not.toContain('5555444433331111');
  });

  it('takes scheme from networks, else from the BIN', () => {
    expect(sut.map((c) => c.scheme)).toEqual(['visa', 'mastercard', 'korti_milli']);
  });

  it('derives kind and status (expired, disabled) and the expiry date', () => {
    expect(sut.map((c) => [c.kind, c.status, c.expiry])).toEqual([
      ['debit', 'active', '2028-12-31'],
      ['credit', 'expired', '2025-12-31'],
      ['virtual', 'blocked', '2029-06-30'],
    ]);
  });

  it('uses card_id, or the masked number and expiry for v1.3.0 cards without one', () => {
    expect(sut[0]?.providerCardId).toBe('3f1e2d4c-5b6a-4798-8a9b-0c1d2e3f4a5b');
    expect(sut[1]?.providerCardId).toBe('masked:555544******1111:2025-12-31');
    expect(sut[0]?.providerAccountId).toBe(TJS_ACCOUNT);
    expect(sut[1]?.providerAccountId).toBeNull();
  });

  it.each([
    ['4444333322221111', '444433******1111'],
    ['4444 3333 2222 1111', '444433******1111'],
    ['4444XXXXXXXX1111', '4444********1111'],
    ['1234', '1234'],
    ['123456', '**3456'],
  ])('masks %s as %s', (pan, masked) => {
    expect(maskPan(pan)).toBe(masked);
  });
});

describe('Alif Mobi transfer mapping', () => {
  const wire = parseTransactionRequests(fixture('transaction-requests.json'));
  const counterparties = new Map(
    parseCounterparties(fixture('counterparties.json')).counterparties.map((c) => [
      c.counterparty_id ?? '',
      c,
    ]),
  );
  const sut = wire.transaction_requests.map((r, i) =>
    mapTransfer(ok(r), `$[${i}]`, TJS_ACCOUNT, counterparties),
  );

  it('maps a Visa Direct transfer with FX, fee and destination', () => {
    expect(JSON.parse(JSON.stringify(sut[0]))).toEqual({
      providerTransferId: 'tr-6b1a2c3d-visa-direct',
      providerAccountId: TJS_ACCOUNT,
      amount: { amount: '1092.35', currency: 'TJS' },
      destinationAmount: { amount: '100.00', currency: 'USD' },
      fxRate: '0.091546',
      fee: { amount: '10.90', currency: 'TJS' },
      destinationCountry: 'US',
      counterpartyName: 'John Smith',
      rail: 'visa_direct',
      status: 'completed',
      createdAt: '2026-03-10T11:00:00Z',
      completedAt: '2026-03-10T11:00:05Z',
    });
  });

  it('maps a pending transfer to a counterparty: beneficiary, country and rail from the counterparty', () => {
    expect(sut[1]).toMatchObject({
      status: 'pending',
      fee: null,
      completedAt: null,
      counterpartyName: 'Ivan Petrov',
      rail: 'card',
      destinationCountry: 'RU',
    });
    expect(sut[1]?.amount.toString()).toBe('500.00');
  });

  it('treats a COUNTERPARTY request abroad without a rail as swift', () => {
    const sut2 = mapTransfer(
      ok(wire.transaction_requests[1]!),
      '$',
      TJS_ACCOUNT,
      new Map([
        [
          'cp-12',
          { counterparty_id: 'cp-12', name: 'Ivan Petrov', bespoke: [{ key: 'country', value: 'RU' }] },
        ],
      ]),
    );
    expect(sut2).toMatchObject({ rail: 'swift', destinationCountry: 'RU' });
    expect(mapTransfer(ok(wire.transaction_requests[1]!), '$', TJS_ACCOUNT)).toMatchObject({
      rail: 'domestic',
      destinationCountry: null,
      counterpartyName: null,
    });
  });

  it('maps a rejected own-account transfer as failed on the internal rail', () => {
    expect(sut[2]).toMatchObject({
      status: 'failed',
      rail: 'internal',
      providerAccountId: TJS_ACCOUNT,
      completedAt: null,
    });
  });

  it('refuses an unknown status and a non-decimal FX rate', () => {
    const bad = parseTransactionRequests({
      transaction_requests: [
        {
          id: 'x',
          status: 'WEIRD',
          start_date: '2026-03-10T11:00:00Z',
          details: { value: { currency: 'TJS', amount: '1' } },
        },
      ],
    });
    expect(shapeError(() => mapTransfer(ok(bad.transaction_requests[0]!), '$', TJS_ACCOUNT)).path).toBe(
      '$.status',
    );
    const rate = parseTransactionRequests({
      transaction_requests: [
        {
          id: 'x',
          status: 'COMPLETED',
          start_date: '2026-03-10T11:00:00Z',
          details: { value: { currency: 'TJS', amount: '1' }, fx_rate: '1e-2' },
        },
      ],
    });
    expect(shapeError(() => mapTransfer(ok(rate.transaction_requests[0]!), '$', TJS_ACCOUNT)).path).toBe(
      '$.details.fx_rate',
    );
  });
});
