import type { DataSource } from 'typeorm';
import { createDataSource } from '#persistence/data-source.js';
import { SyncWriteRepository } from '#persistence/repositories/sync-write.repository.js';
import { SyncRepository } from '#persistence/repositories/sync.repository.js';
import { createTestDatabase, type TestDatabase } from '#testing/db.js';
import { DataFactory, type TestAccount, type TestConsent } from '#testing/factories.js';

/**
 * How a sync counts its accounts, on the real PostgreSQL: each account once per sync, whatever
 * jobs of earlier syncs still run; never complete before the listing has said how many accounts
 * there are; and a listing that finds every account already counted says so.
 */
let db: TestDatabase;
let ds: DataSource;
let f: DataFactory;
let syncs: SyncRepository;
let writer: SyncWriteRepository;
let consent: TestConsent;
let accounts: TestAccount[];

async function makeSync(state: string, total: number): Promise<string> {
  const [row] = await f.query<{ id: string }>(
    `INSERT INTO syncs (client_id, consent_id, reason, state, accounts_total, finished_at)
     VALUES ($1, $2, 'manual', $3, $4, CASE WHEN $3 IN ('succeeded', 'failed') THEN now() END) RETURNING id`,
    [consent.clientId, consent.id, state, total],
  );
  return row!.id;
}

const progress = async (id: string) =>
  (
    await f.query<{ state: string; accounts_done: number; accounts_total: number }>(
      `SELECT state, accounts_done, accounts_total FROM syncs WHERE id = $1`,
      [id],
    )
  )[0]!;

/** The consent job's listing of both accounts, as its fenced transaction records it. */
const listed = (syncId: string) =>
  ds.transaction((em) =>
    writer.recordListing(
      em,
      { clientId: consent.clientId, consentId: consent.id },
      {
        syncId,
        accountIds: new Map(accounts.map((x, i) => [`acc-${i}`, x.id])),
        cards: null,
        transfersCoverage: [],
        coverage: [],
      },
    ),
  );

beforeAll(async () => {
  db = await createTestDatabase();
  ds = createDataSource({ url: db.url, poolSize: 2, planCacheMode: 'auto' });
  await ds.initialize();
  f = new DataFactory({ databaseUrl: db.url });
  syncs = new SyncRepository(ds);
  writer = new SyncWriteRepository(ds);
  consent = await f.makeConsent(await f.insertClient('counting'));
  accounts = [await f.makeAccount(consent), await f.makeAccount(consent)];
});
beforeEach(async () => {
  await f.query(`UPDATE accounts SET counted_sync_id = NULL`);
  await f.query(`DELETE FROM syncs`);
});
afterAll(async () => {
  await f?.close();
  await ds?.destroy();
  await db?.drop();
});

it('a late job of an ended sync leaves the running sync its count of the account', async () => {
  const ended = await makeSync('succeeded', 2);
  const running = await makeSync('running', 2);
  const [a, b] = accounts;
  expect(await syncs.accountDone(running, a!.id)).toBeNull();
  // A retry of the ended sync's job for the same account finishes its read late.
  expect(await syncs.accountDone(ended, a!.id)).toBeNull();
  expect(await progress(ended)).toMatchObject({ state: 'succeeded', accounts_done: 0 });
  // The running sync's own (racing) job for that account finds it counted.
  expect(await syncs.accountDone(running, a!.id)).toBeNull();
  expect(await progress(running)).toMatchObject({ accounts_done: 1 });
  const [counted] = await f.query<{ counted_sync_id: string }>(
    `SELECT counted_sync_id FROM accounts WHERE id = $1`,
    [a!.id],
  );
  expect(counted!.counted_sync_id).toBe(running);
  // The last account completes it, once.
  expect(await syncs.accountDone(running, b!.id)).toMatchObject({ accounts_done: 2, accounts_total: 2 });
  expect(await syncs.accountDone(running, b!.id)).toBeNull();
});

it('accounts counted before the listing never complete the sync; the listing tells when they all were', async () => {
  const sync = await makeSync('queued', 0);
  const [a, b] = accounts;
  // Account jobs (the sweeper's repair) run before the consent job has listed the accounts.
  expect(await syncs.accountDone(sync, a!.id)).toBeNull();
  expect(await syncs.accountDone(sync, b!.id)).toBeNull();
  expect(await progress(sync)).toMatchObject({ state: 'queued', accounts_done: 2, accounts_total: 0 });
  expect(await listed(sync)).toEqual({ complete: true });
  expect(await progress(sync)).toMatchObject({ state: 'running', accounts_done: 2, accounts_total: 2 });
  // Once ended, a listing run again leaves the sync alone.
  await syncs.finish(sync, 'succeeded', null);
  expect(await listed(sync)).toBeNull();
});

it('a listing before any account is counted leaves the sync to its accounts', async () => {
  const sync = await makeSync('queued', 0);
  expect(await listed(sync)).toEqual({ complete: false });
  expect(await syncs.accountDone(sync, accounts[0]!.id)).toBeNull();
  expect(await syncs.accountDone(sync, accounts[1]!.id)).toMatchObject({ accounts_done: 2 });
});
