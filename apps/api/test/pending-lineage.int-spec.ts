import { Logger } from '@nestjs/common';
import { ScriptedBank, scriptedSync, type BankEntry, type ScriptedSync } from '#testing/scripted-bank.js';
import { bearer, json, startApi, type ApiHarness } from './harness.js';

/**
 * Pending → booked lineage as a client sees it through the API, with the real sync engine writing
 * the copy from a scripted bank: `supersedes` (and `entry_reference`) on the transaction list and
 * in the change feed, the superseded pending transaction `removed`, `status=` narrowing the list
 * and its total, and statements counting booked transactions only.
 */
let api: ApiHarness;
let h: ScriptedSync;
const bank = new ScriptedBank();
let apiKey: string;

beforeAll(async () => {
  api = await startApi();
  Logger.overrideLogger(false);
  h = await scriptedSync(api.db.url, bank);
  apiKey = (await api.newClient('lineage')).apiKey;
});
afterAll(async () => {
  await h?.close();
  await api?.close();
});

const get = async (path: string) => {
  const r = await fetch(`${api.url}${path}`, { headers: bearer(apiKey) });
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return json(r);
};

const entry = (
  id: string,
  status: BankEntry['status'],
  date: string,
  amount: string,
  o: Partial<BankEntry> = {},
): BankEntry => ({
  id,
  status,
  date,
  amount,
  counterparty: 'Cafe Rohat',
  ...o,
});

it('shows supersedes on the list and in the change feed, narrows by status, and leaves pending out of statements', async () => {
  const [clientRow] = await h.ds.query(`SELECT id FROM clients WHERE name = 'lineage'`);
  const { consentId } = await h.newConsent(clientRow.id);
  bank.pageSize = 2;
  bank.pendingComplete = true;
  bank.entries = [
    entry('b0', 'booked', '2026-03-01', '100.00', { counterparty: 'Salary' }),
    entry('p1', 'pending', '2026-03-01', '-12.00', { ref: 'R1' }),
    entry('p2', 'pending', '2026-03-02', '-30.00', { counterparty: 'Tcell' }),
    entry('p3', 'pending', '2026-03-02', '-8.00', { counterparty: 'Kiosk' }),
  ];
  const first = await h.sync(consentId);
  const accountId = first.accountId;
  const start = await get(`/v1/transactions/sync?consent_id=${consentId}`);
  const pendingP1 = start.added.find((t: any) => t.provider_transaction_id === 'p1');
  expect(pendingP1).toMatchObject({ status: 'pending', entry_reference: 'R1' });
  expect(pendingP1.supersedes).toBeUndefined();

  // p1 books under a new id (its reference kept), p3 vanishes, p2 is still pending.
  bank.entries = [
    entry('b0', 'booked', '2026-03-01', '100.00', { counterparty: 'Salary' }),
    entry('b1', 'booked', '2026-03-03', '-12.40', { ref: 'R1' }),
    entry('p2', 'pending', '2026-03-02', '-30.00', { counterparty: 'Tcell' }),
  ];
  await h.sync(consentId);

  const changes = await get(`/v1/transactions/sync?consent_id=${consentId}&cursor=${start.next_cursor}`);
  const pendingP3 = start.added.find((t: any) => t.provider_transaction_id === 'p3');
  expect(changes.added).toEqual([
    expect.objectContaining({
      provider_transaction_id: 'b1',
      status: 'booked',
      amount: '-12.40',
      entry_reference: 'R1',
      supersedes: pendingP1.id,
    }),
  ]);
  expect(changes.modified).toEqual([]);
  expect([...changes.removed].sort()).toEqual([pendingP1.id, pendingP3.id].sort());

  const list = await get(`/v1/accounts/${accountId}/transactions`);
  expect(list.total_count).toBe(3);
  const b1 = list.transactions.find((t: any) => t.provider_transaction_id === 'b1');
  expect(b1).toEqual(changes.added[0]);
  expect(list.transactions.map((t: any) => t.id)).not.toContain(pendingP1.id);

  const pendingOnly = await get(`/v1/accounts/${accountId}/transactions?status=pending`);
  expect(pendingOnly.transactions.map((t: any) => [t.provider_transaction_id, t.status])).toEqual([
    ['p2', 'pending'],
  ]);
  expect(pendingOnly.total_count).toBe(1);
  const bookedOnly = await get(`/v1/accounts/${accountId}/transactions?status=booked`);
  expect(bookedOnly.transactions.map((t: any) => t.provider_transaction_id)).toEqual(['b1', 'b0']);
  expect(bookedOnly.total_count).toBe(2);

  // The bank's booked balance is 87.60; p2's −30.00 is not in it, nor in the statement.
  const st = await get(`/v1/accounts/${accountId}/statement?from_date=2026-03-01&to_date=2026-03-31`);
  expect(st).toMatchObject({
    opening_balance: '0.00',
    closing_balance: '87.60',
    total_credits: '100.00',
    total_debits: '12.40',
    transaction_count: 2,
  });
  const sync = await get(
    `/v1/syncs/${(await h.ds.query(`SELECT id FROM syncs WHERE consent_id = $1 ORDER BY created_at DESC LIMIT 1`, [consentId]))[0].id}`,
  );
  expect(sync.progress).toMatchObject({
    transactions_added: 1,
    transactions_modified: 0,
    transactions_removed: 2,
  });
});
