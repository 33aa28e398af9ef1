import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UNREADABLE_CONSENT_STATUSES } from './account-query.repository.js';

export interface TransferRow {
  id: string;
  consentId: string;
  endUserId: string;
  accountId: string;
  amount: string;
  currency: string;
  destinationAmount: string | null;
  destinationCurrency: string | null;
  fxRate: string | null;
  fee: string | null;
  destinationCountry: string | null;
  counterpartyName: string | null;
  rail: string;
  status: string;
  createdAt: Date;
  completedAt: Date | null;
  /** `created_at` with microseconds (a JS Date keeps milliseconds), for the keyset cursor. */
  createdAtKey: string;
  /** The transfer's account's data_as_of. */
  dataAsOf: Date | null;
}

export interface TransferListQuery {
  clientId: string;
  consentId?: string;
  /** Inclusive UTC calendar days of `created_at`. */
  fromDate?: string;
  toDate?: string;
  status?: string;
  /** Keyset: transfers strictly older than (createdAtKey, id). */
  before?: { createdAtKey: string; id: string };
  limit: number;
}

/** Newest first by (created_at, id); under one consent served by `ix_transfers_client`. */
@Injectable()
export class TransferQueryRepository {
  constructor(private readonly ds: DataSource) {}

  list(q: TransferListQuery): Promise<TransferRow[]> {
    const where = ['tr.client_id = $1', 'c.status <> ALL($2::text[])', 'c.purged_at IS NULL'];
    const params: unknown[] = [q.clientId, UNREADABLE_CONSENT_STATUSES];
    const add = (sql: string, v: unknown) => where.push(sql.replaceAll('?', `$${params.push(v)}`));
    if (q.consentId) add('tr.consent_id = ?', q.consentId);
    // Calendar days are UTC days (api.md: timestamps are UTC), whatever the session's TimeZone.
    if (q.fromDate) add(`tr.created_at >= (?::date::timestamp AT TIME ZONE 'UTC')`, q.fromDate);
    if (q.toDate) add(`tr.created_at < ((?::date + 1)::timestamp AT TIME ZONE 'UTC')`, q.toDate);
    if (q.status) add('tr.status = ?', q.status);
    if (q.before) {
      params.push(q.before.createdAtKey, q.before.id);
      where.push(`(tr.created_at, tr.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(q.limit);
    return this.ds.query(
      `SELECT tr.id, tr.consent_id AS "consentId", c.end_user_id AS "endUserId", tr.account_id AS "accountId",
              tr.amount::text AS amount, tr.currency, tr.destination_amount::text AS "destinationAmount",
              tr.destination_currency AS "destinationCurrency", trim_scale(tr.fx_rate)::text AS "fxRate", tr.fee::text AS fee,
              tr.destination_country AS "destinationCountry", tr.counterparty_name AS "counterpartyName", tr.rail, tr.status,
              tr.created_at AS "createdAt", tr.completed_at AS "completedAt",
              to_char(tr.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdAtKey",
              a.data_as_of AS "dataAsOf"
         FROM transfers tr JOIN consents c ON c.id = tr.consent_id JOIN accounts a ON a.id = tr.account_id
        WHERE ${where.join(' AND ')}
        ORDER BY tr.created_at DESC, tr.id DESC LIMIT $${params.length}`,
      params,
    );
  }
}
