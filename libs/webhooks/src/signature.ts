import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `Hisob-Signature` header (api.md "Webhooks to clients"):
 *
 *     Hisob-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(webhook_secret, t + "." + raw_body)>
 *
 * - The key is the client's webhook secret exactly as shown at creation (`whsec_…`), as UTF-8
 *   bytes; it is not base64-decoded.
 * - The MAC covers the raw body bytes, so a receiver verifies before parsing (a re-serialised
 *   body would differ in key order or spacing).
 * - `t` inside the MAC lets a receiver reject a captured request replayed later.
 * - Several `v1=` entries may appear: during a secret rotation the body is signed with the old and
 *   the new secret, and a receiver holding either accepts. Unknown schemes (`v0=`, `v2=`) are
 *   ignored, so a future scheme can be added beside `v1` without breaking receivers.
 */
export const WEBHOOK_HEADERS = {
  signature: 'Hisob-Signature',
  eventId: 'Hisob-Event-Id',
  eventType: 'Hisob-Event-Type',
} as const;

export const WEBHOOK_USER_AGENT = 'Hisob-Webhooks/1';

/** Default replay window of {@link verifyWebhook}, in seconds, either side of the receiver's clock. */
export const WEBHOOK_TOLERANCE_S = 300;

type Secrets = string | readonly string[];
type Body = string | Uint8Array;

// A header longer than this is not one Hisob sent; refusing it bounds the work an attacker can cause.
const MAX_HEADER_LENGTH = 4096;
const TIMESTAMP = /^\d{1,12}$/;
const V1 = /^[0-9a-fA-F]{64}$/;

/**
 * The `Hisob-Signature` value for `rawBody` at `nowS`, with one `v1` per secret (rotation: pass
 * the new secret and the old one).
 *
 * @throws {TypeError} no secret, or an empty one.
 */
export function signWebhook(
  secret: Secrets,
  rawBody: Body,
  nowS: number = Math.floor(Date.now() / 1000),
): string {
  const t = String(Math.floor(nowS));
  return [`t=${t}`, ...secretList(secret).map((s) => `v1=${mac(s, t, rawBody).toString('hex')}`)].join(',');
}

export interface VerifyOptions {
  /** Accepted distance between `t` and now, in seconds (past or future). Default 300. */
  toleranceS?: number;
  /** The receiver's clock, unix seconds (tests). */
  nowS?: number;
}

/**
 * True when `header` carries a `v1` MAC of `rawBody` under one of `secret`, with a timestamp inside
 * the tolerance. Every failure is a plain `false`: a malformed header, a missing or repeated `t`,
 * a stale or future `t`, no matching `v1`. MACs are compared in constant time.
 *
 * @throws {TypeError} no secret, or an empty one — an empty HMAC key is one anybody can compute.
 */
export function verifyWebhook(
  header: string | null | undefined,
  secret: Secrets,
  rawBody: Body,
  opts: VerifyOptions = {},
): boolean {
  const secrets = secretList(secret);
  if (typeof header !== 'string' || header.length > MAX_HEADER_LENGTH) return false;
  let t: string | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (t !== undefined) return false; // two timestamps: which one did the MAC cover?
      t = value;
    } else if (key === 'v1' && V1.test(value)) {
      candidates.push(Buffer.from(value, 'hex'));
    }
  }
  if (t === undefined || !TIMESTAMP.test(t) || candidates.length === 0) return false;
  const nowS = opts.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(nowS - Number(t)) > (opts.toleranceS ?? WEBHOOK_TOLERANCE_S)) return false;
  const ts = t;
  const expected = secrets.map((s) => mac(s, ts, rawBody));
  // Both lists are walked in full: the time taken does not depend on which entry matched.
  let ok = false;
  for (const e of expected) for (const c of candidates) ok = timingSafeEqual(e, c) || ok;
  return ok;
}

function mac(secret: string, t: string, rawBody: Body): Buffer {
  return createHmac('sha256', secret).update(`${t}.`, 'utf8').update(rawBody).digest();
}

function secretList(secret: Secrets): readonly string[] {
  const list = typeof secret === 'string' ? [secret] : secret;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((s) => typeof s !== 'string' || s.length === 0)
  ) {
    throw new TypeError('a webhook secret is required (a non-empty string)');
  }
  return list;
}
