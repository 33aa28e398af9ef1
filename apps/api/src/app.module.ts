import { Module, type DynamicModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { APP_CONFIG, type ApiEnv } from '#common/config.js';
import { httpLoggerParams } from '#common/logging.js';
import { dataSourceOptions } from '#persistence/data-source.js';
import { AccessLogRepository } from '#persistence/repositories/access-log.repository.js';
import { ClientRepository } from '#persistence/repositories/client.repository.js';
import { AccessLogController } from './access-log/access-log.controller.js';
import { AccessLogInterceptor } from './access-log/access-log.interceptor.js';
import { ClientsController } from './admin/clients.controller.js';
import { ClientsService } from './admin/clients.service.js';
import { AdminGuard } from './auth/admin.guard.js';
import { ApiKeyGuard } from './auth/api-key.guard.js';
import { ApiKeyService } from './auth/api-key.service.js';
import { HealthController } from './health/health.controller.js';
import { keyringProvider } from './infra/keyring.provider.js';
import { RedisConnection } from './infra/redis.provider.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MetricsService } from './metrics/metrics.service.js';
import { ProvidersController } from './providers/providers.controller.js';

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
        LoggerModule.forRoot(httpLoggerParams(config.HISOB_LOG_LEVEL, 'hisob-api', logStream)),
        TypeOrmModule.forRoot({
          ...dataSourceOptions({ url: config.DATABASE_URL, poolSize: config.HISOB_DB_POOL_SIZE, applicationName: 'hisob-api' }),
          retryAttempts: 3,
          retryDelay: 1000,
        }),
        TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' }),
      ],
      controllers: [ProvidersController, ClientsController, AccessLogController, HealthController, MetricsController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_INTERCEPTOR, useClass: AccessLogInterceptor },
        keyringProvider,
        RedisConnection,
        ClientRepository,
        AccessLogRepository,
        ApiKeyService,
        ApiKeyGuard,
        AdminGuard,
        ClientsService,
        MetricsService,
      ],
    };
  }
}
