import {
  NotPermitted,
  ProtocolViolation,
  RateLimited,
  ReauthRequired,
  TokenExpired,
  Transient,
  Unsupported,
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
/**
 * The access token expired: refresh and retry. OAuth2's "invalid or expired" token is OBP-20206
 * (OBP-API ErrorMessages.scala:258), chained under OBP-20001; OBP-20003 is DirectLogin's expiry.
 */
const EXPIRED = new Set(['OBP-20206', 'OBP-20003']);
/** Token or consent no longer valid (§1.2, §1.7). Checked most specific first. */
const REAUTH: ReadonlyArray<readonly [string, ReauthReason]> = [
  ['OBP-35003', 'consent_expired'],
  ['OBP-35005', 'consent_revoked'],
  ['OBP-35012', 'consent_revoked'],
  ['OBP-35001', 'consent_revoked'],
  ['OBP-35002', 'consent_revoked'],
  ['OBP-35004', 'token_invalid'],
  ['OBP-20001', 'token_invalid'],
  ['OBP-20202', 'token_invalid'],
  ['OBP-20204', 'token_invalid'],
  ['OBP-20205', 'token_invalid'],
  ['OBP-20214', 'token_invalid'],
  ['OBP-20215', 'token_invalid'],
];
/**
 * The view or the user's roles do not allow this resource: a bank setting, not a lost grant
 * (OBP-API: transaction requests need `can_see_transaction_requests`, APIMethods310.scala:1127;
 * counterparties `can_get_counterparty`, APIMethods400.scala:8382; balances a view that sees
 * them, APIMethods400.scala:3382). Coverage `forbidden`, never re-authorisation.
 */
const NOT_PERMITTED = new Set([
  'OBP-20006',
  'OBP-20017',
  'OBP-20019',
  'OBP-20022',
  'OBP-20023',
  'OBP-20101',
  'OBP-30022',
  'OBP-30065',
]);
/**
 * The deployment does not offer the resource: an endpoint disabled by `api_disabled_endpoints`
 * (OBP-10404, APIUtil.scala:2737), transaction requests switched off (OBP-40018,
 * NewStyle.scala:898), or a method the bank's adapter does not implement (OBP-10010 chained under
 * OBP-30059, Connector.scala:305).
 */
const UNSUPPORTED = new Set(['OBP-10404', 'OBP-40018', 'OBP-10010']);
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
 * A 404 without a code is an endpoint this deployment lacks (a proxy or a disabled route):
 * Unsupported. A code we do not know — including 404 "account not found" (OBP-30003/30018/30076)
 * — is a ProtocolViolation: the account's sync fails loudly with the bank's words, while the consent stays
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
  const expired = has(EXPIRED);
  if (expired !== null) return new TokenExpired(where, { ...details, providerCode: expired });
  for (const [code, reason] of REAUTH) {
    if (codes.includes(code)) return new ReauthRequired(reason, where, { ...details, providerCode: code });
  }
  if (res.status === 401) return new ReauthRequired('token_invalid', where, { ...details, providerCode });
  const unsupported = has(UNSUPPORTED);
  if (unsupported !== null) return new Unsupported(where, { ...details, providerCode: unsupported });
  const forbidden = has(NOT_PERMITTED);
  if (forbidden !== null || res.status === 403)
    return new NotPermitted(where, { ...details, providerCode: forbidden ?? providerCode });
  const transientCode = has(TRANSIENT);
  if (transientCode !== null || res.status === 408) {
    return new Transient(where, { ...details, providerCode: transientCode ?? providerCode });
  }
  if (res.status === 404 && providerCode === null) return new Unsupported(where, details);
  return new ProtocolViolation(where, { ...details, providerCode });
}
