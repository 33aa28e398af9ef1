import type pg from 'pg';
import { DataSource, type Logger as TypeOrmLogger } from 'typeorm';
import { dataSourceOptions } from '#persistence/data-source.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import { createTestDatabase, type TestDatabase } from '#testing/db.js';
import { DataFactory } from '#testing/factories.js';

/**
 * The lifecycle sweeper's consent scans, on the real PostgreSQL with a table shaped like a
 * deployment's: most consents of a provider refreshed at sync time (their tokens expired between
 * syncs), the others' tokens spread over the next hours, a few consents past their `expires_at`.
 * Each scan is a range of its index in the order it returns rows (no Sort), never a scan of the
 * table; the checks fail without the indexes.
 */
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const flatten = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(flatten)];
const NOW = new Date('2026-12-08T12:00:00.000Z');
const HOUR = 3_600_000;

let db: TestDatabase;
let ds: DataSource;
let f: DataFactory;
/** The statements the data source ran, as TypeORM sent them (to EXPLAIN the query builder's). */
const ran: Array<{ sql: string; params: unknown[] }> = [];

const capture: TypeOrmLogger = {
  logQuery: (sql, params) => void ran.push({ sql, params: (params as unknown[] | undefined) ?? [] }),
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};

async function explain(
  sql: string,
  params: unknown[],
  on: pg.Pool | pg.PoolClient = f.pool,
): Promise<PlanNode[]> {
  const { rows } = await on.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  return flatten((rows[0] as { 'QUERY PLAN': Array<{ Plan: PlanNode }> })['QUERY PLAN'][0]!.Plan);
}

/** The node types of the statement's plan after `ddl`, in a transaction rolled back after. */
async function planTypesAfter(ddl: string[], { sql, params }: { sql: string; params: unknown[] }) {
  const c = await f.pool.connect();
  try {
    await c.query('BEGIN');
    for (const d of ddl) await c.query(d);
    return (await explain(sql, params, c)).map((n) => n['Node Type']);
  } finally {
    await c.query('ROLLBACK');
    c.release();
  }
}

/** The statement `run` sent whose text matches `pattern`. */
async function statementOf(run: () => Promise<unknown>, pattern: RegExp) {
  ran.length = 0;
  await run();
  const found = ran.find((q) => pattern.test(q.sql));
  if (!found) throw new Error(`no statement matching ${pattern}`);
  return found;
}

const consentScans = (nodes: PlanNode[]) =>
  nodes.filter((n) => n['Relation Name'] === 'consents' || n['Index Name']?.startsWith('ix_consents'));

beforeAll(async () => {
  db = await createTestDatabase();
  ds = new DataSource({
    ...dataSourceOptions({ url: db.url, poolSize: 2 }),
    logging: ['query'],
    logger: capture,
  });
  await ds.initialize();
  f = new DataFactory({ databaseUrl: db.url });
  const clientId = await f.insertClient('sweeper');
  // 30,000 Alif Shop consents whose tokens expired between syncs, 10,000 Alif Mobi ones whose
  // tokens expire over the next 10 hours (a refresh job each), 300 past their `expires_at`
  // (half of them `reauth_required`), and 2,000 revoked.
  await f.query(
    `INSERT INTO consents (client_id, provider, end_user_id, status, permissions, token_expires_at, expires_at)
     SELECT $1, p, 'u-' || g, s, ARRAY['accounts'], t, e
       FROM generate_series(1, 42300) g
       CROSS JOIN LATERAL (SELECT
         CASE WHEN g <= 30000 THEN 'alif-shop' ELSE 'alif-mobi' END AS p,
         CASE WHEN g > 42000 THEN 'revoked' WHEN g > 40000 AND g % 2 = 0 THEN 'reauth_required' ELSE 'active' END AS s,
         CASE WHEN g <= 30000 THEN $2::timestamptz - (g % 1440) * interval '1 minute'
              ELSE $2::timestamptz + (g % 600) * interval '1 minute' END AS t,
         CASE WHEN g > 40000 AND g <= 40300 THEN $2::timestamptz - interval '1 day'
              ELSE $2::timestamptz + interval '90 days' END AS e) x`,
    [clientId, NOW],
  );
  await f.query(`VACUUM ANALYZE consents`);
}, 60_000);
afterAll(async () => {
  await f?.close();
  await ds?.destroy();
  await db?.drop();
});

describe('refreshes due (ix_consents_token_due)', () => {
  const statement = () =>
    statementOf(
      () => new ConsentRepository(ds).dueRefreshes('alif-mobi', new Date(NOW.getTime() + HOUR / 4), 500),
      /token_expires_at/,
    );

  it('returns the provider’s active consents due, oldest expiry first', async () => {
    const due = await new ConsentRepository(ds).dueRefreshes(
      'alif-mobi',
      new Date(NOW.getTime() + HOUR / 4),
      500,
    );
    expect(due.length).toBeGreaterThan(100);
    expect(due.every((r) => r.provider === 'alif-mobi')).toBe(true);
    expect(due.every((r) => r.token_expires_at.getTime() <= NOW.getTime() + HOUR / 4)).toBe(true);
    const times = due.map((r) => r.token_expires_at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const [{ n }] = (await f.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM consents WHERE id = ANY($1::uuid[]) AND status = 'active'`,
      [due.map((r) => r.id)],
    )) as [{ n: number }];
    expect(n).toBe(due.length);
  });

  it('reads a range of the index in expiry order, never the other provider’s expired tokens', async () => {
    const { sql, params } = await statement();
    const nodes = await explain(sql, params);
    expect(consentScans(nodes)).toEqual([
      expect.objectContaining({ 'Node Type': 'Index Scan', 'Index Name': 'ix_consents_token_due' }),
    ]);
    expect(nodes.some((n) => n['Node Type'] === 'Sort')).toBe(false);
  });

  it('scans the table without the index (the check above can fail)', async () => {
    const types = await planTypesAfter(['DROP INDEX ix_consents_token_due'], await statement());
    expect(types.some((t) => t === 'Seq Scan' || t === 'Sort')).toBe(true);
  });
});

describe('consents past their expiry (ix_consents_expiry)', () => {
  const statement = () =>
    statementOf(() => ds.transaction((em) => new ConsentRepository(ds).lockExpired(NOW, em)), /expires_at/);

  it('finds the active and reauth_required consents past their expiry', async () => {
    const rows = await ds.transaction((em) => new ConsentRepository(ds).lockExpired(NOW, em));
    expect(rows).toHaveLength(300);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['active', 'reauth_required']));
  });

  it('reads a range of the index in expiry order', async () => {
    const { sql, params } = await statement();
    const nodes = await explain(sql, params);
    expect(consentScans(nodes)).toEqual([
      expect.objectContaining({ 'Node Type': 'Index Scan', 'Index Name': 'ix_consents_expiry' }),
    ]);
    expect(nodes.some((n) => n['Node Type'] === 'Sort')).toBe(false);
  });

  it('scans the table with the former index (active only: the check above can fail)', async () => {
    const types = await planTypesAfter(
      [
        'DROP INDEX ix_consents_expiry',
        `CREATE INDEX ix_consents_expiry ON consents (expires_at) WHERE status = 'active'`,
      ],
      await statement(),
    );
    expect(types.some((t) => t === 'Seq Scan' || t === 'Sort')).toBe(true);
  });
});
