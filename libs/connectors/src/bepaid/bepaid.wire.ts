import { createHash, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { isCurrencyCode } from '#domain/currency.js';

/**
 * The inbound seam of bePaid (it calls Hisob, not the other way round): the two wire shapes
 * bePaid sends to a merchant (`account_verification`, notifications), the result codes Hisob
 * answers with, and the checks of the caller (Basic auth, `Content-Signature`). Pure functions:
 * no database, no HTTP framework. Permissive about fields Hisob does not use, strict about the
 * ones it does.
 */

/**
 * bePaid's result codes for `account_verification` (the OSMP/QIWI provider-protocol family), and
 * the description Hisob sends with each. docs/providers/bepaid.md says when each one is answered.
 */
export const BEPAID_RESULTS = {
  ok: { code: 0, description: 'OK' },
  badAccountFormat: { code: 4, description: 'Account has a wrong format' },
  accountNotFound: { code: 5, description: 'Account not found' },
  accountBlocked: { code: 7, description: 'Payment forbidden by the merchant' },
  technical: { code: 8, description: 'Technical error, try later' },
  duplicateNotFinal: { code: 11, description: 'Duplicate: this id was used for another request' },
  duplicateSuccessful: { code: 12, description: 'Duplicate: this id belongs to a successful payment' },
  amountTooSmall: { code: 241, description: 'Amount too small' },
  amountTooBig: { code: 242, description: 'Amount too big' },
  cannotCheck: { code: 243, description: 'Cannot check the account: the merchant has no customer directory' },
  other: { code: 300, description: 'Other error' },
} as const;

export type BepaidResultName = keyof typeof BEPAID_RESULTS;

/** A merchant's customer account: 1–64 of letters, digits and `. _ : @ + -`. */
export const ACCOUNT_PATTERN = /^[A-Za-z0-9._:@+-]{1,64}$/;
/** bePaid's id of the request: a string of 1–128 printable ASCII characters, or a non-negative integer. */
const ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** A verification request as far as Hisob uses it. */
export interface VerificationRequest {
  /** The id as bePaid sent it (string or number): echoed back with the same JSON type. */
  id: string | number;
  /** The id as text: the idempotency key. */
  idKey: string;
  account: string;
  /** Integer minor units. */
  amountMinor: bigint;
  currency: string;
  /** `method.type` when given (`alif_mobi`). */
  methodType: string | null;
}

/** Why a request body cannot be decided on: answered 300 (or 4 for the account), never stored. */
export type VerificationParse =
  | { ok: true; request: VerificationRequest }
  | { ok: false; id: string | number | null; result: BepaidResultName; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request's id, when it is one bePaid could have sent (else null). */
function idOf(v: unknown): string | number | null {
  if (typeof v === 'string' && ID_PATTERN.test(v)) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  return null;
}

/**
 * Reads `{"request":{account, id, amount, currency, info?, method}}`. Unknown fields are ignored;
 * `info` and `method` are optional (only `method.type` is kept).
 */
export function parseVerificationRequest(body: unknown): VerificationParse {
  const req = isObject(body) ? body.request : undefined;
  if (!isObject(req)) return { ok: false, id: null, result: 'other', reason: 'body has no request object' };
  const id = idOf(req.id);
  if (id === null)
    return { ok: false, id: null, result: 'other', reason: 'request.id is missing or malformed' };
  const fail = (reason: string, result: BepaidResultName = 'other') =>
    ({ ok: false, id, result, reason }) as const;
  const { amount, currency, account, method } = req;
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0)
    return fail('request.amount must be a positive integer of minor units');
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency))
    return fail('request.currency must be an ISO 4217 code');
  if (!isCurrencyCode(currency)) return fail(`unknown currency ${currency}`);
  if (method !== undefined && method !== null && !isObject(method))
    return fail('request.method must be an object');
  if (typeof account !== 'string' || account.length === 0) return fail('request.account is missing');
  if (!ACCOUNT_PATTERN.test(account)) return fail('request.account has a wrong format', 'badAccountFormat');
  const methodType = isObject(method) && typeof method.type === 'string' ? method.type.slice(0, 64) : null;
  return {
    ok: true,
    request: { id, idKey: String(id), account, amountMinor: BigInt(amount), currency, methodType },
  };
}

/** The answer's wire shape. */
export interface VerificationResponse {
  response: {
    id: string | number | null;
    tracking_id: string | null;
    amount: number | null;
    currency: string | null;
    result: number;
    description: string;
  };
}

export function verificationResponse(a: {
  id: string | number | null;
  trackingId: string | null;
  amountMinor: bigint | null;
  currency: string | null;
  result: BepaidResultName;
  description?: string;
}): VerificationResponse {
  const r = BEPAID_RESULTS[a.result];
  return {
    response: {
      id: a.id,
      tracking_id: a.trackingId,
      amount: a.amountMinor === null ? null : wireMinor(a.amountMinor),
      currency: a.currency,
      result: r.code,
      description: a.description ?? r.description,
    },
  };
}

