import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '#testing/db.js';
import { DataFactory, type TestAccount, type TestConsent } from '#testing/factories.js';
import { dataSourceOptions } from './data-source.js';
import { MIGRATIONS } from './migrations/index.js';
import {
  PartitionTransactions1797000000000,
  TRANSACTION_PARTITIONS,
  transactionPartition,
} from './migrations/1797000000000-PartitionTransactions.js';
import { SyncWriteRepository, type TransactionRow } from './repositories/sync-write.repository.js';

/**
 * The partitioning migration on a database with data: rows written through the schema before it,
 * then up (the rows, keys, indexes, triggers and foreign key of the partitioned table), down (the
 * previous table, its rows and its exact schema) and up again.
 */
const AT = MIGRATIONS.indexOf(PartitionTransactions1797000000000);

let db: TestDatabase;
let f: DataFactory;
beforeAll(async () => {
  db = await createTestDatabase({ empty: true });
  f = new DataFactory({ databaseUrl: db.url });
});
afterAll(async () => {
  await f?.close();
  await db?.drop();
});

/** A DataSource that knows the migrations up to `count` (later ones are other work). */
const migratedTo = async (count: number) => {
  const ds = new DataSource({
    ...dataSourceOptions({ url: db.url, poolSize: 1 }),
    migrations: MIGRATIONS.slice(0, count),
  });
  await ds.initialize();
  return ds;
};

