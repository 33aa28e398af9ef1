/**
 * Entry point of the AccessBank sandbox bank (Berlin Group NextGenPSD2 1.3.11 AIS, redirect SCA).
 *
 *   node dist/apps/sandbox-accessbank/src/main.js --seed 42 [--size small|medium|N] [--port 4030]
 *
 * Also exports `startAccessBankSandbox(opts)` for in-process use (tests start it on port 0).
 */
import { parseArgs } from 'node:util';

import { isEntryPoint, runSandbox } from '../../sandbox-kit/src/entry.js';

import { ConfigError, ENV, mergeRaw, readEnv, resolveConfig, type RawOptions } from './config.js';
import { createLogger } from './logger.js';
import { startServer, type RunningSandbox } from './server.js';

export type { RunningSandbox } from './server.js';
export type { RawOptions as AccessBankSandboxOptions } from './config.js';

/**
 * Starts a sandbox in this process. Options override the built-in defaults (port 0 unless given);
 * the environment is ignored so that tests are not influenced by a developer's shell. Logging
 * defaults to `warn`.
 */
export async function startAccessBankSandbox(opts: RawOptions = {}): Promise<RunningSandbox> {
  const config = resolveConfig({ port: 0, logLevel: 'warn', ...opts });
  return startServer(config, createLogger(config.logLevel));
}

const USAGE = `AccessBank sandbox bank (Berlin Group NextGenPSD2 1.3.11 AIS, redirect SCA)

Options (environment variable in brackets):
  --port <n>              listen port, default 4030                  [${ENV.port}]
  --host <addr>           listen address, default 127.0.0.1          [${ENV.host}]
  --public-url <url>      base URL the PSU's browser reaches (scaRedirect),
                          default http://host:port                   [${ENV.publicUrl}]
  --seed <n>              data seed, default 42                      [${ENV.seed}]
  --size <s>              small | medium | <entries>, default small  [${ENV.size}]
  --today <date>          a fixed bank "today" (YYYY-MM-DD); default \`live\`: the real
                          date in Dushanbe (Asia/Dushanbe, UTC+5)    [${ENV.anchorDate}]
  --otp <digits>          the fixed SCA one-time code, default 123456 [${ENV.otp}]
  --page-size <n>         transactions per page, default 50          [${ENV.pageSize}]
  --max-frequency-per-day <n>  highest frequencyPerDay accepted, default 4
                                                                     [${ENV.maxFrequencyPerDay}]
  --max-consent-days <n>  longest consent validity, default 180      [${ENV.maxConsentDays}]
  --multiple-consents     keep a PSU's older recurring consents valid when a new one is
                          authorised (the standard expires them)     [${ENV.multipleConsents}]
  --require-signature     every /v1 request must be signed: Digest, Signature,
                          TPP-Signature-Certificate, Date            [${ENV.requireSignature}]
  --log-level <level>     fatal|error|warn|info|debug|trace|silent   [${ENV.logLevel}]
`;

export function parseCli(argv: string[]): RawOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'public-url': { type: 'string' },
      seed: { type: 'string' },
      size: { type: 'string' },
      today: { type: 'string' },
      otp: { type: 'string' },
      'page-size': { type: 'string' },
      'max-frequency-per-day': { type: 'string' },
      'max-consent-days': { type: 'string' },
      'multiple-consents': { type: 'boolean' },
      'require-signature': { type: 'boolean' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  return {
    port: values.port,
    host: values.host,
    publicUrl: values['public-url'],
    seed: values.seed,
    size: values.size,
    anchorDate: values.today,
    otp: values.otp,
    pageSize: values['page-size'],
    maxFrequencyPerDay: values['max-frequency-per-day'],
    maxConsentDays: values['max-consent-days'],
    multipleConsents: values['multiple-consents'],
    requireSignature: values['require-signature'],
    logLevel: values['log-level'],
  };
}

if (isEntryPoint(import.meta.url)) {
  runSandbox({
    name: 'sandbox-accessbank',
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
