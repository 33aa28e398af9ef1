/**
 * Configuration of the bePaid simulator. The only file of this app that reads `process.env`.
 *
 * Precedence for the CLI entry point: command-line flag > environment variable > default.
 * `startBepaidSandbox(opts)` (tests, in-process use) takes explicit options over the defaults
 * and deliberately ignores the environment, so a developer's shell cannot change a test.
 */

import { mergeSettings, readEnvSettings } from '../../sandbox-kit/src/settings.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface SandboxConfig {
  port: number;
  host: string;
  /** Seeds the identifiers the simulator makes up (merchant ids, transaction uids). */
  seed: number;
  /** PEM file of the RSA private key that signs notifications; undefined: a fresh key per start. */
  privateKeyPath: string | undefined;
  /** bePaid's account-verification budget: the merchant must answer within it (14 s). */
  verificationTimeoutMs: number;
  /** How long one notification attempt waits for the merchant's answer. */
  notificationTimeoutMs: number;
  /** Deliveries of one notification at most, the first included. */
  notificationAttempts: number;
  /** Waits before the 2nd, 3rd, … attempt; the last one repeats. */
  notificationBackoffMs: number[];
  /** `payment.gateway_id` in notifications: the id of the Alif Mobi gateway at bePaid. */
  gatewayId: number;
  logLevel: LogLevel;
}

export const DEFAULTS: SandboxConfig = {
  port: 4040,
  host: '127.0.0.1',
  seed: 42,
  privateKeyPath: undefined,
  verificationTimeoutMs: 14_000,
  notificationTimeoutMs: 10_000,
  notificationAttempts: 4,
  notificationBackoffMs: [1_000, 5_000, 15_000],
  gatewayId: 4040,
  logLevel: 'info',
};

/** Environment variables understood by the CLI entry point (documented in the README). */
export const ENV = {
  port: 'SANDBOX_BEPAID_PORT',
  host: 'SANDBOX_BEPAID_HOST',
  seed: 'SANDBOX_BEPAID_SEED',
  privateKeyPath: 'SANDBOX_BEPAID_PRIVATE_KEY',
  verificationTimeoutMs: 'SANDBOX_BEPAID_VERIFICATION_TIMEOUT_MS',
  notificationTimeoutMs: 'SANDBOX_BEPAID_NOTIFICATION_TIMEOUT_MS',
  notificationAttempts: 'SANDBOX_BEPAID_NOTIFICATION_ATTEMPTS',
  notificationBackoffMs: 'SANDBOX_BEPAID_NOTIFICATION_BACKOFF_MS',
  gatewayId: 'SANDBOX_BEPAID_GATEWAY_ID',
  logLevel: 'SANDBOX_BEPAID_LOG_LEVEL',
} as const;

type Key = keyof typeof ENV;

/** Raw, unvalidated option values (strings from the CLI or the environment, or typed values). */
export type RawOptions = Partial<Record<Key, string | number | number[]>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid sandbox configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const HOUR_MS = 3_600_000;

/** Validates raw options over the defaults, reporting every problem at once. */
export function resolveConfig(raw: RawOptions): SandboxConfig {
  const problems: string[] = [];
  const cfg: SandboxConfig = { ...DEFAULTS, notificationBackoffMs: [...DEFAULTS.notificationBackoffMs] };
  const int = (key: Key, min: number, max: number, set: (n: number) => void): void => {
    const v = raw[key];
    if (v === undefined) return;
    const n = Array.isArray(v) ? undefined : toInt(v);
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
  if (raw.privateKeyPath !== undefined) {
    const path = String(raw.privateKeyPath).trim();
    if (!path) problems.push('privateKeyPath must not be empty');
    else cfg.privateKeyPath = path;
  }
  int('verificationTimeoutMs', 1, HOUR_MS, (n) => (cfg.verificationTimeoutMs = n));
  int('notificationTimeoutMs', 1, HOUR_MS, (n) => (cfg.notificationTimeoutMs = n));
  int('notificationAttempts', 1, 100, (n) => (cfg.notificationAttempts = n));
  if (raw.notificationBackoffMs !== undefined) {
    const v = raw.notificationBackoffMs;
    const parts = Array.isArray(v) ? v : String(v).split(',');
    const delays = parts.map((p) => toInt(typeof p === 'number' ? p : p.trim()));
    if (!delays.length || delays.some((d) => d === undefined || d > HOUR_MS))
      problems.push(
        `notificationBackoffMs must be a comma-separated list of milliseconds 0..${HOUR_MS} (got ${String(v)})`,
      );
    else cfg.notificationBackoffMs = delays as number[];
  }
  int('gatewayId', 1, 0x7fffffff, (n) => (cfg.gatewayId = n));
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
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  return /^\d{1,15}$/.test(v.trim()) ? Number(v.trim()) : undefined;
}
