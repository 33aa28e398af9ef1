import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
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
import { ClientListResponse, CreateClientDto, CreatedClientResponse } from './client.dto.js';
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
    const { client, apiKey, webhookSecret } = await this.clients.create(dto.name, dto.webhook_url ?? null);
    return { ...toClientResponse(client), api_key: apiKey, webhook_secret: webhookSecret };
  }

  @Get()
  @ApiOkResponse({ type: ClientListResponse })
  async list(): Promise<ClientListResponse> {
    return { clients: (await this.clients.list()).map(toClientResponse) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  async delete(@Param('id', new UuidParamPipe('Client')) id: string): Promise<void> {
    await this.clients.delete(id);
    this.keys.forget(id);
  }
}
