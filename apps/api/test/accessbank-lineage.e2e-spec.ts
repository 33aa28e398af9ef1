import { randomUUID } from 'node:crypto';
import { authoriseAtBank } from '#testing/sca-browser.js';
import { bearer, json } from './harness.js';
import { CLIENT_DONE, startStack, until, type Stack } from './stack.js';

/**
 * AccessBank pending → booked lineage end to end: the sandbox books pending entries under NEW
 * `transactionId`s with the same `entryReference` (or none on the pending side) and lets some
 * vanish as its clock moves. After each `advance` and a sync, Hisob holds every booked entry of the
 * bank exactly once, each booked entry that was pending `supersedes` the Hisob id of its pending
 * row, the superseded and vanished pending rows are `removed` in the change feed, the pending rows
 * left are the bank's pending list, a client replaying the feed from the start holds exactly
 * Hisob's list, `status=` partitions the list, and statements count booked entries only.
 *
 * Syncs are made with the person present (`psu_ip_address`): the bank does not count them against
 * `frequencyPerDay`, so the rounds are never held back by the day's four background reads. One
 * round is a background sync, to cover the counted path as well (the first sync and it are two of
 * the four).
 */
const ZARINA = { username: 'zarina', password: 'Zarina-2024', otp: '123456' };
const PSU_IP = '203.0.113.7';
/** Days each round moves the bank's clock, and whether its sync is made with the person present. */
const ROUNDS: Array<[days: number, present: boolean]> = [
  [2, true],
  [3, true],
  [1, false],
  [4, true],
];
const PAGE_SIZE = 5;

let s: Stack;
let consentId = '';
/** The bank's consent id (the `Consent-ID` of reads), to read the bank's own booked list. */
let bankConsentId = '';

beforeAll(async () => {
  // Small pages: an incremental report spans several pages, pending entries on its first only, so
  // `pendingComplete` on the last page must stand for what the earlier pages reported.
  s = await startStack({ accessbank: { pageSize: PAGE_SIZE } });
}, 60_000);
afterAll(() => s?.close());

interface Tx {
  id: string;
  provider_transaction_id: string;
  status: 'booked' | 'pending';
  amount: string;
  currency: string;
  date: string;
  supersedes?: string;
  entry_reference?: string;
  [k: string]: unknown;
}

interface BankPending {
  transaction_id: string;
  entry_reference: string | null;
  amount: string;
  fate: 'books' | 'vanishes';
  books_on: string | null;
  booked_transaction_id: string | null;
  booked_entry_reference: string | null;
  vanishes_on: string | null;
}

