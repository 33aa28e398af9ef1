import type { MigrationInterface, QueryRunner } from 'typeorm';
import { renamePartitionIndexes } from './1797000000000-PartitionTransactions.js';

/**
 * Pending → booked lineage (Berlin Group banks book a pending entry under a new `transactionId`):
 * - `transactions.entry_reference`: the bank's reference that stays with an entry while its id
 *   changes (Berlin Group `entryReference`).
 * - `transactions.supersedes`: on a booked row, the Hisob id of the pending row it replaced. That
 *   row is gone (deleted and recorded in `transaction_removals`), so no foreign key: the id is a
 *   record of lineage, not a reference to follow. (No foreign key to `transactions(id)` either way:
 *   the table is hash-partitioned by account.)
 * - `ix_transactions_pending`: an account's pending rows, which every page of its stream looks up
 *   (a handful per account, so a small partial index; booked rows are never looked up by reference).
 *   Its copy on each partition is named like the others (`ix_transactions_pending_p07`).
 * - `syncs.transactions_removed`: the count of rows a sync removed, next to added and modified.
 *
 * Only ADD COLUMN without a default (no table rewrite) and one partial index.
 */
export class TransactionLineage1797100000000 implements MigrationInterface {
  name = 'TransactionLineage1797100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE transactions ADD COLUMN entry_reference text NULL, ADD COLUMN supersedes uuid NULL`,
    );
    await q.query(
      `CREATE INDEX ix_transactions_pending ON transactions (account_id, entry_reference) WHERE status = 'pending'`,
    );
    await renamePartitionIndexes(q);
    await q.query(`ALTER TABLE syncs ADD COLUMN transactions_removed integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE syncs DROP COLUMN transactions_removed`);
    await q.query(`DROP INDEX ix_transactions_pending`);
    await q.query(`ALTER TABLE transactions DROP COLUMN supersedes, DROP COLUMN entry_reference`);
  }
}
