import { Module, type DynamicModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DestinationStream } from 'pino';
import { BullModule } from '@nestjs/bullmq';
import { type ApiEnv } from '#common/config.js';
import { CoreModule } from '#common/core.module.js';
import { bullConnection } from '#common/queues.js';
import { ConsentsModule } from '#consents/consents.module.js';
import { IdempotencyRepository } from '#persistence/repositories/idempotency.repository.js';
import { HttpLoggerModule } from '#common/logging.js';
import { dataSourceOptions } from '#persistence/data-source.js';
import { AccessLogRepository } from '#persistence/repositories/access-log.repository.js';
import { AccessLogController } from './access-log/access-log.controller.js';
import { AccessLogInterceptor } from './access-log/access-log.interceptor.js';
import { AccessLogWriter } from './access-log/access-log-writer.js';
import { ClientsController } from './admin/clients.controller.js';
import { ClientsService } from './admin/clients.service.js';
import { AdminGuard } from './auth/admin.guard.js';
import { AuthModule } from './auth/auth.module.js';
import { HealthController } from './health/health.controller.js';
import { ConsentsController } from './consents/consents.controller.js';
import { ConsentsService } from './consents/consents.service.js';
import { DataModule } from './data/data.module.js';
import { SyncsController } from './syncs/syncs.controller.js';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor.js';
import { RedisConnection } from './infra/redis.provider.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MetricsService } from './metrics/metrics.service.js';
import { RevalidationMetrics } from './metrics/revalidation.metrics.js';
import { ProvidersController } from './providers/providers.controller.js';
import { MerchantModule } from './merchant/merchant.module.js';

export interface ApiModuleOptions {
  config: ApiEnv;
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot({ config, logStream }: ApiModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config),
        AuthModule,
        HttpLoggerModule.forRoot(config.HISOB_LOG_LEVEL, 'hisob-api', logStream),
        TypeOrmModule.forRoot({
          ...dataSourceOptions({
            url: config.DATABASE_URL,
            poolSize: config.HISOB_DB_POOL_SIZE,
            applicationName: 'hisob-api',
          }),
          retryAttempts: 3,
          retryDelay: 1000,
        }),
        TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' }),
        // Producers only: fail fast when Redis is down instead of queueing commands in memory.
        BullModule.forRoot({
          connection: bullConnection(config.REDIS_URL, false),
          prefix: config.HISOB_REDIS_PREFIX,
        }),
        ConsentsModule,
        DataModule,
        MerchantModule,
      ],
      controllers: [
        ConsentsController,
        SyncsController,
        ProvidersController,
        ClientsController,
        AccessLogController,
        HealthController,
        MetricsController,
      ],
      providers: [
        { provide: APP_INTERCEPTOR, useClass: AccessLogInterceptor },
        RedisConnection,
        AccessLogRepository,
        AccessLogWriter,
        AdminGuard,
        ClientsService,
        MetricsService,
        RevalidationMetrics,
        ConsentsService,
        IdempotencyRepository,
        IdempotencyInterceptor,
      ],
    };
  }
}
