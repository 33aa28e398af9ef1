import { Keyring } from '#crypto/keyring.js';
import { PROVIDER_DEFINITIONS, providerConfigSpec } from '#connectors/providers.js';
import { bool, cleanEnv, num, port, str, url, makeValidator, type CleanedEnv } from 'envalid';

/**
 * The one place that reads `process.env`. Each app takes the slice it needs; envalid reports every
 * problem at once (a missing key and a bad URL in the same boot), never one per restart.
 */

/** `HISOB_ENCRYPTION_KEY`: `kid:<base64 of 32 bytes>[,kid:<…>]`; the first key encrypts, all decrypt. */
const keyring = makeValidator<string>((value) => {
  Keyring.parse(value); // throws InvalidKeyring naming the bad entry, never the key material
  return value;
});

/** A whole number of days, 0 or more (`HISOB_SYNC_HISTORY_DAYS`). */
const wholeDays = makeValidator<number>((value) => {
  if (!/^\d+$/.test(value.trim())) throw new Error('must be a whole number of days, 0 or more');
  return Number(value);
});

/** How a provider's bank tokens are refreshed (`HISOB_TOKEN_REFRESH_<PROVIDER>`). */
export const TOKEN_REFRESH_POLICIES = ['ahead', 'at_sync'] as const;
export type TokenRefreshPolicy = (typeof TOKEN_REFRESH_POLICIES)[number];

const tokenRefreshPolicy = makeValidator<TokenRefreshPolicy>((value) => {
  const policy = value.trim();
  if (!(TOKEN_REFRESH_POLICIES as readonly string[]).includes(policy))
    throw new Error(
      `must be 'ahead' (a refresh job before each access token expires) or 'at_sync' (refreshed when a sync needs it), not '${value}'`,
    );
  return policy as TokenRefreshPolicy;
});

const DEV_ADMIN_TOKEN = 'hisob-dev-admin-token';
const DEV_ENCRYPTION_KEY = 'dev1:ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzItYnl0ZSE=';
/** Printed by `npm start` and written in the README: anyone can use it. */
export const PUBLIC_DEMO_API_KEY = 'hsb_demo0000000000000000_sandboxdemokeysandboxdemokey0000';

/** `alif-mobi` → `ALIF_MOBI`, the provider's part of a per-provider variable's name. */
const providerVarName = (provider: string) => provider.toUpperCase().replace(/[^A-Z0-9]+/g, '_');

/** `alif-mobi` → `HISOB_TOKEN_REFRESH_ALIF_MOBI`. */
export const providerTokenRefreshVar = (provider: string) =>
  `HISOB_TOKEN_REFRESH_${providerVarName(provider)}`;

/**
 * Each provider's token refresh policy, read by the API (which schedules the first refresh after
 * an authorisation) and the worker alike, so both refuse a bad value at boot:
 * - `ahead` (default): a job refreshes every active consent's access token shortly before it
 *   expires, whether or not a sync follows: needed where refresh tokens lapse quickly (they
 *   rotate within minutes, or the bank drops them after an idle time);
 * - `at_sync`: no refresh jobs; a sync refreshes the token it needs (expired or about to, or
 *   refused by the bank), at most one refresh per sync. Only for refresh tokens that outlive the
 *   sync cadence.
 */
const providerTokenRefreshSpec = Object.fromEntries(
  PROVIDER_DEFINITIONS.map((d) => [providerTokenRefreshVar(d.id), tokenRefreshPolicy({ default: 'ahead' })]),
) as Record<string, ReturnType<typeof tokenRefreshPolicy>>;

