import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUES } from '#common/queues.js';
import { ConsentJobs } from '#consents/consent-jobs.js';
import { SyncEngine } from '#sync/sync-engine.js';
import { SyncProcessor } from '../../worker/src/processors/sync.processor.js';
import { startWorker, type WorkerHarness } from '../../worker/test/harness.js';
import { bearer, json } from './harness.js';
import { startStack, until, type Stack } from './stack.js';

/**
 * Two workers on one queue and one database, against a bank whose answers are slowed: many syncs,
 * and account jobs racing the consent jobs that read the same accounts (as the lifecycle sweeper's
 * repairs do). Every sync completes, both workers take part, and no account is ever synced by two
 * jobs at once — seen from PostgreSQL (every change of an account's lease, logged by a trigger:
 * a lease is only ever taken when free) and from the bank (never two requests of one consent for
 * one account's same page or balances in flight at once).
 */
let s: Stack;
let second: WorkerHarness;
const inFlight = new Map<string, number>();
const overlaps: string[] = [];
let bankPort = 0;
let bankRequests = 0;

function onRequest(message: unknown) {
  const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
  if (request.socket.localPort !== bankPort) return;
  bankRequests++;
  if (!/\/accounts\/[^/]+\/.*(transactions|balances)/.test(request.url ?? '')) return;
  // Per consent (its bearer token): consents of one bank user read the same bank accounts.
  const url = `${request.headers.authorization ?? ''} ${request.url}`;
  const n = (inFlight.get(url) ?? 0) + 1;
  inFlight.set(url, n);
  if (n > 1) overlaps.push(url);
  let counted = true;
  const done = () => {
    if (!counted) return;
    counted = false;
    inFlight.set(url, inFlight.get(url)! - 1);
  };
  response.once('finish', done);
  response.once('close', done);
}

beforeAll(async () => {
  s = await startStack();
  bankPort = s.bank.port;
  second = await startWorker({
    ALIF_MOBI_ISSUER_URL: s.bank.issuer,
    ALIF_MOBI_OBP_URL: `${s.bank.url}/obp/v5.1.0`,
    ALIF_MOBI_CLIENT_ID: 'hisob-e2e',
    ALIF_MOBI_CLIENT_SECRET: 'e2e-secret',
    HISOB_BANK_TIMEOUT_MS: '2000',
    ALIF_MOBI_PAGE_SIZE: '50',
    ALIF_MOBI_TIME_ZONE: 'UTC',
    ALIF_SHOP_URL: s.shop.url,
    DATABASE_URL: s.api.db.url,
    HISOB_REDIS_PREFIX: s.api.config.HISOB_REDIS_PREFIX,
  });
  subscribe('http.server.request.start', onRequest);
});
afterAll(async () => {
  unsubscribe('http.server.request.start', onRequest);
  await second?.close();
  await s?.close();
});

const syncsEnded = (ids: string[]) =>
  until(
    () =>
      s.db<{ id: string; state: string; accounts_done: number; accounts_total: number }>(
        `SELECT id, state, accounts_done, accounts_total FROM syncs WHERE id = ANY($1::uuid[])`,
        [ids],
      ),
    (rows) =>
      rows.length === ids.length && rows.every((r) => r.state === 'succeeded' || r.state === 'failed'),
    120_000,
  );

