import { ConsentJobs } from '#consents/consent-jobs.js';
import { bearer, json } from './harness.js';
import { startStack, until, type Stack } from './stack.js';

/**
 * A sync that finds nothing new (the sandbox's today is pinned: the bank has no new posting)
 * writes nothing that did not change: the transactions, transfers and balances rows are the same
 * row versions (xmin, ctid), not even locked (xmax: an INSERT … ON CONFLICT DO UPDATE that finds
 * nothing to change still locks the row it conflicts with), and the outbox gets no event — a scheduled sync that changed nothing has
 * nothing to announce, even to a client with a webhook URL. A sync the client asked for is still
 * announced.
 */
let s: Stack;
beforeAll(async () => {
  s = await startStack({ env: { HISOB_ALLOW_PRIVATE_WEBHOOKS: 'true' } });
});
afterAll(() => s?.close());

const ended = (id: string) =>
  until(
    () => s.db<{ state: string }>(`SELECT state FROM syncs WHERE id = $1`, [id]),
    (rows) => rows[0]?.state === 'succeeded' || rows[0]?.state === 'failed',
    60_000,
  );

/** Every stored row version of the consent's data and of the client's outbox. */
async function rowVersions(consentId: string) {
  const [transactions, transfers, balances, accounts, events] = await Promise.all([
    s.db(
      `SELECT id, xmin::text, xmax::text, ctid::text FROM transactions WHERE consent_id = $1 ORDER BY id`,
      [consentId],
    ),
    s.db(`SELECT id, xmin::text, xmax::text, ctid::text FROM transfers WHERE consent_id = $1 ORDER BY id`, [
      consentId,
    ]),
    s.db(
      `SELECT b.account_id, b.type, b.xmin::text, b.xmax::text, b.ctid::text, b.amount::text
         FROM balances b JOIN accounts a ON a.id = b.account_id WHERE a.consent_id = $1 ORDER BY 1, 2`,
      [consentId],
    ),
    s.db<{ data_as_of: Date }>(`SELECT data_as_of FROM accounts WHERE consent_id = $1 ORDER BY id`, [
      consentId,
    ]),
    s.db(`SELECT id, type FROM webhook_events WHERE client_id = $1 ORDER BY id`, [s.client.id]),
  ]);
  return { transactions, transfers, balances, accounts, events };
}

it('a scheduled sync that finds nothing new leaves transactions, transfers, balances and the outbox untouched', async () => {
  const consentId = await s.activeConsent('noop-user');
  const [first] = await s.db<{ id: string }>(`SELECT id FROM syncs WHERE consent_id = $1`, [consentId]);
  expect((await ended(first!.id))[0]!.state).toBe('succeeded');
  // From now on the client has a webhook URL: nothing changed is still nothing to announce.
  await s.db(`UPDATE clients SET webhook_url = 'http://127.0.0.1:9/hook' WHERE id = $1`, [s.client.id]);

  const before = await rowVersions(consentId);
  expect(before.transactions.length).toBeGreaterThan(0);
  expect(before.balances.length).toBeGreaterThan(0);
  expect(before.transfers.length).toBeGreaterThan(0);

  const jobs = s.worker!.app.get(ConsentJobs);
  const scheduled = await jobs.startSync({ id: consentId, clientId: s.client.id }, 'scheduled');
  expect((await ended(scheduled))[0]!.state).toBe('succeeded');
  const after = await rowVersions(consentId);

  expect(after.transactions).toEqual(before.transactions);
  expect(after.transfers).toEqual(before.transfers);
  expect(after.balances).toEqual(before.balances);
  expect(after.events).toEqual(before.events);
  // It did run: every account was read again.
  for (const [i, a] of after.accounts.entries())
    expect(a.data_as_of.getTime()).toBeGreaterThan(before.accounts[i]!.data_as_of.getTime());
  const [sync] = await s.db<{
    transactions_added: number;
    transactions_modified: number;
    accounts_done: number;
  }>(`SELECT transactions_added, transactions_modified, accounts_done FROM syncs WHERE id = $1`, [scheduled]);
  expect(sync).toMatchObject({
    transactions_added: 0,
    transactions_modified: 0,
    accounts_done: before.accounts.length,
  });

  // A sync the client asked for is announced, changes or not.
  const res = await fetch(`${s.api.url}/v1/consents/${consentId}/sync`, {
    method: 'POST',
    headers: bearer(s.client.apiKey),
  });
  expect(res.status).toBe(202);
  const manual = (await json(res)).sync_id as string;
  expect((await ended(manual))[0]!.state).toBe('succeeded');
  const announced = await s.db<{ type: string }>(
    `SELECT type FROM webhook_events WHERE client_id = $1 AND payload->'data'->'sync'->>'id' = $2`,
    [s.client.id, manual],
  );
  expect(announced.map((e) => e.type)).toEqual(['sync.succeeded']);
  expect((await rowVersions(consentId)).balances).toEqual(before.balances);
});
