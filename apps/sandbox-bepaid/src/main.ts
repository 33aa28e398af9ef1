/**
 * Entry point of the bePaid simulator.
 *
 *   node dist/apps/sandbox-bepaid/src/main.js --port 4040 [--verification-timeout-ms 14000]
 *
 * Also exports `startBepaidSandbox(opts)` for in-process use (tests start it on port 0).
 */
import { parseArgs } from 'node:util';

import { isEntryPoint, runSandbox } from '../../sandbox-kit/src/entry.js';

import { ConfigError, ENV, mergeRaw, readEnv, resolveConfig, type RawOptions } from './config.js';
import { createLogger } from './logger.js';
import { startServer, type RunningSandbox } from './server.js';

export type { RunningSandbox } from './server.js';
export type { RawOptions as BepaidSandboxOptions } from './config.js';

/**
 * Starts a simulator in this process, on port 0 (any free port) unless one is given. Options
 * override the built-in defaults; the environment is ignored so that tests are not influenced by a
 * developer's shell. Logging defaults to `warn`.
 */
export async function startBepaidSandbox(opts: RawOptions = {}): Promise<RunningSandbox> {
  const config = resolveConfig({ port: 0, logLevel: 'warn', ...opts });
  return startServer(config, createLogger(config.logLevel));
}

const USAGE = `bePaid simulator (plays bePaid toward a merchant: Alif Mobi account verification + notifications)

Options (environment variable in brackets):
  --port <n>                      listen port, default 4040                       [${ENV.port}]
  --host <addr>                   listen address, default 127.0.0.1               [${ENV.host}]
  --seed <n>                      seed of merchant ids and transaction uids, default 42 [${ENV.seed}]
  --private-key <path>            PEM RSA private key that signs notifications;
                                  default: a fresh 2048-bit key at every start    [${ENV.privateKeyPath}]
  --verification-timeout-ms <n>   the merchant's budget to answer, default 14000  [${ENV.verificationTimeoutMs}]
  --notification-timeout-ms <n>   wait for one notification answer, default 10000 [${ENV.notificationTimeoutMs}]
  --notification-attempts <n>     deliveries of a notification at most, default 4 [${ENV.notificationAttempts}]
  --notification-backoff-ms <list> waits before each retry, default 1000,5000,15000
                                  (the last one repeats)                          [${ENV.notificationBackoffMs}]
  --gateway-id <n>                payment.gateway_id in notifications, default 4040 [${ENV.gatewayId}]
  --log-level <level>             fatal|error|warn|info|debug|trace|silent        [${ENV.logLevel}]
`;

export function parseCli(argv: string[]): RawOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      'private-key': { type: 'string' },
      'verification-timeout-ms': { type: 'string' },
      'notification-timeout-ms': { type: 'string' },
      'notification-attempts': { type: 'string' },
      'notification-backoff-ms': { type: 'string' },
      'gateway-id': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  return {
    port: values.port,
    host: values.host,
    seed: values.seed,
    privateKeyPath: values['private-key'],
    verificationTimeoutMs: values['verification-timeout-ms'],
    notificationTimeoutMs: values['notification-timeout-ms'],
    notificationAttempts: values['notification-attempts'],
    notificationBackoffMs: values['notification-backoff-ms'],
    gatewayId: values['gateway-id'],
    logLevel: values['log-level'],
  };
}

if (isEntryPoint(import.meta.url)) {
  runSandbox({
    name: 'sandbox-bepaid',
    usage: USAGE,
    parseCli,
    resolve: (cli: RawOptions) => resolveConfig(mergeRaw(readEnv(), cli)),
    isConfigError: (err): err is ConfigError => err instanceof ConfigError,
    start: async (config) => {
      const logger = createLogger(config.logLevel);
      const sandbox = await startServer(config, logger);
      return { logger, close: () => sandbox.close() };
    },
  });
}
