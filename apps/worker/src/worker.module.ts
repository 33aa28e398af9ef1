import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { APP_CONFIG, type WorkerEnv } from '#common/config.js';
import { CoreModule } from '#common/core.module.js';
import { baseLoggerOptions } from '#common/logging.js';
import { QUEUES, bullConnection, configureJobLocks, configureSyncConcurrency } from '#common/queues.js';
import { ConsentsModule } from '#consents/consents.module.js';
import { RevalidationStore } from '#consents/consent-revalidation.js';
import { SyncModule } from '#sync/sync.module.js';
import { dataSourceOptions } from '#persistence/data-source.js';
import { WebhooksModule } from '#webhooks/webhooks.module.js';
import { IdempotencyRepository } from '#persistence/repositories/idempotency.repository.js';
import { ConsentPurgeRepository } from '#persistence/repositories/consent-purge.repository.js';
import { LifecycleSweeper } from './lifecycle-sweeper.js';
import { MaintenanceProcessor } from './processors/maintenance.processor.js';
import { SyncProcessor } from './processors/sync.processor.js';
import { RetentionPurgeProcessor } from './processors/retention-purge.processor.js';
import { TokenRefreshProcessor } from './processors/token-refresh.processor.js';
import { WebhookDeliveryProcessor } from './processors/webhook-delivery.processor.js';

/**
 * The worker process: BullMQ processors over the same PostgreSQL as the API. Every worker knows
 * the `capped-exponential` backoff used by jobs that call banks.
 */
@Module({})
export class WorkerModule {
  /** `logStream`: where the JSON log lines go (default stdout; tests capture them). */
  static forRoot(config: WorkerEnv, logStream?: DestinationStream): DynamicModule {
    configureJobLocks(config.HISOB_JOB_LOCK_MS);
    configureSyncConcurrency(config.HISOB_WORKER_CONCURRENCY);
    return {
      module: WorkerModule,
      imports: [
        CoreModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: logStream
            ? [baseLoggerOptions(config.HISOB_LOG_LEVEL, 'hisob-worker'), logStream]
            : baseLoggerOptions(config.HISOB_LOG_LEVEL, 'hisob-worker'),
        }),
        TypeOrmModule.forRoot(
          dataSourceOptions({
            url: config.DATABASE_URL,
            poolSize: config.HISOB_DB_POOL_SIZE,
            applicationName: 'hisob-worker',
            planCacheMode: 'auto',
          }),
        ),
        BullModule.forRoot({
          connection: bullConnection(config.REDIS_URL, true),
          prefix: config.HISOB_REDIS_PREFIX,
          defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000 },
        }),
        BullModule.registerQueue({ name: QUEUES.maintenance }),
        ConsentsModule,
        SyncModule,
        WebhooksModule.register({
          allowPrivateAddresses: config.HISOB_ALLOW_PRIVATE_WEBHOOKS,
          sweepEveryMs: config.HISOB_LIFECYCLE_SWEEP_MS,
          sweepGraceMs: config.HISOB_LIFECYCLE_SWEEP_MS,
        }),
      ],
      providers: [
        IdempotencyRepository,
        {
          provide: RevalidationStore,
          inject: [APP_CONFIG],
          useFactory: (c: WorkerEnv) => RevalidationStore.connect(c.REDIS_URL, c.HISOB_REDIS_PREFIX),
        },
        ConsentPurgeRepository,
        LifecycleSweeper,
        TokenRefreshProcessor,
        RetentionPurgeProcessor,
        MaintenanceProcessor,
        WebhookDeliveryProcessor,
        SyncProcessor,
      ],
    };
  }
}
