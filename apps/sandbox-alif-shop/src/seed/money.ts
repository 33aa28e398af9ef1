/**
 * Money in integer minor units (paisa; 1 PKR = 100 paisa). Every amount is a safe integer,
 * totals are summed with BigInt, and percentages are integer basis points rounded half up, so no
 * amount ever goes through a float. On the wire Alif Shop sends amounts as JSON numbers
 * (`1999.5`, `24000`, `0.01`): `pkrLiteral` writes that literal straight from the integer.
 */

export function assertSafe(n: number, what = 'amount'): number {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} ${n} is not a safe integer of paisa`);
  return n;
}

/**
 * Splits `total` into `count` parts that sum to it exactly: the remainder paisa go to the first
 * instalments, one each (199950 in 4 → 49988, 49988, 49987, 49987).
 */
export function splitEvenly(total: number, count: number): number[] {
  assertSafe(total, 'total');
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`count ${count} must be >= 1`);
  if (total < 0) throw new RangeError(`total ${total} must not be negative`);
  const base = Math.floor(total / count);
  const extra = total - base * count;
  return Array.from({ length: count }, (_, i) => base + (i < extra ? 1 : 0));
}

/** `minor × bp / 10 000`, rounded half up (amounts are never negative here). */
export function basisPoints(minor: number, bp: number): number {
  const p = assertSafe(minor * bp, 'product');
  return Math.floor((p + 5_000) / 10_000);
}

/** The JSON number literal of an amount: `1999.5`, `24000`, `0.01`, `-12.3`. */
export function pkrLiteral(minor: number): string {
  const fixed = formatFixed(minor);
  if (fixed.endsWith('.00')) return fixed.slice(0, -3);
  if (fixed.endsWith('0')) return fixed.slice(0, -1);
  return fixed;
}

/** The full-scale decimal string: `1999.50`, `24000.00`. */
export function formatFixed(minor: number): string {
  assertSafe(minor);
  return bigMinorToDecimal(BigInt(minor));
}

export function bigMinorToDecimal(total: bigint): string {
  const neg = total < 0n;
  const abs = neg ? -total : total;
  return `${neg ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** Sums paisa with BigInt. */
export function sumMinor(values: Iterable<number>): bigint {
  let total = 0n;
  for (const v of values) total += BigInt(v);
  return total;
}

/** "5,000.25": the amount as a person reads it (descriptions only). */
export function formatHuman(minor: number): string {
  const [units, paisa] = formatFixed(minor).split('.') as [string, string];
  return `${units.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${paisa}`;
}

/** An amount that the JSON writer prints as a number literal with at most two decimals. */
export class Pkr {
  constructor(readonly minor: number) {
    assertSafe(minor);
  }
}