const commonSpec = {
  ...providerTokenRefreshSpec,
  /**
   * Unset means production: a deployment that forgot the variable refuses the development
   * secrets instead of running with them. `npm start`, the CLI, compose and the tests set it.
   */
  NODE_ENV: str({ choices: ['development', 'test', 'production'], default: 'production' }),
  HISOB_LOG_LEVEL: str({
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
  }),
  DATABASE_URL: url({ default: 'postgres://postgres:postgres@127.0.0.1:5432/hisob' }),
  HISOB_DB_POOL_SIZE: num({ default: 10 }),
  REDIS_URL: url({ default: 'redis://127.0.0.1:6379' }),
  HISOB_REDIS_PREFIX: str({ default: 'hisob' }),
  HISOB_ENCRYPTION_KEY: keyring({ default: DEV_ENCRYPTION_KEY }),
  HISOB_RETENTION_DAYS: num({ default: 30 }),
  HISOB_PUBLIC_URL: url({ default: 'http://localhost:3000' }),
  HISOB_BANK_TIMEOUT_MS: num({ default: 15000 }),
  /**
   * Webhook URLs may point at loopback, private, link-local and other non-public addresses. Only
   * for local sandboxes and tests (receivers on 127.0.0.1); refused in production.
   */
  HISOB_ALLOW_PRIVATE_WEBHOOKS: bool({ default: false }),
};

/** Each provider's own variables (`ALIF_MOBI_*`, …), declared in its definition. */
const providerSpec = providerConfigSpec();

/** The provider variables, as the connectors' factories read them. */
export type ProviderEnv = Readonly<Record<string, unknown>>;

const apiSpec = {
  ...commonSpec,
  HISOB_API_HOST: str({ default: '127.0.0.1' }),
  HISOB_API_PORT: port({ default: 3000 }),
  HISOB_ADMIN_TOKEN: str({ default: DEV_ADMIN_TOKEN }),
  HISOB_BODY_LIMIT_BYTES: num({ default: 1_048_576 }),
  HISOB_DOCS_ENABLED: bool({ default: true }),
  /**
   * The demo client's key, created by `npm start` (`demo seed`). Outside production it defaults to
   * the public sandbox key; in production it is empty (no demo client) and the public key is refused.
   */
  HISOB_DEMO_API_KEY: str({ default: '', devDefault: PUBLIC_DEMO_API_KEY }),
};

/** `alif-mobi` → `HISOB_WORKER_CONCURRENCY_ALIF_MOBI`. */
export const providerConcurrencyVar = (provider: string) =>
  `HISOB_WORKER_CONCURRENCY_${providerVarName(provider)}`;

/**
 * Each provider's own cap on the syncs one worker process runs at once against its bank (each
 * bank has its own limits); 0 = no cap of its own, only HISOB_WORKER_CONCURRENCY.
 */
const providerConcurrencySpec = Object.fromEntries(
  PROVIDER_DEFINITIONS.map((d) => [providerConcurrencyVar(d.id), num({ default: 0 })]),
) as Record<string, ReturnType<typeof num>>;

