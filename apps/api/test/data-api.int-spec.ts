import {
  DataFactory,
  type TestAccount,
  type TestClient,
  type TestConsent,
  type TestTransaction,
} from '#testing/factories.js';
import { ADMIN_TOKEN, bearer, json, startApi, type ApiHarness } from './harness.js';

/**
 * The read side of the data API (api.md "Data") over a real database filled by the factories the
 * way the sync engine fills it: shapes, scoping, consent rules, the access log, paging and filters,
 * and the refusal of bad input.
 */
let api: ApiHarness;
let f: DataFactory;
let alice: TestClient;
let bob: TestClient;
let consent: TestConsent;
let main: TestAccount;
let wallet: TestAccount;
let txs: TestTransaction[];
let card: { id: string; providerCardId: string };
let bobConsent: TestConsent;
let bobAccount: TestAccount;
let bobCard: { id: string };

const DATA_AS_OF = new Date('2026-03-01T08:00:00.000Z');
const OLDER_DATA_AS_OF = new Date('2026-02-27T06:30:00.000Z');

beforeAll(async () => {
  api = await startApi();
  f = new DataFactory({ databaseUrl: api.db.url, apiUrl: api.url, adminToken: ADMIN_TOKEN });
  [alice, bob] = await Promise.all([f.makeClient('alice'), f.makeClient('bob')]);
  consent = await f.makeConsent(alice.id, { endUserId: 'user-42' });
  main = await f.makeAccount(consent, {
    name: 'Main',
    iban: 'TJ0000000000000000001234',
    dataAsOf: DATA_AS_OF,
    booked: '1520.75',
  });
  wallet = await f.makeAccount(consent, {
    type: 'wallet',
    name: 'Wallet',
    currency: 'USD',
    numberMasked: null,
    dataAsOf: OLDER_DATA_AS_OF,
  });
  await f.setBalance(main, 'available', '1400.00', '2026-03-01');
  txs = await f.makeTransactions(main, 240, {
    seed: 11,
    from: '2026-01-01',
    to: '2026-02-28',
    pendingEvery: 8,
  });
  card = await f.makeCard(consent, main);
  await f.makeTransactions(main, 30, {
    seed: 12,
    from: '2026-01-10',
    to: '2026-02-20',
    providerCardId: card.providerCardId,
    idPrefix: 'card',
  });
  await f.makeTransfers(consent, main, 9, { lastDay: '2026-02-28', withFx: true });

  bobConsent = await f.makeConsent(bob.id, { endUserId: 'bob-user' });
  bobAccount = await f.makeAccount(bobConsent, { booked: '10.00' });
  await f.makeTransactions(bobAccount, 5, { seed: 3 });
  bobCard = await f.makeCard(bobConsent, bobAccount);
  await f.makeTransfers(bobConsent, bobAccount, 2);
});

afterAll(async () => {
  await f?.close();
  await api?.close();
});

const get = (key: string, path: string, headers: Record<string, string> = {}) =>
  fetch(`${api.url}${path}`, { headers: { ...bearer(key), ...headers } });
const ok = async (key: string, path: string) => {
  const r = await get(key, path);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return json(r);
};

