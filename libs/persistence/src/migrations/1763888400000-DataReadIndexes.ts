import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read side's per-day rollup of `transactions`, kept exact by statement-level triggers.
 *
 * Why a rollup and not only `ix_transactions_statement`: a statement anchors on the bank's
 * `booked` balance at `data_as_of` (the newest point) and walks back, so it must sum every booked
 * row dated on or after `from_date`. On a 1,000,000-row account (PostgreSQL 15, the CI box of
 * research/perf-limits.md) an index-only scan of the covering index does that in 150–180 ms (a seq
 * scan, which the planner prefers when one account is most of the table, 330 ms) for a period at
 * the start of the history. Summing the per-day rows instead touches at most one row per calendar
 * day of history (≈ 3,650 for ten years): about 1 ms for any period.
 *
 * Exactness: the triggers run in the writer's transaction, so the rollup commits or rolls back with
 * the rows it summarises, and every sum is `numeric`. Writers of one consent hold an advisory lock
 * (see SyncAndData), and an account belongs to one consent, so two writers never race on one
 * (account, day) row; ON CONFLICT keeps even a racing pair correct. Measured ingest cost (unnest
 * batches of 1,000 with ON CONFLICT DO UPDATE, 200k rows): within the ±5 % run-to-run noise.
 * `session_replication_role = replica` (pg_restore --disable-triggers) bypasses the triggers: after
 * such a restore, rebuild with the backfill statement in `up()`.
 */
export class DataReadIndexes1763888400000 implements MigrationInterface {
  name = 'DataReadIndexes1763888400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE transaction_day_totals (
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        booking_date date NOT NULL,
        -- Booked rows only (a statement counts booked transactions): credits as a positive sum of
        -- the positive amounts, debits as a positive sum of the negative ones.
        credits numeric(20,2) NOT NULL,
        debits numeric(20,2) NOT NULL,
        booked_count integer NOT NULL,
        -- Pending rows are only counted (total_count of a transaction list filtered by status).
        pending_count integer NOT NULL,
        PRIMARY KEY (account_id, booking_date)
      )`);

    // One function for the three events; each trigger passes only the transition tables its event
    // has, and PL/pgSQL plans a statement only when it first runs, so the unused branches are fine.
    await q.query(`
      CREATE FUNCTION transaction_day_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          WITH o AS (
            SELECT account_id, booking_date,
                   coalesce(sum(amount) FILTER (WHERE status = 'booked' AND amount > 0), 0) AS credits,
                   coalesce(-sum(amount) FILTER (WHERE status = 'booked' AND amount < 0), 0) AS debits,
                   count(*) FILTER (WHERE status = 'booked')::int AS booked,
                   count(*) FILTER (WHERE status = 'pending')::int AS pending
              FROM old_rows GROUP BY account_id, booking_date)
          UPDATE transaction_day_totals d
             SET credits = d.credits - o.credits, debits = d.debits - o.debits,
                 booked_count = d.booked_count - o.booked, pending_count = d.pending_count - o.pending
            FROM o
           WHERE d.account_id = o.account_id AND d.booking_date = o.booking_date;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          INSERT INTO transaction_day_totals AS d (account_id, booking_date, credits, debits, booked_count, pending_count)
          SELECT account_id, booking_date,
                 coalesce(sum(amount) FILTER (WHERE status = 'booked' AND amount > 0), 0),
                 coalesce(-sum(amount) FILTER (WHERE status = 'booked' AND amount < 0), 0),
                 count(*) FILTER (WHERE status = 'booked')::int,
                 count(*) FILTER (WHERE status = 'pending')::int
            FROM new_rows GROUP BY account_id, booking_date
            ORDER BY account_id, booking_date
          ON CONFLICT (account_id, booking_date) DO UPDATE
             SET credits = d.credits + EXCLUDED.credits, debits = d.debits + EXCLUDED.debits,
                 booked_count = d.booked_count + EXCLUDED.booked_count,
                 pending_count = d.pending_count + EXCLUDED.pending_count;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          -- A day with no transaction left keeps no row: a purge leaves nothing behind.
          DELETE FROM transaction_day_totals d
           USING (SELECT DISTINCT account_id, booking_date FROM old_rows) o
           WHERE d.account_id = o.account_id AND d.booking_date = o.booking_date
             AND d.booked_count = 0 AND d.pending_count = 0;
        END IF;
        RETURN NULL;
      END
      $fn$`);
    await q.query(`
      CREATE TRIGGER tr_transactions_day_totals_insert AFTER INSERT ON transactions
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION transaction_day_totals_apply()`);
    await q.query(`
      CREATE TRIGGER tr_transactions_day_totals_update AFTER UPDATE ON transactions
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION transaction_day_totals_apply()`);
    await q.query(`
      CREATE TRIGGER tr_transactions_day_totals_delete AFTER DELETE ON transactions
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION transaction_day_totals_apply()`);
    await q.query(`
      CREATE FUNCTION transaction_day_totals_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        DELETE FROM transaction_day_totals;
        RETURN NULL;
      END
      $fn$`);
    await q.query(`
      CREATE TRIGGER tr_transactions_day_totals_truncate AFTER TRUNCATE ON transactions
        FOR EACH STATEMENT EXECUTE FUNCTION transaction_day_totals_truncate()`);

    // Backfill (also the rebuild recipe): rows already there when the triggers were created.
    await q.query(`
      INSERT INTO transaction_day_totals (account_id, booking_date, credits, debits, booked_count, pending_count)
      SELECT account_id, booking_date,
             coalesce(sum(amount) FILTER (WHERE status = 'booked' AND amount > 0), 0),
             coalesce(-sum(amount) FILTER (WHERE status = 'booked' AND amount < 0), 0),
             count(*) FILTER (WHERE status = 'booked')::int,
             count(*) FILTER (WHERE status = 'pending')::int
        FROM transactions GROUP BY account_id, booking_date`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER tr_transactions_day_totals_truncate ON transactions`);
    await q.query(`DROP TRIGGER tr_transactions_day_totals_delete ON transactions`);
    await q.query(`DROP TRIGGER tr_transactions_day_totals_update ON transactions`);
    await q.query(`DROP TRIGGER tr_transactions_day_totals_insert ON transactions`);
    await q.query(`DROP FUNCTION transaction_day_totals_truncate()`);
    await q.query(`DROP FUNCTION transaction_day_totals_apply()`);
    await q.query(`DROP TABLE transaction_day_totals`);
  }
}
