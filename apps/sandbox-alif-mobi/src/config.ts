/**
 * Configuration of the Alif Mobi sandbox. The only file of this app that reads `process.env`.
 *
 * Precedence for the CLI entry point: command-line flag > environment variable > default.
 * `startAlifMobiSandbox(opts)` (tests, in-process use) takes explicit options over the defaults
 * and deliberately ignores the environment, so a developer's shell cannot change test data.
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface OAuthClientConfig {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  clientName?: string;
}

export interface SandboxConfig {
  port: number;
  host: string;
  /** Public issuer URL; derived from host and the bound port when not set. */
  issuer: string | undefined;
  seed: number;
  /** Target number of postings generated over the two-year history. */
  size: number;
  sizeLabel: string;
  bankId: string;
  /** The sandbox's "today" (UTC date). History covers the 730 days ending on it. */
  anchorDate: string;
  otp: string;
  clients: OAuthClientConfig[];
  /** When true, `/VIEW_ID/transactions` reads paging only from headers, exactly like OBP. */
  strictPagingSource: boolean;
  logLevel: LogLevel;
}

export const SIZE_PRESETS: Readonly<Record<string, number>> = {
  small: 4_000,
  medium: 100_000,
  bench: 1_000_000,
};

export const DEFAULT_CLIENT: OAuthClientConfig = {
  clientId: 'hisob',
  clientSecret: 'hisob-sandbox-secret',
  redirectUris: ['http://localhost:3000/v1/consents/callback', 'http://127.0.0.1:3000/v1/consents/callback'],
  clientName: 'Hisob',
};

export const DEFAULTS: SandboxConfig = {
  port: 4010,
  host: '127.0.0.1',
  issuer: undefined,
  seed: 42,
  size: SIZE_PRESETS.small,
  sizeLabel: 'small',
  bankId: 'alif.tj',
  anchorDate: '2026-06-30',
  otp: '123456',
  clients: [DEFAULT_CLIENT],
  strictPagingSource: false,
  logLevel: 'info',
};

/** Environment variables understood by the CLI entry point (documented in the README). */
export const ENV = {
  port: 'SANDBOX_ALIF_MOBI_PORT',
  host: 'SANDBOX_ALIF_MOBI_HOST',
  issuer: 'SANDBOX_ALIF_MOBI_ISSUER',
  seed: 'SANDBOX_ALIF_MOBI_SEED',
  size: 'SANDBOX_ALIF_MOBI_SIZE',
  bankId: 'SANDBOX_ALIF_MOBI_BANK_ID',
  anchorDate: 'SANDBOX_ALIF_MOBI_TODAY',
  otp: 'SANDBOX_ALIF_MOBI_OTP',
  clientId: 'SANDBOX_ALIF_MOBI_CLIENT_ID',
  clientSecret: 'SANDBOX_ALIF_MOBI_CLIENT_SECRET',
  redirectUris: 'SANDBOX_ALIF_MOBI_REDIRECT_URIS',
  strictPagingSource: 'SANDBOX_ALIF_MOBI_STRICT_PAGING_SOURCE',
  logLevel: 'SANDBOX_ALIF_MOBI_LOG_LEVEL',
} as const;