describe('accounts and balances', () => {
  it('lists the accounts of a consent with the Account shape and the oldest data_as_of', async () => {
    const body = await ok(alice.apiKey, `/v1/accounts?consent_id=${consent.id}`);
    expect(body.accounts).toHaveLength(2);
    expect(body.accounts[0]).toEqual({
      id: main.id,
      consent_id: consent.id,
      provider: 'alif-mobi',
      end_user_id: 'user-42',
      type: 'current',
      name: 'Main',
      currency: 'TJS',
      iban: 'TJ0000000000000000001234',
      number_masked: '****1234',
      status: 'active',
      updated_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      data_as_of: DATA_AS_OF.toISOString(),
      next_refresh_at: null,
      coverage: [],
    });
    // Optional fields are absent when the bank gives none.
    expect(body.accounts[1]).not.toHaveProperty('iban');
    expect(body.accounts[1]).not.toHaveProperty('number_masked');
    expect(body.data_as_of).toBe(OLDER_DATA_AS_OF.toISOString());
    expect(body.next_cursor).toBeNull();
  });

  it('filters by end user and provider, and pages with limit and cursor', async () => {
    const other = await f.makeConsent(alice.id, { endUserId: 'user-77', provider: 'accessbank' });
    const otherAccount = await f.makeAccount(other, { dataAsOf: null });
    const byUser = await ok(alice.apiKey, `/v1/accounts?end_user_id=user-77`);
    expect(byUser.accounts.map((a: { id: string }) => a.id)).toEqual([otherAccount.id]);
    expect(byUser.data_as_of).toBeNull(); // never read completely
    const byProvider = await ok(alice.apiKey, `/v1/accounts?provider=alif-mobi`);
    expect(byProvider.accounts.map((a: { id: string }) => a.id)).toEqual([main.id, wallet.id]);

    const seen: string[] = [];
    let cursor = '';
    for (let i = 0; i < 5; i++) {
      const page = await ok(alice.apiKey, `/v1/accounts?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.accounts.map((a: { id: string }) => a.id));
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    expect(seen).toEqual([main.id, wallet.id, otherAccount.id]);
  });

  it('returns one account by id', async () => {
    const body = await ok(alice.apiKey, `/v1/accounts/${wallet.id}`);
    expect(body).toMatchObject({
      id: wallet.id,
      type: 'wallet',
      currency: 'USD',
      end_user_id: 'user-42',
      data_as_of: OLDER_DATA_AS_OF.toISOString(),
    });
  });

  it('returns the balances, booked first, amounts as stored', async () => {
    const body = await ok(alice.apiKey, `/v1/accounts/${main.id}/balances`);
    expect(body).toEqual({
      balances: [
        { type: 'booked', amount: '1520.75', currency: 'TJS', updated_at: expect.any(String) },
        {
          type: 'available',
          amount: '1400.00',
          currency: 'TJS',
          reference_date: '2026-03-01',
          updated_at: expect.any(String),
        },
      ],
      data_as_of: DATA_AS_OF.toISOString(),
    });
  });
});

describe('transactions', () => {
  it('returns the Transaction shape with exact decimal strings, newest first', async () => {
    const body = await ok(alice.apiKey, `/v1/accounts/${main.id}/transactions?limit=500`);
    expect(body.total_count).toBe(270);
    expect(body.transactions).toHaveLength(270);
    expect(body.next_cursor).toBeNull();
    expect(body.data_as_of).toBe(DATA_AS_OF.toISOString());
    const keys = body.transactions.map((t: { date: string; id: string }) => `${t.date} ${t.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
    const first = txs[0]!;
    const wire = body.transactions.find((t: { id: string }) => t.id === first.id);
    expect(wire).toEqual({
      id: first.id,
      account_id: main.id,
      provider_transaction_id: first.providerTransactionId,
      status: 'booked',
      date: '2026-01-01',
      value_date: '2026-01-01',
      amount: first.amount,
      currency: 'TJS',
      type: first.type,
      description: 'Payment 0',
      counterparty: { name: '', account: 'TJ00000000' },
      category: 'mobile',
    });
    for (const t of body.transactions) expect(t.amount).toMatch(/^-?\d+\.\d{2}$/);
    const byId = new Map<string, string>(
      body.transactions.map((t: { id: string; amount: string }) => [t.id, t.amount]),
    );
    for (const t of txs) expect(byId.get(t.id)).toBe(t.amount);
  });

  it('pages with the keyset cursor through every row exactly once while rows are inserted', async () => {
    const scratch = await f.makeConsent(alice.id, { endUserId: 'user-keyset' });
    const account = await f.makeAccount(scratch, { booked: '0.00' });
    const initial = await f.makeTransactions(account, 180, {
      seed: 21,
      from: '2025-06-01',
      to: '2025-07-31',
    });
    const late: string[] = [];
    const seen: string[] = [];
    let cursor: string | null = null;
    let round = 0;
    do {
      const page: any = await ok(
        alice.apiKey,
        `/v1/accounts/${account.id}/transactions?limit=25${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.transactions.map((t: { id: string }) => t.id));
      cursor = page.next_cursor;
      // A sync lands between pages: rows newer than every position, on the position's own days,
      // and older than everything (these come up on later pages).
      for (const [from, to] of [
        ['2025-08-01', '2025-08-05'],
        ['2025-06-15', '2025-07-15'],
        ['2025-05-01', '2025-05-02'],
      ] as const) {
        late.push(
          ...(
            await f.makeTransactions(account, 2, {
              seed: 100 + round,
              from,
              to,
              idPrefix: `late-${round}-${from}`,
            })
          ).map((t) => t.id),
        );
      }
      round++;
    } while (cursor && round < 100);
    expect(new Set(seen).size).toBe(seen.length);
    for (const t of initial) expect(seen).toContain(t.id);
    const known = new Set([...initial.map((t) => t.id), ...late]);
    expect(seen.every((id) => known.has(id))).toBe(true);
    // The pages stay in order across the inserts.
    const all = await f.query<{ id: string; d: string }>(
      `SELECT id, booking_date::text AS d FROM transactions WHERE account_id = $1`,
      [account.id],
    );
    const key = new Map(all.map((r) => [r.id, `${r.d} ${r.id}`]));
    const keys = seen.map((id) => key.get(id)!);
    expect(keys).toEqual([...keys].sort().reverse());
  });

  it('supports offset with total_count, and the next_cursor of an offset page goes on from there', async () => {
    const all = (await ok(alice.apiKey, `/v1/accounts/${main.id}/transactions?limit=500`)).transactions.map(
      (t: { id: string }) => t.id,
    );
    const page = await ok(alice.apiKey, `/v1/accounts/${main.id}/transactions?limit=20&offset=40`);
    expect(page.total_count).toBe(270);
    expect(page.transactions.map((t: { id: string }) => t.id)).toEqual(all.slice(40, 60));
    const next = await ok(
      alice.apiKey,
      `/v1/accounts/${main.id}/transactions?limit=20&cursor=${page.next_cursor}`,
    );
    expect(next.transactions.map((t: { id: string }) => t.id)).toEqual(all.slice(60, 80));
    expect(next.total_count).toBe(270);
    const beyond = await ok(alice.apiKey, `/v1/accounts/${main.id}/transactions?offset=1000`);
    expect(beyond).toMatchObject({ transactions: [], next_cursor: null, total_count: 270 });
  });

  it('filters by date range, status and type, and total_count counts the filter', async () => {
    const from = '2026-01-15';
    const to = '2026-01-31';
    const body = await ok(
      alice.apiKey,
      `/v1/accounts/${main.id}/transactions?from_date=${from}&to_date=${to}&limit=500`,
    );
    const expected = (
      await f.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM transactions WHERE account_id = $1 AND booking_date BETWEEN $2 AND $3`,
        [main.id, from, to],
      )
    )[0]!.n;
    expect(body.total_count).toBe(expected);
    expect(body.transactions).toHaveLength(expected);
    for (const t of body.transactions) expect(t.date >= from && t.date <= to).toBe(true);

    const pending = await ok(alice.apiKey, `/v1/accounts/${main.id}/transactions?status=pending&limit=500`);
    expect(pending.total_count).toBe(30); // every 8th of 240
    expect(pending.transactions.every((t: { status: string }) => t.status === 'pending')).toBe(true);

    const type = txs[3]!.type;
    const nOfType = (
      await f.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM transactions WHERE account_id = $1 AND type = $2`,
        [main.id, type],
      )
    )[0]!.n;
    const byType = await ok(alice.apiKey, `/v1/accounts/${main.id}/transactions?type=${type}&limit=2`);
    expect(byType.total_count).toBe(nOfType);
    expect(byType.transactions.every((t: { type: string }) => t.type === type)).toBe(true);
    // A type filter is counted once and carried by the cursor: later pages report the same count.
    const page2 = await ok(
      alice.apiKey,
      `/v1/accounts/${main.id}/transactions?type=${type}&limit=2&cursor=${byType.next_cursor}`,
    );
    expect(page2.total_count).toBe(nOfType);
    expect(page2.transactions[0].id).not.toBe(byType.transactions[1].id);
  });

  it('lists an account with no transactions as empty', async () => {
    const scratch = await f.makeConsent(alice.id, { endUserId: 'user-empty' });
    const empty = await f.makeAccount(scratch, { dataAsOf: null });
    expect(await ok(alice.apiKey, `/v1/accounts/${empty.id}/transactions`)).toEqual({
      transactions: [],
      next_cursor: null,
      total_count: 0,
      data_as_of: null,
    });
  });
});

describe('cards', () => {
  it('lists the cards of a consent', async () => {
    const body = await ok(alice.apiKey, `/v1/cards?consent_id=${consent.id}`);
    expect(body).toEqual({
      cards: [
        {
          id: card.id,
          account_id: main.id,
          scheme: 'korti_milli',
          masked_pan: '444433******1111',
          name_on_card: 'DILNOZA K',
          expiry: '2028-09-30',
          status: 'active',
          kind: 'debit',
        },
      ],
      next_cursor: null,
      data_as_of: OLDER_DATA_AS_OF.toISOString(),
    });
    const all = await ok(alice.apiKey, `/v1/cards`);
    expect(all.cards.map((c: { id: string }) => c.id)).toEqual([card.id]);
  });

  it("lists a card's transactions like an account's", async () => {
    const body = await ok(alice.apiKey, `/v1/cards/${card.id}/transactions?limit=10`);
    expect(body.total_count).toBe(30);
    expect(body.transactions).toHaveLength(10);
    expect(body.data_as_of).toBe(DATA_AS_OF.toISOString());
    const rest = await ok(
      alice.apiKey,
      `/v1/cards/${card.id}/transactions?limit=50&cursor=${body.next_cursor}`,
    );
    expect(rest.transactions).toHaveLength(20);
    expect(rest.total_count).toBe(30);
    const ids = [...body.transactions, ...rest.transactions].map(
      (t: { provider_transaction_id: string }) => t.provider_transaction_id,
    );
    expect(ids.every((id: string) => id.startsWith('card-'))).toBe(true);
    expect(new Set(ids).size).toBe(30);
  });
});

describe('transfers', () => {
  it('lists transfers newest first with optional money fields, keyset-paged', async () => {
    const first = await ok(alice.apiKey, `/v1/transfers?consent_id=${consent.id}&limit=4`);
    expect(first.transfers).toHaveLength(4);
    expect(first.transfers[0]).toEqual({
      id: expect.any(String),
      account_id: main.id,
      amount: expect.stringMatching(/^\d+\.\d{2}$/),
      currency: 'TJS',
      destination_amount: '907.50',
      destination_currency: 'RUB',
      fx_rate: '9.075',
      fee: '1.50',
      destination_country: 'RU',
      counterparty_name: 'Beneficiary 0',
      rail: 'visa_direct',
      status: 'completed',
      created_at: '2026-02-28T10:00:00.123Z',
      completed_at: '2026-02-28T10:00:00.123Z',
    });
    expect(first.transfers[1]).not.toHaveProperty('fx_rate');
    expect(first.transfers[1]).not.toHaveProperty('completed_at');
    expect(first.data_as_of).toBe(OLDER_DATA_AS_OF.toISOString());
    const rest = await ok(
      alice.apiKey,
      `/v1/transfers?consent_id=${consent.id}&limit=10&cursor=${first.next_cursor}`,
    );
    expect(rest.transfers).toHaveLength(5);
    expect(rest.next_cursor).toBeNull();
    const dates = [...first.transfers, ...rest.transfers].map((t: { created_at: string }) => t.created_at);
    expect(dates).toEqual([...dates].sort().reverse());
  });

  it('filters by UTC day range and status', async () => {
    const body = await ok(
      alice.apiKey,
      `/v1/transfers?consent_id=${consent.id}&from_date=2026-02-24&to_date=2026-02-26&status=failed`,
    );
    expect(
      body.transfers.map((t: { created_at: string; status: string }) => [
        t.created_at.slice(0, 10),
        t.status,
      ]),
    ).toEqual([['2026-02-26', 'failed']]);
  });
});

describe('scoping: another client sees nothing', () => {
  const bobPaths = () => [
    `/v1/accounts/${bobAccount.id}`,
    `/v1/accounts/${bobAccount.id}/balances`,
    `/v1/accounts/${bobAccount.id}/transactions`,
    `/v1/accounts/${bobAccount.id}/statement?from_date=2025-01-01&to_date=2025-12-31`,
    `/v1/accounts?consent_id=${bobConsent.id}`,
    `/v1/cards?consent_id=${bobConsent.id}`,
    `/v1/cards/${bobCard.id}/transactions`,
    `/v1/transfers?consent_id=${bobConsent.id}`,
    `/v1/transactions/sync?consent_id=${bobConsent.id}`,
  ];

  it('answers 404 not_found (never 403) for every resource of another client', async () => {
    for (const path of bobPaths()) {
      const r = await get(alice.apiKey, path);
      expect([path, r.status, r.headers.get('content-type')]).toEqual([
        path,
        404,
        expect.stringMatching(/^application\/problem\+json/),
      ]);
      expect((await json(r)).code).toBe('not_found');
      // The owner reads the same path fine.
      expect([path, (await get(bob.apiKey, path)).status]).toEqual([path, 200]);
    }
  });

  it('leaves other clients out of lists without a consent filter', async () => {
    const accounts = await ok(alice.apiKey, `/v1/accounts?limit=500`);
    expect(accounts.accounts.some((a: { id: string }) => a.id === bobAccount.id)).toBe(false);
    const cards = await ok(alice.apiKey, `/v1/cards`);
    expect(cards.cards.some((c: { id: string }) => c.id === bobCard.id)).toBe(false);
    const transfers = await ok(alice.apiKey, `/v1/transfers?limit=500`);
    expect(transfers.transfers.every((t: { account_id: string }) => t.account_id !== bobAccount.id)).toBe(
      true,
    );
  });

  it("stops honouring a deleted client's key on the data routes at once", async () => {
    const gone = await f.makeClient('short-lived');
    expect((await get(gone.apiKey, '/v1/accounts')).status).toBe(200);
    const del = await fetch(`${api.url}/admin/clients/${gone.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(del.status).toBe(204);
    expect((await get(gone.apiKey, '/v1/accounts')).status).toBe(401);
  });

  it('answers 401 without a valid API key', async () => {
    expect((await fetch(`${api.url}/v1/accounts`)).status).toBe(401);
    expect((await get('hsb_nope', `/v1/accounts/${main.id}/transactions`)).status).toBe(401);
  });
});

describe('consent status rules', () => {
  async function consentWithData(status: string, purged = false) {
    const c = await f.makeConsent(alice.id, { status: 'active' });
    const a = await f.makeAccount(c, { booked: '50.00' });
    await f.makeTransactions(a, 4, { seed: 5 });
    const k = await f.makeCard(c, a);
    await f.makeTransfers(c, a, 1);
    await f.query(`UPDATE consents SET status = $2, purged_at = $3 WHERE id = $1`, [
      c.id,
      status,
      purged ? new Date() : null,
    ]);
    return {
      c,
      a,
      paths: [
        `/v1/accounts/${a.id}`,
        `/v1/accounts/${a.id}/balances`,
        `/v1/accounts/${a.id}/transactions`,
        `/v1/accounts/${a.id}/statement?from_date=2025-01-01&to_date=2025-12-31`,
        `/v1/accounts?consent_id=${c.id}`,
        `/v1/cards?consent_id=${c.id}`,
        `/v1/cards/${k.id}/transactions`,
        `/v1/transfers?consent_id=${c.id}`,
        `/v1/transactions/sync?consent_id=${c.id}`,
      ],
    };
  }

  it.each([['revoked'], ['expired'], ['rejected']])(
    'answers 409 consent_not_active on every read under a %s consent',
    async (status) => {
      const { a, paths } = await consentWithData(status);
      for (const path of paths) {
        const r = await get(alice.apiKey, path);
        expect([path, r.status]).toEqual([path, 409]);
        expect((await json(r)).code).toBe('consent_not_active');
      }
      // And its accounts drop out of the lists across consents.
      const all = await ok(alice.apiKey, `/v1/accounts?limit=500`);
      expect(all.accounts.some((x: { id: string }) => x.id === a.id)).toBe(false);
    },
  );

  it('answers 409 once the copy was purged', async () => {
    const { paths } = await consentWithData('revoked', true);
    for (const path of paths) expect([path, (await get(alice.apiKey, path)).status]).toEqual([path, 409]);
  });

  it.each([
    // What each permission set may read, in the order of `paths`; everything else is 403.
    [['accounts'], [200, 403, 403, 403, 200, 403, 403, 403, 403]],
    [
      ['accounts', 'transactions'],
      [200, 403, 200, 200, 200, 403, 200, 403, 200],
    ],
    [
      ['accounts', 'statements'],
      [200, 403, 403, 200, 200, 403, 403, 403, 403],
    ],
    [
      ['accounts', 'balances', 'cards', 'transfers'],
      [200, 200, 403, 403, 200, 200, 403, 200, 403],
    ],
  ])('answers 403 permission_not_granted to reads a %j consent does not grant', async (permissions, want) => {
    const { c, paths } = await consentWithData('active');
    await f.query(`UPDATE consents SET permissions = $2 WHERE id = $1`, [c.id, permissions]);
    const got: number[] = [];
    for (const path of paths) {
      const r = await get(alice.apiKey, path);
      got.push(r.status);
      if (r.status === 403) expect([path, (await json(r)).code]).toEqual([path, 'permission_not_granted']);
    }
    expect(paths.map((p, i) => [p, got[i]])).toEqual(paths.map((p, i) => [p, want[i]]));
  });

  it('still serves the stored copy of a reauth_required consent', async () => {
    const { paths } = await consentWithData('reauth_required');
    for (const path of paths) expect([path, (await get(alice.apiKey, path)).status]).toEqual([path, 200]);
  });
});

describe('access log', () => {
  it('writes one row per read with the resource, record_count and the consent and end user', async () => {
    const reads: Array<[string, string, number]> = [
      [`/v1/accounts?consent_id=${consent.id}`, 'accounts', 2],
      [`/v1/accounts/${main.id}`, 'accounts', 1],
      [`/v1/accounts/${main.id}/balances`, 'balances', 2],
      [`/v1/accounts/${main.id}/transactions?limit=7`, 'transactions', 7],
      [`/v1/accounts/${main.id}/statement?from_date=2026-01-01&to_date=2026-01-31`, 'statements', 1],
      [`/v1/cards?consent_id=${consent.id}`, 'cards', 1],
      [`/v1/cards/${card.id}/transactions?limit=3`, 'transactions', 3],
      [`/v1/transfers?consent_id=${consent.id}&limit=5`, 'transfers', 5],
      [`/v1/transactions/sync?consent_id=${consent.id}&count=11`, 'transactions', 11],
    ];
    for (const [i, [path, resource, count]] of reads.entries()) {
      const requestId = `log-check-${i}`;
      const r = await get(alice.apiKey, path, { 'x-request-id': requestId });
      expect(r.status).toBe(200);
      const rows = await f.query(
        `SELECT resource, record_count, consent_id, end_user_id, method FROM access_log WHERE request_id = $1`,
        [requestId],
      );
      expect([path, rows]).toEqual([
        path,
        [{ resource, record_count: count, consent_id: consent.id, end_user_id: 'user-42', method: 'GET' }],
      ]);
    }
  });

  it('names the consent of a list across consents only when its rows share one', async () => {
    const r = await get(alice.apiKey, `/v1/accounts?limit=500`, { 'x-request-id': 'log-multi' });
    const body = await json(r);
    const [row] = await f.query(
      `SELECT consent_id, end_user_id, record_count FROM access_log WHERE request_id = 'log-multi'`,
    );
    expect(row).toEqual({ consent_id: null, end_user_id: null, record_count: body.accounts.length });
  });

  it('writes no row for a refused read', async () => {
    await get(alice.apiKey, `/v1/accounts/${bobAccount.id}/transactions`, { 'x-request-id': 'log-refused' });
    await get(alice.apiKey, `/v1/accounts/${main.id}/transactions?limit=0`, {
      'x-request-id': 'log-invalid',
    });
    expect(
      await f.query(`SELECT 1 FROM access_log WHERE request_id IN ('log-refused', 'log-invalid')`),
    ).toEqual([]);
  });
});

describe('bad input', () => {
  const cases = (): Array<[string, string]> => {
    const tx = `/v1/accounts/${main.id}/transactions`;
    return [
      [`${tx}?limit=0`, 'limit'],
      [`${tx}?limit=100000`, 'limit'],
      [`${tx}?limit=abc`, 'limit'],
      [`${tx}?limit=1.5`, 'limit'],
      [`${tx}?offset=-1`, 'offset'],
      [`${tx}?cursor=garbage`, 'cursor'],
      [`${tx}?cursor=${Buffer.from('{"d":"2026-02-30","id":"x"}').toString('base64url')}`, 'cursor'],
      [
        `${tx}?cursor=${Buffer.from(`{"d":"2026-01-01","id":"${main.id}","n":-4}`).toString('base64url')}`,
        'cursor',
      ],
      [`${tx}?from_date=2026-02-30`, 'from_date'],
      [`${tx}?to_date=2026-13-01`, 'to_date'],
      [`${tx}?from_date=26-01-01`, 'from_date'],
      [`${tx}?from_date=2026-02-01&to_date=2026-01-01`, 'from_date'],
      [`${tx}?type=bribe`, 'type'],
      [`${tx}?status=settled`, 'status'],
      [`${tx}?sort=amount`, 'sort'],
      [`/v1/accounts/${main.id}/statement?from_date=2026-01-01`, 'to_date'],
      [`/v1/accounts/${main.id}/statement?from_date=2026-02-30&to_date=2026-03-01`, 'from_date'],
      [`/v1/accounts/${main.id}/statement?from_date=2026-02-01&to_date=2026-01-01`, 'from_date'],
      [`/v1/accounts?limit=501`, 'limit'],
      [`/v1/accounts?cursor=%%%`, 'cursor'],
      [`/v1/accounts?provider=monzo`, 'provider'],
      [`/v1/cards?limit=0`, 'limit'],
      [`/v1/cards?cursor=abc`, 'cursor'],
      [`/v1/cards/${card.id}/transactions?status=nope`, 'status'],
      [`/v1/transfers?status=done`, 'status'],
      [`/v1/transfers?from_date=2026-02-29`, 'from_date'],
      [`/v1/transfers?from_date=2026-03-02&to_date=2026-03-01`, 'from_date'],
      [`/v1/transfers?cursor=${Buffer.from('{"at":"yesterday","id":"x"}').toString('base64url')}`, 'cursor'],
      [`/v1/transactions/sync`, 'consent_id'],
      [`/v1/transactions/sync?consent_id=${consent.id}&count=0`, 'count'],
      [`/v1/transactions/sync?consent_id=${consent.id}&count=501`, 'count'],
      [`/v1/transactions/sync?consent_id=${consent.id}&cursor=zzz`, 'cursor'],
    ];
  };

  it('answers 400 validation_failed with the field for every malformed list query', async () => {
    for (const [path, field] of cases()) {
      const r = await get(alice.apiKey, path);
      const body = await json(r);
      expect([path, r.status, r.headers.get('content-type')]).toEqual([
        path,
        400,
        expect.stringMatching(/^application\/problem\+json/),
      ]);
      expect([path, body.code]).toEqual([path, 'validation_failed']);
      expect([path, body.errors.map((e: { field: string }) => e.field)]).toEqual([
        path,
        expect.arrayContaining([field]),
      ]);
    }
  });

  it('refuses offset together with a cursor', async () => {
    const page = await ok(alice.apiKey, `/v1/accounts/${main.id}/transactions?limit=2`);
    const r = await get(
      alice.apiKey,
      `/v1/accounts/${main.id}/transactions?cursor=${page.next_cursor}&offset=3`,
    );
    expect(r.status).toBe(400);
    expect((await json(r)).errors).toEqual([{ field: 'offset', message: expect.any(String) }]);
  });

  it('answers 404 for ids that are not UUIDs, in the path and in consent_id', async () => {
    for (const path of [
      '/v1/accounts/not-a-uuid',
      '/v1/accounts/123/balances',
      "/v1/accounts/1' OR '1'='1/transactions",
      '/v1/accounts/zzz/statement?from_date=2026-01-01&to_date=2026-01-31',
      '/v1/cards/abc/transactions',
      '/v1/accounts?consent_id=nope',
      '/v1/cards?consent_id=nope',
      '/v1/transfers?consent_id=nope',
      '/v1/transactions/sync?consent_id=nope',
    ]) {
      const r = await get(alice.apiKey, path);
      expect([path, r.status]).toEqual([path, 404]);
      expect((await json(r)).code).toBe('not_found');
    }
  });

  it('answers 404 for a well-formed id that names nothing', async () => {
    const r = await get(alice.apiKey, `/v1/accounts/00000000-0000-4000-8000-000000000000/transactions`);
    expect(r.status).toBe(404);
  });
});

describe('OpenAPI', () => {
  it('documents every data route', async () => {
    const doc = await fetch(`${api.url}/docs-json`).then(json);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/accounts',
        '/v1/accounts/{id}',
        '/v1/accounts/{id}/balances',
        '/v1/accounts/{id}/transactions',
        '/v1/accounts/{id}/statement',
        '/v1/cards',
        '/v1/cards/{id}/transactions',
        '/v1/transfers',
        '/v1/transactions/sync',
      ]),
    );
    expect(Object.keys(doc.paths['/v1/accounts/{id}/statement'].get.responses['200'].content)).toEqual([
      'application/json',
      'text/csv',
    ]);
  });
});
