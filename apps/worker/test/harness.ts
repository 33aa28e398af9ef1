import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { loadWorkerConfig, type WorkerEnv } from '#common/config.js';
import { WorkerModule } from '../src/worker.module.js';

export interface WorkerHarness {
  app: INestApplicationContext;
  config: WorkerEnv;
  close(): Promise<void>;
}

/** The real worker module (all processors) in this process, over the given database and run prefix. */
export async function startWorker(env: Record<string, string>): Promise<WorkerHarness> {
  const config = loadWorkerConfig({
    ...process.env,
    NODE_ENV: 'test',
    HISOB_LOG_LEVEL: 'silent',
    HISOB_DB_POOL_SIZE: '4',
    ...env,
  });
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  await app.init();
  return { app, config, close: () => app.close() };
}
