import { startStack, until, type Stack } from './stack.js';
import { bearer, json } from './harness.js';

/**
 * The sync engine against the sandbox bank: the copy must equal the bank's own figures, never
 * double anything, pick up exactly the new postings, and survive each kind of bank fault.
 */
let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s?.close());
afterEach(() => s.control('DELETE', '/faults'));

type Summary = {
  transaction_count: number;
  transfer_count: number;
  sum_of_amounts: string;
  closing_balance: string;
  currency: string;
};

async function latestSync(consentId: string) {
  const [row] = await s.db<{ id: string }>(
    `SELECT id FROM syncs WHERE consent_id = $1 ORDER BY created_at DESC LIMIT 1`,
    [consentId],
  );
  return row!.id;
}

const syncState = (id: string) => s.get(`/v1/syncs/${id}`);
const finished = (id: string) =>
  until(
    () => syncState(id),
    (v) => v.state === 'succeeded' || v.state === 'failed',
    60_000,
  );

const syncNow = (consentId: string) => s.syncNow(consentId);

/** Hisob's copy of one bank account versus the sandbox's own ledger. */
async function compare(consentId: string, providerAccountId: string) {
  const bank: Summary = await s.control('GET', `/accounts/${providerAccountId}/summary`);
  const [copy] = await s.db<{ n: number; sum: string; booked: string | null; transfers: number }>(
    `SELECT count(t.*)::int AS n, coalesce(sum(t.amount), 0)::text AS sum,
            (SELECT amount::text FROM balances b WHERE b.account_id = a.id AND b.type = 'booked') AS booked,
            (SELECT count(*)::int FROM transfers x WHERE x.account_id = a.id) AS transfers
       FROM accounts a LEFT JOIN transactions t ON t.account_id = a.id
      WHERE a.consent_id = $1 AND a.provider_account_id = $2 GROUP BY a.id`,
    [consentId, providerAccountId],
  );
  return {
    bank: {
      n: bank.transaction_count,
      sum: normal(bank.sum_of_amounts),
      booked: normal(bank.closing_balance),
      transfers: bank.transfer_count,
    },
    copy: {
      n: copy!.n,
      sum: normal(copy!.sum),
      booked: copy!.booked && normal(copy!.booked),
      transfers: copy!.transfers,
    },
  };
}

const normal = (decimal: string) => {
  const [i, f = ''] = decimal.split('.');
  return `${i}.${f.padEnd(2, '0').slice(0, 2)}`;
};

/** Follows GET /v1/transactions/sync to its end, as a client does; counts what it reported. */
async function followFeed(consentId: string, from: string | null) {
  let cursor = from;
  const added = new Set<string>();
  let modified = 0;
  let removed = 0;
  for (let i = 0; i < 1000; i++) {
    const feed = await s.get(
      `/v1/transactions/sync?consent_id=${consentId}&count=500${cursor ? `&cursor=${cursor}` : ''}`,
    );
    for (const t of feed.added) added.add(t.id);
    modified += feed.modified.length;
    removed += feed.removed.length;
    cursor = feed.next_cursor;
    if (!feed.has_more) return { added: added.size, modified, removed, cursor };
  }
  throw new Error('the change feed did not end');
}

async function providerIdOf(accountId: string): Promise<string> {
  const [row] = await s.db<{ p: string }>(`SELECT provider_account_id AS p FROM accounts WHERE id = $1`, [
    accountId,
  ]);
  return row!.p;
}

const account0 = (list: Array<Record<string, unknown>>): Record<string, unknown> => list[0]!;

async function userAccounts(username: string): Promise<string[]> {
  const { users } = await s.control('GET', '/users');
  return users
    .find((u: { username: string }) => u.username === username)
    .accounts.map((a: { account_id: string }) => a.account_id);
}

