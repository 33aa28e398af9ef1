import { describe, expect, it } from '@jest/globals';
import {
  NotPermitted,
  ProtocolViolation,
  RateLimited,
  ReauthRequired,
  Transient,
  Unsupported,
} from '../connector-errors.js';
import type { BankSession, TransactionPage } from '../connector.js';
import { InMemoryRequestBudget } from '../request-budget.js';
import { addDays, bankDate, nextBankMidnight } from './bank-day.js';
import { createBerlinGroupConnector } from './berlin-group.connector.js';
import { mapBalances, transactionType } from './bg-map.js';

/** 2026-06-30 12:00 in Dushanbe (07:00 UTC). */
const NOW = new Date('2026-06-30T07:00:00Z');
const CONSENT = 'consent-1234';
const SESSION: BankSession = {
  accessToken: CONSENT,
  refreshToken: null,
  expiresAt: null,
  scope: null,
  state: { frequencyPerDay: 4, validUntil: '2026-12-31' },
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Seen {
  url: URL;
  headers: Record<string, string>;
}
type Route = (url: URL, seen: Seen) => { status: number; body?: unknown; headers?: Record<string, string> };

function bank(route: Route, opts: { baseUrl?: string; budget?: InMemoryRequestBudget } = {}) {
  const seen: Seen[] = [];
  const fetchImpl = (async (input: URL | string, init?: RequestInit) => {
    const url = new URL(String(input));
    const s = { url, headers: { ...(init?.headers as Record<string, string>) } };
    seen.push(s);
    const r = route(url, s);
    return new Response(r.body === undefined ? null : JSON.stringify(r.body), {
      status: r.status,
      headers: { 'content-type': 'application/json', ...r.headers },
    });
  }) as typeof fetch;
  const connector = createBerlinGroupConnector(
    {
      provider: 'accessbank',
      baseUrl: opts.baseUrl ?? 'https://bank.example',
      timeZone: 'Asia/Dushanbe',
      historyDays: 730,
      frequencyPerDay: 4,
      consentDays: 180,
      psuIpFallback: '0.0.0.0',
    },
    {
      now: () => NOW,
      fetch: fetchImpl,
      budget: opts.budget ?? new InMemoryRequestBudget(() => NOW.getTime()),
      sleep: async () => undefined,
    },
  );
  return { connector, seen };
}

const tx = (id: string | null, amount: string, extra: Record<string, unknown> = {}) => ({
  ...(id ? { transactionId: id } : {}),
  bookingDate: '2026-06-01',
  valueDate: '2026-06-01',
  transactionAmount: { currency: 'TJS', amount },
  ...extra,
});
const tppError = (code: string) => ({ tppMessages: [{ category: 'ERROR', code, text: code }] });

async function all(stream: AsyncIterable<TransactionPage>): Promise<TransactionPage[]> {
  const pages: TransactionPage[] = [];
  for await (const p of stream) pages.push(p);
  return pages;
}

describe('Berlin Group paging', () => {
  it('follows absolute and host-relative _links.next under a root with a path, and marks the last page', async () => {
    const { connector, seen } = bank(
      (url) => {
        const page = url.searchParams.get('page');
        if (!page)
          return {
            status: 200,
            body: {
              transactions: {
                booked: [tx('b1', '-10.00')],
                pending: [
                  {
                    transactionId: 'p1',
                    valueDate: '2026-06-30',
                    transactionAmount: { currency: 'TJS', amount: '-1.50' },
                  },
                ],
                _links: { next: { href: 'https://bank.example/psd2/v1/accounts/a1/transactions?page=2' } },
              },
            },
          };
        if (page === '2')
          return {
            status: 200,
            body: {
              transactions: {
                booked: [tx('b2', '5.00')],
                _links: { next: { href: '/v1/accounts/a1/transactions?page=3' } },
              },
            },
          };
        return { status: 200, body: { transactions: { booked: [tx('b3', '1.00')], _links: {} } } };
      },
      { baseUrl: 'https://bank.example/psd2' },
    );
    const pages = await all(connector.transactions(SESSION, 'a1', null));
    expect(pages.map((p) => p.transactions.map((t) => t.providerTransactionId))).toEqual([
      ['b1', 'p1'],
      ['b2'],
      ['b3'],
    ]);
    expect(pages.map((p) => [p.done, p.pendingComplete])).toEqual([
      [false, undefined],
      [false, undefined],
      [true, true],
    ]);
    expect(seen.map((s) => s.url.pathname)).toEqual(Array(3).fill('/psd2/v1/accounts/a1/transactions'));
    const first = seen[0]!.url.searchParams;
    expect([first.get('bookingStatus'), first.get('dateFrom')]).toEqual([
      'both',
      addDays('2026-06-30', -730),
    ]);
    for (const s of seen) {
      expect(s.headers['x-request-id']).toMatch(UUID);
      expect(s.headers['consent-id']).toBe(CONSENT);
      expect(s.headers['psu-ip-address']).toBeUndefined();
    }
    expect(new Set(seen.map((s) => s.headers['x-request-id'])).size).toBe(3);
    const pending = pages[0]!.transactions[1]!;
    expect(pending).toMatchObject({ status: 'pending', date: '2026-06-30' });
    expect(pending.amount.toString()).toBe('-1.50');
  });

  it('refuses a next link off the bank origin (the Consent-ID would go with it)', async () => {
    const { connector, seen } = bank(() => ({
      status: 200,
      body: { transactions: { booked: [], _links: { next: { href: 'https://evil.example/v1/x' } } } },
    }));
    await expect(all(connector.transactions(SESSION, 'a1', null))).rejects.toBeInstanceOf(ProtocolViolation);
    expect(seen).toHaveLength(1);
  });

  it('ids: transactionId, else entryReference, else a fingerprint numbered across pages', async () => {
    const same = { creditorName: 'Coffee', remittanceInformationUnstructured: 'cup' };
    const { connector } = bank((url) =>
      url.searchParams.get('page') === '2'
        ? { status: 200, body: { transactions: { booked: [tx(null, '-5.00', same)] } } }
        : {
            status: 200,
            body: {
              transactions: {
                booked: [tx(null, '-7.00', { entryReference: 'ER-1' }), tx(null, '-5.00', same)],
                _links: { next: { href: '/v1/accounts/a1/transactions?page=2' } },
              },
            },
          },
    );
    const pages = await all(connector.transactions(SESSION, 'a1', null));
    const ids = pages.flatMap((p) => p.transactions.map((t) => t.providerTransactionId));
    expect(ids[0]).toBe('ER-1');
    expect(pages[0]!.transactions[0]!.entryReference).toBe('ER-1');
    expect(ids[1]).toMatch(/^fp1:[0-9a-f]{64}:0$/);
    expect(ids[2]).toBe(ids[1]!.replace(/:0$/, ':1'));
    // Resuming from the first page's checkpoint numbers the second coffee the same way.
    const rest = await all(
      connector.transactions(SESSION, 'a1', JSON.parse(JSON.stringify(pages[0]!.checkpoint))),
    );
    expect(rest[0]!.transactions[0]!.providerTransactionId).toBe(ids[2]);
  });

  it('narrows the start on PERIOD_INVALID, without spending the allowance', async () => {
    const budget = new InMemoryRequestBudget(() => NOW.getTime());
    const { connector, seen } = bank(
      (url) =>
        url.searchParams.get('dateFrom')! < addDays('2026-06-30', -400)
          ? { status: 400, body: tppError('PERIOD_INVALID') }
          : { status: 200, body: { transactions: { booked: [tx('b1', '1.00')] } } },
      { budget },
    );
    await all(connector.transactions(SESSION, 'a1', null));
    expect(seen.map((s) => s.url.searchParams.get('dateFrom'))).toEqual(
      [730, 548, 450, 400].map((d) => addDays('2026-06-30', -d)),
    );
    // Three more background reports today, then the allowance is spent.
    for (let i = 0; i < 3; i++) await all(connector.transactions(SESSION, 'a1', null));
    await expect(all(connector.transactions(SESSION, 'a1', null))).rejects.toBeInstanceOf(RateLimited);
  });
});

describe('Berlin Group banks that differ within the standard', () => {
  it('a bank offering only bookingStatus=booked is read booked only, without pendingComplete', async () => {
    const { connector, seen } = bank((url) =>
      url.searchParams.get('bookingStatus') === 'both'
        ? { status: 400, body: tppError('PARAMETER_NOT_SUPPORTED') }
        : { status: 200, body: { transactions: { booked: [tx('b1', '-1.00')] } } },
    );
    const pages = await all(connector.transactions(SESSION, 'a1', null));
    expect(pages).toHaveLength(1);
    expect(pages[0]!.pendingComplete).toBeUndefined();
    expect(seen.map((s) => s.url.searchParams.get('bookingStatus'))).toEqual(['both', 'booked']);
    // Learnt once: the next stream asks booked straight away.
    await all(connector.transactions(SESSION, 'a1', null));
    expect(seen.at(-1)!.url.searchParams.get('bookingStatus')).toBe('booked');
  });

  it('date-times where dates belong are read as the bank day; a string link is followed', async () => {
    const { connector } = bank((url) =>
      url.searchParams.get('page')
        ? { status: 200, body: { transactions: { booked: [] } } }
        : {
            status: 200,
            body: {
              transactions: {
                booked: [tx('b1', '-1.00', { bookingDate: '2026-06-29T20:30:00Z', valueDate: '2026-06-29' })],
                _links: { next: '/v1/accounts/a1/transactions?page=2' },
              },
            },
          },
    );
    const pages = await all(connector.transactions(SESSION, 'a1', null));
    // 20:30 UTC is 01:30 the next day in Dushanbe.
    expect(pages[0]!.transactions[0]!.date).toBe('2026-06-30');
    expect(pages).toHaveLength(2);
  });

  it('unsigned amounts (ACCESSBANK_AMOUNT_SIGN=by-party): a creditor makes a debit', async () => {
    const fetchImpl = (async () =>
      new Response(
        JSON.stringify({
          transactions: {
            booked: [
              tx('d', '256.67', { creditorName: 'John Miles' }),
              tx('c', '100.00', { debtorName: 'Paul Simpson' }),
            ],
          },
        }),
        { status: 200 },
      )) as typeof fetch;
    const connector = createBerlinGroupConnector(
      {
        provider: 'accessbank',
        baseUrl: 'https://bank.example',
        timeZone: 'Asia/Dushanbe',
        historyDays: 730,
        frequencyPerDay: 4,
        consentDays: 180,
        psuIpFallback: '0.0.0.0',
        amountSign: 'by-party',
      },
      { now: () => NOW, fetch: fetchImpl },
    );
    const [page] = await all(connector.transactions(SESSION, 'a1', null));
    expect(page!.transactions.map((t) => t.amount.toString())).toEqual(['-256.67', '100.00']);
  });
});

describe('Berlin Group frequencyPerDay', () => {
  it('refuses the fifth background read before calling the bank, until the bank midnight; present reads are not counted', async () => {
    const { connector, seen } = bank(() => ({
      status: 200,
      body: {
        accounts: [
          { resourceId: 'a1', currency: 'USD', bban: '20206972300309910570', cashAccountType: 'CACC' },
        ],
      },
    }));
    for (let i = 0; i < 4; i++) await connector.listAccounts(SESSION);
    const err = await connector.listAccounts(SESSION).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimited);
    // 12:00 in Dushanbe: twelve hours to its midnight.
    expect((err as RateLimited).retryAfterS).toBe(12 * 3600);
    expect(seen).toHaveLength(4);
    const present = await connector.listAccounts(SESSION, { psuIpAddress: '203.0.113.7' });
    expect(present.items[0]).toMatchObject({
      providerAccountId: 'a1',
      currency: 'USD',
      type: 'current',
      numberMasked: '****0570',
    });
    expect(seen.at(-1)!.headers['psu-ip-address']).toBe('203.0.113.7');
  });

  it('without the shared count (Redis down) the bank is not asked: Transient, retried later', async () => {
    const broken = {
      take: () => Promise.reject(new Error('connect ECONNREFUSED')),
      giveBack: () => Promise.resolve(),
    };
    const { connector, seen } = bank(() => ({ status: 200, body: { accounts: [] } }), {
      budget: broken as unknown as InMemoryRequestBudget,
    });
    await expect(connector.listAccounts(SESSION)).rejects.toBeInstanceOf(Transient);
    expect(seen).toHaveLength(0);
  });

  it('a 429 ACCESS_EXCEEDED from the bank waits until the bank midnight', async () => {
    const { connector } = bank(() => ({ status: 429, body: tppError('ACCESS_EXCEEDED') }));
    const err = await connector.getBalances(SESSION, 'a1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimited);
    expect(err).toMatchObject({ providerCode: 'ACCESS_EXCEEDED', retryAfterS: 12 * 3600 });
  });
});

describe('Berlin Group errors (tppMessages)', () => {
  const cases: Array<[string, number, string, unknown, string | null]> = [
    ['401 CONSENT_EXPIRED', 401, 'CONSENT_EXPIRED', ReauthRequired, 'consent_expired'],
    ['401 CONSENT_UNKNOWN', 401, 'CONSENT_UNKNOWN', ReauthRequired, 'consent_revoked'],
    ['400 CONSENT_UNKNOWN', 400, 'CONSENT_UNKNOWN', ReauthRequired, 'consent_revoked'],
    ['403 SERVICE_BLOCKED', 403, 'SERVICE_BLOCKED', NotPermitted, null],
    ['403 RESOURCE_UNKNOWN', 403, 'RESOURCE_UNKNOWN', NotPermitted, null],
    ['404 RESOURCE_UNKNOWN', 404, 'RESOURCE_UNKNOWN', Unsupported, null],
    ['400 FORMAT_ERROR', 400, 'FORMAT_ERROR', ProtocolViolation, null],
  ];
  it.each(cases)('%s', async (_n, status, code, type, reason) => {
    const { connector } = bank(() => ({ status, body: tppError(code) }));
    const err = await connector.getBalances(SESSION, 'a1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type as never);
    expect(err).toMatchObject({ providerCode: code, status });
    if (reason) expect(err).toMatchObject({ reason });
    expect((err as Error).message).not.toContain(CONSENT);
  });

  it('CONSENT_INVALID on a read asks the consent status: valid → not permitted; revoked → reauthorise', async () => {
    for (const [status, expected] of [
      ['valid', NotPermitted],
      ['revokedByPsu', ReauthRequired],
      ['expired', ReauthRequired],
    ] as const) {
      const { connector, seen } = bank((url) =>
        url.pathname.endsWith('/status')
          ? { status: 200, body: { consentStatus: status } }
          : { status: 401, body: tppError('CONSENT_INVALID') },
      );
      const err = await connector.getBalances(SESSION, 'a1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(expected);
      expect(seen[1]!.url.pathname).toBe(`/v1/consents/${CONSENT}/status`);
    }
  });
});

describe('the consent id is a credential', () => {
  it('never appears in an error message, whether the bank answered or not', async () => {
    for (const status of [503, 409, 200]) {
      const { connector } = bank((url) =>
        url.pathname.endsWith('/status')
          ? { status, body: status === 200 ? { nope: 1 } : tppError('STATUS_INVALID') }
          : { status: 200, body: {} },
      );
      const err = await connector.refresh(SESSION).catch((e: unknown) => e);
      expect((err as Error).message).toContain('/v1/consents/{consentId}/status');
      expect((err as Error).message).not.toContain(CONSENT);
    }
  });
});

describe('Berlin Group balances and codes', () => {
  it('keeps every balance type Hisob has a place for; booked anchors on interimBooked', () => {
    const b = (type: string, amount: string, referenceDate?: string) => ({
      balanceType: type,
      balanceAmount: { currency: 'EUR', amount },
      ...(referenceDate ? { referenceDate } : {}),
    });
    const mapped = mapBalances(
      [
        b('closingBooked', '100.00', '2026-06-29'),
        b('interimBooked', '90.00', '2026-06-30'),
        b('interimAvailable', '80.00'),
        b('openingBooked', '100.00', '2026-06-30'),
        b('expected', '70.00'),
        b('nonInvoiced', '1.00'),
      ],
      '$.balances',
    );
    expect(mapped.map((x) => [x.type, x.amount.toString(), x.referenceDate])).toEqual([
      ['booked', '90.00', '2026-06-30'],
      ['available', '80.00', null],
      ['closing_booked', '100.00', '2026-06-29'],
      ['opening_booked', '100.00', '2026-06-30'],
      ['expected', '70.00', null],
    ]);
    expect(mapBalances([b('closingBooked', '5.5', '2026-06-29')], '$')).toEqual([
      expect.objectContaining({ type: 'closing_booked', referenceDate: '2026-06-29' }),
    ]);
    expect(() => mapBalances([b('closingBooked', '1.005')], '$')).toThrow(/exact amount/);
  });

  it('types from ISO 20022 bank transaction codes, else the bank own code', () => {
    expect(transactionType('PMNT-CCRD-POSD', null)).toBe('card');
    expect(transactionType('PMNT-RCDT-SALA', null)).toBe('transfer');
    expect(transactionType('ACMT-MDOP-CHRG', null)).toBe('fee');
    expect(transactionType(null, 'UTIL')).toBe('utility');
    expect(transactionType(null, null)).toBe('other');
  });
});

describe('the bank day', () => {
  it('Dushanbe (UTC+5, no DST) and a zone with a DST change overnight', () => {
    expect(bankDate(Date.parse('2026-06-30T19:30:00Z'), 'Asia/Dushanbe')).toBe('2026-07-01');
    expect(nextBankMidnight(Date.parse('2026-06-30T07:00:00Z'), 'Asia/Dushanbe').toISOString()).toBe(
      '2026-06-30T19:00:00.000Z',
    );
    // Europe/Berlin moves to CEST at 02:00 on 2026-03-29: midnight after is 22:00 UTC.
    expect(nextBankMidnight(Date.parse('2026-03-29T10:00:00Z'), 'Europe/Berlin').toISOString()).toBe(
      '2026-03-29T22:00:00.000Z',
    );
  });
});
