/**
 * NextGenPSD2 error bodies: `{"tppMessages":[{"category":"ERROR","code":…,"text":…}]}` (the
 * `Error4xx_NG_AIS` schemas of the OpenAPI file; `text` is at most 500 characters). The code ⇄
 * status pairs are those of the Implementation Guidelines' message code table (research notes
 * §2.7): e.g. CONSENT_UNKNOWN is 400 when the consent id came in the `Consent-ID` header and 403
 * when it is in the path; RESOURCE_UNKNOWN is 404 for an account id in the path, 403 for another
 * resource in the path and 400 for one in the query or body.
 */

export type TppMessageCode =
  | 'FORMAT_ERROR'
  | 'PARAMETER_NOT_CONSISTENT'
  | 'PARAMETER_NOT_SUPPORTED'
  | 'SERVICE_INVALID'
  | 'RESOURCE_UNKNOWN'
  | 'RESOURCE_EXPIRED'
  | 'PERIOD_INVALID'
  | 'CONSENT_UNKNOWN'
  | 'SESSIONS_NOT_SUPPORTED'
  | 'CONSENT_INVALID'
  | 'CONSENT_EXPIRED'
  | 'SERVICE_BLOCKED'
  | 'STATUS_INVALID'
  | 'ACCESS_EXCEEDED'
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_INVALID'
  | 'CERTIFICATE_MISSING'
  | 'CERTIFICATE_INVALID'
  | 'CERTIFICATE_EXPIRED';

export class BgError extends Error {
  constructor(
    readonly status: number,
    readonly code: TppMessageCode,
    readonly text: string,
    /** The offending element (header, parameter or body path), when there is one. */
    readonly path?: string,
  ) {
    super(`${status} ${code}: ${text}`);
  }

  toBody(): { tppMessages: Array<Record<string, string>> } {
    const msg: Record<string, string> = { category: 'ERROR', code: this.code, text: this.text.slice(0, 500) };
    if (this.path) msg.path = this.path;
    return { tppMessages: [msg] };
  }
}

export const formatError = (text: string, path?: string): BgError =>
  new BgError(400, 'FORMAT_ERROR', text, path);

/**
 * The body an injected fault sends when it names only a status. 500 and 503 have no body: the
 * standard defines no AIS message code for them.
 */
export function faultBody(status: number): Record<string, unknown> | undefined {
  const pick: Record<number, [TppMessageCode, string]> = {
    400: ['FORMAT_ERROR', 'Format of certain request fields is not matching the XS2A requirements.'],
    401: ['CONSENT_INVALID', 'The consent is not valid for the addressed service or resource.'],
    403: ['SERVICE_BLOCKED', 'This service is not reachable for the addressed PSU.'],
    404: ['RESOURCE_UNKNOWN', 'The addressed resource is unknown.'],
    405: ['SERVICE_INVALID', 'The addressed service is not valid for the addressed resources.'],
    409: ['STATUS_INVALID', 'The addressed resource does not allow this in its current status.'],
    429: ['ACCESS_EXCEEDED', 'The access on the account has exceeded the consented multiplicity per day.'],
  };
  const p = pick[status];
  return p ? new BgError(status, p[0], p[1]).toBody() : undefined;
}
