import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { preparedQuery } from '../prepared.js';
import type { AccountScopeRow } from './account-query.repository.js';

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
  /** The bank's reference that stays with an entry while its id changes (Berlin Group `entryReference`). */
  entryReference: string | null;
  /** On a booked row: the Hisob id of the pending row it replaced (removed from the copy). */
  supersedes: string | null;
}

/**
 * The returned columns, in this order, and nothing else (no `raw`, no seqs: perf-limits §3):
 * each field of {@link TransactionRow} with the SQL that reads it.
 */
export const TRANSACTION_FIELDS = [
  ['id', 't.id'],
  ['accountId', 't.account_id'],
  ['providerTransactionId', 't.provider_transaction_id'],
  ['status', 't.status'],
  ['date', 't.booking_date::text'],
  ['valueDate', 't.value_date::text'],
  ['amount', 't.amount::text'],
  ['currency', 't.currency'],
  ['type', 't.type'],
  ['description', 't.description'],
  ['counterpartyName', 't.counterparty_name'],
  ['counterpartyAccount', 't.counterparty_account'],
  ['balanceAfter', 't.balance_after::text'],
  ['category', 't.category'],
  ['entryReference', 't.entry_reference'],
  ['supersedes', 't.supersedes'],
] as const satisfies ReadonlyArray<readonly [keyof TransactionRow, string]>;

export const TRANSACTION_COLUMNS = TRANSACTION_FIELDS.map(([field, sql]) => `${sql} AS "${field}"`).join(
  ', ',
);

/** In {@link TransactionQueryRepository.accountPage}'s array rows: the page row number, the scope. */
const RN_AT = TRANSACTION_FIELDS.length;
const SCOPE_AT = RN_AT + 1;

/** A row read as an array in {@link TRANSACTION_FIELDS} order (checked against it by a test). */
export function transactionOf(a: readonly unknown[]): TransactionRow {
  return {
    id: a[0] as string,
    accountId: a[1] as string,
    providerTransactionId: a[2] as string,
    status: a[3] as TransactionRow['status'],
    date: a[4] as string,
    valueDate: a[5] as string | null,
    amount: a[6] as string,
    currency: a[7] as string,
    type: a[8] as string,
    description: a[9] as string,
    counterpartyName: a[10] as string | null,
    counterpartyAccount: a[11] as string | null,
    balanceAfter: a[12] as string | null,
    category: a[13] as string | null,
    entryReference: a[14] as string | null,
    supersedes: a[15] as string | null,
  };
}

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

