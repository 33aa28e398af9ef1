/**
 * `data_as_of` of a read over several accounts: the oldest of them, and null as soon as one was
 * never read completely (its data is "as of never", older than any time) or there is none.
 */
export function oldestDataAsOf(values: ReadonlyArray<Date | null>): Date | null {
  if (!values.length) return null;
  let oldest: Date | null = null;
  for (const v of values) {
    if (!v) return null;
    if (!oldest || v < oldest) oldest = v;
  }
  return oldest;
}

export const isoOrNull = (d: Date | null): string | null => (d ? d.toISOString() : null);
