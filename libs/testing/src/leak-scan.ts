/**
 * Looks for secrets in what Hisob wrote or answered (log lines, response bodies and headers,
 * webhook bodies): the secrets a test knows (bank tokens, API keys, webhook secrets, the admin
 * token, OTPs) and any full card number (a Luhn-valid run of 15–19 digits, as PANs are; shorter
 * runs and runs starting with 1 are timestamps and ids, not cards).
 */
export interface Secret {
  readonly kind: string;
  readonly value: string;
  /** Look for it only in these sources (e.g. an OTP's digits may be an amount in a response). */
  readonly only?: (source: string) => boolean;
}

export interface Leak {
  readonly kind: string;
  readonly source: string;
  /** Where in the text, and a few characters around it with the secret itself masked. */
  readonly at: number;
  readonly context: string;
}

/**
 * A card number: 15–19 digits standing as a token of their own. A run of digits inside a longer
 * letters-and-digits token (a hex signature, a hash) is not one: a 64-character hex HMAC holds a
 * Luhn-valid 16-digit run in about one webhook in a few hundred.
 */
const PAN = /(?<![0-9A-Za-z])[2-9]\d{14,18}(?![0-9A-Za-z])/g;

/** The Luhn check digit rule (ISO/IEC 7812-1). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function findLeaks(
  texts: ReadonlyArray<{ readonly source: string; readonly text: string }>,
  secrets: readonly Secret[],
): Leak[] {
  const leaks: Leak[] = [];
  const context = (text: string, at: number, length: number) =>
    `${text.slice(Math.max(0, at - 40), at)}«${'*'.repeat(Math.min(length, 8))}»${text.slice(at + length, at + length + 40)}`;
  for (const { source, text } of texts) {
    for (const s of secrets) {
      if (s.value.length < 6 || (s.only && !s.only(source))) continue;
      for (let at = text.indexOf(s.value); at >= 0; at = text.indexOf(s.value, at + 1)) {
        leaks.push({ kind: s.kind, source, at, context: context(text, at, s.value.length) });
      }
    }
    for (const m of text.matchAll(PAN)) {
      if (luhnValid(m[0]))
        leaks.push({ kind: 'full PAN', source, at: m.index, context: context(text, m.index, m[0].length) });
    }
  }
  return leaks;
}
