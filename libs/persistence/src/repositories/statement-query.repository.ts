import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CURRENCY_EXPONENTS } from '#domain/currency.js';

/**
 * The account currency's ISO 4217 scale as SQL (`$1` is the account id): 3 for KWD, 0 for JPY, 2
 * otherwise. Built from the exponent table (constants, not input), so Money and SQL agree.
 */
const ACCOUNT_SCALE = `(SELECT CASE a.currency ${Object.entries(CURRENCY_EXPONENTS)
  .filter(([, e]) => e !== 2)
  .map(([code, e]) => `WHEN '${code}' THEN ${e}`)
  .join(' ')} ELSE 2 END FROM accounts a WHERE a.id = $1)`;

/** Statement figures as decimal strings at the account currency's scale, computed in SQL `numeric`. */
export interface StatementTotalsRow {
  /** Null when the account has no `booked` balance yet (never read completely from the bank). */
  openingBalance: string | null;
  closingBalance: string | null;
  totalCredits: string;
  totalDebits: string;
  transactionCount: number;
}

/** One CSV line's worth of a booked transaction. */
export interface StatementLineRow {
  id: string;
  date: string;
  providerTransactionId: string;
  type: string;
  description: string;
  counterpartyName: string | null;
  amount: string;
  currency: string;
  balanceAfter: string | null;
}

/**
 * Statements of an account over an inclusive booking-date period.
 *
 * Definition: only `booked` transactions count. The anchor is the account's `booked` balance (the
 * bank's figure at the account's `data_as_of`) — or, for a bank that reports none, its
 * `closing_booked` balance carried forward through the entries booked after its reference date —
 * walked back through the booked transactions:
 *   closing(to)   = booked − Σ amount(booking_date > to)
 *   opening(from) = booked − Σ amount(booking_date ≥ from) = closing − credits + debits
 *   credits = Σ positive amounts in [from, to], debits = −Σ negative amounts in [from, to] (≥ 0)
 * Opening is derived from closing and the period's own sums, so opening + credits − debits =
 * closing holds to the cent by construction, and everything is `numeric` arithmetic in SQL. The
 * stored amounts keep their currency's scale (unconstrained `numeric`, written by Money), and the
 * figures are shown at that scale (`round(…, 3)` for KWD: exact, it only pads), never at 2.
 * The sums come from the per-day rollup `transaction_day_totals` (see migration
 * 1763888400000-DataReadIndexes for why and for the measurements), one index range per sum.
 */
@Injectable()
export class StatementQueryRepository {
  constructor(private readonly ds: DataSource) {}

  /** One SQL statement: the anchor, the tail after the period and the period's sums. */
  async totals(accountId: string, fromDate: string, toDate: string): Promise<StatementTotalsRow> {
    const [row]: Array<Omit<StatementTotalsRow, 'transactionCount'> & { transactionCount: string }> =
      await this.ds.query(
        `WITH tail AS (
              SELECT coalesce(sum(d.credits - d.debits), 0) AS net
                FROM transaction_day_totals d WHERE d.account_id = $1 AND d.booking_date > $3::date),
            period AS (
              SELECT coalesce(sum(d.credits), 0) AS credits, coalesce(sum(d.debits), 0) AS debits,
                     coalesce(sum(d.booked_count), 0) AS n
                FROM transaction_day_totals d WHERE d.account_id = $1 AND d.booking_date BETWEEN $2::date AND $3::date),
            anchor AS (SELECT coalesce(
              (SELECT b.amount FROM balances b WHERE b.account_id = $1 AND b.type = 'booked'),
              -- A bank that reports no booked balance now (Berlin Group banks without interimBooked):
              -- its closing balance at a reference date, plus what was booked after that date.
              (SELECT b.amount + coalesce((SELECT sum(d.credits - d.debits) FROM transaction_day_totals d
                                             WHERE d.account_id = $1 AND d.booking_date > b.reference_date), 0)
                 FROM balances b WHERE b.account_id = $1 AND b.type = 'closing_booked' AND b.reference_date IS NOT NULL)
            ) AS amount),
            scale AS (SELECT coalesce(${ACCOUNT_SCALE}, 2) AS s)
       SELECT round((SELECT amount FROM anchor) - tail.net - period.credits + period.debits, scale.s)::text AS "openingBalance",
              round((SELECT amount FROM anchor) - tail.net, scale.s)::text AS "closingBalance",
              round(period.credits, scale.s)::text AS "totalCredits",
              round(period.debits, scale.s)::text AS "totalDebits",
              period.n::text AS "transactionCount"
         FROM tail, period, scale`,
        [accountId, fromDate, toDate],
      );
    return { ...row!, transactionCount: Number.parseInt(row!.transactionCount, 10) };
  }

  /**
   * The period's booked transactions oldest first, one keyset batch at a time (the CSV streams
   * batch by batch and holds no connection between them). A backward scan of
   * `ix_transactions_keyset` serves the ascending order.
   */
  lines(
    accountId: string,
    fromDate: string,
    toDate: string,
    after: { date: string; id: string } | null,
    limit: number,
  ): Promise<StatementLineRow[]> {
    const params: unknown[] = [accountId, fromDate, toDate, limit];
    let keyset = '';
    if (after) {
      params.push(after.date, after.id);
      keyset = `AND (t.booking_date, t.id) > ($5::date, $6::uuid)`;
    }
    return this.ds.query(
      `SELECT t.id, t.booking_date::text AS date, t.provider_transaction_id AS "providerTransactionId", t.type, t.description,
              t.counterparty_name AS "counterpartyName", t.amount::text AS amount, t.currency, t.balance_after::text AS "balanceAfter"
         FROM transactions t
        WHERE t.account_id = $1 AND t.booking_date BETWEEN $2::date AND $3::date AND t.status = 'booked' ${keyset}
        ORDER BY t.booking_date, t.id LIMIT $4`,
      params,
    );
  }
}