/** Everything that defines a table, by name: columns, constraints, indexes, triggers, partitions. */
async function schemaOf(table: string) {
  const q = <T = Record<string, unknown>>(sql: string) => f.query<T>(sql, [table]);
  return {
    kind: (await q<{ k: string }>(`SELECT relkind::text AS k FROM pg_class WHERE oid = $1::regclass`))[0]!.k,
    partitioning: (await q<{ d: string | null }>(`SELECT pg_get_partkeydef($1::regclass) AS d`))[0]!.d,
    columns: await q(
      `SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull, pg_get_expr(d.adbin, d.adrelid) AS dflt
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    ),
    constraints: await q<{ conname: string; def: string }>(
      `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY 1`,
    ),
    indexes: await q<{ relname: string; def: string }>(
      `SELECT c.relname, replace(pg_get_indexdef(c.oid), ' ON ONLY ', ' ON ') AS def
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass ORDER BY 1`,
    ),
    triggers: await q(
      `SELECT tgname, pg_get_triggerdef(oid) AS def FROM pg_trigger
        WHERE tgrelid = $1::regclass AND NOT tgisinternal ORDER BY 1`,
    ),
    partitions: await q<{ relname: string; bound: string }>(
      `SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`,
    ),
  };
}

/** Every row, as JSON, in id order; and the rollups the triggers keep. */
const contents = async () => ({
  transactions: (
    await f.query<{ r: string }>(`SELECT to_jsonb(t)::text AS r FROM transactions t ORDER BY id`)
  ).map((x) => x.r),
  dayTotals: await f.query(`SELECT * FROM transaction_day_totals ORDER BY account_id, booking_date`),
  accountTotals: await f.query(`SELECT * FROM transaction_account_totals ORDER BY account_id`),
  transfers: await f.query(`SELECT id, account_id FROM transfers ORDER BY id`),
});

const page = (ids: string[], amount: string): TransactionRow[] =>
  ids.map((id) => ({
    providerTransactionId: id,
    status: 'booked',
    bookingDate: '2026-01-15',
    valueDate: null,
    bookedAt: null,
    amount,
    currency: 'TJS',
    type: 'transfer',
    description: `written after the migration ${id}`,
    counterpartyName: null,
    counterpartyAccount: null,
    balanceAfter: null,
    category: null,
    providerCardId: null,
  }));

describe('PartitionTransactions migration', () => {
  let consent: TestConsent;
  const accounts: TestAccount[] = [];

  it('carries the rows into 16 hash partitions, and back, and again', async () => {
    // The schema before the migration, with data written through it.
    const before = await migratedTo(AT);
    try {
      expect((await before.runMigrations({ transaction: 'each' })).length).toBe(AT);
    } finally {
      await before.destroy();
    }
    consent = await f.makeConsent(await f.insertClient());
    for (let i = 0; i < 6; i++) accounts.push(await f.makeAccount(consent, { booked: '100.00' }));
    for (const [i, a] of accounts.entries())
      await f.makeTransactions(a, 150 + 40 * i, {
        seed: 11 + i,
        pendingEvery: 7,
        ...(i % 2 ? { providerCardId: `card-${i}` } : {}),
      });
    await f.makeTransfers(consent, accounts[0]!, 5);
    const [some] = await f.query<{ id: string }>(`SELECT id FROM transactions ORDER BY id LIMIT 1`);
    await f.removeTransaction(some!.id);
    const plain = await schemaOf('transactions');
    const plainTransfers = await schemaOf('transfers');
    const data = await contents();
    expect(data.transactions.length).toBeGreaterThan(1000);
    expect(plain.kind).toBe('r');

    // Up: the same rows and rollups, in a partitioned table.
    const up = await migratedTo(AT + 1);
    try {
      expect((await up.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual([
        'PartitionTransactions1797000000000',
      ]);
      const partitioned = await schemaOf('transactions');
      expect(await contents()).toEqual(data);
      expectPartitioned(partitioned, plain);
      await expectEachAccountInItsPartition();
      expect((await schemaOf('transfers')).constraints).toContainEqual({
        conname: 'transfers_pkey',
        def: 'PRIMARY KEY (id, account_id)',
      });
      // The writer of today's code needs the migrations after this one: writes through it with
      // them applied, then back to this one.
      const later = await migratedTo(MIGRATIONS.length);
      try {
        await later.runMigrations({ transaction: 'each' });
        await expectWritesWork(later);
        for (let i = AT + 1; i < MIGRATIONS.length; i++)
          await later.undoLastMigration({ transaction: 'each' });
      } finally {
        await later.destroy();
      }
      expect(await schemaOf('transactions')).toEqual(partitioned);
      const written = await contents();

      // Down: the previous table exactly, with every row (those written since included).
      await up.undoLastMigration({ transaction: 'each' });
      expect(await schemaOf('transactions')).toEqual(plain);
      expect(await schemaOf('transfers')).toEqual(plainTransfers);
      expect(await contents()).toEqual(written);
      expect(await f.query(`SELECT relname FROM pg_class WHERE relname ~ '^transactions_p[0-9]+$'`)).toEqual(
        [],
      );

      // And up again.
      expect(await up.runMigrations({ transaction: 'each' })).toHaveLength(1);
      expect(await schemaOf('transactions')).toEqual(partitioned);
      expect(await contents()).toEqual(written);
      await expectEachAccountInItsPartition();
      expect(await up.showMigrations()).toBe(false);
    } finally {
      await up.destroy();
    }
  });

  function expectPartitioned(s: Awaited<ReturnType<typeof schemaOf>>, plain: typeof s) {
    expect(s.kind).toBe('p');
    expect(s.partitioning).toBe('HASH (account_id)');
    expect(s.columns).toEqual(plain.columns);
    expect(s.partitions).toEqual(
      Array.from({ length: TRANSACTION_PARTITIONS }, (_, i) => ({
        relname: transactionPartition(i),
        bound: `FOR VALUES WITH (modulus ${TRANSACTION_PARTITIONS}, remainder ${i})`,
      })),
    );
    // The primary key takes the partition key; the rest of the constraints are the table's own.
    const constraint = (c: { conname: string }) => c.conname;
    expect(s.constraints.map(constraint)).toEqual(plain.constraints.map(constraint));
    expect(s.constraints).toContainEqual({
      conname: 'transactions_pkey',
      def: 'PRIMARY KEY (id, account_id)',
    });
    expect(s.constraints).toContainEqual({
      conname: 'uq_transactions_identity',
      def: 'UNIQUE (account_id, provider_transaction_id)',
    });
    expect(s.constraints).toContainEqual({
      conname: 'transactions_account_id_fkey',
      def: 'FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE',
    });
    // Same indexes, same definitions (the keys' aside), and the same rollup triggers.
    const keyless = (l: Array<{ relname: string }>) => l.filter((i) => i.relname !== 'transactions_pkey');
    expect(keyless(s.indexes)).toEqual(keyless(plain.indexes));
    expect(s.triggers).toEqual(plain.triggers);
  }

  async function expectEachAccountInItsPartition() {
    // Every partition carries each index of the parent, named after it.
    const indexes = await f.query<{ partition: string; names: string[] }>(
      `SELECT t.relname AS partition, array_agg(c.relname::text ORDER BY c.relname) AS names
         FROM pg_inherits i JOIN pg_class t ON t.oid = i.inhrelid
         JOIN pg_index x ON x.indrelid = t.oid JOIN pg_class c ON c.oid = x.indexrelid
        WHERE i.inhparent = 'transactions'::regclass GROUP BY 1 ORDER BY 1`,
    );
    expect(indexes).toHaveLength(TRANSACTION_PARTITIONS);
    for (const { partition, names } of indexes) {
      const p = partition.slice('transactions_'.length);
      expect(names).toEqual(
        [
          'ix_transactions_card',
          'ix_transactions_changes',
          'ix_transactions_keyset',
          'transactions_pkey',
          'uq_transactions_identity',
        ].map((n) => `${n}_${p}`),
      );
    }
    // An account's rows are all in one partition, and more than one partition is used.
    const placed = await f.query<{ account_id: string; partitions: string[] }>(
      `SELECT account_id, array_agg(DISTINCT tableoid::regclass::text) AS partitions FROM transactions GROUP BY 1`,
    );
    expect(placed).toHaveLength(accounts.length);
    for (const p of placed) expect(p.partitions).toHaveLength(1);
    expect(new Set(placed.map((p) => p.partitions[0])).size).toBeGreaterThan(1);
  }

  /** The sync's upsert, the rollup triggers and the cascade from accounts, on the new table. */
  async function expectWritesWork(ds: DataSource) {
    const writer = new SyncWriteRepository(ds);
    const a = accounts[1]!;
    const scope = { clientId: a.clientId, consentId: a.consentId, accountId: a.id };
    const [existing] = await f.query<{ provider_transaction_id: string }>(
      `SELECT provider_transaction_id FROM transactions WHERE account_id = $1 ORDER BY id LIMIT 1`,
      [a.id],
    );
    const totals = () =>
      f.query<{ booked_count: string }>(
        `SELECT booked_count::text FROM transaction_account_totals WHERE account_id = $1`,
        [a.id],
      );
    const [t0] = await totals();
    const first = await ds.transaction((em) =>
      writer.upsertTransactions(
        em,
        scope,
        page(['new-1', 'new-2', existing!.provider_transaction_id], '-1.50'),
      ),
    );
    expect(first).toEqual({ added: 2, modified: 1 });
    // The same page again is an identical re-read: nothing written.
    const again = await ds.transaction((em) =>
      writer.upsertTransactions(
        em,
        scope,
        page(['new-1', 'new-2', existing!.provider_transaction_id], '-1.50'),
      ),
    );
    expect(again).toEqual({ added: 0, modified: 0 });
    const [t1] = await totals();
    expect(BigInt(t1!.booked_count) - BigInt(t0!.booked_count)).toBeGreaterThanOrEqual(2n);
    // Deleting an account deletes its transactions (the foreign key's cascade, across partitions).
    const gone = accounts.pop()!;
    await f.query(`DELETE FROM accounts WHERE id = $1`, [gone.id]);
    expect(await f.query(`SELECT 1 FROM transactions WHERE account_id = $1`, [gone.id])).toEqual([]);
    expect(
      await f.query(`SELECT 1 FROM transaction_account_totals WHERE account_id = $1`, [gone.id]),
    ).toEqual([]);
  }
});
