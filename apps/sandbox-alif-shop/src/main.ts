/**
 * Entry point of the Alif Shop sandbox.
 *
 *   node dist/apps/sandbox-alif-shop/src/main.js --port 4020 --seed 42 [--today 2026-06-30]
 *
 * Also exports `startAlifShopSandbox(opts)` for in-process use (tests start it on port 0).
 */
import { parseArgs } from 'node:util';

import { isEntryPoint, runSandbox } from '../../sandbox-kit/src/entry.js';

import { ConfigError, ENV, mergeRaw, readEnv, resolveConfig, type RawOptions } from './config.js';
import { createLogger } from './logger.js';
import { startServer, type RunningSandbox } from './server.js';

export type { RunningSandbox } from './server.js';
export type { RawOptions as AlifShopSandboxOptions } from './config.js';

/**
 * Starts a sandbox in this process, on port 0 (any free port) unless one is given. Options
 * override the built-in defaults; the environment is ignored so that tests are not influenced by a
 * developer's shell. Logging defaults to `warn`.
 */
export async function startAlifShopSandbox(opts: RawOptions = {}): Promise<RunningSandbox> {
  const config = resolveConfig({ port: 0, logLevel: 'warn', ...opts });
  return startServer(config, createLogger(config.logLevel));
}

const USAGE = `Alif Shop sandbox (OTP login + instalment ledger, Pakistan)

Options (environment variable in brackets):
  --port <n>               listen port, default 4020                      [${ENV.port}]
  --host <addr>            listen address, default 127.0.0.1              [${ENV.host}]
  --seed <n>               data seed, default 42                          [${ENV.seed}]
  --size <s>               small | medium | <multiplier 1..100>           [${ENV.size}]
  --today <date>           a fixed "today" (YYYY-MM-DD, Asia/Karachi); default \`live\`:
                           the real date and time                         [${ENV.anchorDate}]
  --otp <digits>           the fixed sandbox one-time code, default 123456 [${ENV.otp}]
  --otp-ttl <s>            one-time code lifetime, default 300            [${ENV.otpTtlS}]
  --otp-attempts <n>       wrong codes before the lock, default 3         [${ENV.otpAttempts}]
  --access-token-ttl <s>   access-token lifetime (expires_in), default 1800 [${ENV.accessTokenTtlS}]
  --refresh-token-ttl <s>  refresh-token lifetime, default 2592000 (30 days) [${ENV.refreshTokenTtlS}]
  --max-per-page <n>       page-size cap, default 50                      [${ENV.maxPerPage}]
  --default-per-page <n>   page size without per_page, default 20         [${ENV.defaultPerPage}]
  --log-level <level>      fatal|error|warn|info|debug|trace|silent       [${ENV.logLevel}]
`;

export function parseCli(argv: string[]): RawOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      size: { type: 'string' },
      today: { type: 'string' },
      otp: { type: 'string' },
      'otp-ttl': { type: 'string' },
      'otp-attempts': { type: 'string' },
      'access-token-ttl': { type: 'string' },
      'refresh-token-ttl': { type: 'string' },
      'max-per-page': { type: 'string' },
      'default-per-page': { type: 'string' },
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
    size: values.size,
    anchorDate: values.today,
    otp: values.otp,
    otpTtlS: values['otp-ttl'],
    otpAttempts: values['otp-attempts'],
    accessTokenTtlS: values['access-token-ttl'],
    refreshTokenTtlS: values['refresh-token-ttl'],
    maxPerPage: values['max-per-page'],
    defaultPerPage: values['default-per-page'],
    logLevel: values['log-level'],
  };
}

if (isEntryPoint(import.meta.url)) {
  runSandbox({
    name: 'sandbox-alif-shop',
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
