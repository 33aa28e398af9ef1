import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * bePaid sends every notification of one payment with the payment's `uid` (a late `failed` after
 * `successful` included), so the inbox keeps one notification per `uid` and status: a retry of
 * the same notification is a duplicate, a new status of the same transaction is a new event.
 */
export class BepaidNotificationStatus1797250000000 implements MigrationInterface {
  name = 'BepaidNotificationStatus1797250000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE bepaid_notifications DROP CONSTRAINT uq_bepaid_notifications_uid`);
    await q.query(
      `ALTER TABLE bepaid_notifications ADD CONSTRAINT uq_bepaid_notifications_uid_status UNIQUE (client_id, uid, status)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Keeps the first notification of each uid, as the older constraint would have.
    await q.query(
      `DELETE FROM bepaid_notifications n USING bepaid_notifications f
        WHERE f.client_id = n.client_id AND f.uid = n.uid AND f.seq < n.seq`,
    );
    await q.query(`ALTER TABLE bepaid_notifications DROP CONSTRAINT uq_bepaid_notifications_uid_status`);
    await q.query(
      `ALTER TABLE bepaid_notifications ADD CONSTRAINT uq_bepaid_notifications_uid UNIQUE (client_id, uid)`,
    );
  }
}
