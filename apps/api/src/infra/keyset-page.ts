/**
 * The last step of every keyset-paged list: the query asked for `limit + 1` rows; the extra row
 * only says that a next page exists, and the cursor points after the last row returned.
 */
export function keysetPage<T>(
  rows: readonly T[],
  limit: number,
  cursorOf: (last: T) => string,
): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