it('two workers share the syncs and never sync one account at once', async () => {
  const consents: string[] = [];
  for (let i = 0; i < 3; i++) consents.push(await s.activeConsent(`two-workers-${i}`));
  await syncsEnded(
    (await s.db<{ id: string }>(`SELECT id FROM syncs WHERE consent_id = ANY($1::uuid[])`, [consents])).map(
      (r) => r.id,
    ),
  );

  // Every change of an account's lease, in the order PostgreSQL applied them (the row lock orders them).
  await s.db(`CREATE TABLE lease_log (seq bigserial, account_id uuid, from_owner text, to_owner text)`);
  await s.db(`CREATE FUNCTION log_lease() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.sync_lease_owner IS DISTINCT FROM OLD.sync_lease_owner THEN
        INSERT INTO lease_log (account_id, from_owner, to_owner) VALUES (NEW.id, OLD.sync_lease_owner, NEW.sync_lease_owner);
      END IF;
      RETURN NEW;
    END $$`);
  await s.db(
    `CREATE TRIGGER tr_lease_log BEFORE UPDATE OF sync_lease_owner ON accounts FOR EACH ROW EXECUTE FUNCTION log_lease()`,
  );
  // A slow bank: every history page and balance takes 150 ms, so jobs of one account would overlap.
  await s.control('POST', '/faults', {
    match: { path: '^/obp/v5\\.1\\.0/.*accounts/[^/]+/.*(transactions|balances)' },
    delay_ms: 150,
  });

  const jobs = s.worker!.app.get(ConsentJobs);
  const processed = { first: 0, second: 0 };
  s.worker!.app.get(SyncProcessor).worker.on('completed', () => processed.first++);
  second.app.get(SyncProcessor).worker.on('completed', () => processed.second++);
  const syncIds: string[] = [];
  for (let round = 0; round < 4; round++) {
    const started = await Promise.all(
      consents.map(async (id) => {
        const res = await fetch(`${s.api.url}/v1/consents/${id}/sync`, {
          method: 'POST',
          headers: bearer(s.client.apiKey),
        });
        expect(res.status).toBe(202);
        return { consentId: id, syncId: (await json(res)).sync_id as string };
      }),
    );
    // Account jobs racing the consent jobs that read the same accounts (a sweeper's repair).
    await new Promise((r) => setTimeout(r, 100));
    for (const { consentId, syncId } of started) {
      const accounts = await s.db<{ id: string }>(`SELECT id FROM accounts WHERE consent_id = $1`, [
        consentId,
      ]);
      for (const a of accounts)
        await jobs.enqueueAccountSync({ consentId, syncId, reason: 'manual', accountId: a.id });
    }
    const ended = await syncsEnded(started.map((x) => x.syncId));
    for (const r of ended) expect(r).toMatchObject({ state: 'succeeded', accounts_done: r.accounts_total });
    syncIds.push(...started.map((x) => x.syncId));
  }

  // The racing account jobs finish after the syncs they found counted (some waited for a lease).
  const queue = s.worker!.app.get<Queue>(getQueueToken(QUEUES.sync));
  await until(
    () => queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized'),
    (c) => Object.values(c).every((n) => n === 0),
    60_000,
  );
  // PostgreSQL: a lease is only ever taken when free and given back by its holder.
  const log = await s.db<{ account_id: string; from_owner: string | null; to_owner: string | null }>(
    `SELECT account_id, from_owner, to_owner FROM lease_log ORDER BY seq`,
  );
  expect(log.length).toBeGreaterThan(0);
  const takenOver = log.filter((l) => l.from_owner !== null && l.to_owner !== null);
  expect(takenOver).toEqual([]);
  const holder = new Map<string, string | null>();
  for (const l of log) {
    expect({ account: l.account_id, held: holder.get(l.account_id) ?? null }).toEqual({
      account: l.account_id,
      held: l.from_owner,
    });
    holder.set(l.account_id, l.to_owner);
  }
  expect([...holder].filter(([, owner]) => owner !== null)).toEqual([]);
  // The bank: never two requests for one account's same page (or its balances) in flight at once.
  expect(overlaps).toEqual([]);
  // Both workers took part.
  expect(processed.first).toBeGreaterThan(0);
  expect(processed.second).toBeGreaterThan(0);
  // Each account was counted once per sync.
  const [counts] = await s.db<{ syncs: number; done: number; accounts: number }>(
    `SELECT count(*)::int AS syncs, sum(accounts_done)::int AS done, sum(accounts_total)::int AS accounts
       FROM syncs WHERE id = ANY($1::uuid[])`,
    [syncIds],
  );
  expect(counts!.done).toBe(counts!.accounts);
});

it('a late account job of an ended sync reads nothing and leaves the account to the next sync', async () => {
  const consentId = await s.activeConsent('two-workers-late');
  const [first] = await s.db<{ id: string }>(`SELECT id FROM syncs WHERE consent_id = $1`, [consentId]);
  await syncsEnded([first!.id]);
  // The next sync has read and counted every account since.
  await syncsEnded([await s.syncNow(consentId)]);
  const [account] = await s.db<{ id: string; counted_sync_id: string }>(
    `SELECT id, counted_sync_id FROM accounts WHERE consent_id = $1 ORDER BY created_at LIMIT 1`,
    [consentId],
  );
  const before = bankRequests;
  const outcome = await s
    .worker!.app.get(SyncEngine)
    .syncAccount({ consentId, syncId: first!.id, reason: 'manual', accountId: account!.id }, 'late-job');
  expect(outcome).toEqual({ kind: 'stopped', reason: 'sync ended' });
  expect(bankRequests).toBe(before);
  const [after] = await s.db<{ counted_sync_id: string; sync_lease_owner: string | null }>(
    `SELECT counted_sync_id, sync_lease_owner FROM accounts WHERE id = $1`,
    [account!.id],
  );
  expect(after).toEqual({ counted_sync_id: account!.counted_sync_id, sync_lease_owner: null });
});
