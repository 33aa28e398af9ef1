import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AdminGuard } from '../auth/admin.guard.js';
import { ApiKeyService } from '../auth/api-key.service.js';
import { UuidParamPipe } from '../infra/uuid-param.pipe.js';
import {
  ClientListResponse,
  ClientResponse,
  CreateClientDto,
  CreatedClientResponse,
  UpdateClientDto,
} from './client.dto.js';
import { ClientsService, toClientResponse } from './clients.service.js';

@ApiTags('admin')
@ApiBearerAuth('admin')
@UseGuards(AdminGuard)
@Controller('admin/clients')
export class ClientsController {
  constructor(
    private readonly clients: ClientsService,
    private readonly keys: ApiKeyService,
  ) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedClientResponse })
  async create(@Body() dto: CreateClientDto): Promise<CreatedClientResponse> {
    const { client, apiKey, webhookSecret } = await this.clients.create(dto.name, {
      webhookUrl: dto.webhook_url ?? null,
      redirectUris: dto.redirect_uris ?? [],
    });
    return { ...toClientResponse(client), api_key: apiKey, webhook_secret: webhookSecret };
  }

  @Get()
  @ApiOkResponse({ type: ClientListResponse })
  async list(): Promise<ClientListResponse> {
    return { clients: (await this.clients.list()).map(toClientResponse) };
  }

  @Patch(':id')
  @ApiOkResponse({ type: ClientResponse })
  async update(
    @Param('id', new UuidParamPipe('Client')) id: string,
    @Body() dto: UpdateClientDto,
  ): Promise<ClientResponse> {
    const client = await this.clients.update(id, {
      webhookUrl: dto.webhook_url,
      redirectUris: dto.redirect_uris,
    });
    // The cached key carries the redirect URIs: this replica sees the change at once.
    this.keys.forget(id);
    return toClientResponse(client);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  async delete(@Param('id', new UuidParamPipe('Client')) id: string): Promise<void> {
    await this.clients.delete(id);
    this.keys.forget(id);
  }
}
