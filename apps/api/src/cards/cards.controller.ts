import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AccessLogged } from '../access-log/access-logged.decorator.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentClient, type AuthenticatedClient } from '../auth/authenticated-client.js';
import { isoOrNull } from '../data/data-freshness.js';
import { dataRead, withSubject } from '../data/read-subject.js';
import { UuidParamPipe } from '../infra/uuid-param.pipe.js';
import { ListTransactionsQueryDto, TransactionListResponse } from '../transactions/transaction.dto.js';
import { toTransactionListResponse } from '../transactions/to-transaction-response.js';
import { TransactionsService } from '../transactions/transactions.service.js';
import { CardListResponse, ListCardsQueryDto } from './card.dto.js';
import { CardsService } from './cards.service.js';
import { toCardResponse } from './to-card-response.js';

@ApiTags('cards')
@ApiBearerAuth('client')
@UseGuards(ApiKeyGuard)
@Controller('v1/cards')
export class CardsController {
  constructor(
    private readonly cards: CardsService,
    private readonly transactions: TransactionsService,
  ) {}

  @Get()
  @ApiOkResponse({ type: CardListResponse })
  @AccessLogged(dataRead<CardListResponse>('cards', (b) => b.cards.length))
  async list(
    @CurrentClient() client: AuthenticatedClient,
    @Query() q: ListCardsQueryDto,
  ): Promise<CardListResponse> {
    const r = await this.cards.list(client, q);
    return withSubject(
      { cards: r.cards.map(toCardResponse), next_cursor: r.nextCursor, data_as_of: isoOrNull(r.dataAsOf) },
      r.subject,
    );
  }

  @Get(':id/transactions')
  @ApiOkResponse({ type: TransactionListResponse })
  @AccessLogged(dataRead<TransactionListResponse>('transactions', (b) => b.transactions.length))
  async transactionsOf(
    @CurrentClient() client: AuthenticatedClient,
    @Param('id', new UuidParamPipe('Card')) id: string,
    @Query() q: ListTransactionsQueryDto,
  ): Promise<TransactionListResponse> {
    return toTransactionListResponse(await this.transactions.listForCard(client, id, q));
  }
}
