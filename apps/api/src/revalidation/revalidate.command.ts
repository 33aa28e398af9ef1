import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { ApiEnv } from '#common/config.js';
import { CoreModule } from '#common/core.module.js';
import { bullConnection } from '#common/queues.js';
import { renderDriftReport } from '#connectors/revalidation.js';
import { ConsentRevalidation, RevalidationRefused } from '#consents/consent-revalidation.js';
import { ConsentsModule } from '#consents/consents.module.js';
import { dataSourceOptions } from '#persistence/data-source.js';

/** What `hisob revalidate` needs: the consents' session store (keyring, PostgreSQL) and the connectors. */
@Module({})
class RevalidateCliModule {
  static forRoot(config: ApiEnv): DynamicModule {
    return {
      module: RevalidateCliModule,
      imports: [
        CoreModule.forRoot(config),
        TypeOrmModule.forRoot(
          dataSourceOptions({ url: config.DATABASE_URL, poolSize: 2, applicationName: 'hisob-cli' }),
        ),
        // A refresh reschedules the consent's token-refresh job, as it does in the worker.
        BullModule.forRoot({
          connection: bullConnection(config.REDIS_URL, false),
          prefix: config.HISOB_REDIS_PREFIX,
        }),
        ConsentsModule,
      ],
    };
  }
}

/** Exit codes of `hisob revalidate`. */
export const REVALIDATE_EXIT = { clean: 0, drift: 1, refused: 2 } as const;

/**
 * `hisob revalidate <consent_id> [--json]`: the provider's re-validation pass under that consent,
 * printed for people (or as JSON). Exit 0 when nothing drifted, 1 when something drifted or a
 * resource did not answer, 2 when the consent cannot be used (not found, not active, its provider
 * has no pass, the bank refused its session even after a refresh).
 */
export async function revalidateCommand(
  config: ApiEnv,
  consentId: string,
  asJson: boolean,
  write: (text: string) => void,
  writeError: (text: string) => void,
): Promise<number> {
  const app = await NestFactory.createApplicationContext(RevalidateCliModule.forRoot(config), {
    logger: false,
  });
  try {
    const report = await app.get(ConsentRevalidation).run(consentId);
    write(asJson ? `${JSON.stringify(report, null, 2)}\n` : renderDriftReport(report));
    return report.drifted ? REVALIDATE_EXIT.drift : REVALIDATE_EXIT.clean;
  } catch (err) {
    if (!(err instanceof RevalidationRefused)) throw err;
    writeError(`${err.message}\n`);
    return REVALIDATE_EXIT.refused;
  } finally {
    await app.close();
  }
}
