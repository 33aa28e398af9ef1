import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '#testing/db.js';
import { DataFactory, type TestAccount, type TestConsent } from '#testing/factories.js';
import { TRANSACTION_PARTITIONS } from './migrations/1797000000000-PartitionTransactions.js';
import { ChangeFeedQueryRepository } from './repositories/change-feed-query.repository.js';
import { StatementQueryRepository } from './repositories/statement-query.repository.js';
import {
  TransactionQueryRepository,
  type TransactionFilter,
  type TransactionPage,
} from './repositories/transaction-query.repository.js';
import { SyncWriteRepository, type TransactionRow } from './repositories/sync-write.repository.js';

/**
 * The reads of the partitioned `transactions` table, as PostgreSQL plans them: the repositories'
 * own SQL, run against a table with data (ANALYZE and VACUUM done), captured twice —
 *
 * - `custom`: EXPLAIN with the parameter values (the planner prunes partitions at plan time);
 * - `generic`: the plan the API actually runs. Its connections have
 *   `plan_cache_mode = force_generic_plan` (data-source.ts): the plan knows no parameter value and
 *   the executor prunes partitions when it starts (`Subplans Removed`). It is captured by
 *   auto_explain while the repository runs its statement for real on such a connection.
 *
 * Account-scoped reads must touch one partition through the named index (no Seq Scan, no Bitmap
 * Heap Scan, no Sort); consent-scoped reads (change feed, a card's list) probe every partition's
 * index, which is the price of partitioning by account.
 *
 * The worker's statements on `transactions` run with `plan_cache_mode = auto` (worker.module.ts):
 * PostgreSQL plans them for their values, so their custom plan is the one that runs.
 */
let db: TestDatabase;
let f: DataFactory;
let generic: pg.Client;
let clientId: string;
let consent: TestConsent;
let big: TestAccount;
let bigPartition: string;

/** Plan nodes of an EXPLAIN (FORMAT JSON), flattened. */
type PlanNode = {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  'Subplans Removed'?: number;
  Plans?: PlanNode[];
};
const flatten = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(flatten)];

type Run = (ds: DataSource) => Promise<unknown>;

/** The custom plan of the statement `run` makes: EXPLAIN with its values (and no rows returned). */
async function customPlan(run: Run): Promise<PlanNode[]> {
  let captured: PlanNode[] | undefined;
  const ds = {
    query: async (sql: string, params: unknown[]) => {
      const { rows } = await f.pool.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
      captured = flatten((rows[0] as { 'QUERY PLAN': Array<{ Plan: PlanNode }> })['QUERY PLAN'][0]!.Plan);
      return [];
    },
  } as unknown as DataSource;
  await run(ds).catch(() => undefined); // the mapping of "no rows" is beside the point
  if (!captured) throw new Error('the repository ran no query');
  return captured;
}

/** The generic plan the statement ran with, executed for real (auto_explain on the session). */
async function genericPlan(run: Run): Promise<PlanNode[]> {
  const plans: PlanNode[][] = [];
  const onNotice = (n: { message?: string }) => {
    const m = /plan:\n([\s\S]*)$/.exec(n.message ?? '');
    if (m) plans.push(flatten((JSON.parse(m[1]!) as { Plan: PlanNode }).Plan));
  };
  generic.on('notice', onNotice);
  try {
    const ds = {
      query: async (sql: string, params: unknown[]) => (await generic.query(sql, params)).rows,
    } as unknown as DataSource;
    await run(ds);
  } finally {
    generic.off('notice', onNotice);
  }
  if (plans.length !== 1) throw new Error(`expected one statement, got ${plans.length}`);
  return plans[0]!;
}

const both = async (run: Run) => ({ custom: await customPlan(run), generic: await genericPlan(run) });

const isTransactions = (n: PlanNode) => /^transactions_p\d\d$/.test(n['Relation Name'] ?? '');

/**
 * The plan reads `transactions` only from `partitions`, each through `index` (its partition's
 * copy, `<index>_pNN`): an Index (Only) Scan, or — where a filter keeps few of the account's rows
 * and the planner knows the values — a Bitmap Heap Scan of that index's Bitmap Index Scan, whose
 * few rows are then sorted. Never a Seq Scan, and otherwise never a Sort.
 */
