import { Injectable } from '@nestjs/common';
import { CardQueryRepository, type CardRow } from '#persistence/repositories/card-query.repository.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { decodeIdCursor, encodeIdCursor } from '../data/data-cursors.js';
import { oldestDataAsOf } from '../data/data-freshness.js';
import { DEFAULT_LIMIT } from '../data/data-query.dto.js';
import { assertPermitted, DataScope, subjectOfScope } from '../data/data-scope.js';
import { commonSubject, type ReadSubject } from '../data/read-subject.js';
import type { ListCardsQueryDto } from './card.dto.js';
import { keysetPage } from '../infra/keyset-page.js';

/** Cards of the caller's readable consents (their transactions: TransactionsService.listForCard). */
@Injectable()
export class CardsService {
  constructor(
    private readonly repo: CardQueryRepository,
    private readonly scope: DataScope,
  ) {}

  async list(
    client: AuthenticatedClient,
    q: ListCardsQueryDto,
  ): Promise<{ cards: CardRow[]; nextCursor: string | null; dataAsOf: Date | null; subject: ReadSubject }> {
    const limit = q.limit ?? DEFAULT_LIMIT;
    const afterId = q.cursor ? decodeIdCursor(q.cursor) : undefined;
    // A named consent must grant `cards`; across consents, cards exist only where it was granted
    // (the sync reads them only then).
    const consent = q.consent_id
      ? assertPermitted(await this.scope.consent(client, q.consent_id), 'cards')
      : null;
    const rows = await this.repo.list({
      clientId: client.id,
      consentId: consent?.consentId,
      afterId,
      limit: limit + 1,
    });
    const { page: cards, nextCursor } = keysetPage(rows, limit, (last) => encodeIdCursor(last.id));
    return {
      cards,
      nextCursor,
      // Under one consent, as fresh as the consent's oldest account; else as the cards' accounts.
      dataAsOf: consent ? consent.dataAsOf : oldestDataAsOf(cards.map((c) => c.dataAsOf)),
      subject: consent ? subjectOfScope(consent) : commonSubject(cards),
    };
  }
}
