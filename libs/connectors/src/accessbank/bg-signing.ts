import { X509Certificate, createHash, createPrivateKey, createSign, type KeyObject } from 'node:crypto';

/**
 * Berlin Group request signing (NextGenPSD2 Implementation Guidelines, "Signatures", after
 * draft-cavage-http-signatures): every request carries
 * - `Digest: SHA-256=<base64 of the SHA-256 of the body bytes>` (of the empty string without a body);
 * - `Signature: keyId="SN=<serial, hex>,CA=<issuer DN>",algorithm="rsa-sha256",headers="…",signature="…"`,
 *   an RSA-SHA256 signature of the cavage signing string: each header of `headers` as
 *   `name: value` (lower-case name, trimmed value), in that order, joined by `\n`;
 * - `TPP-Signature-Certificate: <base64 of the DER certificate>`;
 * - `Date` (RFC 7231 IMF-fixdate) when the request has none.
 * Signed: `digest`, `x-request-id`, `date`, and `psu-id`, `psu-corporate-id`, `tpp-redirect-uri`
 * when the request has them.
 */

/** The headers signed whenever present, after the always-signed `digest`, `x-request-id`, `date`. */
const CONDITIONAL = ['psu-id', 'psu-corporate-id', 'tpp-redirect-uri'] as const;

/** A configuration problem of the signing key or certificate; never quotes the key. */
export class SigningConfigError extends Error {
  override readonly name = 'SigningConfigError';
  constructor(
    /** The variable at fault (`ACCESSBANK_SIGNING_KEY`…), for the boot-time problem list. */
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/** The PEM texts of the key and certificate, and the variable names to report problems under. */
export interface SigningMaterial {
  readonly keyPem: string;
  readonly certificatePem: string;
  readonly keyVariable?: string;
  readonly certificateVariable?: string;
}

/** Signs Berlin Group requests with one key and its certificate. */
export class RequestSigner {
  /** `SN=<hex serial>,CA=<issuer DN>`. */
  readonly keyId: string;
  /** `TPP-Signature-Certificate`: the DER certificate in base64. */
  readonly certificateHeader: string;

  private constructor(
    private readonly key: KeyObject,
    readonly certificate: X509Certificate,
  ) {
    this.keyId = `SN=${certificate.serialNumber.toUpperCase()},CA=${issuerDn(certificate)}`;
    this.certificateHeader = certificate.raw.toString('base64');
  }

  /**
   * A signer for a PEM private key (RSA) and the PEM certificate of its public key.
   * @throws {SigningConfigError} naming the variable at fault, never the key's content.
   */
  static fromPem(material: SigningMaterial): RequestSigner {
    const keyVar = material.keyVariable ?? 'signing key';
    const certVar = material.certificateVariable ?? 'signing certificate';
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(material.certificatePem);
    } catch {
      throw new SigningConfigError(certVar, 'not a PEM X.509 certificate');
    }
    let key: KeyObject;
    try {
      // Only the private key is accepted: a certificate or public key here is a mistake.
      if (!/-----BEGIN (RSA |ENCRYPTED )?PRIVATE KEY-----/.test(material.keyPem)) throw new Error();
      key = createPrivateKey(material.keyPem);
    } catch {
      // The parser's own message is not passed on: it could quote the key.
      throw new SigningConfigError(keyVar, 'not an unencrypted PEM private key');
    }
    if (key.asymmetricKeyType !== 'rsa')
      throw new SigningConfigError(keyVar, `must be an RSA key (rsa-sha256), not ${key.asymmetricKeyType}`);
    if (!certificate.checkPrivateKey(key))
      throw new SigningConfigError(keyVar, `does not match the public key of the certificate in ${certVar}`);
    return new RequestSigner(key, certificate);
  }

  /**
   * The request's headers with `Date` (when absent), `Digest`, `Signature` and
   * `TPP-Signature-Certificate` added, over exactly `body` (UTF-8, as sent; none = empty).
   * Header names are expected in lower case, as the connector builds them.
   */
  sign(
    headers: Readonly<Record<string, string>>,
    body: string | undefined,
    now: Date = new Date(),
  ): Record<string, string> {
    const out: Record<string, string> = { ...headers };
    if (!out.date) out.date = now.toUTCString();
    out.digest = digestOf(Buffer.from(body ?? '', 'utf8'));
    const signed = ['digest', 'x-request-id', 'date', ...CONDITIONAL].filter((h) => out[h] !== undefined);
    const signature = createSign('RSA-SHA256').update(signingString(signed, out)).sign(this.key, 'base64');
    out.signature =
      `keyId="${this.keyId}",algorithm="rsa-sha256",` +
      `headers="${signed.join(' ')}",signature="${signature}"`;
    out['tpp-signature-certificate'] = this.certificateHeader;
    return out;
  }
}

/** `SHA-256=<base64>` of the bytes. */
export function digestOf(bytes: Buffer): string {
  return `SHA-256=${createHash('sha256').update(bytes).digest('base64')}`;
}

/** The cavage signing string of `names` (lower case) over `headers` (keys in lower case). */
export function signingString(names: readonly string[], headers: Readonly<Record<string, string>>): string {
  return names
    .map((n) => {
      const v = headers[n];
      if (v === undefined) throw new Error(`no ${n} header to sign`);
      return `${n}: ${v.trim()}`;
    })
    .join('\n');
}

/**
 * The issuer's distinguished name as one `keyId` value: its attributes comma-separated, most
 * specific first (`CN=…,O=…,C=…`, as the guidelines' example), with `%`, `,`, `"`, `\` and spaces
 * percent-encoded so the value stays one unquoted token inside the quoted `keyId`.
 */
export function issuerDn(certificate: X509Certificate): string {
  return certificate.issuer
    .split('\n')
    .reverse()
    .map((rdn) =>
      rdn
        .replace(/\\(.)/g, '$1') // Node escapes `,` and the like in `issuer`: the raw value is encoded instead
        .replace(/[% ,"\\]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`),
    )
    .join(',');
}
