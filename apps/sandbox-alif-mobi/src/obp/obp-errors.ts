/**
 * OBP error bodies: `{"code": <HTTP status>, "message": "OBP-NNNNN: …"}` with chained causes
 * joined by " <- ", outer error first (research notes §1.7, `APIUtil.errorJsonResponse`).
 * Message texts follow OBP's `ErrorMessages.scala`.
 */

export const OBP_MESSAGES = {
  userNotLoggedIn: 'OBP-20001: User not logged in. Authentication is required!',
  invalidAuthorizationHeader: 'OBP-20080: Authorization Header format is not supported at this instance.',
  oauth2NotRecognised: 'OBP-20214: OAuth2 Access Token is not recognised at this instance.',
  // ErrorMessages.Oauth2BadJOSEException + the nimbus validator's message for a passed `exp`
  // (OBP-API source, api/util/ErrorMessages.scala:258, api/util/JwtUtil.scala:249).
  oauth2Expired:
    'OBP-20206: Bad JSON Object Signing and Encryption (JOSE) exception. The ID token is invalid or expired. Expired JWT',
  userNoOwnerView: 'OBP-20019: User does not have access to owner view. ',
  noViewPermission: 'OBP-30022: The current view does not have the permission:',
  transactionRequestsNotEnabled:
    'OBP-40018: Sorry, Transaction Requests are not enabled in this API instance.',
  userNoPermissionAccessView:
    'OBP-20017: Current user does not have access to the view. Please specify a valid value for VIEW_ID.',
  viewDoesNotPermitAccess: 'OBP-20022: View does not permit the access.',
  bankNotFound: 'OBP-30001: Bank not found. Please specify a valid value for BANK_ID.',
  accountNotFound: 'OBP-30003: Account not found. Please specify a valid value for ACCOUNT_ID.',
  counterpartyNotFound:
    'OBP-30017: Counterparty not found. Please specify a valid value for COUNTERPARTY_ID.',
  bankAccountNotFound:
    'OBP-30018: Bank Account not found. Please specify valid values for BANK_ID and ACCOUNT_ID. ',
  viewNotFound: 'OBP-30005: View not found for Account. Please specify a valid value for VIEW_ID',
  cannotFindAccountAccess: 'OBP-30065: Cannot find account access.',
  transactionNotFound: 'OBP-30067: Transaction not found. Please specify a valid value for TRANSACTION_ID.',
  transactionRequestNotFound: 'OBP-40004: Transaction Request Id not found.',
  sortDirection: 'OBP-10023: obp_sort_direction parameter can only take two values: DESC or ASC!',
  offset: 'OBP-10024: wrong value for obp_offset parameter. Please send a positive integer (=>0)!',
  limit: 'OBP-10025: wrong value for obp_limit parameter. Please send a positive integer (=>1)!',
  dateFormat:
    "OBP-10026: Failed to parse date string. Please use this format yyyy-MM-dd'T'HH:mm:ss.SSS'Z' or that one yyyy-MM-dd'T'HH:mm:ss.SSSZ!",
  tooManyRequests: 'OBP-10018: Too Many Requests.',
  invalidUri:
    'OBP-10404: 404 Not Found. The server could not find the requested URI. Please double check your URL, headers and body. ' +
    'Note: When you are making a POST or PUT request, the Content-Type header MUST be `application/json`. Note: OBP only supports JSON formatted bodies.',
  requestTimeout:
    'OBP-01000: Request Timeout. The OBP API decided to return a timeout. This is probably because a backend service did not respond in time. ',
  adapterFailure:
    'OBP-50003: Adapter Or Core Banking System Exception. Failed to get a valid response from the south side Adapter or Core Banking System.',
  unknownError: 'OBP-50000: Unknown Error.',
  serviceTooBusy: 'OBP-10040: The Service is too busy, please try it later.',
} as const;

export class ObpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): { code: number; message: string } {
    return { code: this.status, message: this.message };
  }
}

/** Joins an OBP error chain, outer error first. */
export function chain(...messages: string[]): string {
  return messages.join(' <- ');
}

/** 401 OBP-20001 with the `WWW-Authenticate` header OBP sends on every 401 (research notes §1.7). */
export function unauthorized(host: string, cause?: string): ObpError {
  const message = cause ? chain(OBP_MESSAGES.userNotLoggedIn, cause) : OBP_MESSAGES.userNotLoggedIn;
  return new ObpError(401, message, { 'WWW-Authenticate': wwwAuthenticate(host) });
}

export function wwwAuthenticate(host: string): string {
  return `OAuth realm="${host}", Bearer realm="${host}", DirectLogin realm="${host}"`;
}

/**
 * The 429 of OBP's rate limiter (research notes §1.8): OBP-10018, the three X-Rate-Limit-*
 * headers with `Reset` in seconds remaining in the window, and deliberately no `Retry-After`.
 */
export function tooManyRequests(limitPerMinute: number, resetSeconds: number): ObpError {
  return new ObpError(
    429,
    `${OBP_MESSAGES.tooManyRequests} We only allow ${limitPerMinute} requests per minute for this Consumer.`,
    {
      'X-Rate-Limit-Limit': String(limitPerMinute),
      'X-Rate-Limit-Remaining': '0',
      'X-Rate-Limit-Reset': String(resetSeconds),
    },
  );
}

/** Default OBP-shaped body for an injected fault status without a body. */
export function faultError(status: number, host: string, resetSeconds: number): ObpError {
  switch (status) {
    case 401:
      return unauthorized(host);
    case 403:
      return new ObpError(403, OBP_MESSAGES.userNoPermissionAccessView);
    case 404:
      return new ObpError(404, OBP_MESSAGES.invalidUri);
    case 408:
      return new ObpError(408, OBP_MESSAGES.requestTimeout);
    case 429:
      return tooManyRequests(60, resetSeconds);
    case 503:
      return new ObpError(503, OBP_MESSAGES.serviceTooBusy);
    default:
      // OBP answers core-banking failures with 400 (research notes §1.7 table).
      if (status === 400) return new ObpError(400, OBP_MESSAGES.adapterFailure);
      return new ObpError(status, OBP_MESSAGES.unknownError);
  }
}
