import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A change feed of repayment schedules (`GET /v1/repayment-schedule/sync`): every instalment
 * written or rewritten takes the next number of `instalment_change_seq` (`created_seq` when it
 * appears, `updated_seq` each time it changes: a provider's recalculation shows as `modified`),
 * and an instalment the provider no longer lists leaves a numbered row in `instalment_removals`.
 * A client that follows the feed ends with exactly Hisob's schedule.
 */
export class InstalmentChanges1796900000000 implements MigrationInterface {
  name = 'InstalmentChanges1796900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE instalment_change_seq`);
    await q.query(`ALTER TABLE instalments ADD COLUMN created_seq bigint NOT NULL DEFAULT nextval('instalment_change_seq'),
                                         ADD COLUMN updated_seq bigint NOT NULL DEFAULT nextval('instalment_change_seq')`);
    await q.query(`CREATE INDEX ix_instalments_changes ON instalments (consent_id, updated_seq)`);
    await q.query(`
      CREATE TABLE instalment_removals (
        consent_id uuid NOT NULL REFERENCES consents(id) ON DELETE CASCADE,
        client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        instalment_id uuid NOT NULL,
        seq bigint NOT NULL DEFAULT nextval('instalment_change_seq'),
        removed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consent_id, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE instalment_removals`);
    await q.query(`DROP INDEX ix_instalments_changes`);
    await q.query(`ALTER TABLE instalments DROP COLUMN updated_seq, DROP COLUMN created_seq`);
    await q.query(`DROP SEQUENCE instalment_change_seq`);
  }
}