describe('sync against the Alif Mobi sandbox', () => {
  let consentId: string;

  it('copies every account completely: counts, sums and balances equal the bank’s', async () => {
    consentId = await s.activeConsent('sync-user');
    const first = await finished(await latestSync(consentId));
    expect(first).toMatchObject({ state: 'succeeded', consent_id: consentId });
    const accounts = await userAccounts('dilnoza');
    expect(first.progress.accounts_total).toBe(accounts.length);
    expect(first.progress.accounts_done).toBe(accounts.length);
    expect(first.progress.transactions_added).toBeGreaterThan(100);
    let transfers = 0;
    for (const id of accounts) {
      const { bank, copy } = await compare(consentId, id);
      expect({ id, ...copy }).toEqual({ id, ...bank });
      transfers += copy.transfers;
    }
    expect(transfers).toBeGreaterThan(0);
    // The same figures through the REST API a client uses: accounts, totals, balances, statements.
    const { accounts: listed } = await s.get(`/v1/accounts?consent_id=${consentId}`);
    expect(listed).toHaveLength(accounts.length);
    for (const account of listed) {
      const bank = await s.control('GET', `/accounts/${await providerIdOf(account.id)}/summary`);
      const page = await s.get(`/v1/accounts/${account.id}/transactions?limit=1`);
      expect(page.total_count).toBe(bank.transaction_count);
      expect(page.data_as_of).toEqual(expect.any(String));
      const { balances } = await s.get(`/v1/accounts/${account.id}/balances`);
      expect(balances.find((b: { type: string }) => b.type === 'booked')?.amount).toBe(
        normal(bank.closing_balance),
      );
      if (bank.first_completed) {
        const from = bank.first_completed.slice(0, 10);
        const to = bank.last_completed.slice(0, 10);
        const period = await s.control(
          'GET',
          `/accounts/${await providerIdOf(account.id)}/summary?from_date=${from}&to_date=${to}`,
        );
        const statement = await s.get(`/v1/accounts/${account.id}/statement?from_date=${from}&to_date=${to}`);
        expect(statement).toMatchObject({
          opening_balance: normal(period.opening_balance),
          closing_balance: normal(period.closing_balance),
          total_credits: normal(period.total_credits),
          total_debits: normal(period.total_debits),
          transaction_count: period.transaction_count,
        });
      }
    }
    expect(account0(listed).next_refresh_at).toEqual(expect.any(String));
    const consent = await s.get(`/v1/consents/${consentId}`);
    expect(consent).toMatchObject({ sync: { state: 'succeeded', last_error: null } });
    expect(consent.last_synced_at).toEqual(expect.any(String));
  });

  it('adds nothing on a second sync (the overlap window re-reads without duplicating)', async () => {
    const [{ n: before }] = await s.db<{ n: number }>(
      `SELECT count(*)::int AS n FROM transactions WHERE consent_id = $1`,
      [consentId],
    );
    const second = await finished(await syncNow(consentId));
    expect(second).toMatchObject({
      state: 'succeeded',
      progress: { transactions_added: 0, transactions_modified: 0 },
    });
    expect(second.progress.pages).toBeGreaterThan(0);
    const [{ n: after }] = await s.db<{ n: number }>(
      `SELECT count(*)::int AS n FROM transactions WHERE consent_id = $1`,
      [consentId],
    );
    expect(after).toBe(before);
  });

  it('adds exactly the new postings after the bank’s clock advances, and reports them as changes', async () => {
    const accounts = await userAccounts('dilnoza');
    const before = await Promise.all(accounts.map((id) => s.control('GET', `/accounts/${id}/summary`)));
    // A client following the change feed has read it to the end before the advance.
    const before_ = await followFeed(consentId, null);
    expect(before_.added).toBeGreaterThan(0);
    await s.control('POST', '/advance', { days: 10 });
    const after = await Promise.all(accounts.map((id) => s.control('GET', `/accounts/${id}/summary`)));
    // Until now the client had no webhook URL, and no sync event was recorded for it.
    expect(
      await s.db(
        `SELECT type FROM webhook_events WHERE client_id = $1 AND (type LIKE 'sync.%' OR type = 'transactions.changed')`,
        [s.client.id],
      ),
    ).toEqual([]);
    // A URL whose delivery is refused at once (a loopback address), so no request leaves the box.
    await s.db(`UPDATE clients SET webhook_url = 'http://127.0.0.1:9/hooks' WHERE id = $1`, [s.client.id]);
    const newPostings = after.reduce((n, a, i) => n + a.transaction_count - before[i].transaction_count, 0);
    expect(newPostings).toBeGreaterThan(0);

    const third = await finished(await syncNow(consentId));
    expect(third).toMatchObject({ state: 'succeeded' });
    expect(third.progress.transactions_added).toBe(newPostings);
    for (const id of accounts) {
      const { bank, copy } = await compare(consentId, id);
      expect({ id, ...copy }).toEqual({ id, ...bank });
    }
    // Followed on from there, the feed reports exactly the new postings, and nothing else.
    const after_ = await followFeed(consentId, before_.cursor);
    expect(after_).toMatchObject({ added: newPostings, modified: 0, removed: 0 });
    const events = await s.db<{ data: { added: number } }>(
      `SELECT payload->'data' AS data FROM webhook_events WHERE type = 'transactions.changed' AND payload->'data'->>'sync_id' = $1`,
      [third.id],
    );
    expect(events).toEqual([
      { data: expect.objectContaining({ consent_id: consentId, added: newPostings }) },
    ]);
    await s.db(`UPDATE clients SET webhook_url = NULL WHERE id = $1`, [s.client.id]);
  });
});

