/**
 * ISO 4217 currencies and their minor-unit exponents.
 *
 * Why a table of our own: Node's `Intl` follows CLDR *display* rules, which differ from ISO 4217
 * (Node 20 formats PKR with 0 decimals although ISO 4217 gives PKR 2 minor digits —
 * research/bepaid-alif-facts.md §5). The exponent decides how a wire string becomes minor units,
 * so it must never come from a display library.
 *
 * Extending: add one line. Codes absent from the table are rejected at the edge (a bank sending
 * an unknown currency is a protocol violation until someone adds it here, deliberately).
 */
export const CURRENCY_EXPONENTS = {
  // The currencies Hisob's providers use today.
  TJS: 2,
  PKR: 2,
  USD: 2,
  EUR: 2,
  RUB: 2,
  CNY: 2,
  // Neighbours and frequent remittance corridors.
  UZS: 2,
  KZT: 2,
  KGS: 2,
  AFN: 2,
  TRY: 2,
  AED: 2,
  GBP: 2,
  CHF: 2,
  INR: 2,
  BYN: 2,
  GEL: 2,
  AMD: 2,
  AZN: 2,
  SAR: 2,
  IRR: 2,
  TMT: 2,
  UAH: 2,
  PLN: 2,
  CZK: 2,
  SEK: 2,
  NOK: 2,
  DKK: 2,
  CAD: 2,
  AUD: 2,
  HKD: 2,
  SGD: 2,
  // ISO 4217 zero-decimal currencies.
  JPY: 0,
  KRW: 0,
  VND: 0,
  ISK: 0,
  CLP: 0,
  PYG: 0,
  UGX: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  // ISO 4217 three-decimal currencies.
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
} as const satisfies Record<string, 0 | 2 | 3 | 4>;

/** An ISO 4217 alphabetic code known to Hisob (a key of {@link CURRENCY_EXPONENTS}). */
export type CurrencyCode = keyof typeof CURRENCY_EXPONENTS;

/** True when `code` is an upper-case ISO 4217 code present in {@link CURRENCY_EXPONENTS}. */
export function isCurrencyCode(code: unknown): code is CurrencyCode {
  return typeof code === 'string' && Object.hasOwn(CURRENCY_EXPONENTS, code);
}

/** Number of minor-unit digits of `code` (2 for TJS: 1 somoni = 100 diram). */
export function currencyExponent(code: CurrencyCode): number {
  return CURRENCY_EXPONENTS[code];
}
