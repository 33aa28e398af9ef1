import type { DataSource } from 'typeorm';
import { createDataSource } from '#persistence/data-source.js';
import { SyncWriteRepository } from '#persistence/repositories/sync-write.repository.js';
import { createTestDatabase, type TestDatabase } from '#testing/db.js';

/**
 * Scheduling follows the data: an account of a consent whose credit ledger has an instalment
 * falling due is read again the day after it falls due (01:00 UTC), or on its cadence if that is
 * sooner; an instalment already past due does not pull the next read into the past.
 */
let db: TestDatabase;
let ds: DataSource;
beforeAll(async () => {
  db = await createTestDatabase();
  ds = createDataSource({ url: db.url, poolSize: 2 });
  await ds.initialize();
});
afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

async function accountWithPlanDue(dueInDays: number | null): Promise<string> {
  const [client] = await ds.query(
    `INSERT INTO clients (name, api_key_id, api_key_hash, webhook_secret_enc) VALUES ('c', gen_random_uuid()::text, 'h', 'e') RETURNING id`,
  );
  const [consent] = await ds.query(
    `INSERT INTO consents (client_id, provider, end_user_id, status, permissions) VALUES ($1, 'alif-shop', 'u', 'active', ARRAY['credit']) RETURNING id`,
    [client.id],
  );
  const [account] = await ds.query(
    `INSERT INTO accounts (client_id, consent_id, provider, provider_account_id, type, name, currency, status, sync_lease_owner)
     VALUES ($1, $2, 'alif-shop', 'credit-line', 'credit', 'Credit', 'PKR', 'active', 'job-1') RETURNING id`,
    [client.id, consent.id],
  );
  if (dueInDays !== null) {
    await ds.query(
      `INSERT INTO instalment_plans (client_id, consent_id, provider_plan_id, origin, principal, currency, status, next_due_date)
       VALUES ($1, $2, 'p1', 'fashion', 100, 'PKR', 'current', current_date + $3::int)`,
      [client.id, consent.id, dueInDays],
    );
  }
  return account.id;
}

async function nextRefresh(accountId: string, cadence: Date): Promise<Date> {
  const writer = new SyncWriteRepository(ds);
  await ds.transaction((em) =>
    writer.completeAccount(
      em,
      accountId,
      'job-1',
      null,
      { stream: null, done: true },
      null as never,
      new Date(),
      cadence,
      [],
    ),
  );
  const [row] = await ds.query(`SELECT next_refresh_at FROM accounts WHERE id = $1`, [accountId]);
  return row.next_refresh_at;
}

const dayAfter = (days: number) => {
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  return new Date(d.getTime() + (days + 1) * 86_400_000 + 3_600_000);
};

it('reads the ledger again the day after its next instalment falls due, when that is before the cadence', async () => {
  const far = new Date(Date.now() + 30 * 86_400_000);
  expect(await nextRefresh(await accountWithPlanDue(2), far)).toEqual(dayAfter(2));
});

it('keeps the cadence when it comes first, or when nothing falls due', async () => {
  const soon = new Date(Date.now() + 3_600_000);
  expect(await nextRefresh(await accountWithPlanDue(5), soon)).toEqual(soon);
  const far = new Date(Date.now() + 30 * 86_400_000);
  expect(await nextRefresh(await accountWithPlanDue(null), far)).toEqual(far);
});

it('does not pull the next read into the past for an instalment already past due', async () => {
  const far = new Date(Date.now() + 30 * 86_400_000);
  expect(await nextRefresh(await accountWithPlanDue(-3), far)).toEqual(far);
});
