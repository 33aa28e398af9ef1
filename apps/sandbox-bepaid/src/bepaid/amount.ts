/**
 * bePaid amounts are integers in the currency's minor units (TJS 42.99 → `4299`;
 * docs.bepaid.by). The control API also takes a decimal string in major units, converted here
 * by its digits — never through a float.
 */

/** ISO 4217 minor-unit exponents that differ from 2 (the bePaid PHP SDK's Money table). */
const EXPONENT: Readonly<Record<string, number>> = {
  BIF: 0,
  BYR: 0,
  CLF: 0,
  CLP: 0,
  CVE: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
};

export function minorExponent(currency: string): number {
  return EXPONENT[currency] ?? 2;
}

/** The largest amount accepted: bePaid's amounts are JSON integers, kept exact in a double. */
const MAX_MINOR = Number.MAX_SAFE_INTEGER;

/**
 * Minor units from a JSON integer (already minor units) or a decimal string in major units
 * (`"12.5"`, `"12.50"`, `"12"`); undefined for anything else, zero, negatives and surplus digits.
 */
export function toMinorUnits(amount: unknown, currency: string): number | undefined {
  if (typeof amount === 'number') return Number.isSafeInteger(amount) && amount > 0 ? amount : undefined;
  if (typeof amount !== 'string') return undefined;
  const e = minorExponent(currency);
  const m = /^(\d{1,16})(?:\.(\d+))?$/.exec(amount);
  if (!m || (m[2] !== undefined && (m[2].length > e || e === 0))) return undefined;
  const minor = BigInt(m[1]!) * 10n ** BigInt(e) + BigInt((m[2] ?? '').padEnd(e, '0') || '0');
  return minor > 0n && minor <= BigInt(MAX_MINOR) ? Number(minor) : undefined;
}

/** Major units as a decimal string at the currency's scale (`1250` TJS → `"12.50"`). */
export function toMajorString(minor: number, currency: string): string {
  const e = minorExponent(currency);
  if (e === 0) return String(minor);
  const digits = String(minor).padStart(e + 1, '0');
  return `${digits.slice(0, -e)}.${digits.slice(-e)}`;
}
