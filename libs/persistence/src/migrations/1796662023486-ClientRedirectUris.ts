import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `clients.redirect_uris`: the exact URLs a client's consents may send the end user back to
 * after the bank (an allowlist: a consent's `redirect_uri` must be one of them, so Hisob never
 * becomes an open redirect). Existing clients start with none: their consents end on Hisob's own
 * result page until the operator registers their URLs.
 */
export class ClientRedirectUris1796662023486 implements MigrationInterface {
  name = 'ClientRedirectUris1796662023486';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clients ADD COLUMN redirect_uris text[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clients DROP COLUMN redirect_uris`);
  }
}
