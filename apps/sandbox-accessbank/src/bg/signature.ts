/**
 * The Berlin Group request signature, checked as a bank that demands it (NextGenPSD2
 * Implementation Guidelines, "Signatures", after draft-cavage-http-signatures): with
 * `--require-signature`, every `/v1` request carries
 * - `Digest`: `SHA-256=` or `SHA-512=` and the base64 hash of the body bytes as received;
 * - `Signature`: `keyId="SN=<serial, hex>,CA=<issuer DN>",algorithm="rsa-sha256",headers="…",signature="…"`,
 *   whose `headers` cover `digest` and `x-request-id`, and `date`, `psu-id`, `psu-corporate-id` and
 *   `tpp-redirect-uri` when the request has them; RSA-SHA256 over the cavage signing string;
 * - `TPP-Signature-Certificate`: the DER certificate in base64, whose serial and issuer the keyId names;
 * - `Date`, an RFC 7231 IMF-fixdate (`Tue, 08 Dec 2026 01:46:48 GMT`).
 * Refusals carry the standard's codes: 401 SIGNATURE_MISSING / SIGNATURE_INVALID /
 * CERTIFICATE_MISSING / CERTIFICATE_INVALID / CERTIFICATE_EXPIRED, 400 FORMAT_ERROR for `Date`.
 */
import { X509Certificate, createHash, createVerify } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import { BgError, formatError } from './errors.js';

/** Headers that must be signed whenever the request has them. */
const SIGNED_WHEN_PRESENT = ['date', 'psu-id', 'psu-corporate-id', 'tpp-redirect-uri'] as const;
const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

const invalid = (text: string, path = 'Signature') => new BgError(401, 'SIGNATURE_INVALID', text, path);

/**
 * Checks the request's signature over `body` (the raw bytes).
 * @throws {BgError} the standard's refusal.
 */
