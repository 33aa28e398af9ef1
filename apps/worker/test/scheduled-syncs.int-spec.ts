import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { loadWorkerConfig, type WorkerEnv } from '#common/config.js';
import { QUEUES, SYNC_JOBS, bullConnection } from '#common/queues.js';
import { ConsentJobs } from '#consents/consent-jobs.js';
import { createDataSource } from '#persistence/data-source.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import { SyncRepository } from '#persistence/repositories/sync.repository.js';
import { createTestDatabase, type TestDatabase } from '#testing/db.js';
import { MaintenanceProcessor, scheduleSyncsEveryMs } from '../src/processors/maintenance.processor.js';
import { maintenanceProcessor } from './maintenance.js';

/**
 * The periodic-sync scheduler on the real PostgreSQL and Redis (no worker takes the jobs): one
 * tick starts a sync for every active consent with an account due and no unfinished sync, however
 * many there are (it used to take 500 a minute, so a fleet whose cadence asked for more fell
 * behind for ever), the longest overdue first; and it ticks at a tenth of the cadence.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `${process.env.HISOB_REDIS_PREFIX ?? 'hisob-t-local'}-sched-${randomBytes(3).toString('hex')}`;
let db: TestDatabase;
let ds: DataSource;
let queue: Queue;
let processor: MaintenanceProcessor;
let clientId: string;
let processorConfig: WorkerEnv;

/** The maintenance processor as scheduleSyncs uses it: the database, and ConsentJobs on the queue. */
function processorWith(config: WorkerEnv): MaintenanceProcessor {
  const jobs = new ConsentJobs(
    queue,
    queue,
    queue,
    config,
    new ConsentRepository(ds),
    new SyncRepository(ds),
  );
  return maintenanceProcessor(ds, config, jobs);
}

beforeAll(async () => {
  db = await createTestDatabase();
  ds = createDataSource({ url: db.url, poolSize: 2 });
  await ds.initialize();
  processorConfig = loadWorkerConfig({ ...process.env, NODE_ENV: 'test', DATABASE_URL: db.url });
  queue = new Queue(QUEUES.sync, { connection: bullConnection(REDIS_URL, false), prefix: PREFIX });
  processor = processorWith(processorConfig);
  [{ id: clientId }] = await ds.query(
    `INSERT INTO clients (name, api_key_id, api_key_hash, webhook_secret_enc) VALUES ('c', gen_random_uuid()::text, 'h', 'e') RETURNING id`,
  );
});
afterAll(async () => {
  await queue?.obliterate({ force: true });
  await queue?.close();
  await ds?.destroy();
  await db?.drop();
});

/** `n` consents of `status`, each with two accounts due `overdueS[i]` seconds ago (and 1 h later). */
async function consents(n: number, status: string, overdueS: (i: number) => number): Promise<string[]> {
  const rows: Array<{ id: string }> = await ds.query(
    `INSERT INTO consents (client_id, provider, end_user_id, status, permissions)
     SELECT $1, 'alif-mobi', 'u' || i, $2, ARRAY['accounts','transactions'] FROM generate_series(1, $3) i
     RETURNING id`,
    [clientId, status, n],
  );
  const ids = rows.map((r) => r.id);
  await ds.query(
    `INSERT INTO accounts (client_id, consent_id, provider, provider_account_id, type, name, currency, status, next_refresh_at)
     SELECT $1, c.id, 'alif-mobi', 'acc-' || k, 'current', 'A', 'TJS', 'active',
            now() - make_interval(secs => c.overdue) + (k - 1) * interval '1 hour'
       FROM unnest($2::uuid[], $3::float8[]) AS c(id, overdue), generate_series(1, 2) k`,
    [clientId, ids, ids.map((_, i) => overdueS(i))],
  );
  return ids;
}

it('starts one scheduled sync for every due consent in one tick, beyond one batch, the longest overdue first', async () => {
  const due = await consents(1_203, 'active', (i) => 10 + i);
  const notYet = await consents(3, 'active', () => -600);
  const revoked = await consents(2, 'revoked', () => 60);
  const [busy] = await consents(1, 'active', () => 30);
  await ds.query(
    `INSERT INTO syncs (client_id, consent_id, reason, state) VALUES ($1, $2, 'manual', 'running')`,
    [clientId, busy],
  );

  expect(await processor.scheduleSyncs()).toBe(1_203);

  const synced: Array<{ consent_id: string; reason: string; state: string }> = await ds.query(
    `SELECT consent_id, reason, state FROM syncs WHERE reason = 'scheduled' ORDER BY created_at, id`,
  );
  expect(new Set(synced.map((s) => s.consent_id))).toEqual(new Set(due));
  expect(synced).toHaveLength(1_203);
  expect(synced.every((s) => s.state === 'queued')).toBe(true);
  for (const id of [...notYet, ...revoked, busy!])
    expect(synced.some((s) => s.consent_id === id)).toBe(false);
  // The most overdue consent (the last inserted: 1,212 s) was started in the first batch, the
  // least overdue ones in the last.
  const position = (id: string) => synced.findIndex((s) => s.consent_id === id);
  expect(position(due[due.length - 1]!)).toBeLessThan(500);
  expect(position(due[0]!)).toBeGreaterThanOrEqual(1_000);

  const jobs = await queue.getJobs(['waiting', 'prioritized'], 0, -1);
  expect(jobs.filter((j) => j.name === SYNC_JOBS.consent)).toHaveLength(1_203);

  // The next tick finds them all with a sync under way: nothing new.
  expect(await processor.scheduleSyncs()).toBe(0);
});

it('holds scheduled syncs while HISOB_SCHEDULE_MAX_WAITING jobs wait: the backlog stays in PostgreSQL, longest overdue first', async () => {
  await queue.obliterate({ force: true });
  await ds.query(`DELETE FROM syncs`);
  await ds.query(`DELETE FROM accounts`);
  await ds.query(`DELETE FROM consents`);
  const due = await consents(1_203, 'active', (i) => 10 + i);
  const config = { ...processorConfig, HISOB_SCHEDULE_MAX_WAITING: 600 };
  const held = processorWith(config);
  // Batches of 500: 0 waiting, then 500 (under 600), then 1,000: the tick stops there.
  expect(await held.scheduleSyncs()).toBe(1_000);
  const byOverdue = [...due].reverse(); // the last inserted is the most overdue
  const started = async () =>
    new Set(
      (await ds.query(`SELECT consent_id FROM syncs WHERE reason = 'scheduled'`)).map(
        (r: { consent_id: string }) => r.consent_id,
      ),
    );
  expect(await started()).toEqual(new Set(byOverdue.slice(0, 1_000)));
  // Still 1,000 waiting: the next tick starts nothing.
  expect(await held.scheduleSyncs()).toBe(0);
  // The workers catch up (the jobs taken): the rest start.
  await queue.obliterate({ force: true });
  expect(await held.scheduleSyncs()).toBe(203);
  expect(await started()).toEqual(new Set(due));
});

it('ticks at a tenth of the cadence, between a second and a minute', () => {
  expect(scheduleSyncsEveryMs(360)).toBe(60_000);
  expect(scheduleSyncsEveryMs(10)).toBe(60_000);
  expect(scheduleSyncsEveryMs(2)).toBe(12_000);
  expect(scheduleSyncsEveryMs(0.5)).toBe(3_000);
  expect(scheduleSyncsEveryMs(1 / 60)).toBe(1_000);
});
