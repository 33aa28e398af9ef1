/**
 * A tiny hand-written schema toolkit for bank bodies. Guards take `unknown` (what JSON.parse
 * returned) and produce typed wire values, or throw {@link WireShapeError} with a JSON path; no
 * `any` crosses the edge. Absent and `null` are the same thing on the wire (OBP views serialise
 * hidden fields as null; other banks omit them), so optional fields come out as `T | null`.
 */

/** A body that does not have the promised shape, at `path` (e.g. `$.transactions[3].details`). */
export class WireShapeError extends Error {
  override readonly name = 'WireShapeError';
  /** The smallest enclosing list item, to quote in the error instead of the whole body. */
  item: unknown = undefined;

  constructor(
    readonly path: string,
    readonly expected: string,
    actual: unknown,
  ) {
    super(`${path}: expected ${expected}, got ${describe(actual)}`);
  }
}

/** A JSON object with unknown members. */
export type WireObject = Readonly<Record<string, unknown>>;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 20 ? 'a string' : `"${value}"`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** Parses JSON text; a syntax error becomes a {@link WireShapeError} at `$`. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new WireShapeError('$', 'a JSON document', text.length === 0 ? undefined : 'unparseable text');
  }
}

export function object(value: unknown, path: string): WireObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WireShapeError(path, 'an object', value);
  }
  return value as WireObject;
}

export function optObject(value: unknown, path: string): WireObject | null {
  return value === null || value === undefined ? null : object(value, path);
}

export function string(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new WireShapeError(path, 'a string', value);
  return value;
}

export function optString(value: unknown, path: string): string | null {
  return value === null || value === undefined ? null : string(value, path);
}

export function optBoolean(value: unknown, path: string): boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'boolean') throw new WireShapeError(path, 'a boolean', value);
  return value;
}

export function optNumber(value: unknown, path: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new WireShapeError(path, 'a number', value);
  return value;
}

/** A required array whose items are parsed by `item`; a failing item is attached to the error. */
export function array<T>(value: unknown, path: string, item: (v: unknown, path: string) => T): T[] {
  if (!Array.isArray(value)) throw new WireShapeError(path, 'an array', value);
  return value.map((v, i) => {
    try {
      return item(v, `${path}[${i}]`);
    } catch (err) {
      if (err instanceof WireShapeError && err.item === undefined) err.item = v;
      throw err;
    }
  });
}

/** One item of a {@link lenientArray}: its guarded value, or why it was refused. */
export type Lenient<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireShapeError };

/**
 * An array whose items are guarded one by one: an item that fails its guard is kept as an error
 * instead of failing the list. For best-effort lists (cards, payment orders), where one card of
 * an unknown shape must not hide the others.
 */
export function lenientArray<T>(
  value: unknown,
  path: string,
  item: (v: unknown, path: string) => T,
): Lenient<T>[] {
  if (!Array.isArray(value)) throw new WireShapeError(path, 'an array', value);
  return value.map((v, i) => {
    try {
      return { ok: true, value: item(v, `${path}[${i}]`) } as const;
    } catch (err) {
      if (!(err instanceof WireShapeError)) throw err;
      if (err.item === undefined) err.item = v;
      return { ok: false, error: err } as const;
    }
  });
}

/** An optional array: absent or null gives `[]`. */
export function optArray<T>(value: unknown, path: string, item: (v: unknown, path: string) => T): T[] {
  return value === null || value === undefined ? [] : array(value, path, item);
}