export function verifyRequestSignature(req: IncomingMessage, body: Buffer, now = Date.now()): void {
  const signature = one(req, 'signature');
  if (signature === undefined)
    throw new BgError(
      401,
      'SIGNATURE_MISSING',
      'This ASPSP requires a signed request (Signature).',
      'Signature',
    );
  const encoded = one(req, 'tpp-signature-certificate');
  if (encoded === undefined)
    throw new BgError(
      401,
      'CERTIFICATE_MISSING',
      'TPP-Signature-Certificate is mandatory on a signed request.',
      'TPP-Signature-Certificate',
    );
  const certificate = parseCertificate(encoded);
  if (now < Date.parse(certificate.validFrom) || now > Date.parse(certificate.validTo))
    throw new BgError(
      401,
      'CERTIFICATE_EXPIRED',
      'The signature certificate is outside its validity period.',
      'TPP-Signature-Certificate',
    );

  const date = one(req, 'date');
  if (date === undefined) throw formatError('Date is mandatory on a signed request.', 'Date');
  if (!IMF_FIXDATE.test(date) || new Date(date).toUTCString() !== date)
    throw formatError('Date must be an RFC 7231 date (e.g. "Tue, 08 Dec 2026 01:46:48 GMT").', 'Date');

  const params = parseSignature(signature);
  const algorithm = params.get('algorithm');
  if (algorithm !== undefined && algorithm.toLowerCase() !== 'rsa-sha256')
    throw invalid(`Signature algorithm ${algorithm} is not supported; use rsa-sha256.`);
  checkKeyId(params.get('keyId'), certificate);

  const digest = one(req, 'digest');
  if (digest === undefined) throw invalid('Digest is mandatory on a signed request.', 'Digest');
  if (!digestMatches(digest, body)) throw invalid('Digest does not match the request body.', 'Digest');

  const listed = (params.get('headers') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  for (const h of ['digest', 'x-request-id'])
    if (!listed.includes(h)) throw invalid(`The signature must cover ${h}.`);
  for (const h of SIGNED_WHEN_PRESENT)
    if (one(req, h) !== undefined && !listed.includes(h))
      throw invalid(`The request has ${h}: the signature must cover it.`);

  const lines = listed.map((h) => {
    if (h === '(request-target)') return `${h}: ${(req.method ?? 'GET').toLowerCase()} ${req.url ?? '/'}`;
    const v = one(req, h);
    if (v === undefined) throw invalid(`The signature covers ${h}, which the request does not have.`);
    return `${h}: ${v}`;
  });
  const value = params.get('signature') ?? '';
  let ok = false;
  try {
    ok = createVerify('RSA-SHA256')
      .update(lines.join('\n'))
      .verify(certificate.publicKey, Buffer.from(value, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) throw invalid('The signature does not verify with the certificate.');
}

/** A header's trimmed value; absent or empty → undefined. */
function one(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v.join(', ') : v;
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

function parseCertificate(encoded: string): X509Certificate {
  const refuse = () =>
    new BgError(
      401,
      'CERTIFICATE_INVALID',
      'TPP-Signature-Certificate is not a base64 DER X.509 certificate.',
      'TPP-Signature-Certificate',
    );
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw refuse();
  try {
    return new X509Certificate(Buffer.from(encoded, 'base64'));
  } catch {
    throw refuse();
  }
}

/** `key="value"` pairs of a Signature header; a malformed one is SIGNATURE_INVALID. */
function parseSignature(header: string): Map<string, string> {
  const params = new Map<string, string>();
  const re = /\s*([A-Za-z]+)\s*=\s*"([^"]*)"\s*(?:,|$)/y;
  let at = 0;
  while (at < header.length) {
    re.lastIndex = at;
    const m = re.exec(header);
    if (!m) throw invalid('Signature is not a list of key="value" parameters.');
    params.set(m[1]!, m[2]!);
    at = re.lastIndex;
  }
  for (const k of ['keyId', 'headers', 'signature'])
    if (!params.get(k)) throw invalid(`Signature has no ${k}.`);
  return params;
}

/** `SN=<hex serial>,CA=<issuer DN>` must name the certificate sent. */
function checkKeyId(keyId: string | undefined, certificate: X509Certificate): void {
  const m = /^SN=([0-9A-Fa-f]+),CA=(.+)$/.exec(keyId ?? '');
  if (!m) throw invalid('keyId must be "SN=<certificate serial, hex>,CA=<issuer>".');
  const serial = (s: string) => s.toLowerCase().replace(/^0+(?=.)/, '');
  if (serial(m[1]!) !== serial(certificate.serialNumber))
    throw invalid("keyId's serial number is not the certificate's.");
  const rdns = (list: string[]) => list.map((r) => r.trim()).sort();
  let named: string[];
  try {
    named = m[2]!.split(',').map((r) => decodeURIComponent(r));
  } catch {
    throw invalid("keyId's CA is not a distinguished name.");
  }
  // Node's `issuer` escapes `,` and the like with a backslash; keyId percent-encodes them.
  const issuer = certificate.issuer.split('\n').map((r) => r.replace(/\\(.)/g, '$1'));
  if (JSON.stringify(rdns(named)) !== JSON.stringify(rdns(issuer)))
    throw invalid("keyId's CA is not the certificate's issuer.");
}

/** Whether one `SHA-256=`/`SHA-512=` value of the header matches the body; any other is ignored. */
function digestMatches(header: string, body: Buffer): boolean {
  let known = false;
  for (const part of header.split(',')) {
    const m = /^\s*(SHA-256|SHA-512)=(.+?)\s*$/i.exec(part);
    if (!m) continue;
    known = true;
    const hash = createHash(m[1]!.toUpperCase() === 'SHA-256' ? 'sha256' : 'sha512')
      .update(body)
      .digest('base64');
    if (hash !== m[2]) return false;
  }
  return known;
}
