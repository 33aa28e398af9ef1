/**
 * Read-side latencies on one 1,000,000-row account (plus 4 × 50,000 rows of other accounts), through
 * the real repositories, next to a bare `pg` keyset query and the covering-index statement that the
 * per-day rollup replaced.
 *
 *   eval "$(bash scripts/infra.sh)" && npm run -s build && node dist/bench/data-read.js [rows=1000000] [runs=30]
 *
 * Creates a scratch database `hisob_bench_read_<pid>` next to DATABASE_URL's, migrates it, seeds it
 * with generate_series (ten years of history, every 50th row pending), VACUUM ANALYZEs, prints
 * min / median / p95 per query, and drops the database.
 */
import pg from 'pg';
import { createDataSource } from '../libs/persistence/src/data-source.js';
import { StatementQueryRepository } from '../libs/persistence/src/repositories/statement-query.repository.js';
import { TransactionQueryRepository } from '../libs/persistence/src/repositories/transaction-query.repository.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 30);
const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/hisob');
const name = `hisob_bench_read_${process.pid}`;
const at = (db: string) => Object.assign(new URL(base), { pathname: `/${db}` }).toString();

const CLIENT = '00000000-0000-4000-8000-000000000001';
const CONSENT = '00000000-0000-4000-8000-0000000000c1';
const ACCOUNT = '00000000-0000-4000-8000-0000000000a1';

async function time(label: string, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 3; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!.toFixed(2);
  out(`${label.padEnd(64)} min ${q(0)}  median ${q(0.5)}  p95 ${q(0.95)} ms`);
}

const admin = new pg.Client({ connectionString: at('postgres') });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}"`);
const ds = createDataSource({ url: at(name), poolSize: 4 });
try {
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  const t0 = Date.now();
  await ds.query(
    `INSERT INTO clients (id, name, api_key_id, api_key_hash, webhook_secret_enc) VALUES ($1, 'bench', 'bench', 'x', 'x')`,
    [CLIENT],
  );
  await ds.query(
    `INSERT INTO consents (id, client_id, provider, end_user_id, status, permissions) VALUES ($1, $2, 'alif-mobi', 'u', 'active', '{transactions}')`,
    [CONSENT, CLIENT],
  );
  const seed = async (account: string, n: number) => {
    await ds.query(
      `INSERT INTO accounts (id, client_id, consent_id, provider, provider_account_id, type, name, currency, status, data_as_of)
       VALUES ($1::uuid, $2, $3, 'alif-mobi', $1::text, 'current', 'bench', 'TJS', 'active', now())`,
      [account, CLIENT, CONSENT],
    );
    await ds.query(
      `INSERT INTO balances (account_id, type, amount, currency) VALUES ($1, 'booked', 12345.67, 'TJS')`,
      [account],
    );
    await ds.query(
      `INSERT INTO transactions (account_id, consent_id, client_id, provider_transaction_id, status, booking_date, amount, currency, type, description, created_seq, updated_seq)
       SELECT $1, $2, $3, 'p' || g, CASE WHEN g % 50 = 0 THEN 'pending' ELSE 'booked' END,
              date '2016-01-01' + (g::bigint * 3650 / $4)::int, ((g::bigint * 7919) % 200001 - 100000)::numeric / 100,
              'TJS', (ARRAY['transfer','card','fee','topup'])[1 + g % 4], 'bench ' || g, s, s
         FROM (SELECT g, nextval('transaction_change_seq') AS s FROM generate_series(1, $4::int) g) x`,
      [account, CONSENT, CLIENT, n],
    );
  };
  await seed(ACCOUNT, rows);
  for (let i = 2; i <= 5; i++) await seed(`00000000-0000-4000-8000-0000000000a${i}`, Math.ceil(rows / 20));
  await ds.query('VACUUM ANALYZE');
  out(
    `seeded ${rows} + 4 × ${Math.ceil(rows / 20)} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s (with the rollup triggers)`,
  );

  const stmt = new StatementQueryRepository(ds);
  const tx = new TransactionQueryRepository(ds);
  const filter = { clientId: CLIENT, source: { accountId: ACCOUNT } };
  const [mid] = (await ds.query(
    `SELECT booking_date::text AS d, id FROM transactions WHERE account_id = $1 ORDER BY booking_date DESC, id DESC OFFSET $2 LIMIT 1`,
    [ACCOUNT, Math.floor(rows / 2)],
  )) as Array<{ d: string; id: string }>;

  await time('statement, first month of the history (worst case)', () =>
    stmt.totals(ACCOUNT, '2016-01-01', '2016-01-31'),
  );
  await time('statement, whole history', () => stmt.totals(ACCOUNT, '2016-01-01', '2025-12-31'));
  await time('statement, a recent month', () => stmt.totals(ACCOUNT, '2025-11-01', '2025-11-30'));
  await time('  (replaced) covering-index statement, first month', () =>
    ds.query(
      `SELECT (SELECT sum(amount) FROM transactions WHERE account_id = $1 AND booking_date > $3::date AND status = 'booked') AS after_to,
              (SELECT sum(amount) FROM transactions WHERE account_id = $1 AND booking_date BETWEEN $2::date AND $3::date AND status = 'booked') AS period`,
      [ACCOUNT, '2016-01-01', '2016-01-31'],
    ),
  );
  const bare = new pg.Client({ connectionString: at(name) });
  await bare.connect();
  await time('bare pg keyset page (50 rows, same columns, mid-history)', () =>
    bare.query(
      // Aliased: an output column named booking_date (the text) would capture the ORDER BY and defeat the index.
      `SELECT id, account_id, provider_transaction_id, status, booking_date::text AS date, value_date::text AS value_date, amount::text AS amount,
              currency, type, description, counterparty_name, counterparty_account, balance_after::text AS balance_after, category
         FROM transactions t WHERE t.account_id = $1 AND (t.booking_date, t.id) < ($2::date, $3::uuid)
        ORDER BY t.booking_date DESC, t.id DESC LIMIT 51`,
      [ACCOUNT, mid!.d, mid!.id],
    ),
  );
  await bare.end();
  await time('repository keyset page (50 rows, mid-history)', () =>
    tx.page(filter, { before: { date: mid!.d, id: mid!.id }, limit: 51 }),
  );
  await time('repository first page', () => tx.page(filter, { limit: 51 }));
  await time('total_count, no type filter (rollup)', () => tx.count(filter));
  await time('total_count, type filter (index, once per listing)', () =>
    tx.count({ ...filter, type: 'fee' }),
  );
  await time('offset page at rows/2 (deferred join)', () =>
    tx.page(filter, { offset: Math.floor(rows / 2), limit: 51 }),
  );
  await time('CSV batch (1000 rows, keyset)', () =>
    stmt.lines(ACCOUNT, '2016-01-01', '2025-12-31', { date: mid!.d, id: mid!.id }, 1000),
  );
} finally {
  await ds.destroy().catch(() => undefined);
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}
