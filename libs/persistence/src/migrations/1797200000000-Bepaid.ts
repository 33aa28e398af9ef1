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
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    await q.query(`CREATE INDEX ix_bepaid_notifications_payment ON bepaid_notifications (payment_id, id)`);
    await q.query(
      `CREATE INDEX ix_bepaid_notifications_waiting ON bepaid_notifications (client_id, order_id) WHERE payment_id IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE bepaid_notifications`);
    await q.query(`DROP TABLE bepaid_payments`);
    await q.query(`DROP TABLE bepaid_customers`);
    await q.query(`DROP TABLE bepaid_merchants`);
  }
}
