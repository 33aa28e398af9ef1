import type { AccountScopeRow } from '#persistence/repositories/account-query.repository.js';
import type { StatementTotalsRow } from '#persistence/repositories/statement-query.repository.js';
import { isoOrNull } from '../data/data-freshness.js';
import type { StatementResponse } from './statement.dto.js';

export interface Statement {
  account: AccountScopeRow;
  fromDate: string;
  toDate: string;
  totals: StatementTotalsRow;
}

/** The one mapper from a statement to the wire: the SQL's decimal strings pass through untouched. */
export function toStatementResponse(s: Statement): StatementResponse {
  return {
    account_id: s.account.id,
    from_date: s.fromDate,
    to_date: s.toDate,
    currency: s.account.currency,
    opening_balance: s.totals.openingBalance,
    closing_balance: s.totals.closingBalance,
    total_debits: s.totals.totalDebits,
    total_credits: s.totals.totalCredits,
    transaction_count: s.totals.transactionCount,
    data_as_of: isoOrNull(s.account.dataAsOf),
  };
}
