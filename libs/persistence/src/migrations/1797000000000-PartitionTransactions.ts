import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Number of hash partitions of `transactions`. Fixed: hash partitioning cannot grow by itself.
 * 16 keeps each partition's indexes a sixteenth of the table's (a 100M-row history gives ~6M-row
 * partitions, whose keyset index stays a few levels deep and whose VACUUM runs one at a time),
 * while a query that cannot prune (a consent's change feed, a card's list) pays 16 index probes,
 * tens of microseconds each on an empty range. To change it later (docs/architecture.md,
 * "Scale path"): split one partition at a time, modulus 16 → 32 (remainders r and r + 16), or
 * rebuild with this migration's copy on a new parent.
 */
export const TRANSACTION_PARTITIONS = 16;

/** `transactions_p00` … `transactions_p15`. */
export const transactionPartition = (i: number) => `transactions_p${String(i).padStart(2, '0')}`;

/** The secondary indexes of `transactions` (SyncAndData, less DropStatementIndex's). */
const INDEXES: ReadonlyArray<readonly [string, string]> = [
  // Keyset pages newest first: (booking_date, id) DESC within an account.
  ['ix_transactions_keyset', '(account_id, booking_date DESC, id DESC)'],
  // The change feed of a consent.
  ['ix_transactions_changes', '(consent_id, updated_seq)'],
  [
    'ix_transactions_card',
    '(consent_id, provider_card_id, booking_date DESC, id DESC) WHERE provider_card_id IS NOT NULL',
  ],
];

/** The rollup triggers of DataReadIndexes and AccountTotals, recreated on the new table. */
const TRIGGERS: ReadonlyArray<readonly [string, string, string, string]> = [
  [
    'tr_transactions_day_totals_insert',
    'INSERT',
    'REFERENCING NEW TABLE AS new_rows',
    'transaction_day_totals_apply',
  ],
  [
    'tr_transactions_day_totals_update',
    'UPDATE',
    'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows',
    'transaction_day_totals_apply',
  ],
  [
    'tr_transactions_day_totals_delete',
    'DELETE',
    'REFERENCING OLD TABLE AS old_rows',
    'transaction_day_totals_apply',
  ],
  ['tr_transactions_day_totals_truncate', 'TRUNCATE', '', 'transaction_day_totals_truncate'],
  [
    'tr_transactions_account_totals_insert',
    'INSERT',
    'REFERENCING NEW TABLE AS new_rows',
    'transaction_account_totals_apply',
  ],
  [
    'tr_transactions_account_totals_update',
    'UPDATE',
    'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows',
    'transaction_account_totals_apply',
  ],
  [
    'tr_transactions_account_totals_delete',
    'DELETE',
    'REFERENCING OLD TABLE AS old_rows',
    'transaction_account_totals_apply',
  ],
  ['tr_transactions_account_totals_truncate', 'TRUNCATE', '', 'transaction_account_totals_truncate'],
];

/**
 * `transactions` partitioned by hash of `account_id` (PostgreSQL declarative partitioning), and
 * the keys of the tables that follow an account made ready for Citus (the distribution column in
 * every primary and unique key).
 *
 * - Every read of the API names the account (lists, statements, counts) and so touches one
 *   partition; the consent-wide reads (change feed, a card's list) probe each partition's index.
 * - Keys: a unique constraint of a partitioned table must contain the partition key. The primary
 *   key becomes `(id, account_id)`, id first, so that a lookup by id alone is still an index scan
 *   (one probe per partition) without an extra index on every write; with the account it is one
 *   probe of one partition. `uq_transactions_identity (account_id, provider_transaction_id)`, the
 *   sync's `ON CONFLICT` target, already had it. A foreign key to a transaction must name the
 *   pair: `FOREIGN KEY (account_id, x) REFERENCES transactions (account_id, id)`.
 * - `transfers` gets the same key shape (`(id, account_id)`); `balances`, `transaction_day_totals`
 *   and `transaction_account_totals` are keyed by the account already. The consent-scoped tables
 *   (cards, transaction_removals, credit ledger, syncs) are discussed in docs/architecture.md.
 * - The rows are carried: new parent and partitions, `INSERT … SELECT` (no index to maintain
 *   while copying; the rollups already count these rows, so their triggers are created after),
 *   swap, then keys, indexes (named `<index>_pNN` on the partitions), the foreign key to
 *   `accounts` ON DELETE CASCADE, triggers, grants, ANALYZE. Writers wait on the table lock
 *   meanwhile; readers go on until the swap. `down` does the same into one plain table with the
 *   previous keys (it fails, rolling back, only if two accounts hold the same transaction id).
 * - Autovacuum analyses the partitions but never the parent: the migration analyses it, and so
 *   should a bulk load (the planner's estimates for a consent-wide read come from the parent).
 */
export class PartitionTransactions1797000000000 implements MigrationInterface {
  name = 'PartitionTransactions1797000000000';

