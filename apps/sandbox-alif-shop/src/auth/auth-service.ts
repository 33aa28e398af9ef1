/**
 * Alif Shop's login: a one-time code sent by SMS to the customer's MSISDN, then a session of a
 * short-lived access token and a rotating refresh token.
 *
 * - `request`: an unknown MSISDN is answered exactly like a known one (202), and gets a phantom
 *   code that never matches but counts attempts and expires the same way, so neither the request
 *   nor the verification tells whether a number is a customer (no user enumeration).
 * - A code lives `otpTtlS` (5 minutes), allows `otpAttempts` (3) wrong tries, then is locked until
 *   a new request; it is single use. A new request replaces the previous code.
 * - Refresh tokens rotate: each works once. Presenting a used one again is taken as theft and
 *   revokes the whole session family (every access and refresh token descended from that login).
 *   Access tokens already issued stay valid until they expire (unless the family is revoked).
 *
 * Lifetimes run on real time (not the sandbox's ledger clock, which `advance` moves).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface AuthOptions {
  otp: string;
  otpTtlS: number;
  otpAttempts: number;
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  isCustomer: (msisdn: string) => boolean;
  /** Epoch ms; `Date.now` outside tests. */
  clock?: () => number;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: 'Bearer';
}

export type AuthFailure = { status: number; body: Record<string, unknown> };

interface OtpRecord {
  phantom: boolean;
  expiresAt: number;
  attemptsLeft: number;
}

interface Family {
  id: number;
  msisdn: string;
  revoked: boolean;
}

interface AccessRecord {
  family: Family;
  expiresAt: number;
}

interface RefreshRecord {
  family: Family;
  expiresAt: number;
  used: boolean;
}

export class AuthService {
  private readonly otps = new Map<string, OtpRecord>();
  private readonly access = new Map<string, AccessRecord>();
  private readonly refresh = new Map<string, RefreshRecord>();
  private readonly families = new Set<Family>();
  private nextFamily = 1;
  private readonly clock: () => number;

  constructor(private readonly opts: AuthOptions) {
    this.clock = opts.clock ?? Date.now;
  }

  get accessTokenTtlS(): number {
    return this.opts.accessTokenTtlS;
  }

  requestOtp(msisdn: string): void {
    this.sweep();
    this.otps.set(msisdn, {
      phantom: !this.opts.isCustomer(msisdn),
      expiresAt: this.clock() + this.opts.otpTtlS * 1000,
      attemptsLeft: this.opts.otpAttempts,
    });
  }

  verifyOtp(msisdn: string, code: string): TokenPair | AuthFailure {
    const rec = this.otps.get(msisdn);
    // No live code: never requested, already used, or swept after expiry.
    if (!rec) return { status: 401, body: { error: 'otp_expired' } };
    if (rec.attemptsLeft <= 0) return { status: 429, body: { error: 'otp_locked' } };
    if (this.clock() >= rec.expiresAt) {
      this.otps.delete(msisdn);
      return { status: 401, body: { error: 'otp_expired' } };
    }
    if (rec.phantom || !sameCode(code, this.opts.otp)) {
      rec.attemptsLeft--;
      return { status: 401, body: { error: 'otp_invalid', attempts_left: rec.attemptsLeft } };
    }
    this.otps.delete(msisdn);
    const family: Family = { id: this.nextFamily++, msisdn, revoked: false };
    this.families.add(family);
    return this.issue(family);
  }

  refreshSession(token: string): TokenPair | AuthFailure {
    const rec = this.refresh.get(digest(token));
    const invalid = { status: 401, body: { error: 'invalid_grant' } };
    if (!rec || rec.family.revoked) return invalid;
    if (rec.used) {
      // Reuse of a rotated token: someone else may hold the family. Revoke it all.
      this.revokeFamily(rec.family);
      return invalid;
    }
    if (this.clock() >= rec.expiresAt) return invalid;
    rec.used = true;
    return this.issue(rec.family);
  }

