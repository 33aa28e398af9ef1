import { Injectable } from '@nestjs/common';
import { HisobError } from '#common/http/problem.js';
import type { ConsentScopeRow } from '#persistence/repositories/account-query.repository.js';
import { CardQueryRepository } from '#persistence/repositories/card-query.repository.js';
import {
  isRollupCountable,
  TransactionQueryRepository,
  type TransactionFilter,
  type TransactionPage,
  type TransactionRow,
} from '#persistence/repositories/transaction-query.repository.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import {
  decodeTransactionCursor,
  encodeTransactionCursor,
  type TransactionCursor,
} from '../data/data-cursors.js';
import { checkDateRange, DEFAULT_LIMIT } from '../data/data-query.dto.js';
import { assertPermitted, assertReadable, subjectOfScope } from '../data/data-scope.js';
import { keysetPage } from '../infra/keyset-page.js';
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
 * An account's list reads its scope, its rollup count and its page in one query (one round trip,
 * one protocol exchange); a counted list runs its count concurrently with that query.
 */
@Injectable()
export class TransactionsService {
  constructor(
    private readonly repo: TransactionQueryRepository,
    private readonly cards: CardQueryRepository,
  ) {}

  async listForAccount(
    client: AuthenticatedClient,
    accountId: string,
    q: ListTransactionsQueryDto,
  ): Promise<TransactionList> {
    const cursor = parseListQuery(q);
    const filter = { ...this.filter(client, q), source: { accountId } };
    const page = this.pageOf(q, cursor);
    if (isRollupCountable(filter)) {
      // The hot path (every dashboard's list): scope, count and page in one query.
      const r = await this.repo.accountPage(filter, page, true);
      return this.list(readableTransactions(r.scope), r.rows, r.total!, q, undefined);
    }
    const carried = cursor?.total;
    const [r, totalCount] = await Promise.all([
      this.repo.accountPage(filter, page, false),
      carried ?? this.repo.count(filter),
    ]);
    return this.list(readableTransactions(r.scope), r.rows, totalCount, q, totalCount);
  }

  async listForCard(
    client: AuthenticatedClient,
    cardId: string,
    q: ListTransactionsQueryDto,
  ): Promise<TransactionList> {
    const cursor = parseListQuery(q);
    // The card's consent and bank id select its transactions, so this lookup comes first.
    const card = assertPermitted(
      assertReadable(await this.cards.cardScope(client.id, cardId), 'Card'),
      'transactions',
    );
    const filter = {
      ...this.filter(client, q),
      source: { consentId: card.consentId, providerCardId: card.providerCardId },
    };
    const [rows, totalCount] = await Promise.all([
      this.repo.page(filter, this.pageOf(q, cursor)),
      cursor?.total ?? this.repo.count(filter),
    ]);
    return this.list(card, rows, totalCount, q, totalCount);
  }

  private filter(
    client: AuthenticatedClient,
    q: ListTransactionsQueryDto,
  ): Omit<TransactionFilter, 'source'> {
    return { clientId: client.id, fromDate: q.from_date, toDate: q.to_date, type: q.type, status: q.status };
  }

  /** Asks for one row more than the page: it only says that a next page exists. */
  private pageOf(q: ListTransactionsQueryDto, cursor: TransactionCursor | undefined): TransactionPage {
    return {
      before: cursor && { date: cursor.date, id: cursor.id },
      offset: q.offset,
      limit: (q.limit ?? DEFAULT_LIMIT) + 1,
    };
  }

  /**
   * The response of a page. `carriedTotal`: the count to carry in the next cursor (set when the
   * count is not the cheap rollup one, so the following pages need not count again).
   */
  private list(
    owner: ConsentScopeRow & { dataAsOf: Date | null },
    rows: TransactionRow[],
    totalCount: number,
    q: ListTransactionsQueryDto,
    carriedTotal: number | undefined,
  ): TransactionList {
    const { page, nextCursor } = keysetPage(rows, q.limit ?? DEFAULT_LIMIT, (last) =>
      encodeTransactionCursor({
        date: last.date,
        id: last.id,
        ...(carriedTotal === undefined ? {} : { total: carriedTotal }),
      }),
    );
    return {
      transactions: page,
      nextCursor,
      totalCount,
      dataAsOf: owner.dataAsOf,
      subject: subjectOfScope(owner),
    };
  }
}

/** The account's scope, when its transactions may be listed (404, 409, 403 otherwise). */
function readableTransactions<T extends ConsentScopeRow>(scope: T | null): T {
  return assertPermitted(assertReadable(scope, 'Account'), 'transactions');
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
