import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * Tables holding a consent's copied bank data, emptied for the consent by the purge (children
 * first). `balances`, `transaction_day_totals` and `transaction_account_totals` hang off
 * `accounts` and go with them (the triggers keep the rollups exact as transactions are deleted).
 */
export const CONSENT_DATA_TABLES: readonly string[] = [
  'transaction_removals',
  'transactions',
  'transfers',
  'cards',
  'instalment_removals',
  'instalments',
  'instalment_plans',
  'balances',
  'accounts',
  'syncs',
];

/**
 * Consent columns the purge clears: tokens and pending authorisation state, the phone number, the
 * bank's error texts and coverage, the URLs. What stays on the row is what the access log's
 * entries need to be read: who (client, end user), which provider and permissions, and when
 * (created, authorised, expired or revoked, purged).
 */
const CLEARED = `session_enc = NULL, auth_pending_enc = NULL, auth_state = NULL, authorisation_url = NULL,
  msisdn = NULL, token_expires_at = NULL, refresh_job_id = NULL, status_reason = NULL, sync_last_error = NULL,
  coverage = '[]'::jsonb, redirect_uri = NULL`;

/** The retention purge's SQL (the worker's RetentionPurgeProcessor decides when). */
@Injectable()
export class ConsentPurgeRepository {
  /**
   * Removes everything of the consent but its bare row and its access-log entries, in the caller's
   * transaction (which holds the consent's row lock): the copied data, the sync runs, the webhook
   * events about it (their bodies carry its coverage and errors), the stored Idempotency-Key replies
   * naming it, and the row's secrets, MSISDN and texts. The writer lock is taken first, so a sync
   * page in flight commits before, or finds the consent gone.
   */
  async purge(em: EntityManager, consentId: string, clientId: string): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))`, [consentId]);
    for (const table of CONSENT_DATA_TABLES) {
      if (table === 'balances')
        await em.query(
          `DELETE FROM balances WHERE account_id IN (SELECT id FROM accounts WHERE consent_id = $1)`,
          [consentId],
        );
      else await em.query(`DELETE FROM ${table} WHERE consent_id = $1`, [consentId]);
    }
    await em.query(
      `DELETE FROM webhook_events WHERE client_id = $2 AND payload->'data'->>'consent_id' = $1::text`,
      [consentId, clientId],
    );
    await em.query(
      `DELETE FROM idempotency_keys WHERE client_id = $2
          AND (strpos(path, $1::text) > 0 OR strpos(coalesce(response_body::text, ''), $1::text) > 0)`,
      [consentId, clientId],
    );
    await em.query(`UPDATE consents SET ${CLEARED}, purged_at = now(), updated_at = now() WHERE id = $1`, [
      consentId,
    ]);
  }
}
