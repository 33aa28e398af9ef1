import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AccessLogged } from '../access-log/access-logged.decorator.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentClient, type AuthenticatedClient } from '../auth/authenticated-client.js';
import { isoOrNull } from '../data/data-freshness.js';
import { dataRead, withSubject } from '../data/read-subject.js';
import { UuidParamPipe } from '../infra/uuid-param.pipe.js';
import { ChangeFeedService } from './change-feed.service.js';
import { toTransactionListResponse, toTransactionResponse } from './to-transaction-response.js';
import {
  ChangeFeedQueryDto,
  ChangeFeedResponse,
  ListTransactionsQueryDto,
  TransactionListResponse,
} from './transaction.dto.js';
import { TransactionsService } from './transactions.service.js';

@ApiTags('transactions')
@ApiBearerAuth('client')
@UseGuards(ApiKeyGuard)
@Controller('v1')
export class TransactionsController {
  constructor(
    private readonly transactions: TransactionsService,
    private readonly feed: ChangeFeedService,
  ) {}

  @Get('accounts/:id/transactions')
  @ApiOkResponse({ type: TransactionListResponse })
  @AccessLogged(dataRead<TransactionListResponse>('transactions', (b) => b.transactions.length))
  async list(
    @CurrentClient() client: AuthenticatedClient,
    @Param('id', new UuidParamPipe('Account')) id: string,
    @Query() q: ListTransactionsQueryDto,
  ): Promise<TransactionListResponse> {
    return toTransactionListResponse(await this.transactions.listForAccount(client, id, q));
  }

  @Get('transactions/sync')
  @ApiOkResponse({ type: ChangeFeedResponse })
  @AccessLogged(
    dataRead<ChangeFeedResponse>(
      'transactions',
      (b) => b.added.length + b.modified.length + b.removed.length,
    ),
  )
  async changes(
    @CurrentClient() client: AuthenticatedClient,
    @Query() q: ChangeFeedQueryDto,
  ): Promise<ChangeFeedResponse> {
    const r = await this.feed.changes(client, q);
    return withSubject(
      {
        added: r.added.map(toTransactionResponse),
        modified: r.modified.map(toTransactionResponse),
        removed: r.removed,
        next_cursor: r.nextCursor,
        has_more: r.hasMore,
        data_as_of: isoOrNull(r.dataAsOf),
      },
      r.subject,
    );
  }
}
