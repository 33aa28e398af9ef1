import { Injectable } from '@nestjs/common';
import { ChangeFeedQueryRepository } from '#persistence/repositories/change-feed-query.repository.js';
import type { TransactionRow } from '#persistence/repositories/transaction-query.repository.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { decodeFeedCursor, encodeFeedCursor } from '../data/data-cursors.js';
import { assertPermitted, assertUuid, DataScope, subjectOfScope } from '../data/data-scope.js';
import type { ReadSubject } from '../data/read-subject.js';
import type { ChangeFeedQueryDto } from './transaction.dto.js';

export const DEFAULT_FEED_COUNT = 100;

export interface ChangePage {
  added: TransactionRow[];
  modified: TransactionRow[];
  removed: string[];
  nextCursor: string;
  hasMore: boolean;
  dataAsOf: Date | null;
  subject: ReadSubject;
}

/**
 * The change feed of a consent's copy (`GET /v1/transactions/sync`). The cursor is the last
 * `transaction_change_seq` value the client has seen. Past it, a transaction row whose
 * `updated_seq` is greater is `added` when it was also created past it (`created_seq`), else
 * `modified` (in either case with its current state); a removal past it is `removed`. Changes are
 * merged in seq order and cut after `count`, so a client applying pages in order — upsert added
 * and modified, delete removed — ends with exactly Hisob's copy: every row's latest change has a
 * seq past any cursor older than it, and a row changed twice appears once, in its latest state.
 */
@Injectable()
export class ChangeFeedService {
  constructor(
    private readonly feed: ChangeFeedQueryRepository,
    private readonly scope: DataScope,
  ) {}

  async changes(client: AuthenticatedClient, q: ChangeFeedQueryDto): Promise<ChangePage> {
    const consentId = assertUuid(q.consent_id, 'Consent');
    const after = q.cursor ? decodeFeedCursor(q.cursor, consentId) : 0n;
    const count = q.count ?? DEFAULT_FEED_COUNT;
    const [consent, changes] = await Promise.all([
      this.scope.consent(client, consentId),
      this.feed.changesAfter(consentId, after, count + 1),
    ]);
    assertPermitted(consent, 'transactions');
    const page = changes.slice(0, count);
    const out: ChangePage = {
      added: [],
      modified: [],
      removed: [],
      nextCursor: encodeFeedCursor(consentId, page.at(-1)?.seq ?? after),
      hasMore: changes.length > count,
      dataAsOf: consent.dataAsOf,
      subject: subjectOfScope(consent),
    };
    for (const c of page) {
      if (c.kind === 'removed') out.removed.push(c.transactionId);
      else (c.created ? out.added : out.modified).push(c.transaction);
    }
    return out;
  }
}
