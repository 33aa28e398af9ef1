import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a sync held back by a bank's limit will run again (`GET /v1/syncs/{id}` `resume_at`): set
 * with `waiting_rate_limit`, cleared when the sync runs or ends.
 */
export class SyncResumeAt1797150000000 implements MigrationInterface {
  name = 'SyncResumeAt1797150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE syncs ADD COLUMN resume_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE syncs DROP COLUMN resume_at`);
  }
}
