import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops `ix_transactions_statement (account_id, booking_date) INCLUDE (amount, status)`. It was
 * the statement's covering index before the rollups; since DataReadIndexes and AccountTotals no
 * query uses it:
 * - statement totals and list counts read `transaction_day_totals` / `transaction_account_totals`;
 * - statement lines, keyset and offset pages, a typed count and the newest booking date read
 *   `ix_transactions_keyset (account_id, booking_date DESC, id DESC)`, which has the same leading
 *   columns (the EXPLAIN tests of data-statement.int-spec pin each of these plans);
 * - card pages read `ix_transactions_card`, the change feed and purges `ix_transactions_changes`.
 * Every sync page paid for it: one more index entry per transaction written.
 */
export class DropStatementIndex1763895600000 implements MigrationInterface {
  name = 'DropStatementIndex1763895600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_transactions_statement`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX ix_transactions_statement ON transactions (account_id, booking_date) INCLUDE (amount, status)`,
    );
  }
}
