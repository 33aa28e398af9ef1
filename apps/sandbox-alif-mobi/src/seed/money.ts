/**
 * Money in integer minor units (all sandbox currencies — TJS, USD, EUR, RUB, CNY, KZT, TRY, UZS —
 * are printed with two decimals here). Safe integers are enough: the largest account total of the
 * benchmark stays far below 2^53, and `assertSafe` guards every sum.
 */

export const SCALE = 2;
const UNIT = 100;

export type AmountStyle = 'fixed' | 'stripped';

export function assertSafe(n: number, what = 'amount'): number {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} ${n} is not a safe integer of minor units`);
  return n;
}

/** "-12.30", "1000.00": the full currency scale. */
export function formatFixed(minor: number): string {
  assertSafe(minor);
  const neg = minor < 0;
  const abs = neg ? -minor : minor;
  const units = Math.floor(abs / UNIT);
  const cents = abs - units * UNIT;
  return `${neg ? '-' : ''}${units}.${cents < 10 ? '0' : ''}${cents}`;
}

/**
 * OBP renders amounts with Scala's BigDecimal.toString, so the scale follows whatever the core
 * banking system stored: "-10.5", "1000", "12.30" (research notes §1.5, "Precision is not fixed").
 * The sandbox picks a style per value deterministically; both styles denote the same amount.
 */
export function formatObp(minor: number, style: AmountStyle): string {
  const fixed = formatFixed(minor);
  if (style === 'fixed') return fixed;
  if (fixed.endsWith('.00')) return fixed.slice(0, -3);
  if (fixed.endsWith('0')) return fixed.slice(0, -1);
  return fixed;
}

/** Strict parser used by tests and the control API: "-12.3", "1000", "0.05" → minor units. */
export function parseMinor(s: string): number {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw new RangeError(`not a decimal amount with at most 2 decimals: ${JSON.stringify(s)}`);
  const units = Number(m[2]);
  const cents = Number((m[3] ?? '').padEnd(2, '0'));
  const v = units * UNIT + cents;
  return assertSafe(m[1] ? -v : v);
}

/** Sums minor units with BigInt and returns the fixed-scale decimal string. */
export function sumToDecimal(values: Iterable<number>): string {
  let total = 0n;
  for (const v of values) total += BigInt(v);
  return bigMinorToDecimal(total);
}

export function bigMinorToDecimal(total: bigint): string {
  const neg = total < 0n;
  const abs = neg ? -total : total;
  const units = abs / 100n;
  const cents = abs % 100n;
  return `${neg ? '-' : ''}${units}.${cents.toString().padStart(2, '0')}`;
}

/**
 * Converts an amount with a rate given in 1/10 000 units (109_500 = 10.9500), rounding half away
 * from zero. Integer arithmetic only.
 */
export function convert(minor: number, rate4: number): number {
  const neg = minor < 0;
  const p = assertSafe((neg ? -minor : minor) * rate4, 'fx product');
  const q = Math.floor((p + 5_000) / 10_000);
  return neg ? -q : q;
}

/** "10.9500" for 109_500. */
export function formatRate(rate4: number): string {
  const units = Math.floor(rate4 / 10_000);
  return `${units}.${String(rate4 - units * 10_000).padStart(4, '0')}`;
}
