import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The copy of the bank data and the sync engine's bookkeeping. Every data table carries
 * `client_id` and `consent_id` so that every read is scoped by an index, never by a join.
 */
export class SyncAndData1763884800000 implements MigrationInterface {
  name = 'SyncAndData1763884800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        consent_id uuid NOT NULL REFERENCES consents(id) ON DELETE CASCADE,
        provider text NOT NULL,
        provider_account_id text NOT NULL,
        type text NOT NULL CHECK (type IN ('current','wallet','savings','card','credit','loan')),
        name text NOT NULL,
        currency char(3) NOT NULL,
        iban text,
        number_masked text,
        status text NOT NULL,
        -- Sync engine state: the resumable position of the running stream (connector-owned JSON).
        checkpoint jsonb,
        checkpoint_sync_id uuid,
        -- One stream per account: the job holding the lease (renewed with every page) streams it.
        sync_lease_owner text,
        sync_lease_until timestamptz,
        -- Set while the bank rate-limits this account's stream (the sync shows waiting_rate_limit).
        rate_limited_until timestamptz,
        -- When the bank was last read completely for this account (every read reports it as data_as_of).
        data_as_of timestamptz,
        next_refresh_at timestamptz,
        last_sync_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_accounts_consent_provider_id UNIQUE (consent_id, provider_account_id)
      )`);
    await q.query(`CREATE INDEX ix_accounts_client ON accounts (client_id, consent_id)`);

    await q.query(`
      CREATE TABLE balances (
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        type text NOT NULL CHECK (type IN ('booked','available','opening_booked','closing_booked','expected','credit_limit')),
        amount numeric(20,2) NOT NULL,
        currency char(3) NOT NULL,
        reference_date date,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, type)
      )`);

    // One sequence numbers every change of the copy; the change feed pages on it. Writers of one
    // consent take an advisory lock first, so within a consent numbers are assigned in commit order.
    await q.query(`CREATE SEQUENCE transaction_change_seq AS bigint`);
    await q.query(`
      CREATE TABLE transactions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        consent_id uuid NOT NULL,
        client_id uuid NOT NULL,
        provider_transaction_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('booked','pending')),
        booking_date date NOT NULL,
        value_date date,
        booked_at timestamptz,
        amount numeric(20,2) NOT NULL,
        currency char(3) NOT NULL,
        type text NOT NULL,
        description text NOT NULL,
        counterparty_name text,
        counterparty_account text,
        balance_after numeric(20,2),
        category text,
        provider_card_id text,
        created_seq bigint NOT NULL,
        updated_seq bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_transactions_identity UNIQUE (account_id, provider_transaction_id)
      )`);
    // Keyset pages newest first: (booking_date, id) DESC within an account.
    await q.query(
      `CREATE INDEX ix_transactions_keyset ON transactions (account_id, booking_date DESC, id DESC)`,
    );
    // Statements: sums by date range from the index alone (perf-limits §3: index-only, no heap).
    await q.query(
      `CREATE INDEX ix_transactions_statement ON transactions (account_id, booking_date) INCLUDE (amount, status)`,
    );
    // The change feed of a consent.
    await q.query(`CREATE INDEX ix_transactions_changes ON transactions (consent_id, updated_seq)`);
    await q.query(
      `CREATE INDEX ix_transactions_card ON transactions (consent_id, provider_card_id, booking_date DESC, id DESC) WHERE provider_card_id IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE transaction_removals (
        seq bigint PRIMARY KEY,
        consent_id uuid NOT NULL,
        transaction_id uuid NOT NULL,
        removed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_transaction_removals_consent ON transaction_removals (consent_id, seq)`);

    await q.query(`
      CREATE TABLE cards (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id uuid NOT NULL,
        consent_id uuid NOT NULL REFERENCES consents(id) ON DELETE CASCADE,
        account_id uuid REFERENCES accounts(id) ON DELETE SET NULL,
        provider_card_id text NOT NULL,
        scheme text NOT NULL,
        masked_pan text NOT NULL,
        name_on_card text,
        expiry date,
        status text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('debit','credit','virtual')),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_cards_identity UNIQUE (consent_id, provider_card_id)
      )`);
    await q.query(`CREATE INDEX ix_cards_client ON cards (client_id, consent_id)`);

    await q.query(`
      CREATE TABLE transfers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id uuid NOT NULL,
        consent_id uuid NOT NULL REFERENCES consents(id) ON DELETE CASCADE,
        account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        provider_transfer_id text NOT NULL,
        amount numeric(20,2) NOT NULL,
        currency char(3) NOT NULL,
        destination_amount numeric(20,2),
        destination_currency char(3),
        fx_rate numeric(24,10),
        fee numeric(20,2),
        destination_country text,
        counterparty_name text,
        rail text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending','completed','failed','returned')),
        created_at timestamptz NOT NULL,
        completed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_transfers_identity UNIQUE (account_id, provider_transfer_id)
      )`);
    await q.query(
      `CREATE INDEX ix_transfers_client ON transfers (client_id, consent_id, created_at DESC, id DESC)`,
    );

    await q.query(`
      CREATE TABLE syncs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id uuid NOT NULL,
        consent_id uuid NOT NULL REFERENCES consents(id) ON DELETE CASCADE,
        reason text NOT NULL,
        state text NOT NULL CHECK (state IN ('queued','running','succeeded','failed','waiting_rate_limit')),
        accounts_total integer NOT NULL DEFAULT 0,
        accounts_done integer NOT NULL DEFAULT 0,
        pages integer NOT NULL DEFAULT 0,
        transactions_added integer NOT NULL DEFAULT 0,
        transactions_modified integer NOT NULL DEFAULT 0,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX ix_syncs_consent ON syncs (consent_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE syncs`);
    await q.query(`DROP TABLE transfers`);
    await q.query(`DROP TABLE cards`);
    await q.query(`DROP TABLE transaction_removals`);
    await q.query(`DROP TABLE transactions`);
    await q.query(`DROP SEQUENCE transaction_change_seq`);
    await q.query(`DROP TABLE balances`);
    await q.query(`DROP TABLE accounts`);
  }
}
