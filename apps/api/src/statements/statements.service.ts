import { Injectable } from '@nestjs/common';
import {
  StatementQueryRepository,
  type StatementLineRow,
} from '#persistence/repositories/statement-query.repository.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { checkDateRange } from '../data/data-query.dto.js';
import { assertPermitted, DataScope } from '../data/data-scope.js';
import type { StatementQueryDto } from './statement.dto.js';
import type { Statement } from './to-statement-response.js';

/** Rows per keyset batch of the CSV: about 200 KB of CSV, one short query each. */
export const CSV_BATCH = 1000;

/**
 * Account statements (definition in StatementQueryRepository). Edge cases:
 * - A period before the first transaction: opening = closing, zero totals (the walk back from the
 *   anchor passes no transaction of the period).
 * - No booked balance yet (the account was never read completely): 200 with `opening_balance` and
 *   `closing_balance` null and the period's totals from what is stored. api.md's codes offer no
 *   better fit — 404 would say the account does not exist, 409 `consent_not_active` would blame a
 *   consent that is fine — and a null balance is what the client can act on (`data_as_of` is null
 *   too).
 * - A period reaching past `data_as_of`: closing is the anchor itself (Hisob knows no later booking).
 * - The CSV is read in keyset batches after the totals, each batch its own short query, so a slow
 *   download holds no connection. A sync committing during the download can therefore add rows the
 *   totals (computed first, and written last) do not include; the JSON statement is one snapshot.
 */
@Injectable()
export class StatementsService {
  constructor(
    private readonly repo: StatementQueryRepository,
    private readonly scope: DataScope,
  ) {}

  async statement(client: AuthenticatedClient, accountId: string, q: StatementQueryDto): Promise<Statement> {
    checkDateRange(q.from_date, q.to_date);
    const [account, totals] = await Promise.all([
      this.scope.account(client, accountId),
      this.repo.totals(accountId, q.from_date, q.to_date),
    ]);
    // A statement (its CSV lists the period's lines) is what `statements` grants; `transactions`
    // grants the rows it is computed from, so it covers the statement too.
    assertPermitted(account, 'statement', 'statements');
    return { account, fromDate: q.from_date, toDate: q.to_date, totals };
  }

  /** The statement's booked transactions oldest first, batch by batch (call after {@link statement}). */
  async *lines(s: Statement): AsyncGenerator<StatementLineRow[]> {
    let after: { date: string; id: string } | null = null;
    for (;;) {
      const batch = await this.repo.lines(s.account.id, s.fromDate, s.toDate, after, CSV_BATCH);
      if (batch.length) yield batch;
      if (batch.length < CSV_BATCH) return;
      const last = batch[batch.length - 1]!;
      after = { date: last.date, id: last.id };
    }
  }
}
