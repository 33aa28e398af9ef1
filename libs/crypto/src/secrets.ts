import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { MalformedSecretHash } from './crypto-errors.js';

/**
 * Client API keys and hashing of secrets.
 *
 * Key format: `hsb_<mode>_<id>_<secret>`, e.g. `hsb_live_3q9x…_Zk2p…`.
 * - `id` (20 base62 chars) is stored in clear and indexed: it finds the client row in one lookup.
 * - `secret` (43 base62 chars ≈ 256 bits) is stored only as an scrypt hash.
 * - Base62 only, so the key is url-safe, survives a double-click select, and `_` stays an
 *   unambiguous separator.
 * The mode segment is optional when parsing: `hsb_<id>_<secret>` (the sandbox demo key
 * `HISOB_DEMO_API_KEY`) is accepted too.
 */
export type ApiKeyMode = 'live' | 'test';

/** The parts of an API key. */
export interface ApiKeyParts {
  readonly mode: ApiKeyMode | null;
  readonly id: string;
  readonly secret: string;
}

/** A newly generated key: `key` is shown to the client once; store `id` and a hash of `secret`. */
export interface GeneratedApiKey extends ApiKeyParts {
  readonly key: string;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const API_KEY = /^hsb_(?:(live|test)_)?([A-Za-z0-9]{16,64})_([A-Za-z0-9]{24,128})$/;

/** `length` base62 characters from the CSPRNG, without modulo bias (rejection sampling). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 × 62: bytes above it would favour the first characters.
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** Generates a client API key `hsb_<mode>_<id>_<secret>`. */
export function generateApiKey(mode: ApiKeyMode = 'live'): GeneratedApiKey {
  const id = randomBase62(20);
  const secret = randomBase62(43);
  return { key: `hsb_${mode}_${id}_${secret}`, mode, id, secret };
}

/** Splits an API key into its parts; null when it is not one (no exception for bad input). */
export function parseApiKey(key: string): ApiKeyParts | null {
  if (typeof key !== 'string') return null;
  const m = API_KEY.exec(key);
  if (m === null) return null;
  return { mode: (m[1] as ApiKeyMode | undefined) ?? null, id: m[2] as string, secret: m[3] as string };
}

/** scrypt cost, recorded in every hash so it can be raised later without invalidating old ones. */
export interface ScryptParams {
  /** log2 of N, the CPU/memory cost. */
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

/**
 * N = 2^14, r = 8, p = 1 (16 MiB, tens of ms). API secrets are 256-bit random values, so the
 * hash's slowness is defence in depth rather than what stops guessing; the API layer caches
 * verified keys so requests do not each pay it.
 */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { ln: 14, r: 8, p: 1 };

const SALT_BYTES = 16;
const HASH_BYTES = 32;
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/**
 * Hashes a secret with a random salt: `$scrypt$ln=14,r=8,p=1$<salt b64>$<hash b64>` (PHC string
 * format, unpadded base64).
 */
export async function hashSecret(
  secret: string,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<string> {
  checkParams(params);
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(secret, salt, HASH_BYTES, params);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${unpadded(salt)}$${unpadded(hash)}`;
}

/**
 * True when `secret` matches `stored` (made by {@link hashSecret}). The comparison is
 * constant-time in the secret.
 *
 * @throws {MalformedSecretHash} when `stored` is not a hash this module wrote (a corrupt row must
 *   be loud, not a silent "wrong password").
 */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const m = typeof stored === 'string' ? PHC.exec(stored) : null;
  if (m === null)
    throw new MalformedSecretHash('stored secret hash is not $scrypt$ln=..,r=..,p=..$salt$hash');
  const params = {
    ln: Number.parseInt(m[1] as string, 10),
    r: Number.parseInt(m[2] as string, 10),
    p: Number.parseInt(m[3] as string, 10),
  };
  checkParams(params);
  const salt = Buffer.from(m[4] as string, 'base64');
  const expected = Buffer.from(m[5] as string, 'base64');
  if (salt.length < 8 || expected.length < 16)
    throw new MalformedSecretHash('stored secret hash has a short salt or hash');
  if (typeof secret !== 'string') return false;
  const actual = await scryptAsync(secret, salt, expected.length, params);
  return timingSafeEqual(actual, expected);
}

function checkParams(params: ScryptParams): void {
  // Bounds keep a tampered or mistyped hash row from asking for gigabytes of memory.
  const ok =
    Number.isInteger(params.ln) &&
    params.ln >= 10 &&
    params.ln <= 20 &&
    Number.isInteger(params.r) &&
    params.r >= 1 &&
    params.r <= 32 &&
    Number.isInteger(params.p) &&
    params.p >= 1 &&
    params.p <= 16;
  if (!ok) throw new MalformedSecretHash('scrypt parameters out of bounds (ln 10–20, r 1–32, p 1–16)');
}

function scryptAsync(secret: string, salt: Buffer, keylen: number, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.ln;
  const options: ScryptOptions = {
    N,
    r: params.r,
    p: params.p,
    maxmem: 256 * N * params.r * params.p + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(secret.normalize('NFC'), salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function unpadded(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}