  async up(q: QueryRunner): Promise<void> {
    const grants = await grantsOf(q, 'transactions');
    await q.query(`LOCK TABLE transactions IN EXCLUSIVE MODE`);
    await q.query(`CREATE TABLE transactions_partitioned (${LIKE}) PARTITION BY HASH (account_id)`);
    for (let i = 0; i < TRANSACTION_PARTITIONS; i++)
      await q.query(
        `CREATE TABLE ${transactionPartition(i)} PARTITION OF transactions_partitioned
           FOR VALUES WITH (MODULUS ${TRANSACTION_PARTITIONS}, REMAINDER ${i})`,
      );
    await swapIn(q, 'transactions_partitioned');
    await q.query(`ALTER TABLE transactions ADD CONSTRAINT transactions_pkey PRIMARY KEY (id, account_id)`);
    await finish(q, grants);
    await renamePartitionIndexes(q);

    await q.query(`ALTER TABLE transfers DROP CONSTRAINT transfers_pkey`);
    await q.query(`ALTER TABLE transfers ADD CONSTRAINT transfers_pkey PRIMARY KEY (id, account_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE transfers DROP CONSTRAINT transfers_pkey`);
    await q.query(`ALTER TABLE transfers ADD CONSTRAINT transfers_pkey PRIMARY KEY (id)`);

    const grants = await grantsOf(q, 'transactions');
    await q.query(`LOCK TABLE transactions IN EXCLUSIVE MODE`);
    await q.query(`CREATE TABLE transactions_single (${LIKE})`);
    await swapIn(q, 'transactions_single');
    await q.query(`ALTER TABLE transactions ADD CONSTRAINT transactions_pkey PRIMARY KEY (id)`);
    await finish(q, grants);
  }
}

/** Columns in the same order, with their types, defaults, NOT NULL and CHECK constraints. */
const LIKE = `LIKE transactions INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS`;

/** Copies the rows into `table`, drops the old table (its indexes, triggers, foreign key) and renames. */
async function swapIn(q: QueryRunner, table: string): Promise<void> {
  await q.query(`INSERT INTO ${table} SELECT * FROM transactions`);
  await q.query(`DROP TABLE transactions`);
  await q.query(`ALTER TABLE ${table} RENAME TO transactions`);
}

/** Everything but the primary key, on either shape of the table, with the same names. */
async function finish(q: QueryRunner, grants: readonly string[]): Promise<void> {
  await q.query(
    `ALTER TABLE transactions ADD CONSTRAINT uq_transactions_identity UNIQUE (account_id, provider_transaction_id)`,
  );
  for (const [name, definition] of INDEXES)
    await q.query(`CREATE INDEX ${name} ON transactions ${definition}`);
  await q.query(
    `ALTER TABLE transactions ADD CONSTRAINT transactions_account_id_fkey
       FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE`,
  );
  for (const [name, event, transitions, fn] of TRIGGERS)
    await q.query(
      `CREATE TRIGGER ${name} AFTER ${event} ON transactions ${transitions} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
    );
  for (const grant of grants) await q.query(grant);
  await q.query(`ANALYZE transactions`);
}

/** The table's privileges granted to other roles, as GRANT statements to replay on its successor. */
async function grantsOf(q: QueryRunner, table: string): Promise<string[]> {
  const rows: Array<{ grantee: string | null; privilege: string; grantable: boolean }> = await q.query(
    `SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END AS grantee,
            a.privilege_type AS privilege, a.is_grantable AS grantable
       FROM pg_class c, aclexplode(c.relacl) a
      WHERE c.oid = $1::regclass AND a.grantee <> c.relowner`,
    [table],
  );
  return rows.map(
    (r) =>
      `GRANT ${r.privilege} ON transactions TO ${r.grantee === null ? 'PUBLIC' : quoteIdent(r.grantee)}` +
      (r.grantable ? ' WITH GRANT OPTION' : ''),
  );
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The partitions' indexes get names that say what they are (`ix_transactions_keyset_p07`), not
 * PostgreSQL's generated ones (`transactions_p07_account_id_booking_date_id_idx`).
 */
export async function renamePartitionIndexes(q: QueryRunner): Promise<void> {
  const rows: Array<{ parent: string; child: string; partition: string }> = await q.query(
    `SELECT p.relname AS parent, c.relname AS child, t.relname AS partition
       FROM pg_index pi JOIN pg_class p ON p.oid = pi.indexrelid
       JOIN pg_inherits i ON i.inhparent = p.oid
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_index ci ON ci.indexrelid = c.oid JOIN pg_class t ON t.oid = ci.indrelid
      WHERE pi.indrelid = 'transactions'::regclass`,
  );
  for (const r of rows) {
    const name = `${r.parent}_${r.partition.slice('transactions_'.length)}`;
    if (r.child !== name) await q.query(`ALTER INDEX ${quoteIdent(r.child)} RENAME TO ${quoteIdent(name)}`);
  }
}