function expectIndexScans(
  nodes: PlanNode[],
  index: string | readonly string[],
  partitions: readonly string[],
  opts: { sorted?: boolean } = {},
) {
  const scans = nodes.filter(isTransactions);
  expect(scans.map((n) => n['Relation Name']).sort()).toEqual([...partitions].sort());
  for (const n of scans) {
    const suffix = n['Relation Name']!.slice('transactions_'.length);
    const named = (typeof index === 'string' ? [index] : index).map((i) => `${i}_${suffix}`);
    if (n['Node Type'] === 'Bitmap Heap Scan') {
      expect(n.Plans?.map((c) => c['Node Type'])).toEqual(['Bitmap Index Scan']);
      expect(named).toContain(n.Plans![0]!['Index Name']);
    } else {
      expect(['Index Scan', 'Index Only Scan']).toContain(n['Node Type']);
      expect(named).toContain(n['Index Name']);
    }
  }
  const bitmap = scans.some((n) => n['Node Type'] === 'Bitmap Heap Scan');
  if (!opts.sorted && !bitmap) expect(nodes.some((n) => n['Node Type'] === 'Sort')).toBe(false);
}

const ALL = Array.from(
  { length: TRANSACTION_PARTITIONS },
  (_, i) => `transactions_p${String(i).padStart(2, '0')}`,
);

/** The remainder of an account id's hash: which partition its transactions go to. */
async function partitionOf(accountId: string): Promise<number> {
  const [row] = await f.query<{ r: number }>(
    `SELECT r FROM generate_series(0, $2::int - 1) r
      WHERE satisfies_hash_partition('transactions'::regclass, $2::int, r, $1::uuid)`,
    [accountId, TRANSACTION_PARTITIONS],
  );
  return row!.r;
}

beforeAll(async () => {
  db = await createTestDatabase();
  f = new DataFactory({ databaseUrl: db.url });
  clientId = await f.insertClient();
  // One account among many, so that it is a small part of its partition and of the table.
  consent = await f.makeConsent(clientId);
  big = await f.makeAccount(consent, { booked: '0.00' });
  await f.makeTransactions(big, 4000, {
    seed: 71,
    from: '2016-01-01',
    to: '2025-12-31',
    providerCardId: 'card-big',
    pendingEvery: 10,
  });
  // Other accounts until every partition has the history of two of them (an empty partition is
  // planned as a Seq Scan of nothing, which says nothing about its indexes): ids are random.
  const filled = new Map<number, number>();
  for (let i = 0; filled.size < TRANSACTION_PARTITIONS || [...filled.values()].some((n) => n < 2); i++) {
    const other = await f.makeAccount(await f.makeConsent(clientId), { booked: '0.00' });
    const p = await partitionOf(other.id);
    if ((filled.get(p) ?? 0) >= 2) continue;
    filled.set(p, (filled.get(p) ?? 0) + 1);
    await f.makeTransactions(other, 2000, { seed: 80 + i, from: '2016-01-01', to: '2025-12-31' });
  }
  const [some] = await f.query<{ id: string }>(
    `SELECT id FROM transactions WHERE account_id = $1 ORDER BY id LIMIT 1`,
    [big.id],
  );
  await f.removeTransaction(some!.id);
  await f.query('VACUUM ANALYZE transactions');
  await f.query('VACUUM ANALYZE transaction_day_totals');
  [{ p: bigPartition }] = await f.query<{ p: string }>(
    `SELECT tableoid::regclass::text AS p FROM transactions WHERE account_id = $1 LIMIT 1`,
    [big.id],
  );
  generic = new pg.Client({ connectionString: db.url, options: '-c plan_cache_mode=force_generic_plan' });
  await generic.connect();
  await generic.query(`LOAD 'auto_explain'`);
  await generic.query(`SET auto_explain.log_min_duration = 0`);
  await generic.query(`SET auto_explain.log_format = json`);
  await generic.query(`SET client_min_messages = log`);
}, 120_000);

