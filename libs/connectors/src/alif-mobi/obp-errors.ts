import {
  ProtocolViolation,
  RateLimited,
  ReauthRequired,
  Transient,
  type AnyConnectorError,
  type ReauthReason,
} from '../connector-errors.js';
import type { HttpResponse } from '../http.js';
import { parseErrorBody } from './obp.wire.js';

/**
 * Maps an OBP error reply to a connector error. OBP's HTTP status is a poor guide (core-banking
 * failures come back as 400, consent failures as 401; research obp-berlin-facts §1.7), so the
 * decision follows the `OBP-NNNNN` codes found in `message` — every code of a chained message
 * (`"OBP-20001: … <- OBP-35003: …"`) — and falls back on the status.
 */
const RATE_LIMIT = new Set(['OBP-10018']);
/** Token or consent no longer valid (§1.2, §1.7). Checked most specific first. */
const REAUTH: ReadonlyArray<readonly [string, ReauthReason]> = [
  ['OBP-35003', 'consent_expired'],
  ['OBP-35005', 'consent_revoked'],
  ['OBP-35012', 'consent_revoked'],
  ['OBP-35001', 'consent_revoked'],
  ['OBP-35002', 'consent_revoked'],
  ['OBP-35004', 'token_invalid'],
  ['OBP-20003', 'token_expired'],
  ['OBP-20001', 'token_invalid'],
  ['OBP-20202', 'token_invalid'],
  ['OBP-20204', 'token_invalid'],
  ['OBP-20205', 'token_invalid'],
  ['OBP-20206', 'token_invalid'],
  ['OBP-20214', 'token_invalid'],
  ['OBP-20215', 'token_invalid'],
  // The user (or the view) lost access to the account: only a new authorisation restores it.
  ['OBP-20006', 'insufficient_access'],
  ['OBP-20017', 'insufficient_access'],
  ['OBP-20022', 'insufficient_access'],
  ['OBP-20023', 'insufficient_access'],
  ['OBP-20101', 'insufficient_access'],
  ['OBP-30065', 'insufficient_access'],
];
/** The bank's own back end failed; OBP reports these as 400 (sic) or 408. */
const TRANSIENT = new Set(['OBP-50000', 'OBP-50001', 'OBP-50003', 'OBP-50005', 'OBP-50013', 'OBP-01000']);

/** Fallback delay when a 429 carries neither `Retry-After` nor `X-Rate-Limit-Reset`. */
export const DEFAULT_RETRY_AFTER_S = 60;

/** All `OBP-NNNNN` codes of a message, outer first. */
export function obpCodes(message: string): string[] {
  return message.match(/OBP-\d{5}/g) ?? [];
}

/**
 * Seconds to wait from `Retry-After` (delta-seconds or HTTP-date, RFC 9110 §10.2.3) when present,
 * else OBP's `X-Rate-Limit-Reset` (seconds left in the window, not an epoch; §1.8).
 */
export function retryAfterSeconds(headers: Headers, now: Date = new Date()): number | null {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number.parseInt(retryAfter, 10);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
  }
  const reset = headers.get('x-rate-limit-reset')?.trim();
  if (reset && /^\d+$/.test(reset)) return Number.parseInt(reset, 10);
  return null;
}

/**
 * Maps a non-2xx OBP reply (below 500: the HTTP client already turned 5xx into Transient).
 * A code we do not know — including 404 "account not found" (OBP-30003/30018/30076) — is a
 * ProtocolViolation: the account's sync fails loudly with the bank's words, while the consent stays
 * active for its other accounts (ReauthRequired would block them all).
 */
export function mapObpError(res: HttpResponse): AnyConnectorError {
  const details = { provider: 'alif-mobi' as const, status: res.status, body: res.text };
  let body: ReturnType<typeof parseErrorBody> = null;
  try {
    body = parseErrorBody(JSON.parse(res.text));
  } catch {
    body = null;
  }
  const codes = obpCodes(body?.message ?? res.text);
  const providerCode = codes[0] ?? null;
  const has = (set: ReadonlySet<string>) => codes.find((c) => set.has(c)) ?? null;
  const where = `${res.target}: bank answered ${res.status}${providerCode ? ` ${providerCode}` : ''}`;

  const rateCode = has(RATE_LIMIT);
  if (rateCode !== null || res.status === 429) {
    const retryAfter = retryAfterSeconds(res.headers) ?? DEFAULT_RETRY_AFTER_S;
    return new RateLimited(retryAfter, `${where}; retry in ${retryAfter} s`, {
      ...details,
      providerCode: rateCode ?? providerCode,
    });
  }
  for (const [code, reason] of REAUTH) {
    if (codes.includes(code)) return new ReauthRequired(reason, where, { ...details, providerCode: code });
  }
  if (res.status === 401) return new ReauthRequired('token_invalid', where, { ...details, providerCode });
  if (res.status === 403)
    return new ReauthRequired('insufficient_access', where, { ...details, providerCode });
  const transientCode = has(TRANSIENT);
  if (transientCode !== null || res.status === 408) {
    return new Transient(where, { ...details, providerCode: transientCode ?? providerCode });
  }
  return new ProtocolViolation(where, { ...details, providerCode });
}