describe("a consent's permissions bound what is read from the bank and what is served", () => {
  const status = async (path: string) =>
    (await fetch(`${s.api.url}${path}`, { headers: bearer(s.client.apiKey) })).status;

  it('reads no history without transactions or statements, and refuses what was not granted with 403', async () => {
    const consentId = await s.activeConsent('perm-balances', undefined, ['accounts', 'balances']);
    expect(await finished(await latestSync(consentId))).toMatchObject({ state: 'succeeded' });
    const [{ n }] = await s.db<{ n: number }>(
      `SELECT count(*)::int AS n FROM transactions WHERE consent_id = $1`,
      [consentId],
    );
    expect(n).toBe(0);
    const { accounts } = await s.get(`/v1/accounts?consent_id=${consentId}`);
    expect(accounts.length).toBeGreaterThan(0);
    const { balances } = await s.get(`/v1/accounts/${accounts[0].id}/balances`);
    expect(balances.some((b: { type: string }) => b.type === 'booked')).toBe(true);
    const refused = await fetch(`${s.api.url}/v1/accounts/${accounts[0].id}/transactions`, {
      headers: bearer(s.client.apiKey),
    });
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ code: 'permission_not_granted' });
    expect(
      await status(`/v1/accounts/${accounts[0].id}/statement?from_date=2025-01-01&to_date=2025-12-31`),
    ).toBe(403);
    expect(await status(`/v1/transactions/sync?consent_id=${consentId}`)).toBe(403);
    expect(await status(`/v1/cards?consent_id=${consentId}`)).toBe(403);
    expect(await status(`/v1/transfers?consent_id=${consentId}`)).toBe(403);
  });

  it('serves statements that add up under a statements-only consent, but not the transaction list', async () => {
    const consentId = await s.activeConsent('perm-statements', undefined, ['accounts', 'statements']);
    expect(await finished(await latestSync(consentId))).toMatchObject({ state: 'succeeded' });
    const { accounts } = await s.get(`/v1/accounts?consent_id=${consentId}`);
    for (const account of accounts) {
      const bankId = await providerIdOf(account.id);
      const bank = await s.control('GET', `/accounts/${bankId}/summary`);
      if (!bank.first_completed) continue;
      const [from, to] = [bank.first_completed.slice(0, 10), bank.last_completed.slice(0, 10)];
      const period = await s.control('GET', `/accounts/${bankId}/summary?from_date=${from}&to_date=${to}`);
      expect(
        await s.get(`/v1/accounts/${account.id}/statement?from_date=${from}&to_date=${to}`),
      ).toMatchObject({
        opening_balance: normal(period.opening_balance),
        closing_balance: normal(period.closing_balance),
        total_credits: normal(period.total_credits),
        total_debits: normal(period.total_debits),
        transaction_count: period.transaction_count,
      });
      expect(await status(`/v1/accounts/${account.id}/transactions`)).toBe(403);
      expect(await status(`/v1/accounts/${account.id}/balances`)).toBe(403);
    }
    expect(await status(`/v1/transactions/sync?consent_id=${consentId}`)).toBe(403);
  });
});