async function post(path: string, body: unknown) {
  const res = await fetch(`${s.api.url}${path}`, {
    method: 'POST',
    headers: { ...bearer(s.client.apiKey), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await json(res) };
}

/** A sync, with the person present unless `present` is false, to its end. */
async function syncNow(present: boolean): Promise<any> {
  const started = await post(`/v1/consents/${consentId}/sync`, present ? { psu_ip_address: PSU_IP } : {});
  expect(started.status).toBe(202);
  return until(
    () => s.get(`/v1/syncs/${started.body.sync_id}`),
    (v) => ['succeeded', 'failed', 'waiting_rate_limit'].includes(v.state),
    90_000,
  );
}

/** Every transaction of an account in Hisob, through the list's cursor. */
async function hisobList(accountId: string, status?: 'booked' | 'pending'): Promise<Tx[]> {
  const out: Tx[] = [];
  let cursor: string | null = null;
  let total = -1;
  do {
    const q = new URLSearchParams({ limit: '500' });
    if (status) q.set('status', status);
    if (cursor) q.set('cursor', cursor);
    const page = await s.get(`/v1/accounts/${accountId}/transactions?${q}`);
    total = page.total_count;
    out.push(...page.transactions);
    cursor = page.next_cursor ?? null;
  } while (cursor);
  expect(out).toHaveLength(total);
  return out;
}

/** A client following the change feed: its own copy, keyed by Hisob id. */
class FeedReplica {
  readonly rows = new Map<string, Tx>();
  cursor: string | null = null;

  /** Reads the feed to its end; returns what this read saw. */
  async follow(): Promise<{ added: Tx[]; modified: Tx[]; removed: string[] }> {
    const seen = { added: [] as Tx[], modified: [] as Tx[], removed: [] as string[] };
    for (;;) {
      const q = new URLSearchParams({ consent_id: consentId, count: '500' });
      if (this.cursor) q.set('cursor', this.cursor);
      const page = await s.get(`/v1/transactions/sync?${q}`);
      for (const t of page.added) this.rows.set(t.id, t);
      for (const t of page.modified) this.rows.set(t.id, t);
      for (const id of page.removed) this.rows.delete(id);
      seen.added.push(...page.added);
      seen.modified.push(...page.modified);
      seen.removed.push(...page.removed);
      this.cursor = page.next_cursor;
      if (!page.has_more) return seen;
    }
  }
}

/** The bank's own booked entries of an account (read with the person present: not counted). */
async function bankBooked(accountId: string, from: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  let next: string | null = `/v1/accounts/${accountId}/transactions?bookingStatus=booked&dateFrom=${from}`;
  while (next) {
    const res = await fetch(`${s.accessbank.url}${next}`, {
      headers: { 'X-Request-ID': randomUUID(), 'Consent-ID': bankConsentId, 'PSU-IP-Address': PSU_IP },
    });
    expect(res.status).toBe(200);
    const body: any = await res.json();
    for (const e of body.transactions.booked ?? []) {
      expect(ids.has(e.transactionId)).toBe(false);
      ids.set(e.transactionId, e.transactionAmount.amount);
    }
    next = body.transactions._links?.next?.href ?? null;
  }
  return ids;
}

/** Sum of decimal strings, exactly (minor units at the scale of the longest fraction: 2 here). */
function sum(amounts: string[]): bigint {
  return amounts.reduce((acc, a) => {
    const neg = a.startsWith('-');
    const [i, f = ''] = (neg ? a.slice(1) : a).split('.');
    const minor = BigInt(i!) * 100n + BigInt(f.padEnd(2, '0').slice(0, 2));
    expect(f.length).toBeLessThanOrEqual(2);
    return acc + (neg ? -minor : minor);
  }, 0n);
}

function minorOf(d: string): bigint {
  return sum([d]);
}

interface Account {
  hisobId: string;
  bankId: string;
  currency: string;
}
let accounts: Account[] = [];
const replica = new FeedReplica();
/** Over the rounds: pending entries booked, vanished, booked that had no reference while pending, new. */
let allBooked = 0;
let allVanished = 0;
let withoutRef = 0;
let newPending = 0;

it('consents through the bank pages and makes the first sync', async () => {
  const created = await post('/v1/consents', {
    provider: 'accessbank',
    end_user_id: 'zarina-lineage',
    redirect_uri: CLIENT_DONE,
    psu_ip_address: PSU_IP,
  });
  expect([created.status, created.body.errors]).toEqual([201, undefined]);
  const { finalUrl } = await authoriseAtBank(
    created.body.authorisation_url,
    { ...ZARINA, decision: 'allow' },
    (u) => u.origin === new URL(CLIENT_DONE).origin,
  );
  expect(finalUrl.searchParams.get('status')).toBe('active');
  consentId = created.body.id;
  const first = await until(
    () => s.get(`/v1/consents/${consentId}`),
    (c) => ['succeeded', 'failed'].includes(c.sync?.state),
    90_000,
  );
  expect(first.sync).toMatchObject({ state: 'succeeded' });
  const bankConsents = await s.accessbankControl('GET', '/consents');
  bankConsentId = bankConsents.consents.find(
    (c: any) => c.psu_id === 'zarina' && c.status === 'valid',
  ).consent_id;
  const users = await s.accessbankControl('GET', '/users');
  const zarina = users.users.find((u: any) => u.psu_id === 'zarina');
  const listed = (await s.get(`/v1/accounts?consent_id=${consentId}`)).accounts;
  accounts = zarina.accounts.map((a: any) => ({
    hisobId: listed.find((l: any) => l.currency === a.currency).id,
    bankId: a.account_id,
    currency: a.currency,
  }));
  expect(accounts).toHaveLength(3);
  // The client replays the change feed from the start.
  await replica.follow();
  await expectCopyEqualsBank();
}, 150_000);

for (const [round, [days, present]] of ROUNDS.entries()) {
  it(`round ${round + 1}: advance ${days} day(s), sync (${present ? 'person present' : 'background'}), and the lineage holds`, async () => {
    // Before: the bank's pending entries and their fate, and Hisob's rows for them.
    const before = new Map<string, { pending: BankPending[]; hisob: Map<string, Tx> }>();
    for (const a of accounts) {
      const { pending } = await s.accessbankControl('GET', `/accounts/${a.bankId}/pending`);
      const rows = await hisobList(a.hisobId, 'pending');
      before.set(a.bankId, {
        pending,
        hisob: new Map(rows.map((t) => [t.provider_transaction_id, t])),
      });
    }
    const { today } = await s.accessbankControl('POST', '/advance', { days });

    // The sandbox did what the round needs: pending entries booked and pending entries vanished.
    const booked: Array<{ account: Account; was: BankPending }> = [];
    const vanished: Array<{ account: Account; was: BankPending }> = [];
    for (const a of accounts) {
      const now = (await s.accessbankControl('GET', `/accounts/${a.bankId}/pending`))
        .pending as BankPending[];
      const still = new Set(now.map((p) => p.transaction_id));
      for (const p of before.get(a.bankId)!.pending) {
        if (still.has(p.transaction_id)) continue;
        if (p.fate === 'books') {
          expect(p.books_on! <= today).toBe(true);
          expect(p.booked_transaction_id).not.toBe(p.transaction_id);
          booked.push({ account: a, was: p });
        } else {
          expect(p.vanishes_on! <= today).toBe(true);
          vanished.push({ account: a, was: p });
        }
      }
    }
    // Across the rounds both happen; each round books at least one entry.
    expect(booked.length).toBeGreaterThan(0);
    if (round === 0) expect(vanished.length).toBeGreaterThan(0);
    allBooked += booked.length;
    allVanished += vanished.length;
    withoutRef += booked.filter((b) => b.was.entry_reference === null).length;

    const sync = await syncNow(present);
    expect(sync).toMatchObject({ state: 'succeeded' });
    // Several pages per report (the pending entries on the first of an account's pages only).
    expect(sync.progress.pages).toBeGreaterThan(sync.progress.accounts_total);
    const feed = await replica.follow();
    expect(sync.progress.transactions_removed).toBe(feed.removed.length);

    // The bank's new pending entries are in the feed as pending transactions.
    for (const a of accounts) {
      const now = (await s.accessbankControl('GET', `/accounts/${a.bankId}/pending`))
        .pending as BankPending[];
      const fresh = now.filter((p) => !before.get(a.bankId)!.hisob.has(p.transaction_id));
      const added = feed.added.filter((t) => t.account_id === a.hisobId && t.status === 'pending');
      expect(added.map((t) => t.provider_transaction_id).sort()).toEqual(
        fresh.map((p) => p.transaction_id).sort(),
      );
      newPending += fresh.length;
    }

    for (const { account, was } of booked) {
      const pendingRow = before.get(account.bankId)!.hisob.get(was.transaction_id);
      expect(pendingRow).toMatchObject({ status: 'pending', amount: was.amount });
      const rows = (await hisobList(account.hisobId)).filter(
        (t) => t.provider_transaction_id === was.booked_transaction_id,
      );
      expect(rows).toEqual([
        expect.objectContaining({
          status: 'booked',
          amount: was.amount,
          entry_reference: was.booked_entry_reference,
          supersedes: pendingRow!.id,
        }),
      ]);
      expect(feed.added.map((t) => t.id)).toContain(rows[0]!.id);
      expect(feed.removed).toContain(pendingRow!.id);
    }
    for (const { account, was } of vanished) {
      const pendingRow = before.get(account.bankId)!.hisob.get(was.transaction_id);
      expect(pendingRow).toMatchObject({ status: 'pending' });
      expect(feed.removed).toContain(pendingRow!.id);
      expect(replica.rows.has(pendingRow!.id)).toBe(false);
    }
    // Nothing else was removed: every removed id was one of those pending rows.
    const gone = new Set(
      [...booked, ...vanished].map(
        ({ account, was }) => before.get(account.bankId)!.hisob.get(was.transaction_id)!.id,
      ),
    );
    expect([...feed.removed].sort()).toEqual([...gone].sort());
    await expectCopyEqualsBank();
  }, 150_000);
}

it('over the rounds, pending entries booked (some without a reference while pending), vanished and appeared', () => {
  expect(allBooked).toBeGreaterThan(0);
  expect(allVanished).toBeGreaterThan(0);
  expect(withoutRef).toBeGreaterThan(0);
  expect(newPending).toBeGreaterThan(0);
});

/** Hisob's copy, the client's replica and the bank agree, account by account. */
async function expectCopyEqualsBank(): Promise<void> {
  const today = (await s.accessbankControl('GET', '/state')).today as string;
  const everything: Tx[] = [];
  for (const a of accounts) {
    const all = await hisobList(a.hisobId);
    everything.push(...all);
    const bookedRows = await hisobList(a.hisobId, 'booked');
    const pendingRows = await hisobList(a.hisobId, 'pending');
    // `status=` partitions the list.
    expect(bookedRows.every((t) => t.status === 'booked')).toBe(true);
    expect(pendingRows.every((t) => t.status === 'pending')).toBe(true);
    expect([...bookedRows, ...pendingRows].map((t) => t.id).sort()).toEqual(all.map((t) => t.id).sort());

    // Every booked entry of the bank exactly once, with its amount; nothing else booked.
    const summary = await s.accessbankControl('GET', `/accounts/${a.bankId}/summary`);
    const bank = await bankBooked(a.bankId, summary.first_booking_date ?? today);
    expect(bookedRows).toHaveLength(summary.booked_count);
    expect(bank.size).toBe(summary.booked_count);
    const byProviderId = new Map<string, Tx[]>();
    for (const t of all)
      byProviderId.set(t.provider_transaction_id, [
        ...(byProviderId.get(t.provider_transaction_id) ?? []),
        t,
      ]);
    for (const [id, amount] of bank) {
      expect([id, byProviderId.get(id)?.map((t) => [t.status, t.amount])]).toEqual([
        id,
        [['booked', amount]],
      ]);
    }
    expect(sum(bookedRows.map((t) => t.amount))).toBe(minorOf(summary.sum_of_amounts));

    // The pending rows left are the bank's pending list now.
    const { pending } = await s.accessbankControl('GET', `/accounts/${a.bankId}/pending`);
    expect(
      pendingRows.map((t) => [t.provider_transaction_id, t.amount, t.entry_reference ?? null]).sort(),
    ).toEqual((pending as BankPending[]).map((p) => [p.transaction_id, p.amount, p.entry_reference]).sort());
    expect(pendingRows.length).toBe(summary.pending_count);

    // A statement over the whole history counts booked entries only: the bank's booked figures.
    if (summary.booked_count > 0) {
      const statement = await s.get(
        `/v1/accounts/${a.hisobId}/statement?from_date=${summary.first_booking_date}&to_date=${today}`,
      );
      expect(statement).toMatchObject({
        currency: a.currency,
        transaction_count: summary.booked_count,
        total_credits: summary.total_credits,
        total_debits: summary.total_debits.replace(/^-/, ''),
        closing_balance: summary.closing_balance,
      });
      expect(minorOf(statement.closing_balance) - minorOf(statement.opening_balance)).toBe(
        minorOf(summary.sum_of_amounts),
      );
    }
  }
  // The client's replayed copy is Hisob's list exactly: the same ids with the same fields.
  const mine = [...replica.rows.values()].sort((x, y) => x.id.localeCompare(y.id));
  const hisob = [...everything].sort((x, y) => x.id.localeCompare(y.id));
  expect(mine).toEqual(hisob);
}
