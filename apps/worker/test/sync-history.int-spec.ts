import type pg from 'pg';
import type { DataSource } from 'typeorm';
import { loadWorkerConfig, type WorkerEnv } from '#common/config.js';
import { createDataSource } from '#persistence/data-source.js';
import { SyncRepository } from '#persistence/repositories/sync.repository.js';
import { createTestDatabase, type TestDatabase } from '#testing/db.js';
import { DataFactory, type TestConsent } from '#testing/factories.js';
import { MaintenanceProcessor, SYNC_HISTORY_BATCH } from '../src/processors/maintenance.processor.js';
import { maintenanceProcessor } from './maintenance.js';

/**
 * Sync history on the real PostgreSQL: `prune-sync-history` deletes the finished syncs older than
 * `HISOB_SYNC_HISTORY_DAYS` of every client and consent, keeps the recent ones and every unfinished
 * one however old, removes at most its bound per run (the next run goes on), and finds its rows
 * through `ix_syncs_finished`, never by a scan of the table.
 */
const DAY = 86_400_000;
const NOW = new Date('2026-12-07T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);

let db: TestDatabase;
let ds: DataSource;
let f: DataFactory;
let syncs: SyncRepository;
let clients: string[];

/** The maintenance processor as the worker runs it; pruning uses only the database and the config. */
function processor(env: Record<string, string> = {}): MaintenanceProcessor {
  const config: WorkerEnv = loadWorkerConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, ...env });
  return maintenanceProcessor(ds, config);
}

/** `n` syncs of `consent` in `state`, the i-th finished (or created, when unfinished) `at(i)`. */
async function makeSyncs(
  consent: TestConsent,
  state: string,
  n: number,
  at: (i: number) => Date,
): Promise<string[]> {
  const finished = state === 'succeeded' || state === 'failed';
  const times = Array.from({ length: n }, (_, i) => at(i));
  const rows = await f.query<{ id: string }>(
    `INSERT INTO syncs (client_id, consent_id, reason, state, accounts_total, accounts_done, coverage,
                        created_at, started_at, finished_at)
     SELECT $1, $2, 'scheduled', $3, 3, 3,
            '[{"resource":"cards","state":"ok","checked_at":"2026-01-01T00:00:00Z"}]'::jsonb,
            t - interval '5 seconds', t - interval '4 seconds', CASE WHEN $5 THEN t END
       FROM unnest($4::timestamptz[]) WITH ORDINALITY AS u(t, i) ORDER BY i
     RETURNING id`,
    [consent.clientId, consent.id, state, times, finished],
  );
  return rows.map((r) => r.id);
}

const remaining = async (ids: string[]) =>
  (await f.query<{ id: string }>(`SELECT id FROM syncs WHERE id = ANY($1::uuid[])`, [ids])).map((r) => r.id);

beforeAll(async () => {
  db = await createTestDatabase();
  ds = createDataSource({ url: db.url, poolSize: 2, planCacheMode: 'auto' });
  await ds.initialize();
  f = new DataFactory({ databaseUrl: db.url });
  syncs = new SyncRepository(ds);
  clients = [];
  for (const name of ['alice', 'bob']) {
    clients.push(await f.insertClient(name));
  }
});
beforeEach(() => f.query(`DELETE FROM syncs`));
afterAll(async () => {
  await f?.close();
  await ds?.destroy();
  await db?.drop();
});

