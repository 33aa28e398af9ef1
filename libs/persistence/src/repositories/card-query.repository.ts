import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UNREADABLE_CONSENT_STATUSES, type ConsentScopeRow } from './account-query.repository.js';

export interface CardRow {
  id: string;
  consentId: string;
  accountId: string | null;
  scheme: string;
  maskedPan: string;
  nameOnCard: string | null;
  expiry: string | null;
  status: string;
  kind: string;
}

/** A card with what its transaction list needs: the consent scope and the bank's card id. */
export interface CardScopeRow extends ConsentScopeRow {
  id: string;
  providerCardId: string;
  /** The card's account's data_as_of; for a card on no account, the consent's (oldest of its accounts). */
  dataAsOf: Date | null;
}

export interface CardListQuery {
  clientId: string;
  consentId?: string;
  /** Keyset: cards with an id greater than this one. */
  afterId?: string;
  limit: number;
}

/** A card's data is as fresh as its account; a card on no account, as the consent's oldest account. */
const CARD_DATA_AS_OF = `CASE WHEN a.id IS NOT NULL THEN a.data_as_of
  ELSE (SELECT CASE WHEN count(*) = count(x.data_as_of) THEN min(x.data_as_of) END FROM accounts x WHERE x.consent_id = k.consent_id) END`;

@Injectable()
export class CardQueryRepository {
  constructor(private readonly ds: DataSource) {}

  /** By id (stable, nothing better to order cards by); leaves out consents that may not be read. */
  list(q: CardListQuery): Promise<Array<CardRow & { endUserId: string; dataAsOf: Date | null }>> {
    const where = ['k.client_id = $1', 'c.status <> ALL($2::text[])', 'c.purged_at IS NULL'];
    const params: unknown[] = [q.clientId, UNREADABLE_CONSENT_STATUSES];
    if (q.consentId) where.push(`k.consent_id = $${params.push(q.consentId)}`);
    if (q.afterId) where.push(`k.id > $${params.push(q.afterId)}::uuid`);
    params.push(q.limit);
    return this.ds.query(
      `SELECT k.id, k.consent_id AS "consentId", k.account_id AS "accountId", k.scheme, k.masked_pan AS "maskedPan",
              k.name_on_card AS "nameOnCard", k.expiry::text AS expiry, k.status, k.kind, c.end_user_id AS "endUserId", ${CARD_DATA_AS_OF} AS "dataAsOf"
         FROM cards k JOIN consents c ON c.id = k.consent_id LEFT JOIN accounts a ON a.id = k.account_id
        WHERE ${where.join(' AND ')}
        ORDER BY k.id LIMIT $${params.length}`,
      params,
    );
  }

  async cardScope(clientId: string, cardId: string): Promise<CardScopeRow | null> {
    const rows: CardScopeRow[] = await this.ds.query(
      `SELECT k.id, k.provider_card_id AS "providerCardId",
              c.id AS "consentId", c.end_user_id AS "endUserId", c.status AS "consentStatus", c.purged_at IS NOT NULL AS "purged",
              c.permissions, ${CARD_DATA_AS_OF} AS "dataAsOf"
         FROM cards k JOIN consents c ON c.id = k.consent_id LEFT JOIN accounts a ON a.id = k.account_id
        WHERE k.id = $1 AND k.client_id = $2`,
      [cardId, clientId],
    );
    return rows[0] ?? null;
  }
}
