/**
 * Configuration of the AccessBank sandbox. The only file of this app that reads `process.env`.
 *
 * Precedence for the CLI entry point: command-line flag > environment variable > default.
 * `startAccessBankSandbox(opts)` (tests, in-process use) takes explicit options over the defaults
 * and deliberately ignores the environment, so a developer's shell cannot change test data.
 */
import { isIsoDate } from './seed/dates.js';
import { mergeSettings, readEnvSettings } from '../../sandbox-kit/src/settings.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface SandboxConfig {
  port: number;
  host: string;
  /** Public base URL the PSU's browser reaches (the `scaRedirect` link); default http://host:port. */
  publicUrl: string | undefined;
  seed: number;
  /** Target number of random entries over the history (monthly fixed entries come on top). */
  size: number;
  sizeLabel: string;
  /** Fixed bank-local "today"; undefined: a live clock (today is the real date in Dushanbe). */
  anchorDate: string | undefined;
  otp: string;
  /** Entries per transaction page (booked, or pending when asked alone). */
  pageSize: number;
  /** The highest `frequencyPerDay` a consent may ask for (4 unless agreed otherwise). */
  maxFrequencyPerDay: number;
  /** The longest consent validity in days; later `validUntil` dates are shortened to it. */
  maxConsentDays: number;
  /** When false (the standard), authorising a recurring consent expires the PSU's older ones. */
  multipleConsents: boolean;
  /**
   * Every XS2A request must be signed (`Digest`, `Signature`, `TPP-Signature-Certificate`, `Date`),
   * as a bank that enforces the Berlin Group request signature.
   */
  requireSignature: boolean;
  logLevel: LogLevel;
}

export const SIZE_PRESETS: Readonly<Record<string, number>> = {
  small: 3_000,
  medium: 100_000,
};

export const DEFAULTS: SandboxConfig = {
  port: 4030,
  host: '127.0.0.1',
  publicUrl: undefined,
  seed: 42,
  size: SIZE_PRESETS.small!,
  sizeLabel: 'small',
  anchorDate: undefined,
  otp: '123456',
  pageSize: 50,
  maxFrequencyPerDay: 4,
  maxConsentDays: 180,
  multipleConsents: false,
  requireSignature: false,
  logLevel: 'info',
};

/** Environment variables understood by the CLI entry point (documented in the README). */
export const ENV = {
  port: 'SANDBOX_ACCESSBANK_PORT',
  host: 'SANDBOX_ACCESSBANK_HOST',
  publicUrl: 'SANDBOX_ACCESSBANK_PUBLIC_URL',
  seed: 'SANDBOX_ACCESSBANK_SEED',
  size: 'SANDBOX_ACCESSBANK_SIZE',
  anchorDate: 'SANDBOX_ACCESSBANK_TODAY',
  otp: 'SANDBOX_ACCESSBANK_OTP',
  pageSize: 'SANDBOX_ACCESSBANK_PAGE_SIZE',
  maxFrequencyPerDay: 'SANDBOX_ACCESSBANK_MAX_FREQUENCY_PER_DAY',
  maxConsentDays: 'SANDBOX_ACCESSBANK_MAX_CONSENT_DAYS',
  multipleConsents: 'SANDBOX_ACCESSBANK_MULTIPLE_CONSENTS',
  requireSignature: 'SANDBOX_ACCESSBANK_REQUIRE_SIGNATURE',
  logLevel: 'SANDBOX_ACCESSBANK_LOG_LEVEL',
} as const;

/** Raw, unvalidated option values (strings from the CLI or the environment, or typed values). */
export interface RawOptions {
  port?: string | number;
  host?: string;
  publicUrl?: string;
  seed?: string | number;
  size?: string | number;
  anchorDate?: string;
  otp?: string;
  pageSize?: string | number;
  maxFrequencyPerDay?: string | number;
  maxConsentDays?: string | number;
  multipleConsents?: string | boolean;
  requireSignature?: string | boolean;
  logLevel?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid sandbox configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MAX_SIZE = 5_000_000;

/** Validates raw options over the defaults, reporting every problem at once. */
export function resolveConfig(raw: RawOptions): SandboxConfig {
  const problems: string[] = [];
  const cfg: SandboxConfig = { ...DEFAULTS };
  const int = (
    key: 'port' | 'seed' | 'pageSize' | 'maxFrequencyPerDay' | 'maxConsentDays',
    min: number,
    max: number,
  ): void => {
    const v = raw[key];
    if (v === undefined) return;
    const n = toInt(v);
    if (n === undefined || n < min || n > max)
      problems.push(`${key} must be an integer ${min}..${max} (got ${String(v)})`);
    else cfg[key] = n;
  };
  int('port', 0, 65535);
  int('seed', 0, 0xffffffff);
  int('pageSize', 1, 1000);
  int('maxFrequencyPerDay', 1, 1000);
  int('maxConsentDays', 1, 3650);
  if (raw.host !== undefined) {
    if (!raw.host.trim()) problems.push('host must not be empty');
    else cfg.host = raw.host.trim();
  }
  if (raw.publicUrl !== undefined && raw.publicUrl !== '') {
    const u = raw.publicUrl.replace(/\/$/, '');
    if (!/^https?:\/\/[^/?#]+$/.test(u))
      problems.push(`publicUrl must be an http(s) origin without a path (got ${raw.publicUrl})`);
    else cfg.publicUrl = u;
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
  if (raw.anchorDate !== undefined && raw.anchorDate !== 'live') {
    if (!isIsoDate(raw.anchorDate))
      problems.push(`anchorDate (today) must be a valid YYYY-MM-DD date or "live" (got ${raw.anchorDate})`);
    else cfg.anchorDate = raw.anchorDate;
  }
  if (raw.otp !== undefined) {
    if (!/^\d{4,8}$/.test(raw.otp)) problems.push('otp must be 4 to 8 digits');
    else cfg.otp = raw.otp;
  }
  if (raw.multipleConsents !== undefined) {
    const b = toBool(raw.multipleConsents);
    if (b === undefined)
      problems.push(`multipleConsents must be true or false (got ${String(raw.multipleConsents)})`);
    else cfg.multipleConsents = b;
  }
  if (raw.requireSignature !== undefined) {
    const b = toBool(raw.requireSignature);
    if (b === undefined)
      problems.push(`requireSignature must be true or false (got ${String(raw.requireSignature)})`);
    else cfg.requireSignature = b;
  }
  if (raw.logLevel !== undefined) {
    if (!(LOG_LEVELS as readonly string[]).includes(raw.logLevel))
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

function toBool(v: string | boolean): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (/^(true|1|yes)$/i.test(v)) return true;
  if (/^(false|0|no)$/i.test(v)) return false;
  return undefined;
}
