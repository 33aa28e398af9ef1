import type { RunningSandbox } from '../src/main.js';
import { authorize, control, minor, obpGet, request, startSandbox } from './helpers.js';

interface Amount {
  currency: string;
  amount: string | null;
}
interface Tx {
  id: string;
  this_account: { id: string };
  other_account: { id: string; holder: { name: string | null } } | null;
  details: {
    type: string;
    description: string | null;
    posted: string;
    completed: string;
    new_balance: Amount | null;
    value: Amount;
  };
  transaction_attributes: Array<{ name: string; value: string }>;
}
interface UserInfo {
  username: string;
  password: string;
  accounts: Array<{ account_id: string; label: string; currency: string; transaction_count: number }>;
  cards: Array<{ card_id: string; account_id: string; scheme: string }>;
}
interface Summary {
  transaction_count: number;
  sum_of_amounts: string;
  opening_balance: string;
  closing_balance: string;
  first_completed: string | null;
  last_completed: string | null;
}

const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const BANK = 'alif.tj';

describe('Alif Mobi sandbox: OBP v5.1.0 resources', () => {
  let sut: RunningSandbox;
  let token: string;
  let users: UserInfo[];
  let wallet: UserInfo['accounts'][number];
  let cardAccount: UserInfo['accounts'][number];
  let txPath: string;

  beforeAll(async () => {
    sut = await startSandbox({ seed: 7 });
    token = (await authorize(sut)).accessToken;
    users = (await control<{ users: UserInfo[] }>(sut, 'GET', '/users')).body.users;
    wallet = users[0]!.accounts[0]!;
    cardAccount = users[0]!.accounts[1]!;
    txPath = `/banks/${BANK}/accounts/${wallet.account_id}/owner/transactions`;
  });
  afterAll(async () => {
    await sut.close();
  });

  const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;

  /** Pages through the full-view endpoint with paging in REQUEST HEADERS until a short page. */
  async function allViaHeaders(
    path: string,
    limit: number,
    extra: Record<string, string> = {},
  ): Promise<Tx[]> {
    const out: Tx[] = [];
    for (let offset = 0; ; offset += limit) {
      const res = await obpGet(sut, path, token, { limit: String(limit), offset: String(offset), ...extra });
      expect(res.status).toBe(200);
      expect(res.headers.get('range')).toBe(`items=${offset}-${limit}`);
      const page = (await json<{ transactions: Tx[] }>(res)).transactions;
      out.push(...page);
      if (page.length < limit) return out;
    }
  }

  async function allViaQuery(path: string, limit: number): Promise<Tx[]> {
    const out: Tx[] = [];
    for (let offset = 0; ; offset += limit) {
      const res = await obpGet(sut, `${path}?limit=${limit}&offset=${offset}`, token);
      expect(res.status).toBe(200);
      const page = (await json<{ transactions: Tx[] }>(res)).transactions;
      out.push(...page);
      if (page.length < limit) return out;
    }
  }

  async function summary(accountId: string, query = ''): Promise<Summary> {
    return (await control<Summary>(sut, 'GET', `/accounts/${accountId}/summary${query}`)).body;
  }

  it('serves banks without authentication, and 404 OBP-30001 for an unknown bank', async () => {
    const banks = await json<{ banks: Array<{ id: string; bank_routings: unknown[] }> }>(
      await obpGet(sut, '/banks'),
    );
    expect(banks.banks.map((b) => b.id)).toEqual([BANK]);
    const bank = await json<{ id: string; bank_code: string }>(await obpGet(sut, `/banks/${BANK}`));
    expect(bank).toMatchObject({ id: BANK, bank_code: 'ALIF' });
    const missing = await obpGet(sut, '/banks/nope.tj');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ code: 404, message: expect.stringMatching(/^OBP-30001: /) });
  });

  it('puts Correlation-Id and Access-Control-Allow-Origin on every reply, errors included', async () => {
    for (const res of [
      await obpGet(sut, '/banks'),
      await obpGet(sut, '/my/accounts'),
      await obpGet(sut, '/nowhere', token),
    ]) {
      expect(res.headers.get('correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    }
  });

  it('answers 401 OBP-20001 with WWW-Authenticate without a token, 400 OBP-20080 for a foreign scheme', async () => {
    const res = await obpGet(sut, '/my/accounts');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(
      /^OAuth realm=".+", Bearer realm=".+", DirectLogin realm=".+"$/,
    );
    expect(await res.json()).toEqual({
      code: 401,
      message: 'OBP-20001: User not logged in. Authentication is required!',
    });
    const bogus = await obpGet(sut, '/my/accounts', 'not-a-token');
    expect(bogus.status).toBe(401);
    const basic = await request(`${sut.url}/obp/v5.1.0/my/accounts`, {
      headers: { authorization: 'Basic Zm9vOmJhcg==' },
    });
    expect(basic.status).toBe(400);
    expect(((await basic.json()) as { message: string }).message).toMatch(/^OBP-20080: /);
  });

  it('answers 404 OBP-10404 for unknown paths and versions', async () => {
    for (const path of [
      '/obp/v5.1.0/nowhere',
      '/obp/v4.0.0/banks',
      '/obp/v5.1.0/banks/alif.tj/accounts/x/owner/unknown',
    ]) {
      const res = await request(`${sut.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { message: string }).message).toMatch(/^OBP-10404: /);
    }
  });

  it('lists my accounts and serves both account views', async () => {
    const mine = await json<{
      accounts: Array<{
        id: string;
        bank_id: string;
        account_type: string;
        account_routings: unknown[];
        views: Array<{ id: string }>;
      }>;
    }>(await obpGet(sut, '/my/accounts', token));
    expect(mine.accounts.map((a) => a.id)).toEqual(users[0]!.accounts.map((a) => a.account_id));
    expect(mine.accounts[0]).toMatchObject({
      bank_id: BANK,
      account_type: 'WALLET',
      views: [{ id: 'owner' }],
    });

    const view = await json<Record<string, unknown>>(
      await obpGet(sut, `/banks/${BANK}/accounts/${wallet.account_id}/owner/account`, token),
    );
    expect(view).toMatchObject({
      id: wallet.account_id,
      bank_id: BANK,
      label: 'Alif Mobi wallet',
      product_code: 'ALIF_MOBI_WALLET',
    });
    const closing = (await summary(wallet.account_id)).closing_balance;
    expect(minor((view.balance as Amount).amount!)).toBe(minor(closing));

    const core = await json<Record<string, unknown>>(
      await obpGet(sut, `/my/banks/${BANK}/accounts/${wallet.account_id}/account`, token),
    );
    expect(core).toMatchObject({ id: wallet.account_id, type: 'WALLET', views_basic: [{ id: 'owner' }] });
  });

  it('uses OBP error codes for bad views, unknown and foreign accounts', async () => {
    const expectError = async (path: string, status: number, code: string) => {
      const res = await obpGet(sut, path, token);
      expect(res.status).toBe(status);
      expect((await res.json()) as { code: number; message: string }).toEqual({
        code: status,
        message: expect.stringMatching(new RegExp(`^${code}: `)),
      });
    };
    const foreign = users[1]!.accounts[0]!.account_id;
    await expectError(`/banks/${BANK}/accounts/${wallet.account_id}/nosuchview/account`, 400, 'OBP-30005');
    await expectError(`/banks/${BANK}/accounts/${wallet.account_id}/auditor/transactions`, 403, 'OBP-20017');
    await expectError(
      `/banks/${BANK}/accounts/00000000-0000-4000-8000-000000000000/owner/account`,
      404,
      'OBP-30018',
    );
    await expectError(
      `/my/banks/${BANK}/accounts/00000000-0000-4000-8000-000000000000/account`,
      404,
      'OBP-30003',
    );
    await expectError(`/banks/${BANK}/accounts/${foreign}/owner/transactions`, 403, 'OBP-20017');
    await expectError(`/banks/${BANK}/accounts/${foreign}/balances`, 400, 'OBP-30065');
    await expectError(`/banks/nope/accounts/${wallet.account_id}/owner/account`, 404, 'OBP-30001');
  });

  it('serves balances per account and per bank, the latter labelled OpeningBooked', async () => {
    const one = await json<{
      account_id: string;
      balances: Array<{ type: string; currency: string; amount: string }>;
    }>(await obpGet(sut, `/banks/${BANK}/accounts/${wallet.account_id}/balances`, token));
    const booked = one.balances.find((b) => b.type === 'interimBooked')!;
    expect(minor(booked.amount)).toBe(minor((await summary(wallet.account_id)).closing_balance));
    expect(one.balances.find((b) => b.type === 'interimAvailable')).toBeDefined();
    const all = await json<{ accounts: Array<{ account_id: string; balances: Array<{ type: string }> }> }>(
      await obpGet(sut, `/banks/${BANK}/balances`, token),
    );
    expect(all.accounts).toHaveLength(4);
    expect(
      all.accounts.every((a) => a.balances.length === 1 && a.balances[0]!.type === 'OpeningBooked'),
    ).toBe(true);
  });

  it('pages a whole account via headers; totals and running balances match the summary to the cent', async () => {
    const sum = await summary(wallet.account_id);
    const txs = await allViaHeaders(txPath, 97);
    expect(txs).toHaveLength(sum.transaction_count);
    expect(new Set(txs.map((t) => t.id)).size).toBe(txs.length);
    expect(txs.reduce((s, t) => s + minor(t.details.value.amount!), 0n)).toBe(minor(sum.sum_of_amounts));

    // DESC by completed date.
    for (let i = 1; i < txs.length; i++)
      expect(txs[i - 1]!.details.completed >= txs[i]!.details.completed).toBe(true);
    expect(txs[0]!.details.completed).toBe(sum.last_completed);
    expect(txs[txs.length - 1]!.details.completed).toBe(sum.first_completed);

    // Running balances: newer.new_balance - newer.value = balance before it; null balances are skipped.
    let before: bigint | undefined;
    let checked = 0;
    for (const t of txs) {
      const nb = t.details.new_balance?.amount;
      const value = minor(t.details.value.amount!);
      if (nb != null) {
        if (before !== undefined) {
          expect(minor(nb)).toBe(before);
          checked++;
        }
        before = minor(nb) - value;
      } else if (before !== undefined) {
        before -= value;
      }
    }
    expect(checked).toBeGreaterThan(txs.length * 0.9);
    expect(before).toBe(minor(sum.opening_balance));
    const newestKnown = txs.find((t) => t.details.new_balance?.amount != null)!;
    const afterNewest = txs
      .slice(0, txs.indexOf(newestKnown))
      .reduce((s, t) => s + minor(t.details.value.amount!), 0n);
    expect(minor(newestKnown.details.new_balance!.amount!) + afterNewest).toBe(minor(sum.closing_balance));
  });

  it('pages the core endpoint via query parameters to the same list, and it ignores paging headers', async () => {
    const corePath = `/my/banks/${BANK}/accounts/${wallet.account_id}/transactions`;
    const viaHeaders = await allViaHeaders(txPath, 200);
    const viaQuery = await allViaQuery(corePath, 150);
    expect(viaQuery.map((t) => t.id)).toEqual(viaHeaders.map((t) => t.id));
    const first = viaQuery[0] as unknown as Record<string, unknown>;
    expect(Object.keys(first)).toEqual([
      'id',
      'this_account',
      'other_account',
      'details',
      'transaction_attributes',
    ]);

    const headersOnly = await json<{ transactions: Tx[] }>(
      await obpGet(sut, corePath, token, { limit: '3' }),
    );
    expect(headersOnly.transactions).toHaveLength(50);
  });

  it('defaults to limit 50, DESC; ASC is the exact reverse; the full view also accepts query parameters', async () => {
    const def = await json<{ transactions: Tx[] }>(await obpGet(sut, txPath, token));
    expect(def.transactions).toHaveLength(50);
    const desc = await allViaHeaders(txPath, 500);
    const asc = await allViaHeaders(txPath, 500, { sort_direction: 'asc' });
    expect(asc.map((t) => t.id)).toEqual([...desc].reverse().map((t) => t.id));
    const viaQuery = await json<{ transactions: Tx[] }>(
      await obpGet(sut, `${txPath}?limit=7&offset=3`, token),
    );
    expect(viaQuery.transactions.map((t) => t.id)).toEqual(desc.slice(3, 10).map((t) => t.id));
  });

  it('filters on the completed date with millisecond request dates (both formats and obp_ aliases)', async () => {
    const all = await allViaHeaders(txPath, 1000);
    const from = '2025-03-01T00:00:00.000Z';
    const to = '2025-03-31T23:59:59.999Z';
    const expected = all.filter(
      (t) => t.details.completed >= '2025-03-01T00:00:00Z' && t.details.completed <= '2025-03-31T23:59:59Z',
    );
    expect(expected.length).toBeGreaterThan(5);
    const got = await allViaHeaders(txPath, 1000, { from_date: from, to_date: to });
    expect(got.map((t) => t.id)).toEqual(expected.map((t) => t.id));
    const legacy = await allViaHeaders(txPath, 1000, {
      obp_from_date: '2025-03-01T05:00:00.000+0500',
      obp_to_date: '2025-04-01T04:59:59.999+0500',
    });
    expect(legacy.map((t) => t.id)).toEqual(expected.map((t) => t.id));
    // The plain name wins over the obp_ alias.
    const both = await allViaHeaders(txPath, 1000, {
      from_date: from,
      to_date: to,
      obp_from_date: '2020-01-01T00:00:00.000Z',
    });
    expect(both).toHaveLength(expected.length);
    const summaryMarch = await summary(wallet.account_id, '?from_date=2025-03-01&to_date=2025-03-31');
    expect(summaryMarch.transaction_count).toBe(expected.length);
    expect(minor(summaryMarch.sum_of_amounts)).toBe(
      expected.reduce((s, t) => s + minor(t.details.value.amount!), 0n),
    );
  });

  it.each([
    [{ limit: '0' }, 'OBP-10025'],
    [{ limit: '-5' }, 'OBP-10025'],
    [{ limit: 'ten' }, 'OBP-10025'],
    [{ offset: '-1' }, 'OBP-10024'],
    [{ obp_offset: 'x' }, 'OBP-10024'],
    [{ sort_direction: 'UP' }, 'OBP-10023'],
    [{ from_date: '2025-01-01' }, 'OBP-10026'],
    [{ to_date: '2025-01-01T00:00:00Z' }, 'OBP-10026'],
  ])('rejects %j with 400 %s', async (headers, code) => {
    const res = await obpGet(sut, txPath, token, headers);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(new RegExp(`^${code}: `));
  });

  it('speaks OBP encodings: string amounts of varying precision, second-precision dates, nulls', async () => {
    const txs = await allViaHeaders(txPath, 1000);
    const amounts = txs.map((t) => t.details.value.amount!);
    expect(amounts.some((a) => /^-?\d+$/.test(a))).toBe(true);
    expect(amounts.some((a) => /^-?\d+\.\d$/.test(a))).toBe(true);
    expect(amounts.some((a) => /^-?\d+\.\d0$/.test(a))).toBe(true);
    expect(amounts.every((a) => typeof a === 'string')).toBe(true);
    for (const t of txs) {
      expect(t.details.completed).toMatch(DATE);
      expect(t.details.posted).toMatch(DATE);
      expect(t.details.posted <= t.details.completed).toBe(true);
    }
    expect(txs.some((t) => t.details.posted < t.details.completed)).toBe(true);
    expect(txs.some((t) => t.other_account === null)).toBe(true);
    expect(txs.some((t) => t.details.description === null)).toBe(true);
    expect(txs.some((t) => t.details.new_balance === null)).toBe(true);
    const types = new Set(txs.map((t) => t.details.type));
    for (const type of [
      'MOBILE_PAYMENT',
      'UTILITY_PAYMENT',
      'SERVICE_PAYMENT',
      'INTERNATIONAL_TRANSFER',
      'FEE',
      'TOP_UP',
      'OWN_ACCOUNT_TRANSFER',
    ])
      expect(types).toContain(type);
    const categories = new Set(
      txs.map((t) => t.transaction_attributes.find((a) => a.name === 'category')!.value),
    );
    for (const c of [
      'mobile',
      'internet',
      'electricity',
      'tv',
      'fines',
      'transfer_international',
      'fee',
      'topup',
    ])
      expect(categories).toContain(c);
    // Several entries share a completed timestamp.
    const stamps = new Map<string, number>();
    for (const t of txs) stamps.set(t.details.completed, (stamps.get(t.details.completed) ?? 0) + 1);
    expect([...stamps.values()].some((n) => n > 1)).toBe(true);
  });

  it('books own-account transfers on both accounts with opposite signs (double entry)', async () => {
    const walletTxs = await allViaHeaders(txPath, 1000);
    const cardTxs = await allViaHeaders(
      `/banks/${BANK}/accounts/${cardAccount.account_id}/owner/transactions`,
      1000,
    );
    const own = walletTxs.filter((t) => t.details.type === 'OWN_ACCOUNT_TRANSFER');
    expect(own.length).toBeGreaterThan(3);
    for (const t of own.slice(0, 10)) {
      const twin = cardTxs.find(
        (c) =>
          c.details.type === 'OWN_ACCOUNT_TRANSFER' &&
          c.details.completed === t.details.completed &&
          minor(c.details.value.amount!) === -minor(t.details.value.amount!),
      );
      expect(twin).toBeDefined();
      expect(twin!.id).not.toBe(t.id);
    }
  });

  it('serves cards linked to accounts, and card purchases carry the card id', async () => {
    const cards = await json<{
      cards: Array<
        Record<string, unknown> & { card_id: string; account: { id: string }; networks: string[] }
      >;
    }>(await obpGet(sut, '/cards', token));
    expect(cards.cards.map((c) => c.networks[0])).toEqual(['KORTI_MILLI', 'VISA']);
    expect(cards.cards[0]).toMatchObject({
      bank_id: BANK,
      account: { id: cardAccount.account_id },
      expires_date: expect.stringMatching(DATE),
    });
    const txs = await allViaHeaders(
      `/banks/${BANK}/accounts/${cardAccount.account_id}/owner/transactions`,
      1000,
    );
    const purchase = txs.find((t) => t.details.type === 'CARD_PAYMENT')!;
    expect(purchase.transaction_attributes.find((a) => a.name === 'card_id')!.value).toBe(
      cards.cards[0]!.card_id,
    );
  });

  it('lists transaction requests for international transfers with statuses, linked to their postings', async () => {
    const path = `/banks/${BANK}/accounts/${wallet.account_id}/owner/transaction-requests`;
    const list = await json<{
      transaction_requests_with_charges: Array<{
        id: string;
        type: string;
        status: string;
        transaction_ids: string[];
        details: { to_counterparty: { counterparty_id: string } };
      }>;
    }>(await obpGet(sut, path, token));
    const trs = list.transaction_requests_with_charges;
    expect(trs.length).toBeGreaterThan(5);
    const statuses = new Set(trs.map((t) => t.status));
    expect(statuses).toContain('COMPLETED');
    expect([...statuses].some((s) => s === 'REJECTED' || s === 'FAILED')).toBe(true);
    const done = trs.find((t) => t.status === 'COMPLETED')!;
    expect(done.transaction_ids).toHaveLength(1);
    const one = await json<{ id: string; status: string }>(await obpGet(sut, `${path}/${done.id}`, token));
    expect(one).toMatchObject({ id: done.id, status: 'COMPLETED' });
    const tx = await json<Tx>(await obpGet(sut, `${txPath}/${done.transaction_ids[0]}/transaction`, token));
    expect(tx.details.type).toBe('INTERNATIONAL_TRANSFER');
    expect(tx.transaction_attributes).toEqual(
      expect.arrayContaining([
        {
          transaction_attribute_id: expect.any(String),
          name: 'transaction_request_id',
          type: 'STRING',
          value: done.id,
        },
      ]),
    );
    const cp = await obpGet(
      sut,
      `/banks/${BANK}/accounts/${wallet.account_id}/owner/counterparties/${done.details.to_counterparty.counterparty_id}`,
      token,
    );
    expect(cp.status).toBe(200);
    const missing = await obpGet(sut, `${path}/00000000-0000-4000-8000-000000000000`, token);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { message: string }).message).toMatch(/^OBP-40004: /);
  });

  it('hides balances (JSON null) from a consent without the balances permission', async () => {
    const limited = await authorize(sut, { scope: 'openid accounts transactions' });
    const page = await json<{ transactions: Tx[] }>(
      await obpGet(sut, txPath, limited.accessToken, { limit: '5' }),
    );
    expect(
      page.transactions.every((t) => t.details.new_balance === null || t.details.new_balance.amount === null),
    ).toBe(true);
    const account = await json<{ balance: Amount }>(
      await obpGet(sut, `/my/banks/${BANK}/accounts/${wallet.account_id}/account`, limited.accessToken),
    );
    expect(account.balance.amount).toBeNull();
    expect((await obpGet(sut, `/banks/${BANK}/balances`, limited.accessToken)).status).toBe(403);
  });

  it('moves the clock forward: new postings appear and the summary follows', async () => {
    const before = await summary(wallet.account_id);
    const state = (await control<{ today: string }>(sut, 'GET', '/state')).body;
    const res = await control<{ today: string; new_transactions: number }>(sut, 'POST', '/advance', {
      days: 5,
    });
    expect(res.status).toBe(200);
    expect(res.body.today > state.today).toBe(true);
    expect(res.body.new_transactions).toBeGreaterThan(0);
    const after = await summary(wallet.account_id);
    expect(after.transaction_count).toBeGreaterThan(before.transaction_count);
    const newest = (await json<{ transactions: Tx[] }>(await obpGet(sut, txPath, token, { limit: '1' })))
      .transactions[0]!;
    expect(newest.details.completed > before.last_completed!).toBe(true);
    expect(minor(after.closing_balance) - minor(before.closing_balance)).toBe(
      minor(
        (await summary(wallet.account_id, `?from_date=${before.last_completed!.replace('Z', '.001Z')}`))
          .sum_of_amounts,
      ),
    );
    expect((await control(sut, 'POST', '/advance', { days: 0 })).status).toBe(400);
  });
});
