/**
 * Entry point of the Alif Mobi sandbox bank.
 *
 *   node dist/apps/sandbox-alif-mobi/src/main.js --seed 42 [--size small|medium|bench|N] [--port 4010]
 *
 * Also exports `startAlifMobiSandbox(opts)` for in-process use (tests start it on port 0).
 */
import { parseArgs } from 'node:util';

import { isEntryPoint, runSandbox } from '../../sandbox-kit/src/entry.js';

import { ConfigError, ENV, mergeRaw, readEnv, resolveConfig, type RawOptions } from './config.js';
import { createLogger } from './logger.js';
import { PROFILES } from './profiles.js';
import { startServer, type RunningSandbox } from './server.js';

export type { RunningSandbox } from './server.js';
export type { RawOptions as AlifMobiSandboxOptions } from './config.js';

/**
 * Starts a sandbox in this process. Options override the built-in defaults; the environment is
 * ignored so that tests are not influenced by a developer's shell. Logging defaults to `warn`.
 */
export async function startAlifMobiSandbox(opts: RawOptions = {}): Promise<RunningSandbox> {
  const config = resolveConfig({ logLevel: 'warn', ...opts });
  return startServer(config, createLogger(config.logLevel));
}

const USAGE = `Alif Mobi sandbox bank (OAuth2/OIDC + OBP v5.1.0)

Options (environment variable in brackets):
  --port <n>            listen port, default 4010              [${ENV.port}]
  --host <addr>         listen address, default 127.0.0.1      [${ENV.host}]
  --issuer <url>        public issuer URL (default http://host:port) [${ENV.issuer}]
  --seed <n>            data seed, default 42                  [${ENV.seed}]
  --size <s>            small | medium | bench | <postings>    [${ENV.size}]
  --bank-id <id>        OBP bank id, default alif.tj           [${ENV.bankId}]
  --today <date>        a fixed "today" (YYYY-MM-DD); default \`live\`: the real UTC date,
                        nothing completed after the real now is served [${ENV.anchorDate}]
  --otp <digits>        the fixed SCA one-time code, default 123456 [${ENV.otp}]
  --client-id, --client-secret, --redirect-uris <a,b>  the static OAuth client
                        [${ENV.clientId}, ${ENV.clientSecret}, ${ENV.redirectUris}]
  --client-auth-method <m>  client_secret_basic (default) | client_secret_post | private_key_jwt
                        [${ENV.clientAuthMethod}]
  --client-jwks <json>  the static client's public JWK set, for private_key_jwt [${ENV.clientJwks}]
  --profile <a,b>       deployment profiles: ${PROFILES.join(', ')}, or strict (all)
                        [${ENV.profiles}]
  --max-page-size <n>   cap transaction pages at n (default 25 with page-cap) [${ENV.maxPageSize}]
  --access-token-ttl <s>  access-token lifetime, default 3600 (20 with short-tokens)
                        [${ENV.accessTokenTtlS}]
  --strict-paging-source  read transaction paging only from headers on /VIEW_ID/transactions
                        [${ENV.strictPagingSource}]
  --log-level <level>   fatal|error|warn|info|debug|trace|silent [${ENV.logLevel}]
`;

export function parseCli(argv: string[]): RawOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      issuer: { type: 'string' },
      seed: { type: 'string' },
      size: { type: 'string' },
      'bank-id': { type: 'string' },
      today: { type: 'string' },
      otp: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'redirect-uris': { type: 'string' },
      'strict-paging-source': { type: 'boolean' },
      'client-auth-method': { type: 'string' },
      'client-jwks': { type: 'string' },
      profile: { type: 'string' },
      'max-page-size': { type: 'string' },
      'access-token-ttl': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  return {
    port: values.port,
    host: values.host,
    issuer: values.issuer,
    seed: values.seed,
    size: values.size,
    bankId: values['bank-id'],
    anchorDate: values.today,
    otp: values.otp,
    clientId: values['client-id'],
    clientSecret: values['client-secret'],
    redirectUris: values['redirect-uris'],
    strictPagingSource: values['strict-paging-source'],
    clientAuthMethod: values['client-auth-method'],
    clientJwks: values['client-jwks'],
    profiles: values.profile,
    maxPageSize: values['max-page-size'],
    accessTokenTtlS: values['access-token-ttl'],
    logLevel: values['log-level'],
  };
}

if (isEntryPoint(import.meta.url)) {
  runSandbox({
    name: 'sandbox-alif-mobi',
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
