import { Module } from '@nestjs/common';
import { BepaidRepository } from '#persistence/repositories/bepaid.repository.js';
import { IdempotencyRepository } from '#persistence/repositories/idempotency.repository.js';
import { WebhooksModule } from '#webhooks/webhooks.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor.js';
import { BepaidController } from './bepaid.controller.js';
import { BepaidInboundService } from './bepaid-inbound.service.js';
import { MerchantController } from './merchant.controller.js';
import { MerchantPaymentsService } from './merchant-payments.service.js';
import { MerchantService } from './merchant.service.js';
import { PaymentWriter } from './payment-writer.js';

/**
 * The merchant side of Alif Mobi payments through bePaid: the client API (`/v1/merchant`) and
 * what bePaid calls (`/bepaid/{client_id}/…`), over one payment writer. The host provides
 * APP_CONFIG, Keyring, TypeORM and `BullModule.forRoot`.
 */
@Module({
  imports: [AuthModule, WebhooksModule],
  controllers: [MerchantController, BepaidController],
  providers: [
    BepaidRepository,
    PaymentWriter,
    BepaidInboundService,
    MerchantService,
    MerchantPaymentsService,
    IdempotencyRepository,
    IdempotencyInterceptor,
  ],
})
export class MerchantModule {}