afterAll(async () => {
  await generic?.end();
  await f?.close();
  await db?.drop();
});

describe('plans on the partitioned transactions table', () => {
  it('has history in every partition', async () => {
    const rows = await f.query<{ p: string }>(
      `SELECT DISTINCT tableoid::regclass::text AS p FROM transactions`,
    );
    expect(rows).toHaveLength(TRANSACTION_PARTITIONS);
  });

  const keyset = { before: { date: '2020-06-01', id: 'ffffffff-ffff-4fff-bfff-ffffffffffff' }, limit: 51 };
  type Case = [string, Omit<TransactionFilter, 'clientId' | 'source'>, TransactionPage, string | string[]];
  const filters: Case[] = [
    ['the first page', {}, { limit: 51 }, 'ix_transactions_keyset'],
    ['a keyset page', {}, keyset, 'ix_transactions_keyset'],
    ['a period', { fromDate: '2018-01-01', toDate: '2019-12-31' }, keyset, 'ix_transactions_keyset'],
    ['a type', { type: 'fee' }, keyset, 'ix_transactions_keyset'],
    // An account's few pending rows: the keyset index, or the partial index of pending rows.
    [
      'the pending entries',
      { status: 'pending' },
      keyset,
      ['ix_transactions_keyset', 'ix_transactions_pending'],
    ],
    [
      'every filter',
      { fromDate: '2017-01-01', toDate: '2021-12-31', type: 'transfer', status: 'booked' },
      keyset,
      'ix_transactions_keyset',
    ],
  ];

  it.each(filters)(
    "reads %s of an account's list from its partition's own index",
    async (_name, filter, p, index) => {
      const f1 = { clientId, source: { accountId: big.id }, ...filter };
      for (const run of [
        (ds: DataSource) => new TransactionQueryRepository(ds).page(f1, p),
        (ds: DataSource) => new TransactionQueryRepository(ds).accountPage(f1, p, true),
      ]) {
        const { custom, generic: g } = await both(run);
        expectIndexScans(custom, index, [bigPartition]);
        expectIndexScans(g, index, [bigPartition]);
        // The generic plan was made for every partition; the executor kept the account's one.
        expect(g.find((n) => n['Subplans Removed'] !== undefined)?.['Subplans Removed']).toBe(
          TRANSACTION_PARTITIONS - 1,
        );
      }
    },
  );

  it('walks an offset page in the partition: the keyset index alone, then the rows by primary key', async () => {
    const { custom, generic: g } = await both((ds) =>
      new TransactionQueryRepository(ds).page(
        { clientId, source: { accountId: big.id } },
        { offset: 2000, limit: 51 },
      ),
    );
    for (const nodes of [custom, g]) {
      const scans = nodes.filter(isTransactions);
      expect(new Set(scans.map((n) => n['Relation Name']))).toEqual(new Set([bigPartition]));
      const suffix = bigPartition.slice('transactions_'.length);
      expect(scans).toContainEqual(
        expect.objectContaining({
          'Node Type': 'Index Only Scan',
          'Index Name': `ix_transactions_keyset_${suffix}`,
        }),
      );
      expect(scans).toContainEqual(
        expect.objectContaining({ 'Node Type': 'Index Scan', 'Index Name': `transactions_pkey_${suffix}` }),
      );
      expect(nodes.some((n) => n['Node Type'] === 'Seq Scan' && isTransactions(n))).toBe(false);
    }
  });

  it("reads a statement's lines from the partition's keyset index and its totals from the rollup alone", async () => {
    const lines = await both((ds) =>
      new StatementQueryRepository(ds).lines(
        big.id,
        '2016-01-01',
        '2025-12-31',
        { date: '2017-03-01', id: '00000000-0000-4000-8000-000000000000' },
        1000,
      ),
    );
    expectIndexScans(lines.custom, 'ix_transactions_keyset', [bigPartition]);
    expectIndexScans(lines.generic, 'ix_transactions_keyset', [bigPartition]);
    const totals = await both((ds) =>
      new StatementQueryRepository(ds).totals(big.id, '2016-02-01', '2016-02-29'),
    );
    for (const nodes of [totals.custom, totals.generic]) {
      expect(nodes.filter((n) => isTransactions(n) || n['Relation Name'] === 'transactions')).toEqual([]);
      expect(nodes.some((n) => n['Relation Name'] === 'transaction_day_totals')).toBe(true);
    }
  });

  it("reads a consent's change feed from every partition's ix_transactions_changes, merged in seq order", async () => {
    const { custom, generic: g } = await both((ds) =>
      new ChangeFeedQueryRepository(ds).changesAfter(consent.id, 100n, 101),
    );
    for (const nodes of [custom, g]) {
      // (The one Sort merges the page of changes with the page of removals, at most 2 × 101 rows.)
      expectIndexScans(nodes, 'ix_transactions_changes', ALL, { sorted: true });
      expect(nodes.filter((n) => n['Node Type'] === 'Sort').length).toBeLessThanOrEqual(1);
      expect(nodes.find((n) => n['Node Type'] === 'Merge Append')).toBeDefined();
      expect(nodes.map((n) => n['Index Name'])).toContain('ix_transaction_removals_consent');
    }
  });

  it("reads a card's list from every partition's ix_transactions_card, merged in list order", async () => {
    const { custom, generic: g } = await both((ds) =>
      new TransactionQueryRepository(ds).page(
        { clientId, source: { consentId: consent.id, providerCardId: 'card-big' } },
        keyset,
      ),
    );
    expectIndexScans(custom, 'ix_transactions_card', ALL);
    expectIndexScans(g, 'ix_transactions_card', ALL);
  });

  it('finds a transaction by id with one primary-key probe per partition, by (id, account) with one', async () => {
    const [row] = await f.query<{ id: string }>(
      `SELECT id FROM transactions WHERE account_id = $1 ORDER BY id DESC LIMIT 1`,
      [big.id],
    );
    // What a lookup by id alone runs (the test factories do; no API route names a transaction
    // without its account today): the primary key's leading column is the id.
    const byId = await both((ds) =>
      ds.query(`SELECT t.id, t.account_id FROM transactions t WHERE t.id = $1 AND t.client_id = $2`, [
        row!.id,
        clientId,
      ]),
    );
    expectIndexScans(byId.custom, 'transactions_pkey', ALL);
    expectIndexScans(byId.generic, 'transactions_pkey', ALL);
    const byPair = await both((ds) =>
      ds.query(`SELECT t.id FROM transactions t WHERE t.id = $1 AND t.account_id = $2`, [row!.id, big.id]),
    );
    expectIndexScans(byPair.custom, 'transactions_pkey', [bigPartition]);
    expectIndexScans(byPair.generic, 'transactions_pkey', [bigPartition]);
  });

  it("upserts a keep-fresh page after one probe per row of the partition's identity index", async () => {
    const stored = await f.query<{ id: string }>(
      `SELECT provider_transaction_id AS id FROM transactions WHERE account_id = $1 ORDER BY id LIMIT 50`,
      [big.id],
    );
    const page: TransactionRow[] = stored.map((r) => ({
      providerTransactionId: r.id,
      status: 'booked',
      bookingDate: '2025-12-01',
      valueDate: null,
      bookedAt: null,
      amount: '-1.00',
      currency: 'TJS',
      type: 'card',
      description: 'x',
      counterpartyName: null,
      counterpartyAccount: null,
      balanceAfter: null,
      category: null,
      providerCardId: null,
    }));
    const custom = await customPlan((ds) =>
      new SyncWriteRepository(ds).upsertTransactions(
        ds as never,
        { clientId, consentId: consent.id, accountId: big.id },
        page,
      ),
    );
    expectIndexScans(custom, 'uq_transactions_identity', [bigPartition]);
  });

  it("takes an account's lease reading its newest date and its pending rows from its partition's indexes", async () => {
    const custom = await customPlan((ds) =>
      new SyncWriteRepository(ds).acquireLease(big.id, 'plan-test', null),
    );
    expectIndexScans(
      custom,
      ['ix_transactions_keyset', 'ix_transactions_pending'],
      [bigPartition, bigPartition],
    );
  });
});
