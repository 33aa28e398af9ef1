/** The sandbox's logger: pino JSON lines, secrets redacted. */
import { pino, type Logger as PinoLogger } from 'pino';

import type { LogLevel } from './config.js';

export type Logger = PinoLogger;

export function createLogger(level: LogLevel): Logger {
  return pino({
    name: 'sandbox-alif-shop',
    level,
    redact: ['authorization', 'otp', 'token', 'refresh_token', 'access_token', 'req.headers.authorization'],
  });
}
