import type { StoredCoverage } from '../coverage.js';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ConsentStatus } from '../entities/consent.entity.js';

/** What every data read needs to know about the consent it reads under. */
export interface ConsentScopeRow {
  consentId: string;
  endUserId: string;
  consentStatus: ConsentStatus;
  /** The retention purge ran: the copy is gone even if the row says otherwise. */
  purged: boolean;
  /** What the end user consented to (api.md "Consents": accounts, balances, transactions, …). */
  permissions: string[];
}

/** An account together with its consent's scope, as the account endpoints read it. */
export interface AccountRow extends ConsentScopeRow {
  id: string;
  provider: string;
  type: string;
  name: string;
  currency: string;
  iban: string | null;
  numberMasked: string | null;
  status: string;
  updatedAt: Date;
  dataAsOf: Date | null;
  nextRefreshAt: Date | null;
  coverage: StoredCoverage[];
  /** `created_at` with microseconds, for the keyset cursor of the list. */
  createdAtKey: string;
}

/** The few account fields the nested reads (balances, transactions, statement) need. */
export interface AccountScopeRow extends ConsentScopeRow {
  id: string;
  currency: string;
  dataAsOf: Date | null;
}

export interface BalanceRow {
  type: string;
  amount: string;
  currency: string;
  referenceDate: string | null;
  updatedAt: Date;
}

export interface AccountListQuery {
  clientId: string;
  consentId?: string;
  endUserId?: string;
  provider?: string;
  /** Keyset: accounts created strictly after (createdAtKey, id). */
  after?: { createdAtKey: string; id: string };
  limit: number;
}

/** Consents whose copy may no longer be served; multi-consent lists leave them out. */
export const UNREADABLE_CONSENT_STATUSES: readonly ConsentStatus[] = ['revoked', 'expired', 'rejected'];

const SCOPE_COLS = `c.id AS "consentId", c.end_user_id AS "endUserId", c.status AS "consentStatus", c.purged_at IS NOT NULL AS "purged", c.permissions`;
const CREATED_KEY = `to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Reads of accounts, balances and the consent scope. Every query names the client: another
 * client's id finds nothing, which the services turn into 404.
 */
@Injectable()
export class AccountQueryRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * The consent if it is the client's, with the data-as-of of its copy: the oldest `data_as_of` of
   * its accounts, or null when it has no account or one was never read completely (that account's
   * data is "as of never", which is older than any time).
   */
  async consentScope(
    clientId: string,
    consentId: string,
  ): Promise<(ConsentScopeRow & { dataAsOf: Date | null }) | null> {
    const rows: Array<ConsentScopeRow & { dataAsOf: Date | null }> = await this.ds.query(
      `SELECT ${SCOPE_COLS},
              (SELECT CASE WHEN count(*) = count(a.data_as_of) THEN min(a.data_as_of) END
                 FROM accounts a WHERE a.consent_id = c.id) AS "dataAsOf"
         FROM consents c WHERE c.id = $1 AND c.client_id = $2`,
      [consentId, clientId],
    );
    return rows[0] ?? null;
  }

  async findAccount(clientId: string, accountId: string): Promise<AccountRow | null> {
    const rows: AccountRow[] = await this.ds.query(
      `SELECT ${ACCOUNT_COLS}, ${SCOPE_COLS}
         FROM accounts a JOIN consents c ON c.id = a.consent_id
        WHERE a.id = $1 AND a.client_id = $2`,
      [accountId, clientId],
    );
    return rows[0] ?? null;
  }

  /** The lean scope of one account (the first query of every nested read). */
  async accountScope(clientId: string, accountId: string): Promise<AccountScopeRow | null> {
    const rows: AccountScopeRow[] = await this.ds.query(
      `SELECT a.id, a.currency, a.data_as_of AS "dataAsOf", ${SCOPE_COLS}
         FROM accounts a JOIN consents c ON c.id = a.consent_id
        WHERE a.id = $1 AND a.client_id = $2`,
      [accountId, clientId],
    );
    return rows[0] ?? null;
  }

  /**
   * Oldest first (creation order, then id). Consents that may no longer be read are left out, so
   * a list across consents never serves a revoked copy; a `consentId` filter is checked by the
   * service first (404 / 409), so here it only narrows.
   */
  async list(q: AccountListQuery): Promise<AccountRow[]> {
    const where = ['a.client_id = $1', `c.status <> ALL($2::text[])`, 'c.purged_at IS NULL'];
    const params: unknown[] = [q.clientId, UNREADABLE_CONSENT_STATUSES];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replaceAll('?', `$${params.length}`));
    };
    if (q.consentId) add('a.consent_id = ?', q.consentId);
    if (q.endUserId) add('c.end_user_id = ?', q.endUserId);
    if (q.provider) add('a.provider = ?', q.provider);
    if (q.after) {
      params.push(q.after.createdAtKey, q.after.id);
      where.push(`(a.created_at, a.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(q.limit);
    return this.ds.query(
      `SELECT ${ACCOUNT_COLS}, ${SCOPE_COLS}
         FROM accounts a JOIN consents c ON c.id = a.consent_id
        WHERE ${where.join(' AND ')}
        ORDER BY a.created_at, a.id LIMIT $${params.length}`,
      params,
    );
  }

  /** In the order a client expects them: the booked balance first (api.md lists the types so). */
  balances(accountId: string): Promise<BalanceRow[]> {
    return this.ds.query(
      `SELECT type, amount::text AS amount, currency, reference_date::text AS "referenceDate", updated_at AS "updatedAt"
         FROM balances WHERE account_id = $1
        ORDER BY array_position(ARRAY['booked','available','opening_booked','closing_booked','expected','credit_limit'], type), type`,
      [accountId],
    );
  }
}

const ACCOUNT_COLS = `a.id, a.provider, a.type, a.name, a.currency, a.iban, a.number_masked AS "numberMasked", a.status,
  a.updated_at AS "updatedAt", a.data_as_of AS "dataAsOf", a.next_refresh_at AS "nextRefreshAt", a.coverage, ${CREATED_KEY} AS "createdAtKey"`;
