import { Body, Controller, Headers, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBasicAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { VerificationResponse } from '#connectors/bepaid/bepaid.wire.js';
import { BepaidInboundService } from './bepaid-inbound.service.js';
import { rawBodyOf } from './bepaid-body.js';

/**
 * What bePaid calls. Not under `/v1` and without the client API key: the caller is bePaid,
 * authenticated by the shop's own credentials (Basic auth), and the notifications also by
 * bePaid's signature when the merchant configured its public key.
 */
@ApiTags('bepaid')
@ApiBasicAuth()
@Controller('bepaid')
export class BepaidController {
  constructor(private readonly inbound: BepaidInboundService) {}

  @Post(':client_id/account_verification')
  @HttpCode(200)
  @ApiOkResponse({ description: '{"response":{id, tracking_id, amount, currency, result, description}}' })
  verify(
    @Param('client_id') clientId: string,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
  ): Promise<VerificationResponse> {
    return this.inbound.verify(clientId, authorization, body);
  }

  @Post(':client_id/notifications')
  @HttpCode(200)
  @ApiOkResponse({ description: '{"status":"ok","duplicate":false}' })
  notify(
    @Param('client_id') clientId: string,
    @Headers('authorization') authorization: string | undefined,
    @Headers('content-signature') signature: string | undefined,
    @Req() req: FastifyRequest,
    @Body() body: unknown,
  ): Promise<{ status: 'ok'; duplicate: boolean }> {
    return this.inbound.notify(clientId, authorization, signature, rawBodyOf(req), body);
  }
}
