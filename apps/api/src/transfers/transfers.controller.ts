import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AccessLogged } from '../access-log/access-logged.decorator.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentClient, type AuthenticatedClient } from '../auth/authenticated-client.js';
import { isoOrNull } from '../data/data-freshness.js';
import { dataRead, withSubject } from '../data/read-subject.js';
import { toTransferResponse } from './to-transfer-response.js';
import { ListTransfersQueryDto, TransferListResponse } from './transfer.dto.js';
import { TransfersService } from './transfers.service.js';

@ApiTags('transfers')
@ApiBearerAuth('client')
@UseGuards(ApiKeyGuard)
@Controller('v1/transfers')
export class TransfersController {
  constructor(private readonly transfers: TransfersService) {}

  @Get()
  @ApiOkResponse({ type: TransferListResponse })
  @AccessLogged(dataRead<TransferListResponse>('transfers', (b) => b.transfers.length))
  async list(
    @CurrentClient() client: AuthenticatedClient,
    @Query() q: ListTransfersQueryDto,
  ): Promise<TransferListResponse> {
    const r = await this.transfers.list(client, q);
    return withSubject(
      {
        transfers: r.transfers.map(toTransferResponse),
        next_cursor: r.nextCursor,
        data_as_of: isoOrNull(r.dataAsOf),
      },
      r.subject,
    );
  }
}