describe('prune-sync-history', () => {
  it('deletes the finished syncs of every client and consent older than the setting, keeps the recent and the unfinished', async () => {
    const consents = [
      await f.makeConsent(clients[0]!),
      await f.makeConsent(clients[0]!),
      await f.makeConsent(clients[1]!),
    ];
    const old: string[] = [];
    const kept: string[] = [];
    for (const c of consents) {
      old.push(...(await makeSyncs(c, 'succeeded', 4, (i) => ago(31 * DAY + i * DAY))));
      old.push(...(await makeSyncs(c, 'failed', 2, (i) => ago(90 * DAY + i * 1000))));
      // Just past the cutoff goes; just inside it stays.
      old.push(...(await makeSyncs(c, 'succeeded', 1, () => ago(30 * DAY + 1000))));
      kept.push(...(await makeSyncs(c, 'succeeded', 1, () => ago(30 * DAY - 1000))));
      kept.push(...(await makeSyncs(c, 'failed', 3, (i) => ago(i * DAY + 60_000))));
    }
    // Unfinished, however old (one per consent: a consent has at most one unfinished sync).
    for (const state of ['queued', 'running', 'waiting_rate_limit']) {
      const c = await f.makeConsent(clients[1]!);
      kept.push(...(await makeSyncs(c, state, 1, () => ago(400 * DAY))));
    }

    const deleted = await processor().pruneSyncHistory(NOW);

    expect(deleted).toBe(old.length);
    expect(await remaining(old)).toEqual([]);
    expect((await remaining(kept)).sort()).toEqual([...kept].sort());
    // A second run finds nothing more.
    expect(await processor().pruneSyncHistory(NOW)).toBe(0);
  });

  it('removes at most its bound per statement and per run, oldest first, and the next run goes on', async () => {
    const a = await f.makeConsent(clients[0]!);
    const b = await f.makeConsent(clients[1]!);
    // 170 old syncs over two consents, interleaved in time; the i-th finished i minutes before the oldest cutoff.
    const old = [
      ...(await makeSyncs(a, 'succeeded', 85, (i) => ago(31 * DAY + 2 * i * 60_000))),
      ...(await makeSyncs(b, 'failed', 85, (i) => ago(31 * DAY + (2 * i + 1) * 60_000))),
    ];
    const recent = await makeSyncs(a, 'succeeded', 5, (i) => ago(i * DAY));
    const oldestFirst = (
      await f.query<{ id: string }>(
        `SELECT id FROM syncs WHERE id = ANY($1::uuid[]) ORDER BY finished_at, id`,
        [old],
      )
    ).map((r) => r.id);

    // One statement: at most its limit, the oldest.
    expect(await syncs.deleteFinishedBefore(ago(30 * DAY), 40)).toBe(40);
    expect((await remaining(old)).sort()).toEqual(oldestFirst.slice(40).sort());

    // One run: at most `batches` statements of `batch`.
    const sut = processor();
    const bounds = { batch: 40, batches: 3 };
    expect(await sut.pruneSyncHistory(NOW, bounds)).toBe(120);
    expect((await remaining(old)).sort()).toEqual(oldestFirst.slice(160).sort());
    // The next run takes the rest and stops at its first short batch.
    expect(await sut.pruneSyncHistory(NOW, bounds)).toBe(10);
    expect(await remaining(old)).toEqual([]);
    expect((await remaining(recent)).sort()).toEqual([...recent].sort());
    expect(await sut.pruneSyncHistory(NOW, bounds)).toBe(0);
  });

  it('keeps every sync with HISOB_SYNC_HISTORY_DAYS=0, and counts the setting in days of 24 hours', async () => {
    const c = await f.makeConsent(clients[0]!);
    const ids = await makeSyncs(c, 'succeeded', 3, (i) => ago((1000 + i) * DAY));
    expect(await processor({ HISOB_SYNC_HISTORY_DAYS: '0' }).pruneSyncHistory(NOW)).toBe(0);
    expect(await remaining(ids)).toHaveLength(3);

    const recent = await makeSyncs(c, 'failed', 2, (i) => ago(DAY - 60_000 + i * 120_000));
    expect(await processor({ HISOB_SYNC_HISTORY_DAYS: '1' }).pruneSyncHistory(NOW)).toBe(4);
    expect(await remaining([...ids, ...recent])).toEqual([recent[0]]);
  });

  it('leaves the accounts a pruned sync counted to be counted by the next sync of their consent', async () => {
    const consent = await f.makeConsent(clients[0]!);
    const account = await f.makeAccount(consent);
    const [pruned] = await makeSyncs(consent, 'succeeded', 1, () => ago(45 * DAY));
    await f.query(`UPDATE accounts SET counted_sync_id = $2, checkpoint_sync_id = $2 WHERE id = $1`, [
      account.id,
      pruned,
    ]);
    expect(await processor().pruneSyncHistory(NOW)).toBe(1);
    expect(await syncs.findById(pruned!)).toBeNull();

    // The account still names the pruned sync; the next sync counts it and ends as any other.
    const [acc] = await f.query<{ counted_sync_id: string }>(
      `SELECT counted_sync_id FROM accounts WHERE id = $1`,
      [account.id],
    );
    expect(acc!.counted_sync_id).toBe(pruned);
    const { sync: next, created } = await syncs.createOrJoin(consent.clientId, consent.id, 'scheduled');
    expect(created).toBe(true);
    await f.query(`UPDATE syncs SET accounts_total = 1 WHERE id = $1`, [next.id]);
    const complete = await syncs.accountDone(next.id, account.id);
    expect(complete).toMatchObject({ id: next.id, accounts_done: 1 });
    expect(await syncs.finish(next.id, 'succeeded', null)).toMatchObject({ state: 'succeeded' });
    // A write naming the pruned sync changes nothing, as for any finished sync.
    expect(await syncs.accountDone(pruned!, account.id)).toBeNull();
    expect(await syncs.findById(pruned!)).toBeNull();
  });
});