/** {@link TransactionQueryRepository.accountPage}: `scope` null when the account is not the client's. */
export interface AccountPage {
  scope: AccountScopeRow | null;
  rows: TransactionRow[];
  /** The rollup count, when it was asked for. */
  total: number | null;
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
    const params: unknown[] = [];
    return this.ds.query(pageSql(f, p, params), params);
  }

  /**
   * The hot read in ONE round trip: an account's scope (is it the client's, may its consent be
   * read, how fresh is it), its rollup count when asked for, and one page of its transactions.
   * Three concurrent queries cost three protocol exchanges and three wake-ups of PostgreSQL; the
   * page joined laterally to the scope row costs one, and as a prepared statement it is planned
   * once per connection (planning it took longer than running it).
   *
   * Shape of the reply, measured against the bare keyset query (bench/read.ts): the scope travels
   * once, as JSON on the first row, not as eight more columns of every row; and the page keeps
   * its index order by a `row_number()` the index scan already delivers in order, instead of an
   * outer ORDER BY over text columns (together 0.3 ms per page). No scope row (another client's
   * account, or none) means no rows at all; a scope row with an empty page is one row whose
   * transaction columns are null.
   */
  async accountPage(
    f: TransactionFilter & { source: { accountId: string } },
    p: TransactionPage,
    withCount: boolean,
  ): Promise<AccountPage> {
    const params: unknown[] = [f.source.accountId, f.clientId];
    const total = withCount ? `(${rollupCountSql(f, 'a.id', params)})` : 'NULL';
    const page = pageSql(f, p, params, true);
    const rows = await preparedQuery<unknown[]>(
      this.ds,
      // MATERIALIZED: computed once. Pulled up into the join, the count subquery would be
      // re-evaluated for every row of the page.
      `WITH s AS MATERIALIZED (
         SELECT a.id, a.currency, a.data_as_of AS "dataAsOf", c.id AS "consentId",
                c.end_user_id AS "endUserId", c.status AS "consentStatus",
                c.purged_at IS NOT NULL AS purged, c.permissions, ${total} AS total
           FROM accounts a JOIN consents c ON c.id = a.consent_id
          WHERE a.id = $1 AND a.client_id = $2)
       SELECT p.*, CASE WHEN p.rn IS NULL OR p.rn = 1 THEN to_json(s)::text END AS scope
         FROM s LEFT JOIN LATERAL (${page}) p ON true`,
      params,
      'array',
    );
    const first = rows[0];
    if (!first) return { scope: null, rows: [], total: null };
    // Arrays, not objects: pg assigns the sixteen named fields of every row one by one, which cost
    // more than the query; one object literal per row (same shape every time) is cheaper.
    const scope = JSON.parse(first[SCOPE_AT] as string) as Omit<AccountScopeRow, 'dataAsOf'> & {
      dataAsOf: string | null;
      total: string | null;
    };
    const pageRows = first[RN_AT] === null ? [] : rows;
    // A nested loop over one scope row keeps the page's order; the row numbers make sure of it.
    if (pageRows.some((r, i) => r[RN_AT] !== i + 1)) {
      pageRows.sort((x, y) => (x[RN_AT] as number) - (y[RN_AT] as number));
    }
    return {
      scope: {
        id: scope.id,
        currency: scope.currency,
        dataAsOf: scope.dataAsOf ? new Date(scope.dataAsOf) : null,
        consentId: scope.consentId,
        endUserId: scope.endUserId,
        consentStatus: scope.consentStatus,
        purged: scope.purged,
        permissions: scope.permissions,
      },
      rows: pageRows.map(transactionOf),
      total: scope.total === null ? null : Number.parseInt(scope.total, 10),
    };
  }

  /**
   * How many transactions match the filter. Without a `type` filter an account's count comes from
   * the per-day rollup (`transaction_day_totals`, one row per day: cost independent of the number
   * of transactions); otherwise it is counted on the list's index.
   */
  async count(f: TransactionFilter): Promise<number> {
    if (isRollupCountable(f)) {
      const params: unknown[] = [f.source.accountId];
      const [row]: Array<{ n: string }> = await this.ds.query(
        `SELECT (${rollupCountSql(f, '$1', params)}) AS n`,
        params,
      );
      return Number.parseInt(row!.n, 10);
    }
    const params: unknown[] = [];
    const where = filterSql(f, 't', params);
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

/**
 * The page query, its parameters appended to `params` (so it can be embedded in a larger query).
 * Keyset pages bound the index range with a row comparison. Offset pages are a deferred join: the
 * rows to skip are walked in the list's index alone (an index-only scan when no `type`/`status`
 * filter needs the heap) and only the page's rows are fetched; on a 1,000,000-row account at
 * offset 500,000 that took 64 ms, against 0.85-1.5 s for a plain OFFSET, which fetches every
 * skipped row from the heap. Both name the client: the services check the scope too, but no bug
 * there can leak another client's rows.
 */
function pageSql(f: TransactionFilter, p: TransactionPage, params: unknown[], numbered = false): string {
  const order = 'ORDER BY t.booking_date DESC, t.id DESC';
  // The row's place in the page, in the order the index scan already delivers (no extra sort).
  const columns = numbered
    ? `${TRANSACTION_COLUMNS}, (row_number() OVER (${order}))::int AS rn`
    : TRANSACTION_COLUMNS;
  if (p.offset) {
    const where = filterSql(f, 'i', params);
    const limit = params.push(p.limit);
    const offset = params.push(p.offset);
    // Then each of the page's rows by its primary key: a lateral subquery behind OFFSET 0, which
    // the planner cannot flatten into a hash join (that read the account's whole partition to
    // join 51 ids under the generic plans the services run); the source repeated in it keeps it
    // to the account's partition.
    const outer = sourceSql(f, 't', params);
    outer.push(`t.client_id = $${params.push(f.clientId)}`);
    return `SELECT ${columns}
         FROM (SELECT i.id, i.account_id FROM transactions i WHERE ${where.join(' AND ')}
                ORDER BY i.booking_date DESC, i.id DESC LIMIT $${limit} OFFSET $${offset}) k
         JOIN LATERAL (SELECT * FROM transactions t WHERE t.id = k.id AND t.account_id = k.account_id
                          AND ${outer.join(' AND ')} OFFSET 0) t ON true
       ${order}`;
  }
  const where = filterSql(f, 't', params);
  where.push(`t.client_id = $${params.push(f.clientId)}`);
  if (p.before) {
    const date = params.push(p.before.date);
    const id = params.push(p.before.id);
    where.push(`(t.booking_date, t.id) < ($${date}::date, $${id}::uuid)`);
  }
  return `SELECT ${columns} FROM transactions t WHERE ${where.join(' AND ')}
    ${order} LIMIT $${params.push(p.limit)}`;
}

/**
 * The count of an account's list from the rollups, as a text scalar subquery; `account` is the
 * SQL naming the account (a parameter, or a column of an enclosing query). Without dates it is one
 * row of `transaction_account_totals`; with dates, the per-day rows of the period (one per day:
 * the cost does not grow with the number of transactions).
 */
function rollupCountSql(f: TransactionFilter, account: string, params: unknown[]): string {
  const counted =
    f.status === 'booked'
      ? 'd.booked_count'
      : f.status === 'pending'
        ? 'd.pending_count'
        : 'd.booked_count + d.pending_count';
  if (!f.fromDate && !f.toDate) {
    return `SELECT coalesce((SELECT ${counted} FROM transaction_account_totals d WHERE d.account_id = ${account}), 0)::text`;
  }
  const where = [`d.account_id = ${account}`];
  if (f.fromDate) where.push(`d.booking_date >= $${params.push(f.fromDate)}::date`);
  if (f.toDate) where.push(`d.booking_date <= $${params.push(f.toDate)}::date`);
  return `SELECT coalesce(sum(${counted}), 0)::text FROM transaction_day_totals d WHERE ${where.join(' AND ')}`;
}

/** Whose rows: the account (the partition key: one partition), or the card within its consent. */
function sourceSql(f: TransactionFilter, t: 't' | 'i', params: unknown[]): string[] {
  if ('accountId' in f.source) return [`${t}.account_id = $${params.push(f.source.accountId)}`];
  return [
    `${t}.consent_id = $${params.push(f.source.consentId)}`,
    `${t}.provider_card_id = $${params.push(f.source.providerCardId)}`,
  ];
}

function filterSql(f: TransactionFilter, t: 't' | 'i', params: unknown[]): string[] {
  const where = sourceSql(f, t, params);
  const add = (sql: string, v: unknown) => where.push(`${t}.${sql.replace('?', `$${params.push(v)}`)}`);
  if (f.fromDate) add('booking_date >= ?::date', f.fromDate);
  if (f.toDate) add('booking_date <= ?::date', f.toDate);
  if (f.type) add('type = ?', f.type);
  if (f.status) add('status = ?', f.status);
  return where;
}
