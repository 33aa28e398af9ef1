import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { ApiEnv } from '#common/config.js';
import { CoreModule } from '#common/core.module.js';
import { bullConnection } from '#common/queues.js';
import { ConsentRevocation } from '#consents/consent-revocation.js';
import { ConsentsModule } from '#consents/consents.module.js';
import { dataSourceOptions } from '#persistence/data-source.js';

/** What the CLI needs to revoke consents as the API does: PostgreSQL, the queues, the connectors. */
@Module({})
class CliConsentsModule {
  static forRoot(config: ApiEnv): DynamicModule {
    return {
      module: CliConsentsModule,
      imports: [
        CoreModule.forRoot(config),
        TypeOrmModule.forRoot(
          dataSourceOptions({ url: config.DATABASE_URL, poolSize: 2, applicationName: 'hisob-cli' }),
        ),
        BullModule.forRoot({
          connection: bullConnection(config.REDIS_URL, false),
          prefix: config.HISOB_REDIS_PREFIX,
        }),
        ConsentsModule,
      ],
    };
  }
}

/** Runs `fn` with the API's ConsentRevocation (for `clients delete` on the command line). */
export async function withConsentRevocation<T>(
  config: ApiEnv,
  fn: (revocation: ConsentRevocation) => Promise<T>,
): Promise<T> {
  const ctx = await NestFactory.createApplicationContext(CliConsentsModule.forRoot(config), {
    logger: ['error'],
  });
  try {
    return await fn(ctx.get(ConsentRevocation));
  } finally {
    await ctx.close();
  }
}
