import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The credit ledger of buy-now-pay-later providers (api.md, Alif Shop): every instalment plan the
 * provider has — 0 % fashion plans and partner-store phone plans on the store's own terms, kept
 * apart by `origin` — and each plan's repayment schedule. An instalment is its plan plus its due
 * date: a recalculation by the provider updates it in place, never adds a second one. The credit
 * line itself is the consent's `credit` account with its `credit_limit` and `available` balances.
 */
export class CreditLedger1796800000000 implements MigrationInterface {
  name = 'CreditLedger1796800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE instalment_plans (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        consent_id uuid NOT NULL REFERENCES consents(id) ON DELETE CASCADE,
        provider_plan_id text NOT NULL,
        origin text NOT NULL CHECK (origin IN ('fashion', 'partner_store')),
        principal numeric NOT NULL,
        currency char(3) NOT NULL,
        markup_pct numeric,
        tenor_months integer,
        status text NOT NULL,
        next_due_date date,
        next_amount numeric,
        store text,
        device_model text,
        provider_created_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (consent_id, provider_plan_id)
      )`);
    await q.query(`
      CREATE TABLE instalments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        consent_id uuid NOT NULL REFERENCES consents(id) ON DELETE CASCADE,
        plan_id uuid NOT NULL REFERENCES instalment_plans(id) ON DELETE CASCADE,
        due_date date NOT NULL,
        amount numeric NOT NULL,
        currency char(3) NOT NULL,
        status text NOT NULL,
        paid_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (plan_id, due_date)
      )`);
    await q.query(`CREATE INDEX ix_instalments_consent_due ON instalments (consent_id, due_date)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE instalments`);
    await q.query(`DROP TABLE instalment_plans`);
  }
}
