import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `ix_syncs_finished`: the maintenance queue deletes finished syncs older than
 * `HISOB_SYNC_HISTORY_DAYS`, oldest first, a bounded batch at a time. Partial on the finished
 * states (the ones it may delete) and ordered by `finished_at`: each batch is a range scan of the
 * rows it deletes, never a scan of the table (40 M rows a day at 10 M consents, docs/scaling.md).
 */
export class SyncsFinishedIndex1797400000000 implements MigrationInterface {
  name = 'SyncsFinishedIndex1797400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX ix_syncs_finished ON syncs (finished_at) WHERE state IN ('succeeded', 'failed')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_syncs_finished`);
  }
}
