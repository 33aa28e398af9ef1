import { HisobError } from '#common/http/problem.js';

/**
 * Opaque keyset cursors: base64url JSON. Anything that does not decode to the expected shape is a
 * `validation_failed` on `cursor`, never a 500.
 */
export function encodeCursor(value: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<K extends string>(cursor: string, keys: readonly K[]): Record<K, string> {
  const bad = () =>
    HisobError.validation([{ field: 'cursor', message: 'cursor is not valid' }], 'The cursor is not valid');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!parsed || typeof parsed !== 'object') throw bad();
  const out = {} as Record<K, string>;
  for (const k of keys) {
    const v = (parsed as Record<string, unknown>)[k];
    if (typeof v !== 'string' && typeof v !== 'number') throw bad();
    out[k] = String(v);
  }
  return out;
}
