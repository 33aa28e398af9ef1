import type { AccountRow, BalanceRow } from '#persistence/repositories/account-query.repository.js';
import { isoOrNull } from '../data/data-freshness.js';
import type { AccountResponse, BalanceResponse } from './account.dto.js';

/** The one mapper from an account row to the wire (optional fields are left out when unknown). */
export function toAccountResponse(a: AccountRow): AccountResponse {
  return {
    id: a.id,
    consent_id: a.consentId,
    provider: a.provider,
    end_user_id: a.endUserId,
    type: a.type,
    name: a.name,
    currency: a.currency,
    ...(a.iban ? { iban: a.iban } : {}),
    ...(a.numberMasked ? { number_masked: a.numberMasked } : {}),
    status: a.status,
    updated_at: a.updatedAt.toISOString(),
    data_as_of: isoOrNull(a.dataAsOf),
    next_refresh_at: isoOrNull(a.nextRefreshAt),
    coverage: a.coverage,
  };
}

export function toBalanceResponse(b: BalanceRow): BalanceResponse {
  return {
    type: b.type,
    amount: b.amount,
    currency: b.currency,
    ...(b.referenceDate ? { reference_date: b.referenceDate } : {}),
    updated_at: b.updatedAt.toISOString(),
  };
}
