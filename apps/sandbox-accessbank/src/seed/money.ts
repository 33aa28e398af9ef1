/**
 * Money in integer minor units. TJS, USD and EUR all have two decimals (ISO 4217), so every
 * amount on the wire is printed with exactly two: "-12.30", "1000.00" (the Berlin Group pattern
 * `-?[0-9]{1,14}(\.[0-9]{1,3})?`). Sums go through BigInt.
 */

export function assertSafe(n: number, what = 'amount'): number {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} ${n} is not a safe integer of minor units`);
  return n;
}

/** "-12.30", "1000.00". */
export function formatMinor(minor: number | bigint): string {
  const v = typeof minor === 'bigint' ? minor : BigInt(assertSafe(minor));
  const neg = v < 0n;
  const abs = neg ? -v : v;
  return `${neg ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** Strict parser: "-12.3", "1000", "0.05" → minor units (at most two decimals). */
export function parseMinor(s: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw new RangeError(`not a decimal amount with at most 2 decimals: ${JSON.stringify(s)}`);
  const v = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -v : v;
}

/** Sums minor units with BigInt. */
export function sumMinor(values: Iterable<number>): bigint {
  let total = 0n;
  for (const v of values) total += BigInt(v);
  return total;
}