/** bePaid's transaction statuses a notification may carry. */
export const NOTIFICATION_STATUSES = ['successful', 'failed', 'pending', 'expired', 'error'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** A notification as far as Hisob uses it. */
export interface Notification {
  uid: string;
  status: NotificationStatus;
  amountMinor: bigint;
  currency: string;
  trackingId: string | null;
  orderId: string | null;
  /** `paid_at`, else `updated_at`, when it is a timestamp. */
  paidAt: Date | null;
  test: boolean;
}

export type NotificationParse = { ok: true; notification: Notification } | { ok: false; reason: string };

/**
 * `tracking_id` and `order_id`: 1–128 printable ASCII characters (or a non-negative integer), as
 * the ids Hisob and bePaid hand out; anything else names no payment and is taken as absent. So no
 * control character (NUL above all) reaches a text column from a notification.
 */
const optionalText = (v: unknown): string | null => {
  const id = idOf(v);
  return id === null ? null : String(id);
};

function timestamp(v: unknown): Date | null {
  if (typeof v !== 'string' || v.length > 64) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1 || d.getUTCFullYear() > 9999 ? null : d;
}

/** Reads `{"transaction":{uid, type, status, amount, currency, tracking_id?, order_id?, paid_at?, …}}`. */
export function parseNotification(body: unknown): NotificationParse {
  const t = isObject(body) ? body.transaction : undefined;
  if (!isObject(t)) return { ok: false, reason: 'body has no transaction object' };
  if (typeof t.uid !== 'string' || !ID_PATTERN.test(t.uid))
    return { ok: false, reason: 'transaction.uid is missing or malformed' };
  if (!(NOTIFICATION_STATUSES as readonly unknown[]).includes(t.status))
    return { ok: false, reason: `transaction.status must be one of ${NOTIFICATION_STATUSES.join(', ')}` };
  if (typeof t.amount !== 'number' || !Number.isSafeInteger(t.amount) || t.amount < 0)
    return { ok: false, reason: 'transaction.amount must be a non-negative integer of minor units' };
  if (typeof t.currency !== 'string' || !isCurrencyCode(t.currency))
    return { ok: false, reason: 'transaction.currency must be a known ISO 4217 code' };
  return {
    ok: true,
    notification: {
      uid: t.uid,
      status: t.status as NotificationStatus,
      amountMinor: BigInt(t.amount),
      currency: t.currency,
      trackingId: optionalText(t.tracking_id),
      orderId: optionalText(t.order_id),
      paidAt: timestamp(t.paid_at) ?? timestamp(t.updated_at),
      test: t.test === true,
    },
  };
}

/** `Authorization: Basic base64(user:password)` → its parts, or null. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  if (typeof header !== 'string') return null;
  const m = /^Basic\s+([A-Za-z0-9+/=]{1,1024})\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Equality of two secrets in time independent of where they differ (both sides are hashed first,
 * so their lengths do not leak either).
 */
export function secretEquals(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/**
 * bePaid's shop public key as a PEM `PUBLIC KEY`, from PEM or the bare base64 the back office
 * shows (re-wrapped at 64 columns, as bePaid's own SDK does). Throws when it is not an RSA
 * public key.
 */
export function normalisePublicKey(input: string): string {
  const trimmed = input.trim();
  let pem = trimmed;
  if (!trimmed.startsWith('-----BEGIN')) {
    const b64 = trimmed.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error('public_key is neither PEM nor base64');
    pem = `-----BEGIN PUBLIC KEY-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new Error('public_key is not a public key');
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error('public_key must be an RSA key');
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** `Content-Signature`: base64 RSA-SHA256 (PKCS#1 v1.5) over the raw body, checked with the shop's public key. */
export function signatureValid(rawBody: Buffer, header: string | undefined, publicKeyPem: string): boolean {
  if (typeof header !== 'string' || !/^[A-Za-z0-9+/=\s]{16,2048}$/.test(header)) return false;
  try {
    return verify('sha256', rawBody, publicKeyPem, Buffer.from(header.replace(/\s+/g, ''), 'base64'));
  } catch {
    return false;
  }
}

/** A customer of the merchant's directory, limits in minor units of the merchant's currency (inclusive). */
export interface DirectoryEntry {
  status: 'active' | 'blocked';
  minMinor: bigint | null;
  maxMinor: bigint | null;
}

/**
 * The answer to a well-formed request, from the merchant's currency, whether it has a directory
 * at all, and the account's entry (null when the account is not in it). First refusal wins, in
 * this order: currency (300), no directory (243), unknown account (5), blocked (7), limits
 * (241/242).
 */
export function decideVerification(
  request: Pick<VerificationRequest, 'amountMinor' | 'currency'>,
  merchant: { currency: string; hasDirectory: boolean },
  entry: DirectoryEntry | null,
): { result: BepaidResultName; description?: string } {
  if (request.currency !== merchant.currency)
    return { result: 'other', description: `Currency ${request.currency} is not accepted` };
  if (!merchant.hasDirectory) return { result: 'cannotCheck' };
  if (!entry) return { result: 'accountNotFound' };
  if (entry.status !== 'active') return { result: 'accountBlocked' };
  if (entry.minMinor !== null && request.amountMinor < entry.minMinor) return { result: 'amountTooSmall' };
  if (entry.maxMinor !== null && request.amountMinor > entry.maxMinor) return { result: 'amountTooBig' };
  return { result: 'ok' };
}

/**
 * An amount in minor units as bePaid's wire carries it: a JSON integer. Every amount Hisob stores
 * came in through the wire as a safe integer, so this is exact; anything else is a bug, not a
 * rounding.
 */
export function wireMinor(minor: bigint): number {
  const n = Number(minor);
  if (!Number.isSafeInteger(n)) throw new RangeError('amount outside the wire integer range');
  return n;
}
