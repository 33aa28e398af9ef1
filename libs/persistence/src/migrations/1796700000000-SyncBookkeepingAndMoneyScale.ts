import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every amount column, by table: `numeric(20,2)` rounded 3-decimal currencies (KWD, BHD, OMR…). */
const AMOUNTS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['balances', ['amount']],
  ['transactions', ['amount', 'balance_after']],
  ['transfers', ['amount', 'destination_amount', 'fee']],
  ['transaction_day_totals', ['credits', 'debits']],
];

/**
 * Sync bookkeeping that cannot double, a lifecycle the sweeper can find, and money at the
 * currency's own scale:
 * - `uq_syncs_one_unfinished`: at most one unfinished (`queued`, `running`, `waiting_rate_limit`)
 *   sync per consent, enforced by PostgreSQL rather than checked before an insert. Duplicates left
 *   by the old check-then-insert are closed first (the newest one stays).
 * - `accounts.counted_sync_id`: the sync that has counted this account as done (read, or given
 *   up). Counting sets it in the same statement, so a job run twice never counts an account twice,
 *   and the sweeper knows which accounts of an unfinished sync still need a job.
 * - `ix_consents_purge_due`: the retention sweeper finds consents whose purge is due and not done.
 * - Amounts become unconstrained `numeric`: a value keeps the scale it was written with, which is
 *   the currency's (the writer stores `Money.toString()`: `"-1.005"` KWD, `"12.50"` TJS), and
 *   statements round to the account currency's scale, never to 2. Lifting a numeric typmod does not
 *   rewrite the table. `down` goes back to `numeric(20,2)`, which rounds any 3-decimal amount.
 */
export class SyncBookkeepingAndMoneyScale1796700000000 implements MigrationInterface {
  name = 'SyncBookkeepingAndMoneyScale1796700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE syncs s SET state = 'failed', error = coalesce(s.error, 'superseded by a newer sync'), finished_at = now()
       WHERE s.state IN ('queued','running','waiting_rate_limit')
         AND EXISTS (SELECT 1 FROM syncs n WHERE n.consent_id = s.consent_id
                        AND n.state IN ('queued','running','waiting_rate_limit')
                        AND (n.created_at, n.id) > (s.created_at, s.id))`);
    await q.query(
      `CREATE UNIQUE INDEX uq_syncs_one_unfinished ON syncs (consent_id)
        WHERE state IN ('queued','running','waiting_rate_limit')`,
    );
    await q.query(`ALTER TABLE accounts ADD COLUMN counted_sync_id uuid`);
    await q.query(
      `CREATE INDEX ix_consents_purge_due ON consents (purge_after) WHERE purged_at IS NULL AND purge_after IS NOT NULL`,
    );
    for (const [table, columns] of AMOUNTS)
      await q.query(
        `ALTER TABLE ${table} ${columns.map((c) => `ALTER COLUMN ${c} TYPE numeric`).join(', ')}`,
      );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, columns] of AMOUNTS)
      await q.query(
        `ALTER TABLE ${table} ${columns.map((c) => `ALTER COLUMN ${c} TYPE numeric(20,2)`).join(', ')}`,
      );
    await q.query(`DROP INDEX ix_consents_purge_due`);
    await q.query(`ALTER TABLE accounts DROP COLUMN counted_sync_id`);
    await q.query(`DROP INDEX uq_syncs_one_unfinished`);
  }
}
