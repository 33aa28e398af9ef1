import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `ix_accounts_due`: the scheduler looks for accounts whose `next_refresh_at` has passed at every
 * tick (a tenth of the cadence). Without an index that is a scan of every account; with it, a
 * range scan of the few that are due.
 */
export class AccountsDueIndex1797300000000 implements MigrationInterface {
  name = 'AccountsDueIndex1797300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX ix_accounts_due ON accounts (next_refresh_at) WHERE next_refresh_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_accounts_due`);
  }
}
