import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigError, loadWorkerConfig } from '#common/config.js';
import { MaintenanceProcessor } from './processors/maintenance.processor.js';
import { RetentionPurgeProcessor } from './processors/retention-purge.processor.js';
import { SyncProcessor } from './processors/sync.processor.js';
import { TokenRefreshProcessor } from './processors/token-refresh.processor.js';
import { WebhookDeliveryProcessor } from './processors/webhook-delivery.processor.js';
import { WorkerModule } from './worker.module.js';

/** Every BullMQ processor of the worker, drained first on shutdown. */
const PROCESSORS = [
  SyncProcessor,
  TokenRefreshProcessor,
  WebhookDeliveryProcessor,
  RetentionPurgeProcessor,
  MaintenanceProcessor,
] as const;

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // On SIGTERM/SIGINT: stop taking jobs and let the running ones finish, THEN close the rest.
  // Nest would close the queues alongside the workers, and a job finishing meanwhile (a sync
  // ending, its webhooks to enqueue) would find them closed.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void Promise.all(PROCESSORS.map((p) => app.get(p).worker.close()))
        .then(() => app.close())
        .then(
          () => process.exit(0),
          () => process.exit(1),
        );
    });
  }
  new NestLogger('Bootstrap').log({ redis_prefix: config.HISOB_REDIS_PREFIX }, 'hisob worker started');
}

main().catch((err: unknown) => {
  process.stderr.write(
    err instanceof ConfigError ? `${err.message}\n` : `${(err as Error).stack ?? String(err)}\n`,
  );
  process.exit(1);
});
