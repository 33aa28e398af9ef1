import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-account transaction counts, kept exact by statement-level triggers like the per-day rollup
 * (DataReadIndexes), so `total_count` of an account's unfiltered list (every dashboard's first
 * page) is one primary-key lookup instead of a sum over one rollup row per day of history: on the
 * read benchmark's 2-year accounts that sum was 731 rows and 0.3 ms of PostgreSQL time per page,
 * as much as the page itself.
 *
 * Exactness: the triggers run in the writer's transaction and fire once per statement (a sync
 * page is one upsert statement: one insert and at most one update of the account's row). The
 * count of an account never goes negative: old rows are subtracted only for rows that existed.
 */
export class AccountTotals1763892000000 implements MigrationInterface {
  name = 'AccountTotals1763892000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE transaction_account_totals (
        account_id uuid PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
        booked_count bigint NOT NULL,
        pending_count bigint NOT NULL
      )`);
    // As transaction_day_totals_apply: PL/pgSQL plans a statement when it first runs, so each
    // trigger only touches the transition tables its event has.
    await q.query(`
      CREATE FUNCTION transaction_account_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          UPDATE transaction_account_totals t
             SET booked_count = t.booked_count - o.booked, pending_count = t.pending_count - o.pending
            FROM (SELECT account_id,
                         count(*) FILTER (WHERE status = 'booked') AS booked,
                         count(*) FILTER (WHERE status = 'pending') AS pending
                    FROM old_rows GROUP BY account_id) o
           WHERE t.account_id = o.account_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          INSERT INTO transaction_account_totals AS t (account_id, booked_count, pending_count)
          SELECT account_id, count(*) FILTER (WHERE status = 'booked'), count(*) FILTER (WHERE status = 'pending')
            FROM new_rows GROUP BY account_id ORDER BY account_id
          ON CONFLICT (account_id) DO UPDATE
             SET booked_count = t.booked_count + EXCLUDED.booked_count,
                 pending_count = t.pending_count + EXCLUDED.pending_count;
        END IF;
        RETURN NULL;
      END
      $fn$`);
    for (const [event, transitions] of [
      ['insert', 'NEW TABLE AS new_rows'],
      ['update', 'OLD TABLE AS old_rows NEW TABLE AS new_rows'],
      ['delete', 'OLD TABLE AS old_rows'],
    ] as const) {
      await q.query(`
        CREATE TRIGGER tr_transactions_account_totals_${event} AFTER ${event.toUpperCase()} ON transactions
          REFERENCING ${transitions} FOR EACH STATEMENT EXECUTE FUNCTION transaction_account_totals_apply()`);
    }
    await q.query(`
      CREATE FUNCTION transaction_account_totals_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        DELETE FROM transaction_account_totals;
        RETURN NULL;
      END
      $fn$`);
    await q.query(`
      CREATE TRIGGER tr_transactions_account_totals_truncate AFTER TRUNCATE ON transactions
        FOR EACH STATEMENT EXECUTE FUNCTION transaction_account_totals_truncate()`);
    // Backfill (also the rebuild recipe after a restore with triggers disabled).
    await q.query(`
      INSERT INTO transaction_account_totals (account_id, booked_count, pending_count)
      SELECT account_id, count(*) FILTER (WHERE status = 'booked'), count(*) FILTER (WHERE status = 'pending')
        FROM transactions GROUP BY account_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const event of ['truncate', 'delete', 'update', 'insert']) {
      await q.query(`DROP TRIGGER tr_transactions_account_totals_${event} ON transactions`);
    }
    await q.query(`DROP FUNCTION transaction_account_totals_truncate()`);
    await q.query(`DROP FUNCTION transaction_account_totals_apply()`);
    await q.query(`DROP TABLE transaction_account_totals`);
  }
}
