/**
 * Iterates `source` one item ahead: while the caller handles an item (writes a page to
 * PostgreSQL), the next one is already being produced (the next page is in flight from the bank).
 * The bank request and the database write overlap instead of alternating; checkpoints are
 * unaffected, since each page still carries its own. An error of the item read ahead surfaces
 * when the caller reaches it, exactly as without read-ahead.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  try {
    for (;;) {
      const current = await next;
      if (current.done) return;
      next = it.next();
      // Handled when awaited on the next turn; this only keeps it from counting as unhandled meanwhile.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    await it.return?.(undefined);
  }
}
