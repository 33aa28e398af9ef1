import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AccessLogged } from '../access-log/access-logged.decorator.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentClient, type AuthenticatedClient } from '../auth/authenticated-client.js';
import { isoOrNull } from '../data/data-freshness.js';
import { subjectOfScope } from '../data/data-scope.js';
import { dataRead, withSubject } from '../data/read-subject.js';
import { UuidParamPipe } from '../infra/uuid-param.pipe.js';
import {
  AccountListResponse,
  AccountResponse,
  BalanceListResponse,
  ListAccountsQueryDto,
} from './account.dto.js';
import { AccountsService } from './accounts.service.js';
import { toAccountResponse, toBalanceResponse } from './to-account-response.js';

@ApiTags('accounts')
@ApiBearerAuth('client')
@UseGuards(ApiKeyGuard)
@Controller('v1/accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOkResponse({ type: AccountListResponse })
  @AccessLogged(dataRead<AccountListResponse>('accounts', (b) => b.accounts.length))
  async list(
    @CurrentClient() client: AuthenticatedClient,
    @Query() q: ListAccountsQueryDto,
  ): Promise<AccountListResponse> {
    const r = await this.accounts.list(client, q);
    return withSubject(
      {
        accounts: r.accounts.map(toAccountResponse),
        next_cursor: r.nextCursor,
        data_as_of: isoOrNull(r.dataAsOf),
      },
      r.subject,
    );
  }

  @Get(':id')
  @ApiOkResponse({ type: AccountResponse })
  @AccessLogged(dataRead<AccountResponse>('accounts', () => 1))
  async get(
    @CurrentClient() client: AuthenticatedClient,
    @Param('id', new UuidParamPipe('Account')) id: string,
  ): Promise<AccountResponse> {
    const account = await this.accounts.get(client, id);
    return withSubject(toAccountResponse(account), subjectOfScope(account));
  }

  @Get(':id/balances')
  @ApiOkResponse({ type: BalanceListResponse })
  @AccessLogged(dataRead<BalanceListResponse>('balances', (b) => b.balances.length))
  async balances(
    @CurrentClient() client: AuthenticatedClient,
    @Param('id', new UuidParamPipe('Account')) id: string,
  ): Promise<BalanceListResponse> {
    const r = await this.accounts.balances(client, id);
    return withSubject(
      { balances: r.balances.map(toBalanceResponse), data_as_of: isoOrNull(r.dataAsOf) },
      r.subject,
    );
  }
}
