/**
 * Bank bodies quoted in errors and logs (`ProtocolViolation.excerpt`, `sync.last_error`) are cut
 * to 500 bytes (STYLE §6.8) and scrubbed of what must never be stored or logged: OAuth tokens,
 * JWTs, card numbers and IBAN-length digit runs.
 */
export const EXCERPT_MAX_BYTES = 500;

/**
 * Names of secret fields, snake_case and camelCase alike (`access_token`, `accessToken`,
 * `clientSecret`, `idToken`…), as JSON keys or form/query parameters.
 */
const SECRET_NAME =
  '(?:access[_-]?token|refresh[_-]?token|id[_-]?token|token|code|code[_-]?verifier|client[_-]?secret|' +
  'password|otp|api[_-]?key|secret[_-]?key|webhook[_-]?secret|assertion|client[_-]?assertion)';

const REDACTIONS: ReadonlyArray<readonly [RegExp, string]> = [
  // JSON: "access_token":"…", "accessToken": "…", "clientSecret":"…" (any case).
  [new RegExp(`("${SECRET_NAME}"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*"`, 'gi'), '$1[redacted]"'],
  // The same inside text or escaped JSON: accessToken: "…", \"access_token\":\"…\", token='…'.
  [new RegExp(`(${SECRET_NAME}\\\\?["']?\\s*[:=]\\s*\\\\?["'])[^"'\\\\]*`, 'gi'), '$1[redacted]'],
  // Unquoted in text: accessToken: abc…, refresh_token abc… is left alone (no separator).
  [new RegExp(`(${SECRET_NAME}\\s*:\\s*)(?!\\[redacted)[A-Za-z0-9._~+/=-]{8,}`, 'gi'), '$1[redacted]'],
  // Form-encoded or query: access_token=…&, refreshToken=…, client_secret=… up to & ; space or quote.
  [new RegExp(`((?:^|[?&;\\s"'])${SECRET_NAME}=)[^&;\\s"']*`, 'gi'), '$1[redacted]'],
  // Bearer / Basic / DirectLogin credentials echoed back.
  [/\b(Bearer|Basic|DirectLogin\s+token=)\s*[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
  // Compact JWS/JWE anywhere.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[jwt]'],
  // PANs and long account numbers: keep the last four digits.
  [/\b(?:\d[ -]?){8,30}(\d{4})\b/g, '…$1'],
];

/** Redacts secrets in `text` (see module doc). */
export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of REDACTIONS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * A redacted excerpt of at most {@link EXCERPT_MAX_BYTES} UTF-8 bytes, cut on a character
 * boundary. Redaction runs before the cut so a token split at the edge cannot leak.
 */
export function safeExcerpt(text: string, maxBytes = EXCERPT_MAX_BYTES): string {
  const clean = redact(text);
  const bytes = Buffer.from(clean, 'utf8');
  if (bytes.length <= maxBytes) return clean;
  let end = maxBytes - 3; // room for the ellipsis (3 bytes in UTF-8)
  // Step back over UTF-8 continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString('utf8')}…`;
}
