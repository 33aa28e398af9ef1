import type { TransactionRow } from '#persistence/repositories/transaction-query.repository.js';
import { isoOrNull } from '../data/data-freshness.js';
import { withSubject } from '../data/read-subject.js';
import type { TransactionListResponse, TransactionResponse } from './transaction.dto.js';
import type { TransactionList } from './transactions.service.js';

/** The one mapper from a transaction row to the wire; amounts pass through as the stored text. */
export function toTransactionResponse(t: TransactionRow): TransactionResponse {
  return {
    id: t.id,
    account_id: t.accountId,
    provider_transaction_id: t.providerTransactionId,
    status: t.status,
    date: t.date,
    ...(t.valueDate ? { value_date: t.valueDate } : {}),
    amount: t.amount,
    currency: t.currency,
    type: t.type,
    description: t.description,
    ...(t.counterpartyName !== null || t.counterpartyAccount !== null
      ? {
          counterparty: {
            name: t.counterpartyName ?? '',
            ...(t.counterpartyAccount ? { account: t.counterpartyAccount } : {}),
          },
        }
      : {}),
    ...(t.balanceAfter !== null ? { balance_after: t.balanceAfter } : {}),
    ...(t.category !== null ? { category: t.category } : {}),
  };
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
