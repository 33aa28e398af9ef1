import type { RunningSandbox } from '../src/main.js';
import {
  NIGORA,
  PSU_IP,
  allPages,
  consentBody,
  control,
  minor,
  startSandbox,
  users,
  validConsent,
  validated,
  xs2a,
  type UserView,
} from './helpers.js';

describe('AccessBank sandbox: account information reads', () => {
  let sb: RunningSandbox;
  let zarina: UserView;
  let consentId: string;
  let tjs: string;
  let usd: string;
  let eur: string;

  beforeAll(async () => {
    sb = await startSandbox();
    zarina = (await users(sb)).find((u) => u.psu_id === 'zarina')!;
    [tjs, usd, eur] = zarina.accounts.map((a) => a.account_id) as [string, string, string];
    consentId = await validConsent(sb);
  });
  afterAll(() => sb.close());

  const get = (path: string, opts: { consentId?: string; psuIp?: string | null } = {}) =>
    xs2a(sb, 'GET', path, { consentId, psuIp: PSU_IP, ...opts });

  it('lists the PSU’s accounts in TJS, USD and EUR with links, and balances on request', async () => {
    const r = await get('/v1/accounts');
    expect(r.status).toBe(200);
    expect(r.body.accounts.map((a: any) => a.currency)).toEqual(['TJS', 'USD', 'EUR']);
    const first = r.body.accounts[0];
    expect(first).toEqual({
      resourceId: tjs,
      bban: zarina.accounts[0]!.bban,
      currency: 'TJS',
      name: 'Main account',
      product: 'Current account',
      cashAccountType: 'CACC',
      status: 'enabled',
      bic: 'ACTJTJ22XXX',
      usage: 'PRIV',
      _links: {
        balances: { href: `/v1/accounts/${tjs}/balances` },
        transactions: { href: `/v1/accounts/${tjs}/transactions` },
      },
    });
    expect(first.balances).toBeUndefined();
    const withBalance = await get('/v1/accounts?withBalance=true');
    expect(withBalance.body.accounts[0].balances.map((b: any) => b.balanceType)).toEqual([
      'closingBooked',
      'interimBooked',
      'interimAvailable',
    ]);
    const bad = await get('/v1/accounts?withBalance=yes');
    expect(bad.status).toBe(400);
    expect(bad.body.tppMessages[0].code).toBe('FORMAT_ERROR');
  });

  it('reads one account, with balances when asked', async () => {
    const r = await get(`/v1/accounts/${usd}?withBalance=true`);
    expect(r.status).toBe(200);
    expect(r.body.account.resourceId).toBe(usd);
    expect(r.body.account.currency).toBe('USD');
    expect(r.body.account.balances).toHaveLength(3);
  });

  it('balances agree with the sandbox’s own figures (closingBooked yesterday, interim today)', async () => {
    for (const id of [tjs, usd, eur]) {
      const r = await get(`/v1/accounts/${id}/balances`);
      expect(r.status).toBe(200);
      const account = zarina.accounts.find((a) => a.account_id === id)!;
      expect(r.body.account).toEqual({ bban: account.bban, currency: account.currency });
      const [closing, interim, available] = r.body.balances;
      expect(closing).toMatchObject({ balanceType: 'closingBooked', referenceDate: '2026-06-29' });
      expect(interim).toMatchObject({ balanceType: 'interimBooked', referenceDate: '2026-06-30' });
      expect(interim.lastChangeDateTime).toBe('2026-06-30T23:59:59+05:00');
      expect(available).toMatchObject({ balanceType: 'interimAvailable', creditLimitIncluded: false });
      const summary = (await control(sb, 'GET', `/accounts/${id}/summary`)).body;
      expect(interim.balanceAmount).toEqual({
        currency: account.currency,
        amount: summary.booked_balance_today,
      });
      expect(available.balanceAmount.amount).toBe(summary.available_balance);
      const yesterday = (await control(sb, 'GET', `/accounts/${id}/summary?to_date=2026-06-29`)).body;
      expect(closing.balanceAmount.amount).toBe(yesterday.closing_balance);
    }
  });

  it('pages booked transactions with _links.next to the end; totals match the sandbox’s figures', async () => {
    const pages = await allPages(
      sb,
      `/v1/accounts/${tjs}/transactions?bookingStatus=booked&dateFrom=2025-05-01`,
      consentId,
    );
    expect(pages.length).toBeGreaterThan(5);
    const booked = pages.flatMap((p) => p.transactions.booked);
    for (const p of pages) {
      expect(p.account).toEqual({ bban: zarina.accounts[0]!.bban, currency: 'TJS' });
      expect(p.transactions.pending).toBeUndefined();
      expect(p.transactions._links.account).toEqual({ href: `/v1/accounts/${tjs}` });
      expect(p.transactions.booked.length).toBeLessThanOrEqual(50);
    }
    for (const p of pages.slice(0, -1)) {
      expect(p.transactions.booked).toHaveLength(50);
      expect(p.transactions._links.next.href).toMatch(/^\/v1\/accounts\/[^/]+\/transactions\?/);
    }
    expect(new Set(booked.map((t: any) => t.transactionId)).size).toBe(booked.length);
    // Newest first.
    const dates = booked.map((t: any) => t.bookingDate as string);
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(dates[dates.length - 1]! >= '2025-05-27').toBe(true);
    const summary = (await control(sb, 'GET', `/accounts/${tjs}/summary?from_date=2025-05-01`)).body;
    expect(booked).toHaveLength(summary.booked_count);
    const sum = booked.reduce((s: bigint, t: any) => s + minor(t.transactionAmount.amount), 0n);
    expect(sum).toBe(minor(summary.sum_of_amounts));
    expect(minor(summary.closing_balance) - minor(summary.opening_balance)).toBe(sum);
    // Every entry carries the fields a connector needs.
    for (const t of booked) {
      expect(t).toMatchObject({
        transactionId: expect.any(String),
        entryReference: expect.any(String),
        bookingDate: expect.any(String),
        valueDate: expect.any(String),
        bankTransactionCode: expect.stringMatching(/^[A-Z]{4}-[A-Z]{4}-[A-Z]{4}$/),
        proprietaryBankTransactionCode: expect.any(String),
      });
      expect(t.remittanceInformationUnstructured ?? t.remittanceInformationUnstructuredArray).toBeDefined();
      if (minor(t.transactionAmount.amount) > 0n) expect(t.creditorName).toBeUndefined();
    }
    expect(booked.some((t: any) => t.remittanceInformationUnstructuredArray)).toBe(true);
    expect(booked.some((t: any) => t.creditorAccount?.bban)).toBe(true);
    expect(booked.some((t: any) => t.debtorAccount?.bban)).toBe(true);
  });

  it('history spans more than 13 months on every account with activity', async () => {
    for (const id of [tjs, usd, eur]) {
      const s = (await control(sb, 'GET', `/accounts/${id}/summary`)).body;
      expect(s.first_booking_date <= '2025-05-31').toBe(true);
      expect(s.booked_count).toBeGreaterThan(50);
    }
  });

  it('bookingStatus=both: pending entries on the first page, booked paged; windows by date', async () => {
    const pages = await allPages(
      sb,
      `/v1/accounts/${tjs}/transactions?bookingStatus=both&dateFrom=2026-06-01&dateTo=2026-06-30`,
      consentId,
    );
    const pending = pages[0].transactions.pending;
    expect(pending.length).toBeGreaterThan(0);
    for (const p of pages.slice(1)) expect(p.transactions.pending).toEqual([]);
    for (const t of pending) {
      expect(t.bookingDate).toBeUndefined();
      expect(t.transactionId).toEqual(expect.any(String));
    }
    const booked = pages.flatMap((p) => p.transactions.booked);
    expect(booked.every((t: any) => t.bookingDate >= '2026-06-01' && t.bookingDate <= '2026-06-30')).toBe(
      true,
    );
    const summary = (
      await control(sb, 'GET', `/accounts/${tjs}/summary?from_date=2026-06-01&to_date=2026-06-30`)
    ).body;
    expect(booked).toHaveLength(summary.booked_count);
    expect(pending).toHaveLength(summary.pending_count);
    const onlyPending = await get(
      `/v1/accounts/${tjs}/transactions?bookingStatus=pending&dateFrom=2026-06-01`,
    );
    expect(onlyPending.body.transactions.booked).toBeUndefined();
    expect(onlyPending.body.transactions.pending).toEqual(pending);
    const withBalance = await get(
      `/v1/accounts/${tjs}/transactions?bookingStatus=booked&dateFrom=2026-06-30&withBalance=true`,
    );
    expect(withBalance.body.balances).toHaveLength(3);
  });

  it('entryReferenceFrom: the booked entries after the referenced one (delta access)', async () => {
    const june = await allPages(
      sb,
      `/v1/accounts/${tjs}/transactions?bookingStatus=booked&dateFrom=2026-06-20`,
      consentId,
    );
    const booked = june.flatMap((p) => p.transactions.booked);
    const pivot = booked[10];
    const delta = await allPages(
      sb,
      `/v1/accounts/${tjs}/transactions?bookingStatus=booked&entryReferenceFrom=${pivot.entryReference}`,
      consentId,
    );
    expect(delta.flatMap((p) => p.transactions.booked)).toEqual(booked.slice(0, 10));
    const unknown = await get(
      `/v1/accounts/${tjs}/transactions?bookingStatus=booked&entryReferenceFrom=NOPE`,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.tppMessages[0].code).toBe('RESOURCE_UNKNOWN');
  });

  it('reads a transaction by id (booked and pending)', async () => {
    const page = await get(`/v1/accounts/${tjs}/transactions?bookingStatus=both&dateFrom=2026-06-29`);
    for (const t of [page.body.transactions.booked[0], page.body.transactions.pending[0]]) {
      const r = await get(`/v1/accounts/${tjs}/transactions/${t.transactionId}`);
      expect(r.status).toBe(200);
      expect(r.body.transactionsDetails).toEqual(t);
    }
    const unknown = await get(`/v1/accounts/${tjs}/transactions/00000000-0000-4000-8000-000000000000`);
    expect(unknown.status).toBe(403);
    expect(unknown.body.tppMessages[0].code).toBe('RESOURCE_UNKNOWN');
  });

  it.each<[string, string, number, string]>([
    ['no bookingStatus', 'dateFrom=2026-01-01', 400, 'FORMAT_ERROR'],
    ['a bad bookingStatus', 'bookingStatus=done&dateFrom=2026-01-01', 400, 'FORMAT_ERROR'],
    ['bookingStatus=information', 'bookingStatus=information', 400, 'PARAMETER_NOT_SUPPORTED'],
    ['bookingStatus=all', 'bookingStatus=all&dateFrom=2026-01-01', 400, 'PARAMETER_NOT_SUPPORTED'],
    ['no dateFrom', 'bookingStatus=booked', 400, 'FORMAT_ERROR'],
    ['a bad dateFrom', 'bookingStatus=booked&dateFrom=01.06.2026', 400, 'FORMAT_ERROR'],
    [
      'dateFrom after dateTo',
      'bookingStatus=booked&dateFrom=2026-06-10&dateTo=2026-06-01',
      400,
      'PERIOD_INVALID',
    ],
    ['dateFrom in the future', 'bookingStatus=booked&dateFrom=2026-07-01', 400, 'PERIOD_INVALID'],
    ['deltaList', 'bookingStatus=booked&deltaList=true', 400, 'PARAMETER_NOT_SUPPORTED'],
    ['a bad page', 'bookingStatus=booked&dateFrom=2026-06-01&page=0', 400, 'FORMAT_ERROR'],
  ])('transactions with %s: %i %s', async (_what, query, status, code) => {
    const r = await get(`/v1/accounts/${tjs}/transactions?${query}`);
    expect(r.status).toBe(status);
    expect(r.body.tppMessages[0].code).toBe(code);
  });

  it('404 RESOURCE_UNKNOWN for an account that is not the PSU’s; 401 CONSENT_INVALID outside the consent', async () => {
    const other = (await users(sb)).find((u) => u.psu_id === 'bakhtiyor')!.accounts[0]!.account_id;
    for (const path of [
      `/v1/accounts/${other}`,
      `/v1/accounts/${other}/balances`,
      '/v1/accounts/nope/transactions?bookingStatus=booked&dateFrom=2026-06-01',
    ]) {
      const r = await get(path);
      expect(r.status).toBe(404);
      expect(r.body.tppMessages[0].code).toBe('RESOURCE_UNKNOWN');
    }
    const narrow = await validConsent(
      sb,
      consentBody({
        access: {
          accounts: [{ bban: zarina.accounts[0]!.bban }],
          balances: [{ bban: zarina.accounts[0]!.bban }],
        },
      }),
    );
    const outside = await get(`/v1/accounts/${usd}`, { consentId: narrow });
    expect(outside.status).toBe(401);
    expect(outside.body.tppMessages[0].code).toBe('CONSENT_INVALID');
    const noTransactions = await get(
      `/v1/accounts/${tjs}/transactions?bookingStatus=booked&dateFrom=2026-06-01`,
      {
        consentId: narrow,
      },
    );
    expect(noTransactions.status).toBe(401);
    expect(noTransactions.body.tppMessages[0].code).toBe('CONSENT_INVALID');
    const list = await get('/v1/accounts', { consentId: narrow });
    expect(list.body.accounts).toHaveLength(1);
    expect(list.body.accounts[0]._links).toEqual({ balances: { href: `/v1/accounts/${tjs}/balances` } });
  });

  it('availableAccounts: the list only, no balances or transactions', async () => {
    const id = await validConsent(
      sb,
      consentBody({ access: { availableAccounts: 'allAccountsWithOwnerName' } }),
    );
    const list = await get('/v1/accounts', { consentId: id });
    expect(list.status).toBe(200);
    expect(list.body.accounts).toHaveLength(3);
    expect(list.body.accounts[0].ownerName).toBe('Zarina Saidova');
    expect(list.body.accounts[0]._links).toBeUndefined();
    const withBalance = await get('/v1/accounts?withBalance=true', { consentId: id });
    expect(withBalance.status).toBe(401);
    const detail = await get(`/v1/accounts/${tjs}`, { consentId: id });
    expect(detail.status).toBe(401);
    expect(detail.body.tppMessages[0].code).toBe('CONSENT_INVALID');
  });

  it('a blocked account is listed, and reading it answers 403 SERVICE_BLOCKED', async () => {
    const nigora = (await users(sb)).find((u) => u.psu_id === 'nigora')!;
    const blocked = nigora.accounts.find((a) => a.status === 'blocked')!;
    const id = await validConsent(sb, consentBody(), NIGORA);
    const list = await get('/v1/accounts', { consentId: id });
    expect(list.body.accounts.find((a: any) => a.resourceId === blocked.account_id).status).toBe('blocked');
    for (const path of [
      `/v1/accounts/${blocked.account_id}/balances`,
      `/v1/accounts/${blocked.account_id}/transactions?bookingStatus=booked&dateFrom=2026-06-01`,
    ]) {
      const r = await get(path, { consentId: id });
      expect(r.status).toBe(403);
      expect(r.body.tppMessages[0].code).toBe('SERVICE_BLOCKED');
    }
    // The new savings account has no transactions yet: an empty report.
    const fresh = nigora.accounts.find((a) => a.currency === 'EUR')!;
    const empty = await get(
      `/v1/accounts/${fresh.account_id}/transactions?bookingStatus=both&dateFrom=2025-01-01`,
      {
        consentId: id,
      },
    );
    expect(empty.body.transactions).toEqual({
      booked: [],
      pending: [],
      _links: { account: { href: `/v1/accounts/${fresh.account_id}` } },
    });
  });

  it('validated every read operation against the OpenAPI file', () => {
    const expected = [
      'GET /v1/accounts 200',
      'GET /v1/accounts 400',
      'GET /v1/accounts 401',
      'GET /v1/accounts/{account-id} 200',
      'GET /v1/accounts/{account-id} 401',
      'GET /v1/accounts/{account-id} 404',
      'GET /v1/accounts/{account-id}/balances 200',
      'GET /v1/accounts/{account-id}/balances 403',
      'GET /v1/accounts/{account-id}/balances 404',
      'GET /v1/accounts/{account-id}/transactions 200',
      'GET /v1/accounts/{account-id}/transactions 400',
      'GET /v1/accounts/{account-id}/transactions 401',
      'GET /v1/accounts/{account-id}/transactions 403',
      'GET /v1/accounts/{account-id}/transactions 404',
      'GET /v1/accounts/{account-id}/transactions/{transactionId} 200',
      'GET /v1/accounts/{account-id}/transactions/{transactionId} 403',
    ];
    expect(expected.filter((k) => !validated.get(k))).toEqual([]);
  });
});
