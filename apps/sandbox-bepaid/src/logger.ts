/** The simulator's logger: pino JSON lines, secrets redacted. */
import { pino, type Logger as PinoLogger } from 'pino';

import type { LogLevel } from './config.js';

export type Logger = PinoLogger;

export function createLogger(level: LogLevel): Logger {
  return pino({
    name: 'sandbox-bepaid',
    level,
    redact: ['authorization', 'secret_key', 'secretKey', 'req.headers.authorization'],
  });
}
