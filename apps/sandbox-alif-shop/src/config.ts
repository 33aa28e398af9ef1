/**
 * Configuration of the Alif Shop sandbox. The only file of this app that reads `process.env`.
 *
 * Precedence for the CLI entry point: command-line flag > environment variable > default.
 * `startAlifShopSandbox(opts)` (tests, in-process use) takes explicit options over the defaults
 * and deliberately ignores the environment, so a developer's shell cannot change test data.
 */

import { mergeSettings, readEnvSettings } from '../../sandbox-kit/src/settings.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface SandboxConfig {
  port: number;
  host: string;
  seed: number;
  /** Activity multiplier (1 = `small`). */
  size: number;
  sizeLabel: string;
  /** The fixed "today" (Asia/Karachi date); undefined: a live clock on the real date. */
  anchorDate: string | undefined;
  otp: string;
  otpTtlS: number;
  otpAttempts: number;
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  maxPerPage: number;
  defaultPerPage: number;
  logLevel: LogLevel;
}

export const SIZE_PRESETS: Readonly<Record<string, number>> = { small: 1, medium: 10 };
const MAX_SIZE = 100;

export const DEFAULTS: SandboxConfig = {
  port: 4020,
  host: '127.0.0.1',
  seed: 42,
  size: 1,
  sizeLabel: 'small',
  anchorDate: undefined,
  otp: '123456',
  otpTtlS: 300,
  otpAttempts: 3,
  accessTokenTtlS: 1800,
  refreshTokenTtlS: 30 * 86_400,
  maxPerPage: 50,
  defaultPerPage: 20,
  logLevel: 'info',
};

/** Environment variables understood by the CLI entry point (documented in the README). */
export const ENV = {
  port: 'SANDBOX_ALIF_SHOP_PORT',
  host: 'SANDBOX_ALIF_SHOP_HOST',
  seed: 'SANDBOX_ALIF_SHOP_SEED',
  size: 'SANDBOX_ALIF_SHOP_SIZE',
  anchorDate: 'SANDBOX_ALIF_SHOP_TODAY',
  otp: 'SANDBOX_ALIF_SHOP_OTP',
  otpTtlS: 'SANDBOX_ALIF_SHOP_OTP_TTL',
  otpAttempts: 'SANDBOX_ALIF_SHOP_OTP_ATTEMPTS',
  accessTokenTtlS: 'SANDBOX_ALIF_SHOP_ACCESS_TOKEN_TTL',
  refreshTokenTtlS: 'SANDBOX_ALIF_SHOP_REFRESH_TOKEN_TTL',
  maxPerPage: 'SANDBOX_ALIF_SHOP_MAX_PER_PAGE',
  defaultPerPage: 'SANDBOX_ALIF_SHOP_DEFAULT_PER_PAGE',
  logLevel: 'SANDBOX_ALIF_SHOP_LOG_LEVEL',
} as const;

type Key = keyof typeof ENV;

/** Raw, unvalidated option values (strings from the CLI or the environment, or typed values). */
export type RawOptions = Partial<Record<Key, string | number>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid sandbox configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Validates raw options over the defaults, reporting every problem at once. */
export function resolveConfig(raw: RawOptions): SandboxConfig {
  const problems: string[] = [];
  const cfg: SandboxConfig = { ...DEFAULTS };
  const int = (key: Key, min: number, max: number, set: (n: number) => void): void => {
    const v = raw[key];
    if (v === undefined) return;
    const n = toInt(v);
    if (n === undefined || n < min || n > max)
      problems.push(`${key} must be an integer ${min}..${max} (got ${String(v)})`);
    else set(n);
  };

  int('port', 0, 65_535, (n) => (cfg.port = n));
  if (raw.host !== undefined) {
    const host = String(raw.host).trim();
    if (!host) problems.push('host must not be empty');
    else cfg.host = host;
  }
  int('seed', 0, 0xffffffff, (n) => (cfg.seed = n));
  if (raw.size !== undefined) {
    const label = String(raw.size).trim().toLowerCase();
    const n = SIZE_PRESETS[label] ?? toInt(label);
    if (n === undefined || n < 1 || n > MAX_SIZE)
      problems.push(
        `size must be ${Object.keys(SIZE_PRESETS).join('|')} or a multiplier 1..${MAX_SIZE} (got ${String(raw.size)})`,
      );
    else {
      cfg.size = n;
      cfg.sizeLabel = SIZE_PRESETS[label] === undefined ? String(n) : label;
    }
  }
  if (raw.anchorDate !== undefined && raw.anchorDate !== 'live') {
    const d = String(raw.anchorDate);
    if (!isIsoDate(d))
      problems.push(`anchorDate (today) must be a valid YYYY-MM-DD date or "live" (got ${d})`);
    else cfg.anchorDate = d;
  }
  if (raw.otp !== undefined) {
    if (!/^\d{4,8}$/.test(String(raw.otp))) problems.push('otp must be 4 to 8 digits');
    else cfg.otp = String(raw.otp);
  }
  int('otpTtlS', 1, 86_400, (n) => (cfg.otpTtlS = n));
  int('otpAttempts', 1, 20, (n) => (cfg.otpAttempts = n));
  int('accessTokenTtlS', 1, 86_400, (n) => (cfg.accessTokenTtlS = n));
  int('refreshTokenTtlS', 1, 365 * 86_400, (n) => (cfg.refreshTokenTtlS = n));
  int('maxPerPage', 1, 1_000, (n) => (cfg.maxPerPage = n));
  int('defaultPerPage', 1, 1_000, (n) => (cfg.defaultPerPage = n));
  if (cfg.defaultPerPage > cfg.maxPerPage)
    problems.push(`defaultPerPage (${cfg.defaultPerPage}) must not exceed maxPerPage (${cfg.maxPerPage})`);
  if (raw.logLevel !== undefined) {
    if (!(LOG_LEVELS as readonly string[]).includes(String(raw.logLevel)))
      problems.push(`logLevel must be one of ${LOG_LEVELS.join('|')}`);
    else cfg.logLevel = raw.logLevel as LogLevel;
  }
  if (problems.length) throw new ConfigError(problems);
  return cfg;
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

function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
