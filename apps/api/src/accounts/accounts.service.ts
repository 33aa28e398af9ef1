import { Injectable } from '@nestjs/common';
import {
  AccountQueryRepository,
  type AccountRow,
  type BalanceRow,
} from '#persistence/repositories/account-query.repository.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { decodeTimeCursor, encodeTimeCursor } from '../data/data-cursors.js';
import { oldestDataAsOf } from '../data/data-freshness.js';
import { DEFAULT_LIMIT } from '../data/data-query.dto.js';
import { assertPermitted, assertReadable, DataScope, subjectOfScope } from '../data/data-scope.js';
import { commonSubject, type ReadSubject } from '../data/read-subject.js';
import type { ListAccountsQueryDto } from './account.dto.js';
import { keysetPage } from '../infra/keyset-page.js';

export interface AccountList {
  accounts: AccountRow[];
  nextCursor: string | null;
  dataAsOf: Date | null;
  subject: ReadSubject;
}

/** Accounts and balances of the caller's readable consents. */
@Injectable()
export class AccountsService {
  constructor(
    private readonly repo: AccountQueryRepository,
    private readonly scope: DataScope,
  ) {}

  async list(client: AuthenticatedClient, q: ListAccountsQueryDto): Promise<AccountList> {
    const limit = q.limit ?? DEFAULT_LIMIT;
    const after = q.cursor ? decodeTimeCursor(q.cursor) : undefined;
    // A named consent must be readable (404 / 409); without one, unreadable consents are skipped.
    const consent = q.consent_id ? await this.scope.consent(client, q.consent_id) : null;
    const rows = await this.repo.list({
      clientId: client.id,
      consentId: consent?.consentId,
      endUserId: q.end_user_id,
      provider: q.provider,
      after: after && { createdAtKey: after.at, id: after.id },
      limit: limit + 1,
    });
    const { page: accounts, nextCursor } = keysetPage(rows, limit, (last) =>
      encodeTimeCursor(last.createdAtKey, last.id),
    );
    return {
      accounts,
      nextCursor,
      dataAsOf: oldestDataAsOf(accounts.map((a) => a.dataAsOf)),
      subject: consent ? subjectOfScope(consent) : commonSubject(accounts, q.end_user_id),
    };
  }

  async get(client: AuthenticatedClient, id: string): Promise<AccountRow> {
    return assertReadable(await this.repo.findAccount(client.id, id), 'Account');
  }

  async balances(
    client: AuthenticatedClient,
    id: string,
  ): Promise<{ balances: BalanceRow[]; dataAsOf: Date | null; subject: ReadSubject }> {
    // The scope check and the read run together: one round trip of latency; rows of an account
    // that fails the check are never returned.
    const [account, balances] = await Promise.all([this.scope.account(client, id), this.repo.balances(id)]);
    assertPermitted(account, 'balances');
    return { balances, dataAsOf: account.dataAsOf, subject: subjectOfScope(account) };
  }
}
