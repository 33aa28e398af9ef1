import type { ProviderId } from '#domain/provider.js';
import { safeExcerpt } from './excerpt.js';

/**
 * Every bank fault leaves a connector as exactly one of these (architecture.md, "connector
 * contract"). Consumers switch on `kind` exhaustively; the worker's reactions are in STYLE §6.5.
 */
export type ConnectorErrorKind =
  | 'reauth_required'
  | 'token_expired'
  | 'not_permitted'
  | 'unsupported'
  | 'challenge_pending'
  | 'rate_limited'
  | 'transient'
  | 'protocol_violation';

/** Facts about the bank reply that caused an error, for logs (`{provider, status, code, excerpt}`). */
export interface ConnectorErrorDetails {
  readonly provider?: ProviderId | null;
  /** HTTP status of the bank reply, null when there was no reply (timeout, reset). */
  readonly status?: number | null;
  /** The bank's own error code: `OBP-20001`, `invalid_grant`, `ACCESS_EXCEEDED`… */
  readonly providerCode?: string | null;
  /** Raw body text; stored redacted and cut to 500 bytes. */
  readonly body?: string | null;
  /** A transport error (never a bank body or anything holding a token). */
  readonly cause?: unknown;
}

/**
 * Base of the connector errors. Messages never contain tokens, codes, OTPs or full PANs: they
 * name the operation and the bank's status and code; bank text only ever goes through the
 * redacted `excerpt`.
 */
export abstract class ConnectorError extends Error {
  abstract readonly kind: ConnectorErrorKind;
  readonly provider: ProviderId | null;
  readonly status: number | null;
  readonly providerCode: string | null;
  /** Redacted excerpt (≤ 500 bytes) of the bank's reply, when there was one. */
  readonly excerpt: string | null;

  protected constructor(message: string, details: ConnectorErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.provider = details.provider ?? null;
    this.status = details.status ?? null;
    this.providerCode = details.providerCode ?? null;
    this.excerpt = details.body === undefined || details.body === null ? null : safeExcerpt(details.body);
  }
}

/** Why the end user must authorise again. */
export type ReauthReason =
  | 'token_invalid'
  | 'token_expired'
  | 'invalid_grant'
  | 'consent_expired'
  | 'consent_revoked'
  | 'insufficient_access'
  | 'authorisation_denied'
  /** A wrong one-time code: the person may try again until the provider's attempt limit. */
  | 'otp_invalid';

/**
 * The bank no longer accepts our credentials (401, OBP-20001/20003/2020x, `invalid_grant`,
 * expired or revoked consent), or the user refused at the bank. Only the user can fix it:
 * the consent becomes `reauth_required` (or `rejected` during authorisation).
 * For `token_expired` a caller holding a refresh token may try {@link Connector.refresh} once.
 */
export class ReauthRequired extends ConnectorError {
  override readonly name = 'ReauthRequired';
  readonly kind = 'reauth_required';

  constructor(
    readonly reason: ReauthReason,
    message: string,
    details?: ConnectorErrorDetails,
  ) {
    super(message, details);
  }
}

/**
 * The access token expired (OBP 401 `OBP-20206`, "invalid or expired"): refresh the session
 * and retry. Only when the refresh itself is refused does the consent need the user again.
 */
export class TokenExpired extends ConnectorError {
  override readonly name = 'TokenExpired';
  readonly kind = 'token_expired';

  constructor(message: string, details?: ConnectorErrorDetails) {
    super(message, details);
  }
}

/**
 * The bank will not show this resource under the consent's grant: a view without the
 * permission (OBP-20022, OBP-30022, OBP-30065), a 403. A bank setting, never a reason to ask
 * the user to authorise again: on a best-effort resource it is reported coverage (`forbidden`).
 */
export class NotPermitted extends ConnectorError {
  override readonly name = 'NotPermitted';
  readonly kind = 'not_permitted';

  constructor(message: string, details?: ConnectorErrorDetails) {
    super(message, details);
  }
}

/**
 * This deployment of the bank does not offer the resource at all: an endpoint switched off
 * (OBP-10404, OBP-40018) or not implemented by its adapter (OBP-10010). Reported coverage
 * (`unsupported`); the next sync asks again, in case the bank switched it on.
 */
export class Unsupported extends ConnectorError {
  override readonly name = 'Unsupported';
  readonly kind = 'unsupported';

  constructor(message: string, details?: ConnectorErrorDetails) {
    super(message, details);
  }
}

/**
 * The bank holds the data behind a pending challenge (Alif Shop 423: a 3-D Secure step on a
 * payment). Do not retry blind; surface it and try later.
 */
export class ChallengePending extends ConnectorError {
  override readonly name = 'ChallengePending';
  readonly kind = 'challenge_pending';
  /** When to look again (Alif Shop's `retry_after`), clamped to 1 s … 1 day; default 60 s. */
  readonly retryAfterS: number;

  constructor(message: string, details?: ConnectorErrorDetails & { readonly retryAfterS?: number }) {
    super(message, details);
    this.retryAfterS = clampSeconds(details?.retryAfterS ?? 60);
  }
}

function clampSeconds(s: number): number {
  return Math.min(86_400, Math.max(1, Math.ceil(Number.isFinite(s) ? s : 60)));
}

/**
 * The bank asked us to slow down. `retryAfterS` comes from the bank (`Retry-After`, OBP's
 * `X-Rate-Limit-Reset` in seconds, or a body `retry_after`), clamped to 1 s … 1 day.
 */
export class RateLimited extends ConnectorError {
  override readonly name = 'RateLimited';
  readonly kind = 'rate_limited';
  readonly retryAfterS: number;

  constructor(retryAfterS: number, message: string, details?: ConnectorErrorDetails) {
    super(message, details);
    this.retryAfterS = clampSeconds(retryAfterS);
  }
}

/** Worth retrying with backoff: 5xx, timeouts, connection resets, the bank's core being down. */
export class Transient extends ConnectorError {
  override readonly name = 'Transient';
  readonly kind = 'transient';

  constructor(message: string, details?: ConnectorErrorDetails) {
    super(message, details);
  }
}

/**
 * The bank said something we cannot use: unparseable or shape-violating body, amounts with
 * surplus precision, an error code we do not know. Nothing from that reply is stored; the sync
 * fails loudly with `excerpt` (never null here).
 */
export class ProtocolViolation extends ConnectorError {
  override readonly name = 'ProtocolViolation';
  readonly kind = 'protocol_violation';
  declare readonly excerpt: string;

  constructor(message: string, details: ConnectorErrorDetails & { readonly body: string }) {
    super(message, details);
  }
}

/** The closed set of connector errors, for exhaustive `switch (err.kind)`. */
export type AnyConnectorError =
  | ReauthRequired
  | TokenExpired
  | NotPermitted
  | Unsupported
  | ChallengePending
  | RateLimited
  | Transient
  | ProtocolViolation;

/** Narrows an unknown thrown value to {@link AnyConnectorError}. */
export function isConnectorError(err: unknown): err is AnyConnectorError {
  return err instanceof ConnectorError;
}

/** For the `default:` of an exhaustive switch: fails to compile when a case is missing. */
export function assertUnreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}