describe('bank faults during a sync', () => {
  let consentId: string;
  let txPath: string;
  beforeAll(async () => {
    consentId = await s.activeConsent('fault-user', {
      username: 'farrukh',
      password: 'Farrukh-2024',
      otp: '123456',
    });
    await finished(await latestSync(consentId));
    const [big] = await s.db<{ provider_account_id: string }>(
      `SELECT a.provider_account_id FROM accounts a JOIN transactions t ON t.account_id = a.id WHERE a.consent_id = $1
        GROUP BY a.id ORDER BY count(*) DESC LIMIT 1`,
      [consentId],
    );
    txPath = `/obp/v5.1.0/banks/alif.tj/accounts/${big!.provider_account_id}/owner/transactions`;
    // Forget the copy of that account so the next sync pages through its whole history again.
    await s.db(`UPDATE accounts SET checkpoint = NULL WHERE consent_id = $1`, [consentId]);
    await s.db(`DELETE FROM transactions WHERE consent_id = $1`, [consentId]);
  });

  async function countCopy() {
    const [{ n }] = await s.db<{ n: number }>(
      `SELECT count(*)::int AS n FROM transactions WHERE consent_id = $1`,
      [consentId],
    );
    return n;
  }

  it('waits for X-Rate-Limit-Reset on a 429 at the third page, then completes without gap or duplicate', async () => {
    await s.control('POST', '/faults', {
      match: { method: 'GET', path: txPath },
      status: 429,
      after: 2,
      times: 1,
      reset_s: 2,
    });
    const id = await syncNow(consentId);
    const waiting = await until(
      () => syncState(id),
      (v) => v.state === 'waiting_rate_limit' || v.state === 'succeeded' || v.state === 'failed',
    );
    expect(waiting.state).toBe('waiting_rate_limit');
    expect(waiting.progress.pages).toBeGreaterThanOrEqual(2);
    const done = await finished(id);
    expect(done.state).toBe('succeeded');
    const users = (await s.control('GET', '/users')).users.find(
      (u: { username: string }) => u.username === 'farrukh',
    );
    for (const a of users.accounts) {
      const { bank, copy } = await compare(consentId, a.account_id);
      expect({ id: a.account_id, ...copy }).toEqual({ id: a.account_id, ...bank });
    }
    const [{ dups }] = await s.db<{ dups: number }>(
      `SELECT count(*)::int AS dups FROM (SELECT provider_transaction_id FROM transactions WHERE consent_id = $1 GROUP BY 1 HAVING count(*) > 1) d`,
      [consentId],
    );
    expect(dups).toBe(0);
  });

  it('retries a 500 and a timeout with backoff and completes', async () => {
    const { users } = await s.control('GET', '/users');
    const farrukh = users.find((u: { username: string }) => u.username === 'farrukh');
    let expected = 0;
    for (const a of farrukh.accounts)
      expected += (await s.control('GET', `/accounts/${a.account_id}/summary`)).transaction_count;
    await s.db(`DELETE FROM transactions WHERE consent_id = $1`, [consentId]);
    await s.db(`UPDATE accounts SET checkpoint = NULL WHERE consent_id = $1`, [consentId]);
    await s.control('POST', '/faults', {
      match: { method: 'GET', path: txPath },
      status: 500,
      after: 1,
      times: 1,
    });
    await s.control('POST', '/faults', {
      match: { method: 'GET', path: txPath },
      delay_ms: 3000,
      after: 3,
      times: 1,
    });
    const done = await finished(await syncNow(consentId));
    expect(done).toMatchObject({
      state: 'succeeded',
      progress: { transactions_added: expected, transactions_modified: 0 },
    });
    expect(await countCopy()).toBe(expected);
    const faults = await s.control('GET', '/faults');
    expect((faults.faults ?? faults).map((f: { fired: number }) => f.fired)).toEqual([1, 1]);
  });

  it('fails loudly on a malformed page, storing nothing of it, and resumes there on the next sync', async () => {
    await s.db(`DELETE FROM transactions WHERE consent_id = $1`, [consentId]);
    await s.db(`UPDATE accounts SET checkpoint = NULL WHERE consent_id = $1`, [consentId]);
    await s.control('POST', '/faults', {
      match: { method: 'GET', path: txPath },
      body: 'malformed',
      after: 1,
      times: 1,
    });
    const failed = await finished(await syncNow(consentId));
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/malformed bank reply/);
    const consent = await s.get(`/v1/consents/${consentId}`);
    expect(consent.sync.state).toBe('failed');
    expect(consent.sync.last_error).toMatch(/malformed/);
    expect(consent.status).toBe('active');
    // The first page of that account was committed, the broken second one was not.
    const [{ n }] = await s.db<{ n: number }>(
      `SELECT count(*)::int AS n FROM transactions t JOIN accounts a ON a.id = t.account_id WHERE a.consent_id = $1 AND $2 LIKE '%' || a.provider_account_id || '%'`,
      [consentId, txPath],
    );
    expect(n).toBe(50);
    const again = await finished(await syncNow(consentId));
    expect(again.state).toBe('succeeded');
    const users = (await s.control('GET', '/users')).users.find(
      (u: { username: string }) => u.username === 'farrukh',
    );
    for (const a of users.accounts) {
      const { bank, copy } = await compare(consentId, a.account_id);
      expect({ id: a.account_id, ...copy }).toEqual({ id: a.account_id, ...bank });
    }
  });

  it('makes the consent reauth_required when the bank rejects the token (OBP-20001) even after a refresh', async () => {
    await s.control('POST', '/faults', {
      match: { method: 'GET', path: '/obp/v5.1.0/my/accounts' },
      status: 401,
      times: 2,
    });
    const failed = await finished(await syncNow(consentId));
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/reauthorisation required/);
    expect((await s.get(`/v1/consents/${consentId}`)).status).toBe('reauth_required');
  });
});