const workerSpec = {
  ...commonSpec,
  ...providerConcurrencySpec,
  /** Sync jobs (one per consent's sync) one worker process runs at once, every provider together. */
  HISOB_WORKER_CONCURRENCY: num({ default: 4 }),
  /**
   * A consent's sync is one job that reads its accounts in turn, up to this many accounts; a
   * consent with more fans out one job per account (spread over the worker slots). 0 = always.
   */
  HISOB_SYNC_INLINE_ACCOUNTS: num({ default: 8 }),
  /** Job lock (and stalled check) in ms: a crashed worker's jobs are taken over after about twice this. */
  HISOB_JOB_LOCK_MS: num({ default: 30_000 }),
  HISOB_SYNC_INTERVAL_MINUTES: num({ default: 360 }),
  /**
   * Sync jobs waiting to run (all workers together) at which the scheduler starts no more
   * scheduled syncs in a tick: under a backlog the due consents wait in PostgreSQL, where the next
   * tick takes the longest overdue first, instead of piling up in Redis. 0 = no limit.
   */
  HISOB_SCHEDULE_MAX_WAITING: num({ default: 20_000 }),
  /** Days before the newest stored booking date that an incremental sync reads again (late postings). */
  HISOB_SYNC_OVERLAP_DAYS: num({ default: 7 }),
  /** Hours between two re-validation passes of each provider (drift report, `/metrics`); 0 = off. */
  HISOB_REVALIDATE_INTERVAL_HOURS: num({ default: 24 }),
  /**
   * How often the sweeps that find work whose job was lost run — the lifecycle sweeper and the
   * webhook outbox sweep — and how old the work must be before they look (one sweep). Tests
   * shorten it; production keeps the minute.
   */
  HISOB_LIFECYCLE_SWEEP_MS: num({ default: 60_000 }),
  /**
   * Days a finished sync (`succeeded`, `failed`) is kept after its `finished_at`; older ones are
   * deleted by the maintenance queue (`GET /v1/syncs/{id}` then answers 404). 0 = never pruned
   * (kept until the consent's purge).
   * Whole days: at least a day, so a sync outlives its webhooks' retries (24 h) and the replay of
   * the Idempotency-Key that started it (24 h), both of which name its id.
   */
  HISOB_SYNC_HISTORY_DAYS: wholeDays({ default: 30 }),
  /**
   * TEST ONLY (refused in production): `<point>:<n>` makes the worker SIGKILL itself the n-th time
   * it reaches a crash point of the sync engine (see libs/sync/src/crash-point.ts). Empty = inert.
   */
  HISOB_TEST_CRASH_AT: str({ default: '' }),
};

export type ApiEnv = CleanedEnv<typeof apiSpec> & ProviderEnv;
export type WorkerEnv = CleanedEnv<typeof workerSpec> & ProviderEnv;
export type CommonEnv = CleanedEnv<typeof commonSpec> & ProviderEnv;

/** Thrown at boot with every invalid variable listed. */
export class ConfigError extends Error {
  constructor(readonly problems: Record<string, string>) {
    super(
      'Invalid configuration:\n' +
        Object.entries(problems)
          .map(([k, v]) => `  ${k}: ${v}`)
          .join('\n'),
    );
  }
}

function clean<S extends Record<string, unknown>>(spec: S, env: NodeJS.ProcessEnv): CleanedEnv<S> {
  let problems: Record<string, string> = {};
  const cleaned = cleanEnv(env, { ...providerSpec, ...spec } as never, {
    reporter: ({ errors }) => {
      problems = Object.fromEntries(Object.entries(errors).map(([k, e]) => [k, (e as Error).message]));
    },
  }) as CleanedEnv<S>;
  const c = { ...cleaned } as unknown as CommonEnv & Partial<ApiEnv>;
  // Invalid values and production hazards are reported together: one boot, one list.
  const production = (c.NODE_ENV ?? 'production') === 'production';
  if (production) Object.assign(problems, productionProblems(c));
  Object.assign(problems, cadenceProblems(c as Partial<WorkerEnv>, production));
  Object.assign(problems, providerProblems(c, problems));
  if (Object.keys(problems).length) throw new ConfigError(problems);
  // A plain frozen object, not envalid's strict proxy (which throws when DI probes `.constructor`).
  return Object.freeze(c) as unknown as CleanedEnv<S>;
}

/** What a production process must not run with: development secrets, public keys, open doors. */
function productionProblems(c: Partial<CommonEnv & ApiEnv>): Record<string, string> {
  const problems: Record<string, string> = {};
  if (c.HISOB_ENCRYPTION_KEY === DEV_ENCRYPTION_KEY)
    problems.HISOB_ENCRYPTION_KEY = 'the development key cannot be used in production';
  if ('HISOB_ADMIN_TOKEN' in c && c.HISOB_ADMIN_TOKEN === DEV_ADMIN_TOKEN)
    problems.HISOB_ADMIN_TOKEN = 'the development token cannot be used in production';
  if ('HISOB_DEMO_API_KEY' in c && c.HISOB_DEMO_API_KEY === PUBLIC_DEMO_API_KEY)
    problems.HISOB_DEMO_API_KEY =
      'the public demo API key cannot be used in production (leave it empty: no demo client)';
  if (c.HISOB_ALLOW_PRIVATE_WEBHOOKS === true)
    problems.HISOB_ALLOW_PRIVATE_WEBHOOKS = 'webhooks to private addresses cannot be allowed in production';
  if ('HISOB_TEST_CRASH_AT' in c && (c as Partial<WorkerEnv>).HISOB_TEST_CRASH_AT)
    problems.HISOB_TEST_CRASH_AT = 'the test crash hook cannot be set in production';
  return problems;
}

