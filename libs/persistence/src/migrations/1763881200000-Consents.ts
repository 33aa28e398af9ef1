import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Consents1763881200000 implements MigrationInterface {
  name = 'Consents1763881200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE consents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        provider text NOT NULL,
        end_user_id text NOT NULL CHECK (length(end_user_id) BETWEEN 1 AND 200),
        status text NOT NULL CHECK (status IN
          ('awaiting_authorisation','awaiting_otp','active','rejected','expired','revoked','reauth_required')),
        status_reason text,
        permissions text[] NOT NULL,
        valid_until date,
        redirect_uri text,
        msisdn text,
        -- OAuth state of a pending authorisation: the callback finds the consent by it.
        auth_state text,
        -- Where the end user's browser goes to authorise (contains no secret: state + PKCE challenge).
        authorisation_url text,
        -- Connector-owned pending state (PKCE verifier …), encrypted (libs/crypto), AAD = consent id.
        auth_pending_enc text,
        -- The BankSession (tokens), encrypted; never selected into an API response.
        session_enc text,
        token_expires_at timestamptz,
        -- The BullMQ job that will refresh the current token; any other refresh job is stale.
        refresh_job_id text,
        authorised_at timestamptz,
        expires_at timestamptz,
        revoked_at timestamptz,
        last_synced_at timestamptz,
        sync_state text,
        sync_last_error text,
        purge_after timestamptz,
        purged_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_consents_auth_state UNIQUE (auth_state)
      )`);
    await q.query(
      `CREATE INDEX ix_consents_client_created ON consents (client_id, created_at DESC, id DESC)`,
    );
    await q.query(`CREATE INDEX ix_consents_client_end_user ON consents (client_id, end_user_id)`);
    await q.query(`CREATE INDEX ix_consents_expiry ON consents (expires_at) WHERE status = 'active'`);

    // Idempotency-Key on POSTs: the first response is stored and replayed for the same key and body.
    await q.query(`
      CREATE TABLE idempotency_keys (
        client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
        method text NOT NULL,
        path text NOT NULL,
        request_hash text NOT NULL,
        status_code integer,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (client_id, key)
      )`);
    await q.query(`CREATE INDEX ix_idempotency_created ON idempotency_keys (created_at)`);

    // Client webhooks: one row per event; delivery is a BullMQ job keyed by the event id.
    await q.query(`
      CREATE TABLE webhook_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        type text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        delivered_at timestamptz,
        failed_at timestamptz,
        last_status integer,
        last_error text
      )`);
    await q.query(`CREATE INDEX ix_webhook_events_client ON webhook_events (client_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_events`);
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE consents`);
  }
}
