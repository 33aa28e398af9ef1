import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The merchant side of Alif Mobi payments through bePaid (docs/providers/bepaid.md):
 * - `bepaid_merchants`: a client's bePaid shop (shop id, secret key encrypted with libs/crypto,
 *   bePaid's public key, the currency it takes);
 * - `bepaid_customers`: the merchant's customer directory (status and inclusive limits);
 * - `bepaid_payments`: one row per bePaid request id and client (`uq_bepaid_payments_request`:
 *   concurrent duplicates make one row), holding the first answer and the payment's status;
 * - `bepaid_notifications`: the inbox — every notification's raw bytes, once per `uid`, linked to
 *   its payment (or waiting for its verification), and whether its status was applied.
 * All of it belongs to the client and goes when the client is deleted.
 */
export class Bepaid1797200000000 implements MigrationInterface {
  name = 'Bepaid1797200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bepaid_merchants (
        client_id uuid PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
        shop_id text NOT NULL,
        secret_key_enc text NOT NULL,
        public_key text,
        currency char(3) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE bepaid_customers (
        client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        account text NOT NULL,
        status text NOT NULL CHECK (status IN ('active','blocked')),
        min_amount numeric,
        max_amount numeric,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (client_id, account)
      )`);
    await q.query(`
      CREATE TABLE bepaid_payments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        bepaid_id text NOT NULL,
        bepaid_id_is_number boolean NOT NULL,
        account text NOT NULL,
        amount numeric NOT NULL,
        amount_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        method_type text,
        result integer NOT NULL,
        description text NOT NULL,
        status text NOT NULL CHECK (status IN ('verified','refused','pending','successful','failed','expired','error')),
        bepaid_uid text,
        paid_at timestamptz,
        paid_date date,
        test boolean,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_bepaid_payments_request UNIQUE (client_id, bepaid_id)
      )`);
    // GET /v1/merchant/payments: by creation, newest first.
    await q.query(
      `CREATE INDEX ix_bepaid_payments_list ON bepaid_payments (client_id, created_at DESC, id DESC)`,
    );
    // Reconciliation: successful payments by amount and paid date.
    await q.query(
      `CREATE INDEX ix_bepaid_payments_paid ON bepaid_payments (client_id, currency, amount, paid_date) WHERE status = 'successful'`,
    );
    await q.query(`
      CREATE TABLE bepaid_notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- Arrival order (the status history is listed in it).
        seq bigint GENERATED ALWAYS AS IDENTITY,
        client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        uid text NOT NULL,
        payment_id uuid REFERENCES bepaid_payments(id) ON DELETE CASCADE,
        tracking_id text,
        order_id text,
        status text NOT NULL,
        amount_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        paid_at timestamptz,
        raw_body bytea NOT NULL,
        signature_verified boolean NOT NULL,
        test boolean NOT NULL,
        applied boolean,
        received_at timestamptz NOT NULL DEFAULT now(),
        linked_at timestamptz,
        CONSTRAINT uq_bepaid_notifications_uid UNIQUE (client_id, uid)
      )`);
    await q.query(`CREATE INDEX ix_bepaid_notifications_payment ON bepaid_notifications (payment_id, seq)`);
    await q.query(
      `CREATE INDEX ix_bepaid_notifications_waiting ON bepaid_notifications (client_id, order_id) WHERE payment_id IS NULL`,
    );
    // The hot path of a verification in one round trip (an implicit transaction): the request id's
    // lock, the first answer recorded (or the one recorded before read back, once the conflicting
    // insert has committed), and whether notifications wait for this id. Each statement of a
    // plpgsql function takes a fresh snapshot, so the last one sees every notification committed
    // while this call waited for the lock (a notification stored before its verification is never
    // missed).
    await q.query(`
      CREATE FUNCTION bepaid_record_verification(
        p_client uuid, p_bepaid_id text, p_is_number boolean, p_account text, p_amount numeric,
        p_amount_minor bigint, p_currency char(3), p_method text, p_result integer, p_description text,
        p_status text)
      RETURNS TABLE (payment bepaid_payments, first boolean, waiting boolean)
      LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        v_row bepaid_payments;
        v_first boolean := true;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtextextended(p_client::text || ':' || p_bepaid_id, 7));
        INSERT INTO bepaid_payments AS p (client_id, bepaid_id, bepaid_id_is_number, account, amount, amount_minor,
            currency, method_type, result, description, status)
          VALUES (p_client, p_bepaid_id, p_is_number, p_account, p_amount, p_amount_minor, p_currency, p_method,
            p_result, p_description, p_status)
          ON CONFLICT (client_id, bepaid_id) DO NOTHING
          RETURNING p.* INTO v_row;
        IF v_row.id IS NULL THEN
          v_first := false;
          SELECT p.* INTO v_row FROM bepaid_payments p WHERE p.client_id = p_client AND p.bepaid_id = p_bepaid_id;
        END IF;
        RETURN QUERY SELECT v_row, v_first, EXISTS (
          SELECT 1 FROM bepaid_notifications n
           WHERE n.client_id = p_client AND n.payment_id IS NULL AND n.order_id = p_bepaid_id);
      END
      $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION bepaid_record_verification`);
    await q.query(`DROP TABLE bepaid_notifications`);
    await q.query(`DROP TABLE bepaid_payments`);
    await q.query(`DROP TABLE bepaid_customers`);
    await q.query(`DROP TABLE bepaid_merchants`);
  }
}
