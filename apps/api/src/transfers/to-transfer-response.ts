import type { TransferRow } from '#persistence/repositories/transfer-query.repository.js';
import type { TransferResponse } from './transfer.dto.js';

/** The one mapper from a transfer row to the wire; optional money is left out when unknown. */
export function toTransferResponse(t: TransferRow): TransferResponse {
  return {
    id: t.id,
    account_id: t.accountId,
    amount: t.amount,
    currency: t.currency,
    ...(t.destinationAmount !== null ? { destination_amount: t.destinationAmount } : {}),
    ...(t.destinationCurrency !== null ? { destination_currency: t.destinationCurrency } : {}),
    ...(t.fxRate !== null ? { fx_rate: t.fxRate } : {}),
    ...(t.fee !== null ? { fee: t.fee } : {}),
    destination_country: t.destinationCountry,
    counterparty_name: t.counterpartyName,
    rail: t.rail,
    status: t.status,
    created_at: t.createdAt.toISOString(),
    ...(t.completedAt ? { completed_at: t.completedAt.toISOString() } : {}),
  };
}