/** Raw, unvalidated option values (strings from the CLI or the environment, or typed values). */
export interface RawOptions {
  port?: string | number;
  host?: string;
  issuer?: string;
  seed?: string | number;
  size?: string | number;
  bankId?: string;
  anchorDate?: string;
  otp?: string;
  clientId?: string;
  clientSecret?: string;
  redirectUris?: string | string[];
  clients?: OAuthClientConfig[];
  strictPagingSource?: string | boolean;
  logLevel?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid sandbox configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MAX_SIZE = 20_000_000;

/** Validates raw options over the defaults, reporting every problem at once. */
export function resolveConfig(raw: RawOptions): SandboxConfig {
  const problems: string[] = [];
  const cfg: SandboxConfig = { ...DEFAULTS, clients: DEFAULTS.clients.map((c) => ({ ...c })) };

  if (raw.port !== undefined) {
    const port = toInt(raw.port);
    if (port === undefined || port < 0 || port > 65535)
      problems.push(`port must be an integer 0..65535 (got ${String(raw.port)})`);
    else cfg.port = port;
  }
  if (raw.host !== undefined) {
    if (!raw.host.trim()) problems.push('host must not be empty');
    else cfg.host = raw.host.trim();
  }
  if (raw.issuer !== undefined && raw.issuer !== '') {
    if (!/^https?:\/\/[^/]+$/.test(raw.issuer.replace(/\/$/, '')))
      problems.push(`issuer must be an http(s) origin without a path (got ${raw.issuer})`);
    else cfg.issuer = raw.issuer.replace(/\/$/, '');
  }
  if (raw.seed !== undefined) {
    const seed = toInt(raw.seed);
    if (seed === undefined || seed < 0 || seed > 0xffffffff)
      problems.push(`seed must be an integer 0..4294967295 (got ${String(raw.seed)})`);
    else cfg.seed = seed;
  }
  if (raw.size !== undefined) {
    const label = String(raw.size).trim().toLowerCase();
    const preset = SIZE_PRESETS[label];
    const n = preset ?? toInt(label.replace(/_/g, ''));
    if (n === undefined || n < 0 || n > MAX_SIZE) {
      problems.push(
        `size must be one of ${Object.keys(SIZE_PRESETS).join('|')} or an integer 0..${MAX_SIZE} (got ${String(raw.size)})`,
      );
    } else {
      cfg.size = n;
      cfg.sizeLabel = preset === undefined ? String(n) : label;
    }
  }
  if (raw.bankId !== undefined) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(raw.bankId))
      problems.push(`bankId must match [A-Za-z0-9._-]{1,64} (got ${raw.bankId})`);
    else cfg.bankId = raw.bankId;
  }
  if (raw.anchorDate !== undefined) {
    if (!isIsoDate(raw.anchorDate))
      problems.push(`anchorDate (today) must be a valid YYYY-MM-DD date (got ${raw.anchorDate})`);
    else cfg.anchorDate = raw.anchorDate;
  }
  if (raw.otp !== undefined) {
    if (!/^\d{4,8}$/.test(raw.otp)) problems.push('otp must be 4 to 8 digits');
    else cfg.otp = raw.otp;
  }
  if (raw.clients !== undefined) {
    cfg.clients = raw.clients.map((c) => ({ ...c, redirectUris: [...c.redirectUris] }));
  } else if (raw.clientId !== undefined || raw.clientSecret !== undefined || raw.redirectUris !== undefined) {
    const uris =
      raw.redirectUris === undefined
        ? DEFAULT_CLIENT.redirectUris
        : (Array.isArray(raw.redirectUris) ? raw.redirectUris : raw.redirectUris.split(','))
            .map((u) => u.trim())
            .filter(Boolean);
    cfg.clients = [
      {
        clientId: raw.clientId ?? DEFAULT_CLIENT.clientId,
        clientSecret: raw.clientSecret ?? DEFAULT_CLIENT.clientSecret,
        redirectUris: uris,
        clientName: DEFAULT_CLIENT.clientName,
      },
    ];
  }
  for (const c of cfg.clients) problems.push(...validateClient(c));
  if (raw.strictPagingSource !== undefined) {
    const b = toBool(raw.strictPagingSource);
    if (b === undefined)
      problems.push(`strictPagingSource must be true or false (got ${String(raw.strictPagingSource)})`);
    else cfg.strictPagingSource = b;
  }
  if (raw.logLevel !== undefined) {
    if (!(LOG_LEVELS as readonly string[]).includes(raw.logLevel))
      problems.push(`logLevel must be one of ${LOG_LEVELS.join('|')}`);
    else cfg.logLevel = raw.logLevel as LogLevel;
  }

  if (problems.length) throw new ConfigError(problems);
  return cfg;
}

/** Validation shared with `POST /__sandbox/clients`. Returns a list of problems (empty when valid). */
export function validateClient(c: OAuthClientConfig): string[] {
  const problems: string[] = [];
  if (!c.clientId || !/^[\x21-\x7e]{1,128}$/.test(c.clientId))
    problems.push('client_id must be 1..128 printable ASCII characters');
  if (!c.clientSecret || c.clientSecret.length < 8 || c.clientSecret.length > 256)
    problems.push('client_secret must be 8..256 characters');
  if (!Array.isArray(c.redirectUris) || c.redirectUris.length === 0)
    problems.push('redirect_uris must be a non-empty array');
  else {
    for (const u of c.redirectUris) {
      let ok = false;
      try {
        const url = new URL(u);
        ok = (url.protocol === 'http:' || url.protocol === 'https:') && !url.hash;
      } catch {
        ok = false;
      }
      if (!ok)
        problems.push(`redirect_uri ${JSON.stringify(u)} must be an absolute http(s) URL without a fragment`);
    }
  }
  return problems;
}

/** Reads the environment (the only `process.env` access of the app) into raw options. */
export function readEnv(env: NodeJS.ProcessEnv = process.env): RawOptions {
  const pick = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const raw: RawOptions = {
    port: pick(ENV.port),
    host: pick(ENV.host),
    issuer: pick(ENV.issuer),
    seed: pick(ENV.seed),
    size: pick(ENV.size),
    bankId: pick(ENV.bankId),
    anchorDate: pick(ENV.anchorDate),
    otp: pick(ENV.otp),
    clientId: pick(ENV.clientId),
    clientSecret: pick(ENV.clientSecret),
    redirectUris: pick(ENV.redirectUris),
    strictPagingSource: pick(ENV.strictPagingSource),
    logLevel: pick(ENV.logLevel),
  };
  return dropUndefined(raw);
}

export function mergeRaw(...layers: RawOptions[]): RawOptions {
  return Object.assign({}, ...layers.map(dropUndefined)) as RawOptions;
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function toInt(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  return /^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined;
}

function toBool(v: string | boolean): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (/^(true|1|yes)$/i.test(v)) return true;
  if (/^(false|0|no)$/i.test(v)) return false;
  return undefined;
}

function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
