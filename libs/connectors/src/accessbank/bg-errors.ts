import {
  NotPermitted,
  ProtocolViolation,
  RateLimited,
  ReauthRequired,
  Unsupported,
  type AnyConnectorError,
} from '../connector-errors.js';
import type { HttpResponse } from '../http.js';

/** One `tppMessages` entry (`Error4xx_NG_AIS`), or the 1.3.0-era `{tppMessages|errors}` variants. */
export interface TppMessage {
  readonly category: string | null;
  readonly code: string;
  readonly text: string | null;
}

/** The bank's message codes of an error body; `[]` when there is none or it is not JSON. */
export function tppMessages(text: string): TppMessage[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  if (typeof json !== 'object' || json === null) return [];
  const body = json as Record<string, unknown>;
  const list = Array.isArray(body.tppMessages)
    ? body.tppMessages
    : Array.isArray(body.additionalErrors)
      ? [body, ...body.additionalErrors]
      : typeof body.code === 'string'
        ? [body]
        : [];
  return list.flatMap((m): TppMessage[] => {
    if (typeof m !== 'object' || m === null) return [];
    const r = m as Record<string, unknown>;
    if (typeof r.code !== 'string') return [];
    return [
      {
        category: typeof r.category === 'string' ? r.category : null,
        code: r.code,
        text: typeof r.text === 'string' ? r.text : typeof r.detail === 'string' ? r.detail : null,
      },
    ];
  });
}

const PROVIDER = 'accessbank';

/** Message codes by which a bank refuses the TPP's identification (certificate, request signature). */
const TPP_REFUSALS = new Set([
  'CERTIFICATE_INVALID',
  'CERTIFICATE_MISSING',
  'CERTIFICATE_EXPIRED',
  'CERTIFICATE_BLOCKED',
  'CERTIFICATE_REVOKED',
  'CERTIFICATE_REVOKE',
  'SIGNATURE_INVALID',
  'SIGNATURE_MISSING',
  'ROLE_INVALID',
]);

/** Whether an error reply refuses the TPP itself (its certificate or request signature). */
export function refusesTpp(res: HttpResponse): boolean {
  return tppMessages(res.text).some((m) => TPP_REFUSALS.has(m.code));
}

/**
 * A Berlin Group error reply below 500 → the connector error it means (docs/providers/accessbank.md
 * "Errors"). `secondsToReset` is the wait when a 429 names none (`frequencyPerDay` resets at the
 * bank's midnight). 401/403 `CONSENT_INVALID` is decided by the caller, who asks the consent's
 * status: only a consent that is no longer valid needs the person again.
 */
export function mapBgError(res: HttpResponse, secondsToReset: () => number): AnyConnectorError {
  const messages = tppMessages(res.text);
  const codes = messages.map((m) => m.code);
  const code = codes.find((c) => TPP_REFUSALS.has(c)) ?? codes[0] ?? null;
  const details = { provider: PROVIDER, status: res.status, providerCode: code, body: res.text };
  const what = `${res.target}: bank answered ${res.status}${code ? ` ${code}` : ''}`;
  const has = (c: string) => codes.includes(c);
  // The bank refuses the TPP, not the consent: a deployment's signing or certificate setup is
  // wrong (ACCESSBANK_SIGNING_KEY / _CERT, ACCESSBANK_TLS_*), which the person cannot fix.
  if (code !== null && TPP_REFUSALS.has(code))
    return new ProtocolViolation(
      `${what}: the bank refuses the TPP's request signature or certificate (check ACCESSBANK_SIGNING_KEY and ACCESSBANK_SIGNING_CERT)`,
      details,
    );
  switch (res.status) {
    case 429: {
      const header = Number(res.headers.get('retry-after'));
      const wait = Number.isFinite(header) && header > 0 ? header : secondsToReset();
      return new RateLimited(wait, what, details);
    }
    case 401:
    case 403:
      if (has('CONSENT_EXPIRED')) return new ReauthRequired('consent_expired', what, details);
      if (has('CONSENT_UNKNOWN')) return new ReauthRequired('consent_revoked', what, details);
      if (has('CONSENT_INVALID')) return new ReauthRequired('consent_revoked', what, details); // refined by the caller
      if (res.status === 401) return new ReauthRequired('insufficient_access', what, details);
      return new NotPermitted(what, details);
    case 404:
    case 405:
    case 406:
      return new Unsupported(what, details);
    case 400:
      if (has('CONSENT_UNKNOWN')) return new ReauthRequired('consent_revoked', what, details);
      if (has('CONSENT_EXPIRED')) return new ReauthRequired('consent_expired', what, details);
      if (has('SERVICE_INVALID') || has('PARAMETER_NOT_SUPPORTED') || has('SERVICE_BLOCKED'))
        return new Unsupported(what, details);
      return new ProtocolViolation(what, { ...details, body: res.text });
    default:
      return new ProtocolViolation(what, { ...details, body: res.text });
  }
}

/** Whether an error reply carries `code` among its messages. */
export function hasCode(res: HttpResponse, code: string): boolean {
  return tppMessages(res.text).some((m) => m.code === code);
}
