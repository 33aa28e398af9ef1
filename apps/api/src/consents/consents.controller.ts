import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiExcludeEndpoint,
  ApiHeader,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentClient, type AuthenticatedClient } from '../auth/authenticated-client.js';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor.js';
import { UuidParamPipe } from '../infra/uuid-param.pipe.js';
import {
  ConsentListResponse,
  ConsentResponse,
  CreateConsentDto,
  SubmitOtpDto,
  ListConsentsQueryDto,
  StartSyncDto,
  SyncStartedResponse,
} from './consent.dto.js';
import { ConsentsService } from './consents.service.js';
import { renderCallbackPage } from './callback-page.js';
import { toConsentResponse } from './to-consent-response.js';

@ApiTags('consents')
@Controller('v1/consents')
export class ConsentsController {
  constructor(private readonly consents: ConsentsService) {}

  /** The bank's redirect after SCA (public: the end user's browser, no API key). */
  @Get('callback')
  @ApiExcludeEndpoint()
  async callback(@Query() query: Record<string, unknown>, @Res() reply: FastifyReply): Promise<void> {
    const params = Object.fromEntries(
      Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    const outcome = await this.consents.completeCallback(params);
    if (outcome.kind === 'redirect') {
      void reply.header('cache-control', 'no-store').redirect(outcome.location, 302);
      return;
    }
    void reply
      .status(200)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(renderCallbackPage(outcome.consent.status, outcome.error));
  }

  @Post()
  @UseGuards(ApiKeyGuard)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiBearerAuth('client')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Replays the first answer for the same key and body.',
  })
  @ApiCreatedResponse({ type: ConsentResponse })
  async create(
    @CurrentClient() client: AuthenticatedClient,
    @Body() dto: CreateConsentDto,
  ): Promise<ConsentResponse> {
    return toConsentResponse(await this.consents.create(client, dto));
  }

  @Get()
  @UseGuards(ApiKeyGuard)
  @ApiBearerAuth('client')
  @ApiOkResponse({ type: ConsentListResponse })
  async list(
    @CurrentClient() client: AuthenticatedClient,
    @Query() q: ListConsentsQueryDto,
  ): Promise<ConsentListResponse> {
    const { consents, nextCursor } = await this.consents.list(client, q);
    return { consents: consents.map(toConsentResponse), next_cursor: nextCursor };
  }

  @Get(':id')
  @UseGuards(ApiKeyGuard)
  @ApiBearerAuth('client')
  @ApiOkResponse({ type: ConsentResponse })
  async get(
    @CurrentClient() client: AuthenticatedClient,
    @Param('id', new UuidParamPipe('Consent')) id: string,
  ): Promise<ConsentResponse> {
    return toConsentResponse(await this.consents.get(client, id));
  }

  @Post(':id/otp')
  @HttpCode(200)
  @UseGuards(ApiKeyGuard)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiBearerAuth('client')
  @ApiOkResponse({
    type: ConsentResponse,
    description:
      'The consent, `active` once the provider accepted the code. A wrong code is 400 `otp_invalid`: the consent stays `awaiting_otp` until the provider locks the code, then it is `rejected`.',
  })
  async otp(
    @CurrentClient() client: AuthenticatedClient,
    @Param('id', new UuidParamPipe('Consent')) id: string,
    @Body() dto: SubmitOtpDto,
  ): Promise<ConsentResponse> {
    return toConsentResponse(await this.consents.submitOtp(client, id, dto.otp));
  }

  @Post(':id/sync')
  @HttpCode(202)
  @UseGuards(ApiKeyGuard)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiBearerAuth('client')
  @ApiAcceptedResponse({
    type: SyncStartedResponse,
    description: 'A sync was queued, or the one under way is returned.',
  })
  async sync(
    @CurrentClient() client: AuthenticatedClient,
    @Param('id', new UuidParamPipe('Consent')) id: string,
    @Req() req: FastifyRequest,
    @Body() dto: StartSyncDto = {},
  ): Promise<SyncStartedResponse> {
    return { sync_id: await this.consents.sync(client, id, String(req.id), dto?.psu_ip_address) };
  }

  @Delete(':id')
  @HttpCode(200)
  @UseGuards(ApiKeyGuard)
  @ApiBearerAuth('client')
  @ApiOkResponse({
    type: ConsentResponse,
    description: 'The consent, now revoked (revoking twice is harmless).',
  })
  async revoke(
    @CurrentClient() client: AuthenticatedClient,
    @Param('id', new UuidParamPipe('Consent')) id: string,
  ): Promise<ConsentResponse> {
    return toConsentResponse(await this.consents.revoke(client, id));
  }
}
