import {
  ChallengePending,
  NotPermitted,
  ProtocolViolation,
  RateLimited,
  ReauthRequired,
  TokenExpired,
  Unsupported,
  type AnyConnectorError,
} from '../connector-errors.js';
import type { HttpResponse } from '../http.js';
import { parseExactJson } from '../exact-json.js';
import { parseErrorBody } from './alif-shop.wire.js';

const PROVIDER = 'alif-shop' as const;

/** Seconds from `Retry-After` (delta-seconds), when the body says nothing. */
function retryAfterHeader(headers: Headers): number | null {
  const v = headers.get('retry-after')?.trim();
  return v && /^\d+$/.test(v) ? Number.parseInt(v, 10) : null;
}

/**
 * Maps a non-2xx reply of Alif Shop's backend (below 500: the HTTP client turns 5xx into
 * Transient). The app's API says what happened in `error`:
 * - 401 `token_expired` → refresh; `invalid_token` → the session is gone; `invalid_grant` (a
 *   used or revoked refresh token: they rotate, each works once) → only a new OTP helps;
 * - 401 `otp_invalid` → the person may type the code again; `otp_expired`, and 429 `otp_locked`
 *   after three wrong codes → this authorisation is over;
 * - 423 `3ds_challenge_pending` → a 3-D Secure step is pending on a payment: read-only, come back
 *   after `retry_after`, never retry blind;
 * - 429 → wait `retry_after` (or `Retry-After`).
 */
export function mapShopError(res: HttpResponse): AnyConnectorError {
  let body: ReturnType<typeof parseErrorBody>;
  try {
    body = parseErrorBody(parseExactJson(res.text));
  } catch {
    body = { error: null, retryAfter: null, attemptsLeft: null };
  }
  const code = body.error;
  const details = { provider: PROVIDER, status: res.status, providerCode: code, body: res.text };
  const where = `${res.target}: Alif Shop answered ${res.status}${code ? ` ${code}` : ''}`;
  if (res.status === 423 || code === '3ds_challenge_pending') {
    return new ChallengePending(where, {
      ...details,
      retryAfterS: body.retryAfter ?? retryAfterHeader(res.headers) ?? 60,
    });
  }
  // A code the backend cannot even read as one (not its 6 digits) is a wrong code too.
  if (code === 'otp_invalid' || (code === 'invalid_request' && res.target.endsWith('/otp/verify'))) {
    const left = body.attemptsLeft === null ? '' : ` (${body.attemptsLeft} attempts left)`;
    return new ReauthRequired('otp_invalid', `${where}${left}`, details);
  }
  if (code === 'otp_expired' || code === 'otp_locked')
    return new ReauthRequired('authorisation_denied', where, details);
  if (res.status === 429) {
    const s = body.retryAfter ?? retryAfterHeader(res.headers) ?? 60;
    return new RateLimited(s, `${where}; retry in ${s} s`, details);
  }
  if (code === 'token_expired') return new TokenExpired(where, details);
  if (code === 'invalid_grant') return new ReauthRequired('invalid_grant', where, details);
  if (res.status === 401) return new ReauthRequired('token_invalid', where, details);
  if (res.status === 403) return new NotPermitted(where, details);
  if (res.status === 404) return new Unsupported(where, details);
  return new ProtocolViolation(where, details);
}
