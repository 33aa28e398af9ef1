import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * A transaction exactly as the API returns it. Money and dates leave PostgreSQL as text
 * (`numeric::text` keeps the stored scale; a `date` must not become a JS Date in some TZ).
 */
export interface TransactionRow {
  id: string;
  accountId: string;
  providerTransactionId: string;
  status: 'booked' | 'pending';
  date: string;
  valueDate: string | null;
  amount: string;
  currency: string;
  type: string;
  description: string;
  counterpartyName: string | null;
  counterpartyAccount: string | null;
  balanceAfter: string | null;
  category: string | null;
}

/** The returned columns and nothing else (no `raw`, no seqs: perf-limits §3). */
export const TRANSACTION_COLUMNS = `t.id, t.account_id AS "accountId", t.provider_transaction_id AS "providerTransactionId", t.status,
  t.booking_date::text AS date, t.value_date::text AS "valueDate", t.amount::text AS amount, t.currency, t.type, t.description,
  t.counterparty_name AS "counterpartyName", t.counterparty_account AS "counterpartyAccount",
  t.balance_after::text AS "balanceAfter", t.category`;

/** Whose transactions: one account's, or one card's (within the card's consent). */
export type TransactionSource = { accountId: string } | { consentId: string; providerCardId: string };

export interface TransactionFilter {
  clientId: string;
  source: TransactionSource;
  /** Inclusive booking-date bounds, `YYYY-MM-DD`. */
  fromDate?: string;
  toDate?: string;
  type?: string;
  status?: 'booked' | 'pending';
}

export interface TransactionPage {
  /** Keyset: rows strictly older than (date, id) in the (booking_date DESC, id DESC) order. */
  before?: { date: string; id: string };
  offset?: number;
  limit: number;
}

/**
 * Transaction lists, newest first by (booking_date DESC, id DESC): an account's are served by
 * `ix_transactions_keyset (account_id, booking_date DESC, id DESC)`, a card's by
 * `ix_transactions_card (consent_id, provider_card_id, booking_date DESC, id DESC)`. The keyset
 * condition is a row comparison, which PostgreSQL turns into one index bound.
 */
@Injectable()
export class TransactionQueryRepository {
  constructor(private readonly ds: DataSource) {}

  page(f: TransactionFilter, p: TransactionPage): Promise<TransactionRow[]> {
    if (p.offset) return this.offsetPage(f, p.offset, p.limit);
    const { where, params } = filterSql(f, 't');
    // The services check the scope too; naming the client here means no bug there can leak rows.
    where.push(`t.client_id = $${params.push(f.clientId)}`);
    if (p.before) {
      params.push(p.before.date, p.before.id);
      where.push(`(t.booking_date, t.id) < ($${params.length - 1}::date, $${params.length}::uuid)`);
    }
    params.push(p.limit);
    return this.ds.query(
      `SELECT ${TRANSACTION_COLUMNS} FROM transactions t WHERE ${where.join(' AND ')}
        ORDER BY t.booking_date DESC, t.id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /**
   * An offset page as a deferred join: the rows to skip are walked in the list's index alone (an
   * index-only scan when no `type`/`status` filter needs the heap), and only the page's rows are
   * fetched. Measured on a 1,000,000-row account at offset 500,000: 64 ms, against 0.85–1.5 s for
   * a plain OFFSET, which fetches every skipped row from the heap.
   */
  private offsetPage(f: TransactionFilter, offset: number, limit: number): Promise<TransactionRow[]> {
    const { where, params } = filterSql(f, 'i');
    params.push(limit, offset);
    const clientParam = params.push(f.clientId);
    return this.ds.query(
      `SELECT ${TRANSACTION_COLUMNS} FROM transactions t
        WHERE t.id IN (SELECT i.id FROM transactions i WHERE ${where.join(' AND ')}
                        ORDER BY i.booking_date DESC, i.id DESC LIMIT $${params.length - 2} OFFSET $${params.length - 1})
          AND t.client_id = $${clientParam}
        ORDER BY t.booking_date DESC, t.id DESC`,
      params,
    );
  }

  /**
   * How many transactions match the filter. Without a `type` filter an account's count comes from
   * the per-day rollup (`transaction_day_totals`, one row per day: cost independent of the number
   * of transactions); otherwise it is counted on the list's index.
   */
  async count(f: TransactionFilter): Promise<number> {
    if (isRollupCountable(f)) {
      const params: unknown[] = [f.source.accountId];
      const where = ['account_id = $1'];
      if (f.fromDate) where.push(`booking_date >= $${params.push(f.fromDate)}::date`);
      if (f.toDate) where.push(`booking_date <= $${params.push(f.toDate)}::date`);
      const counted =
        f.status === 'booked'
          ? 'booked_count'
          : f.status === 'pending'
            ? 'pending_count'
            : 'booked_count + pending_count';
      const [row]: Array<{ n: string }> = await this.ds.query(
        `SELECT coalesce(sum(${counted}), 0)::text AS n FROM transaction_day_totals WHERE ${where.join(' AND ')}`,
        params,
      );
      return Number.parseInt(row!.n, 10);
    }
    const { where, params } = filterSql(f, 't');
    const [row]: Array<{ n: string }> = await this.ds.query(
      `SELECT count(*)::text AS n FROM transactions t WHERE ${where.join(' AND ')}`,
      params,
    );
    return Number.parseInt(row!.n, 10);
  }
}

/** True when {@link TransactionQueryRepository.count} answers from the rollup (cheap at any size). */
export function isRollupCountable(
  f: TransactionFilter,
): f is TransactionFilter & { source: { accountId: string } } {
  return 'accountId' in f.source && !f.type;
}

function filterSql(f: TransactionFilter, t: 't' | 'i'): { where: string[]; params: unknown[] } {
  const params: unknown[] = [];
  const where: string[] = [];
  const add = (sql: string, v: unknown) => where.push(`${t}.${sql.replace('?', `$${params.push(v)}`)}`);
  if ('accountId' in f.source) {
    add('account_id = ?', f.source.accountId);
  } else {
    add('consent_id = ?', f.source.consentId);
    add('provider_card_id = ?', f.source.providerCardId);
  }
  if (f.fromDate) add('booking_date >= ?::date', f.fromDate);
  if (f.toDate) add('booking_date <= ?::date', f.toDate);
  if (f.type) add('type = ?', f.type);
  if (f.status) add('status = ?', f.status);
  return { where, params };
}
