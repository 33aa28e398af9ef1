import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigError, loadWorkerConfig } from '#common/config.js';
import { WorkerModule } from './worker.module.js';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // On SIGTERM/SIGINT: stop taking jobs, let running ones reach a checkpoint, close, exit 0.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void app.close().then(
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
