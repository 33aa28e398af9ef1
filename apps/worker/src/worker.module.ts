import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG, type WorkerEnv } from '#common/config.js';
import { baseLoggerOptions } from '#common/logging.js';
import { bullConnection } from '#common/queues.js';
import { dataSourceOptions } from '#persistence/data-source.js';

/**
 * The worker process: BullMQ processors (sync, token refresh, webhook delivery, retention purge)
 * over the same PostgreSQL as the API. Processors are registered here as the features land.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: WorkerEnv): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        LoggerModule.forRoot({ pinoHttp: baseLoggerOptions(config.HISOB_LOG_LEVEL, 'hisob-worker') }),
        TypeOrmModule.forRoot(
          dataSourceOptions({ url: config.DATABASE_URL, poolSize: config.HISOB_DB_POOL_SIZE, applicationName: 'hisob-worker' }),
        ),
        BullModule.forRoot({ connection: bullConnection(config.REDIS_URL, true), prefix: config.HISOB_REDIS_PREFIX }),
      ],
      providers: [{ provide: APP_CONFIG, useValue: config }],
    };
  }
}