/** Each provider's own checks of its variables together (those envalid already refused aside). */
function providerProblems(
  c: Readonly<Record<string, unknown>>,
  known: Readonly<Record<string, string>>,
): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const d of PROVIDER_DEFINITIONS) {
    if (!d.validate) continue;
    const names = Object.keys(d.config);
    if (names.some((k) => k in known)) continue;
    Object.assign(problems, d.validate(Object.fromEntries(names.map((k) => [k, c[k]]))));
  }
  return problems;
}

/**
 * The least `HISOB_SYNC_INTERVAL_MINUTES` production accepts. Outside production a fraction of a
 * minute is allowed, down to a second, for tests and the fleet simulation's accelerated cadence.
 */
export const MIN_PRODUCTION_SYNC_INTERVAL_MINUTES = 1;

/** The scheduled-sync cadence: a positive number of minutes, fractions below one only outside production. */
function cadenceProblems(c: Partial<WorkerEnv>, production: boolean): Record<string, string> {
  if (!('HISOB_SYNC_INTERVAL_MINUTES' in c) || c.HISOB_SYNC_INTERVAL_MINUTES === undefined) return {};
  const minutes = c.HISOB_SYNC_INTERVAL_MINUTES;
  if (!(Number.isFinite(minutes) && minutes * 60 >= 1))
    return { HISOB_SYNC_INTERVAL_MINUTES: 'must be a number of minutes of at least 1/60 (a second)' };
  if (production && minutes < MIN_PRODUCTION_SYNC_INTERVAL_MINUTES)
    return {
      HISOB_SYNC_INTERVAL_MINUTES: `below ${MIN_PRODUCTION_SYNC_INTERVAL_MINUTES} minute cannot be used in production (fractions are for simulations)`,
    };
  return {};
}

export const loadApiConfig = (env: NodeJS.ProcessEnv = process.env): ApiEnv => clean(apiSpec, env);
export const loadWorkerConfig = (env: NodeJS.ProcessEnv = process.env): WorkerEnv => clean(workerSpec, env);

/** The worker's cap on concurrent syncs of `provider` (its own variable, else the worker's). */
export function providerConcurrency(config: WorkerEnv, provider: string): number {
  const own = Number((config as Record<string, unknown>)[providerConcurrencyVar(provider)] ?? 0);
  return own > 0 ? Math.min(own, config.HISOB_WORKER_CONCURRENCY) : config.HISOB_WORKER_CONCURRENCY;
}
/** The token refresh policy of `provider` (`HISOB_TOKEN_REFRESH_<PROVIDER>`, default `ahead`). */
export function providerTokenRefresh(config: CommonEnv, provider: string): TokenRefreshPolicy {
  const policy = (config as Record<string, unknown>)[providerTokenRefreshVar(provider)];
  return policy === 'at_sync' ? 'at_sync' : 'ahead';
}

/** The providers whose tokens are refreshed only when a sync needs them. */
export const providersRefreshingAtSync = (config: CommonEnv): string[] =>
  PROVIDER_DEFINITIONS.map((d) => d.id).filter((p) => providerTokenRefresh(config, p) === 'at_sync');

export const loadCommonConfig = (env: NodeJS.ProcessEnv = process.env): CommonEnv => clean(commonSpec, env);

/** Nest injection token for the app's validated config object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
