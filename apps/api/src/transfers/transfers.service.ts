import { Injectable } from '@nestjs/common';
import {
  TransferQueryRepository,
  type TransferRow,
} from '#persistence/repositories/transfer-query.repository.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { decodeTimeCursor, encodeTimeCursor } from '../data/data-cursors.js';
import { oldestDataAsOf } from '../data/data-freshness.js';
import { checkDateRange, DEFAULT_LIMIT } from '../data/data-query.dto.js';
import { assertPermitted, DataScope, subjectOfScope } from '../data/data-scope.js';
import { commonSubject, type ReadSubject } from '../data/read-subject.js';
import type { ListTransfersQueryDto } from './transfer.dto.js';
import { keysetPage } from '../infra/keyset-page.js';

/** Outgoing transfers of the caller's readable consents, newest first, keyset-paged. */
@Injectable()
export class TransfersService {
  constructor(
    private readonly repo: TransferQueryRepository,
    private readonly scope: DataScope,
  ) {}

  async list(
    client: AuthenticatedClient,
    q: ListTransfersQueryDto,
  ): Promise<{
    transfers: TransferRow[];
    nextCursor: string | null;
    dataAsOf: Date | null;
    subject: ReadSubject;
  }> {
    checkDateRange(q.from_date, q.to_date);
    const limit = q.limit ?? DEFAULT_LIMIT;
    const before = q.cursor ? decodeTimeCursor(q.cursor) : undefined;
    // A named consent must grant `transfers`; across consents, transfers exist only where it was
    // granted (the sync reads them only then).
    const consent = q.consent_id
      ? assertPermitted(await this.scope.consent(client, q.consent_id), 'transfers')
      : null;
    const rows = await this.repo.list({
      clientId: client.id,
      consentId: consent?.consentId,
      fromDate: q.from_date,
      toDate: q.to_date,
      status: q.status,
      before: before && { createdAtKey: before.at, id: before.id },
      limit: limit + 1,
    });
    const { page: transfers, nextCursor } = keysetPage(rows, limit, (last) =>
      encodeTimeCursor(last.createdAtKey, last.id),
    );
    return {
      transfers,
      nextCursor,
      dataAsOf: consent ? consent.dataAsOf : oldestDataAsOf(transfers.map((t) => t.dataAsOf)),
      subject: consent ? subjectOfScope(consent) : commonSubject(transfers),
    };
  }
}
