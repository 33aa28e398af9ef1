import { NestFactory } from '@nestjs/core';
import { Writable } from 'node:stream';
import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { loadWorkerConfig, type WorkerEnv } from '#common/config.js';
import { WorkerModule } from '../src/worker.module.js';

export interface WorkerHarness {
  app: INestApplicationContext;
  config: WorkerEnv;
  /** Every log line the worker wrote (only with `captureLogs`; the level is then `debug`). */
  logs: string[];
  close(): Promise<void>;
}

/** The real worker module (all processors) in this process, over the given database and run prefix. */
export async function startWorker(
  env: Record<string, string>,
  opts: { captureLogs?: boolean } = {},
): Promise<WorkerHarness> {
  const config = loadWorkerConfig({
    ...process.env,
    NODE_ENV: 'test',
    HISOB_LOG_LEVEL: opts.captureLogs ? 'debug' : 'silent',
    HISOB_DB_POOL_SIZE: '4',
    ...env,
  });
  const logs: string[] = [];
  const logStream = opts.captureLogs
    ? new Writable({
        write(chunk: Buffer, _enc, cb) {
          logs.push(chunk.toString('utf8'));
          cb();
        },
      })
    : undefined;
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, logStream), {
    logger: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  await app.init();
  return { app, config, logs, close: () => app.close() };
}
