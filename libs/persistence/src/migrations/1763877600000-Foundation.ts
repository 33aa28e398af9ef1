import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1763877600000 implements MigrationInterface {
  name = 'Foundation1763877600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`
      CREATE TABLE clients (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        api_key_id text NOT NULL,
        api_key_hash text NOT NULL,
        webhook_url text,
        webhook_secret_enc text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT uq_clients_api_key_id UNIQUE (api_key_id)
      )`);
    await q.query(`
      CREATE TABLE access_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        consent_id uuid,
        end_user_id text,
        resource text NOT NULL,
        record_count integer NOT NULL CHECK (record_count >= 0),
        request_id text NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    // Serves GET /v1/access-log (newest first, keyset on (at, id)) with and without a consent filter.
    await q.query(`CREATE INDEX ix_access_log_client_at ON access_log (client_id, at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX ix_access_log_consent_at ON access_log (client_id, consent_id, at DESC, id DESC) WHERE consent_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE access_log`);
    await q.query(`DROP TABLE clients`);
  }
}