  /** The customer behind a bearer token, or the 401 body. */
  authenticate(authorization: string | undefined): { msisdn: string; family: number } | AuthFailure {
    const m = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(authorization ?? '');
    const rec = m ? this.access.get(digest(m[1]!)) : undefined;
    if (!rec || rec.family.revoked) return { status: 401, body: { error: 'invalid_token' } };
    if (this.clock() >= rec.expiresAt) return { status: 401, body: { error: 'token_expired' } };
    return { msisdn: rec.family.msisdn, family: rec.family.id };
  }

  logout(familyId: number): void {
    for (const f of this.families) if (f.id === familyId) this.revokeFamily(f);
  }

  // ------------------------------------------------ control API (tests)

  /** Locks the MSISDN's current code as if it had been guessed wrong too often. */
  lockOtp(msisdn: string): boolean {
    const rec = this.otps.get(msisdn);
    if (!rec) return false;
    rec.attemptsLeft = 0;
    return true;
  }

  /** Revokes every session of a customer (or all); returns how many families were revoked. */
  revokeSessions(msisdn?: string): number {
    let n = 0;
    for (const f of this.families)
      if (!f.revoked && (msisdn === undefined || f.msisdn === msisdn)) {
        this.revokeFamily(f);
        n++;
      }
    return n;
  }

  /** Makes the live access tokens of a customer (or all) expired now; returns how many. */
  expireAccessTokens(msisdn?: string): number {
    const now = this.clock();
    let n = 0;
    for (const rec of this.access.values())
      if (
        !rec.family.revoked &&
        rec.expiresAt > now &&
        (msisdn === undefined || rec.family.msisdn === msisdn)
      ) {
        rec.expiresAt = now;
        n++;
      }
    return n;
  }

  stats(): Record<string, number> {
    let live = 0;
    for (const f of this.families) if (!f.revoked) live++;
    return { sessions_live: live, otps_outstanding: this.otps.size };
  }

  private issue(family: Family): TokenPair {
    this.sweep();
    const now = this.clock();
    const accessToken = randomBytes(32).toString('base64url');
    const refreshToken = randomBytes(32).toString('base64url');
    this.access.set(digest(accessToken), { family, expiresAt: now + this.opts.accessTokenTtlS * 1000 });
    this.refresh.set(digest(refreshToken), {
      family,
      expiresAt: now + this.opts.refreshTokenTtlS * 1000,
      used: false,
    });
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      expires_in: this.opts.accessTokenTtlS,
      token_type: 'Bearer',
    };
  }

  private revokeFamily(family: Family): void {
    family.revoked = true;
  }

  private lastSweep = 0;

  /** Drops expired codes and tokens now and then, so memory stays bounded on a long-running sandbox. */
  private sweep(): void {
    const now = this.clock();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    // A locked code stays locked for an hour past its expiry, then the number starts afresh.
    for (const [k, v] of this.otps)
      if (v.expiresAt + (v.attemptsLeft > 0 ? 0 : 3_600_000) <= now) this.otps.delete(k);
    for (const [k, v] of this.access) if (v.expiresAt <= now || v.family.revoked) this.access.delete(k);
    // Used refresh tokens are kept until they expire: their reuse must still revoke the family.
    for (const [k, v] of this.refresh) if (v.expiresAt <= now) this.refresh.delete(k);
    const referenced = new Set<Family>();
    for (const v of this.refresh.values()) referenced.add(v.family);
    for (const v of this.access.values()) referenced.add(v.family);
    for (const f of this.families) if (!referenced.has(f)) this.families.delete(f);
  }
}

/** Tokens are kept as SHA-256 digests: a dump of the sandbox's memory holds no usable token. */
function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function sameCode(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function isFailure(x: unknown): x is AuthFailure {
  return typeof x === 'object' && x !== null && 'status' in x && 'body' in x;
}
