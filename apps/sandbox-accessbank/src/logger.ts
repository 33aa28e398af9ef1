/** The sandbox's logger: pino JSON lines, secrets redacted (STYLE.md §6.8). */
import { pino, type Logger as PinoLogger } from 'pino';

import type { LogLevel } from './config.js';

export type Logger = PinoLogger;

export function createLogger(level: LogLevel): Logger {
  return pino({
    name: 'sandbox-accessbank',
    level,
    redact: [
      'authorization',
      'password',
      'otp',
      'token',
      'client_secret',
      'req.headers.authorization',
      'req.headers.cookie',
    ],
  });
}
