import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The lifecycle sweeper's two consent scans, each a range of an index instead of a scan of the
 * table every minute (10 M consents, docs/scaling.md):
 * - `ix_consents_token_due` (provider, token_expires_at) over active consents with a token: the
 *   refreshes due, one provider at a time, oldest expiry first. Per provider, so the tokens of
 *   providers refreshed at sync time, which lie expired between syncs, are never walked.
 * - `ix_consents_expiry` now covers what `lockExpired` asks: consents `active` or
 *   `reauth_required` whose `expires_at` has passed (its predicate was `active` only, so the
 *   planner could not use it for that query).
 */
export class ConsentsSweepIndexes1797500000000 implements MigrationInterface {
  name = 'ConsentsSweepIndexes1797500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX ix_consents_token_due ON consents (provider, token_expires_at)
        WHERE status = 'active' AND token_expires_at IS NOT NULL`,
    );
    await q.query(`DROP INDEX ix_consents_expiry`);
    await q.query(
      `CREATE INDEX ix_consents_expiry ON consents (expires_at) WHERE status IN ('active', 'reauth_required')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_consents_expiry`);
    await q.query(`CREATE INDEX ix_consents_expiry ON consents (expires_at) WHERE status = 'active'`);
    await q.query(`DROP INDEX ix_consents_token_due`);
  }
}
