import { Injectable } from '@nestjs/common';
import { HisobError } from '#common/http/problem.js';
import type { ConsentScopeRow } from '#persistence/repositories/account-query.repository.js';
import { CardQueryRepository } from '#persistence/repositories/card-query.repository.js';
import {
  isRollupCountable,
  TransactionQueryRepository,
  type TransactionFilter,
  type TransactionRow,
} from '#persistence/repositories/transaction-query.repository.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import {
  decodeTransactionCursor,
  encodeTransactionCursor,
  type TransactionCursor,
} from '../data/data-cursors.js';
import { checkDateRange, DEFAULT_LIMIT } from '../data/data-query.dto.js';
import { assertReadable, DataScope, subjectOfScope } from '../data/data-scope.js';
import type { ReadSubject } from '../data/read-subject.js';
import type { ListTransactionsQueryDto } from './transaction.dto.js';

export interface TransactionList {
  transactions: TransactionRow[];
  nextCursor: string | null;
  totalCount: number;
  dataAsOf: Date | null;
  subject: ReadSubject;
}

/**
 * Transaction lists of an account or a card: keyset pages (cursor) or offset pages, newest first.
 *
 * `total_count` strategy (api.md: every page has it): the number of transactions matching the
 * filters, ignoring cursor and offset.
 * - An account's list without a `type` filter counts from the per-day rollup
 *   (`transaction_day_totals`): one row per day whatever the number of transactions, so it is
 *   recounted on every page and is always current.
 * - With a `type` filter, or for a card, counting walks the list's index range (≈ 80 ms per
 *   million rows). It is counted when a listing starts (no cursor: the first page, and every offset
 *   page) and carried inside the cursor to the following pages, so paging costs one count per
 *   listing. Those pages report the count as of the start of the listing.
 * The count runs concurrently with the page query (and the scope check): one round trip.
 */
@Injectable()
export class TransactionsService {
  constructor(
    private readonly repo: TransactionQueryRepository,
    private readonly cards: CardQueryRepository,
    private readonly scope: DataScope,
  ) {}

  async listForAccount(
    client: AuthenticatedClient,
    accountId: string,
    q: ListTransactionsQueryDto,
  ): Promise<TransactionList> {
    const cursor = parseListQuery(q);
    return this.page(this.filter(client, { accountId }, q), q, cursor, () =>
      this.scope.account(client, accountId),
    );
  }

  async listForCard(
    client: AuthenticatedClient,
    cardId: string,
    q: ListTransactionsQueryDto,
  ): Promise<TransactionList> {
    const cursor = parseListQuery(q);
    // The card's consent and bank id select its transactions, so this lookup comes first.
    const card = assertReadable(await this.cards.cardScope(client.id, cardId), 'Card');
    const filter = this.filter(client, { consentId: card.consentId, providerCardId: card.providerCardId }, q);
    return this.page(filter, q, cursor, async () => card);
  }

  private filter(
    client: AuthenticatedClient,
    source: TransactionFilter['source'],
    q: ListTransactionsQueryDto,
  ): TransactionFilter {
    return {
      clientId: client.id,
      source,
      fromDate: q.from_date,
      toDate: q.to_date,
      type: q.type,
      status: q.status,
    };
  }

  private async page(
    filter: TransactionFilter,
    q: ListTransactionsQueryDto,
    cursor: TransactionCursor | undefined,
    scope: () => Promise<ConsentScopeRow & { dataAsOf: Date | null }>,
  ): Promise<TransactionList> {
    const limit = q.limit ?? DEFAULT_LIMIT;
    const cheapCount = isRollupCountable(filter);
    const carried = cheapCount ? undefined : cursor?.total;
    // The scope check, the page and the count together: one round trip of latency. Rows of an
    // account that fails the check are dropped with the error (and the page query names the client).
    const [owner, rows, totalCount] = await Promise.all([
      scope(),
      this.repo.page(filter, {
        before: cursor && { date: cursor.date, id: cursor.id },
        offset: q.offset,
        limit: limit + 1,
      }),
      carried ?? this.repo.count(filter),
    ]);
    const transactions = rows.slice(0, limit);
    const last = transactions.at(-1);
    return {
      transactions,
      nextCursor:
        rows.length > limit && last
          ? encodeTransactionCursor({
              date: last.date,
              id: last.id,
              ...(cheapCount ? {} : { total: totalCount }),
            })
          : null,
      totalCount,
      dataAsOf: owner.dataAsOf,
      subject: subjectOfScope(owner),
    };
  }
}

/** Everything about the query that can be refused before touching the database. */
function parseListQuery(q: ListTransactionsQueryDto): TransactionCursor | undefined {
  checkDateRange(q.from_date, q.to_date);
  const cursor = q.cursor ? decodeTransactionCursor(q.cursor) : undefined;
  if (cursor && q.offset) {
    throw HisobError.validation([
      {
        field: 'offset',
        message: 'offset cannot be combined with cursor: next_cursor already points past the skipped rows',
      },
    ]);
  }
  return cursor;
}
