import type { TransactionRow } from '#persistence/repositories/transaction-query.repository.js';
import { isoOrNull } from '../data/data-freshness.js';
import { withSubject } from '../data/read-subject.js';
import type { TransactionListResponse, TransactionResponse } from './transaction.dto.js';
import type { TransactionList } from './transactions.service.js';

/**
 * The one mapper from a transaction row to the wire; amounts pass through as the stored text.
 * Optional fields are left out when empty. (Assigned one by one rather than spread: this runs for
 * every row of every page, and the spreads' temporary objects were a visible share of the GC.)
 */
export function toTransactionResponse(t: TransactionRow): TransactionResponse {
  const out: TransactionResponse = {
    id: t.id,
    account_id: t.accountId,
    provider_transaction_id: t.providerTransactionId,
    status: t.status,
    date: t.date,
    amount: t.amount,
    currency: t.currency,
    type: t.type,
    description: t.description,
  };
  if (t.valueDate) out.value_date = t.valueDate;
  if (t.counterpartyName !== null || t.counterpartyAccount !== null) {
    out.counterparty = t.counterpartyAccount
      ? { name: t.counterpartyName ?? '', account: t.counterpartyAccount }
      : { name: t.counterpartyName ?? '' };
  }
  if (t.balanceAfter !== null) out.balance_after = t.balanceAfter;
  if (t.category !== null) out.category = t.category;
  if (t.entryReference !== null) out.entry_reference = t.entryReference;
  if (t.supersedes !== null) out.supersedes = t.supersedes;
  return out;
}

/** A transaction list (an account's or a card's), tagged with whose data it is for the access log. */
export function toTransactionListResponse(r: TransactionList): TransactionListResponse {
  return withSubject(
    {
      transactions: r.transactions.map(toTransactionResponse),
      next_cursor: r.nextCursor,
      total_count: r.totalCount,
      data_as_of: isoOrNull(r.dataAsOf),
    },
    r.subject,
  );
}
