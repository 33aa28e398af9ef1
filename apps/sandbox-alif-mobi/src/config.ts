/**
 * Configuration of the Alif Mobi sandbox. The only file of this app that reads `process.env`.
 *
 * Precedence for the CLI entry point: command-line flag > environment variable > default.
 * `startAlifMobiSandbox(opts)` (tests, in-process use) takes explicit options over the defaults
 * and deliberately ignores the environment, so a developer's shell cannot change test data.
 */

import {
  PAGE_CAP_DEFAULT,
  PROFILES,
  SHORT_TOKEN_TTL_DEFAULT,
  STRICT,
  parseProfiles,
  type Profile,
} from './profiles.js';
import { mergeSettings, readEnvSettings } from '../../sandbox-kit/src/settings.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Token-endpoint client authentication methods the authorisation server enforces. */
export const TOKEN_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_AUTH_METHODS)[number];

/** A public JWK set (`private_key_jwt` clients). */
export interface Jwks {
  keys: Array<Record<string, unknown>>;
}

export interface OAuthClientConfig {
  clientId: string;
  /** Required unless the method is `private_key_jwt`. */
  clientSecret?: string;
  redirectUris: string[];
  clientName?: string;
  /** Default `client_secret_basic`. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /** The client's public keys, for `private_key_jwt`. */
  jwks?: Jwks;
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
  /**
   * The sandbox's fixed "today" (UTC date); history covers the 730 days ending on it. Undefined:
   * a live clock, today is the real current UTC date and no entry completed after now is served.
   */
  anchorDate: string | undefined;
  otp: string;
  clients: OAuthClientConfig[];
  /** When true, `/VIEW_ID/transactions` reads paging only from headers, exactly like OBP. */
  strictPagingSource: boolean;
  /** Active deployment profiles (see profiles.ts), in canonical order. */
  profiles: Profile[];
  /** `limit` is silently capped at this many transactions per page; undefined: no cap. */
  maxPageSize: number | undefined;
  /** Access-token lifetime in seconds. */
  accessTokenTtlS: number;
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
  anchorDate: undefined,
  otp: '123456',
  clients: [DEFAULT_CLIENT],
  strictPagingSource: false,
  profiles: [],
  maxPageSize: undefined,
  accessTokenTtlS: 3600,
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
  profiles: 'SANDBOX_ALIF_MOBI_PROFILE',
  maxPageSize: 'SANDBOX_ALIF_MOBI_MAX_PAGE_SIZE',
  accessTokenTtlS: 'SANDBOX_ALIF_MOBI_ACCESS_TOKEN_TTL',
  clientAuthMethod: 'SANDBOX_ALIF_MOBI_CLIENT_AUTH_METHOD',
  clientJwks: 'SANDBOX_ALIF_MOBI_CLIENT_JWKS',
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
  /** The static client's token-endpoint auth method. */
  clientAuthMethod?: string;
  /** The static client's public JWK set (`private_key_jwt`): an object, or its JSON text. */
  clientJwks?: string | Jwks;
  clients?: OAuthClientConfig[];
  strictPagingSource?: string | boolean;
  /** Deployment profiles: names (array or comma-separated), or `strict` for all. */
  profiles?: string | string[];
  /** Caps `limit` on the transaction endpoints (default 25 with the `page-cap` profile). */
  maxPageSize?: string | number;
  /** Access-token lifetime in seconds (default 3600; 20 with the `short-tokens` profile). */
  accessTokenTtlS?: string | number;
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
  if (raw.anchorDate !== undefined && raw.anchorDate !== 'live') {
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
  } else if (
    raw.clientId !== undefined ||
    raw.clientSecret !== undefined ||
    raw.redirectUris !== undefined ||
    raw.clientAuthMethod !== undefined ||
    raw.clientJwks !== undefined
  ) {
    const uris =
      raw.redirectUris === undefined
        ? DEFAULT_CLIENT.redirectUris
        : (Array.isArray(raw.redirectUris) ? raw.redirectUris : raw.redirectUris.split(','))
            .map((u) => u.trim())
            .filter(Boolean);
    const client: OAuthClientConfig = {
      clientId: raw.clientId ?? DEFAULT_CLIENT.clientId,
      clientSecret: raw.clientSecret ?? DEFAULT_CLIENT.clientSecret,
      redirectUris: uris,
      clientName: DEFAULT_CLIENT.clientName,
    };
    if (raw.clientAuthMethod !== undefined)
      client.tokenEndpointAuthMethod = raw.clientAuthMethod as TokenEndpointAuthMethod;
    if (raw.clientJwks !== undefined) {
      if (typeof raw.clientJwks === 'string') {
        try {
          client.jwks = JSON.parse(raw.clientJwks) as Jwks;
        } catch {
          problems.push('clientJwks must be a JSON JWK set {"keys":[…]}');
        }
      } else client.jwks = raw.clientJwks;
    }
    if (client.tokenEndpointAuthMethod === 'private_key_jwt' && raw.clientSecret === undefined)
      delete client.clientSecret;
    cfg.clients = [client];
  }
  for (const c of cfg.clients) problems.push(...validateClient(c));
  if (raw.strictPagingSource !== undefined) {
    const b = toBool(raw.strictPagingSource);
    if (b === undefined)
      problems.push(`strictPagingSource must be true or false (got ${String(raw.strictPagingSource)})`);
    else cfg.strictPagingSource = b;
  }
  if (raw.profiles !== undefined) {
    const { profiles, unknown } = parseProfiles(raw.profiles);
    if (unknown.length)
      problems.push(
        `unknown profile ${unknown.map((u) => JSON.stringify(u)).join(', ')} (known: ${[...PROFILES, STRICT].join(', ')})`,
      );
    else cfg.profiles = profiles;
  }
  if (cfg.profiles.includes('page-cap')) cfg.maxPageSize = PAGE_CAP_DEFAULT;
  if (cfg.profiles.includes('short-tokens')) cfg.accessTokenTtlS = SHORT_TOKEN_TTL_DEFAULT;
  if (cfg.profiles.includes('nginx') && raw.strictPagingSource === undefined) cfg.strictPagingSource = true;
  if (raw.maxPageSize !== undefined) {
    const n = toInt(raw.maxPageSize);
    if (n === undefined || n < 1 || n > 1_000_000)
      problems.push(`maxPageSize must be an integer 1..1000000 (got ${String(raw.maxPageSize)})`);
    else cfg.maxPageSize = n;
  }
  if (raw.accessTokenTtlS !== undefined) {
    const n = toInt(raw.accessTokenTtlS);
    if (n === undefined || n < 1 || n > 86_400)
      problems.push(`accessTokenTtlS must be an integer 1..86400 (got ${String(raw.accessTokenTtlS)})`);
    else cfg.accessTokenTtlS = n;
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
  const method = c.tokenEndpointAuthMethod ?? 'client_secret_basic';
  if (!(TOKEN_AUTH_METHODS as readonly string[]).includes(method))
    problems.push(
      `token_endpoint_auth_method must be one of ${TOKEN_AUTH_METHODS.join('|')} (got ${method})`,
    );
  if (method === 'private_key_jwt') {
    const keys = c.jwks?.keys;
    if (!Array.isArray(keys) || keys.length === 0)
      problems.push('private_key_jwt needs jwks: a public JWK set {"keys":[…]}');
    else if (keys.some((k) => typeof k !== 'object' || k === null || typeof k.kty !== 'string'))
      problems.push('every jwks key must be a JWK object with kty');
    else if (keys.some((k) => 'd' in k)) problems.push('jwks must hold public keys only (no "d")');
    if (c.clientSecret !== undefined && (c.clientSecret.length < 8 || c.clientSecret.length > 256))
      problems.push('client_secret must be 8..256 characters');
  } else if (!c.clientSecret || c.clientSecret.length < 8 || c.clientSecret.length > 256)
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
  return readEnvSettings(ENV, env);
}

export function mergeRaw(...layers: RawOptions[]): RawOptions {
  return mergeSettings(...layers);
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
