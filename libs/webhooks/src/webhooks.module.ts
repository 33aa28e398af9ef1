import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { QUEUES } from '#common/queues.js';
import { WebhookEventRepository } from '#persistence/repositories/webhook-event.repository.js';
import { WebhookPublisher } from './webhook-publisher.js';
import { WEBHOOK_OPTIONS, type WebhookOptions } from './webhook-options.js';

/**
 * Client webhooks for the API and the worker: the {@link WebhookPublisher}, the events repository
 * and the `webhook-delivery` queue. The host provides TypeORM and `BullModule.forRoot` (producers
 * in the API should use a fail-fast connection, `bullConnection(url, false)`; the publisher
 * survives a refused enqueue). The worker adds `WebhookDeliveryProcessor` to its own providers.
 *
 * Import the class as is for the production policy, or `WebhooksModule.register({...})` to change
 * it (tests: a tiny backoff, a low attempt bound).
 */
@Module({
  imports: [BullModule.registerQueue({ name: QUEUES.webhookDelivery })],
  providers: [WebhookEventRepository, WebhookPublisher],
  exports: [WebhookEventRepository, WebhookPublisher, BullModule],
})
export class WebhooksModule {
  static register(options: Partial<WebhookOptions> = {}): DynamicModule {
    return {
      module: WebhooksModule,
      providers: [{ provide: WEBHOOK_OPTIONS, useValue: options }],
      exports: [WEBHOOK_OPTIONS],
    };
  }
}
