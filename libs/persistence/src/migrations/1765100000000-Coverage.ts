import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Coverage (api.md "Consents"): what the last sync could read, per resource — on the consent for
 * consent-wide resources (the account list, cards, transfers), on each account for its own
 * (history, balances, transfers), and on the sync that read them. A sync whose best-effort
 * resources failed still succeeds, `partial`; an account whose history could not be read counts
 * in `accounts_failed` and fails the sync without failing the other accounts.
 */
export class Coverage1765100000000 implements MigrationInterface {
  name = 'Coverage1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE consents ADD COLUMN coverage jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`ALTER TABLE accounts ADD COLUMN coverage jsonb NOT NULL DEFAULT '[]'`);
    await q.query(
      `ALTER TABLE syncs ADD COLUMN partial boolean NOT NULL DEFAULT false,
                         ADD COLUMN coverage jsonb NOT NULL DEFAULT '[]',
                         ADD COLUMN accounts_failed integer NOT NULL DEFAULT 0`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE syncs DROP COLUMN accounts_failed, DROP COLUMN coverage, DROP COLUMN partial`);
    await q.query(`ALTER TABLE accounts DROP COLUMN coverage`);
    await q.query(`ALTER TABLE consents DROP COLUMN coverage`);
  }
}