describe('the pruning statement’s plan', () => {
  type PlanNode = {
    'Node Type': string;
    'Index Name'?: string;
    'Relation Name'?: string;
    Plans?: PlanNode[];
  };
  const flatten = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(flatten)];

  /** The statement `deleteFinishedBefore` runs, as EXPLAIN plans it with its values (it runs nothing). */
  async function plan(
    before: Date,
    limit: number,
    on: pg.Pool | pg.PoolClient = f.pool,
  ): Promise<PlanNode[]> {
    let captured: { sql: string; params: unknown[] } | undefined;
    const capture = {
      query: async (sql: string, params: unknown[]) => {
        captured = { sql, params };
        return [[], 0];
      },
    } as unknown as DataSource;
    await new SyncRepository(capture).deleteFinishedBefore(before, limit);
    const { rows } = await on.query(`EXPLAIN (FORMAT JSON) ${captured!.sql}`, captured!.params);
    return flatten((rows[0] as { 'QUERY PLAN': Array<{ Plan: PlanNode }> })['QUERY PLAN'][0]!.Plan);
  }

  /** The nodes that read `syncs`: scans of the table and of its indexes. */
  const syncScans = (nodes: PlanNode[]) =>
    nodes.filter(
      (n) =>
        (n['Relation Name'] === 'syncs' || n['Index Name'] !== undefined) && n['Node Type'] !== 'ModifyTable',
    );

  beforeAll(async () => {
    // 30 days of history of 200 consents, appended in time order as syncs finish, and a few
    // unfinished syncs; then a backlog of 10,000 older than the setting (after it was lowered).
    await f.query(`DELETE FROM syncs`);
    const consents: TestConsent[] = [];
    for (let i = 0; i < 200; i++) consents.push(await f.makeConsent(clients[i % 2]!));
    await f.query(
      `INSERT INTO syncs (client_id, consent_id, reason, state, accounts_total, accounts_done, created_at, started_at, finished_at)
       SELECT c.client_id, c.id, 'scheduled', CASE WHEN g % 20 = 0 THEN 'failed' ELSE 'succeeded' END, 3, 3, t, t, t
         FROM generate_series(1, 40000) g
         CROSS JOIN LATERAL (SELECT $2::timestamptz - (40000 - g) * interval '90 seconds' AS t) x
         JOIN consents c ON c.id = ($1::uuid[])[1 + g % 200]
        ORDER BY g`,
      [consents.map((c) => c.id), NOW],
    );
    await f.query(
      `INSERT INTO syncs (client_id, consent_id, reason, state, created_at)
       SELECT client_id, id, 'scheduled', 'running', $2 FROM consents WHERE id = ANY($1::uuid[])`,
      [consents.slice(0, 50).map((c) => c.id), ago(400 * DAY)],
    );
    await f.query(`VACUUM ANALYZE syncs`);
  }, 60_000);

  for (const [name, before] of [
    ['a steady run (a few syncs past the cutoff)', () => ago(41 * DAY + 15 * 3_600_000)],
    ['a backlog (a quarter of the table past the cutoff)', () => ago(31 * DAY)],
  ] as const) {
    it(`reads only ix_syncs_finished in ${name}`, async () => {
      const nodes = await plan(before(), SYNC_HISTORY_BATCH);
      const scans = syncScans(nodes);
      // The rows to delete from the partial index in finished_at order (no Sort), then fetched by
      // primary key: never a Seq Scan.
      expect(scans).toContainEqual(
        expect.objectContaining({ 'Node Type': 'Index Scan', 'Index Name': 'ix_syncs_finished' }),
      );
      for (const n of scans.filter((s) => s['Node Type'] !== 'Bitmap Heap Scan')) {
        expect(['Index Scan', 'Index Only Scan', 'Bitmap Index Scan']).toContain(n['Node Type']);
        expect(['ix_syncs_finished', 'syncs_pkey']).toContain(n['Index Name']);
      }
      expect(nodes.some((n) => n['Node Type'] === 'Sort')).toBe(false);
    });
  }

  it('scans and sorts the table without the index (the check above can fail)', async () => {
    const c = await f.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('DROP INDEX ix_syncs_finished');
      const nodes = await plan(ago(31 * DAY), SYNC_HISTORY_BATCH, c);
      expect(syncScans(nodes).map((n) => n['Node Type'])).toContain('Seq Scan');
      expect(nodes.map((n) => n['Node Type'])).toContain('Sort');
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
  });
});
