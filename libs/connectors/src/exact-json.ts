import { WireShapeError } from './wire.js';

/**
 * A JSON number as the bank wrote it. Some banks send money as JSON numbers (Alif Shop:
 * `"amount_pkr": 1999.5`); `JSON.parse` would turn them into binary floats, and an amount must
 * never pass through float arithmetic. {@link parseExactJson} keeps the text instead, and the
 * mappers hand it to `parseBankAmount` like any decimal string.
 */
export class JsonNumber {
  constructor(readonly text: string) {}

  /** For counts and page numbers only (never money): a safe integer, else null. */
  toSafeInteger(): number | null {
    if (!/^-?(0|[1-9]\d*)$/.test(this.text)) return null;
    const n = Number(this.text);
    return Number.isSafeInteger(n) ? n : null;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const MAX_DEPTH = 64;

/**
 * Parses JSON text as `JSON.parse` does (RFC 8259), except that every number becomes a
 * {@link JsonNumber} holding its exact text.
 *
 * @throws {WireShapeError} at `$` for text that is not one JSON document, or nests deeper than 64.
 */
export function parseExactJson(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new WireShapeError('$', 'a JSON document', `${what} at offset ${i}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t'))
      i++;
  };
  const value = (depth: number): unknown => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('a key expected');
        const key = string();
        ws();
        if (text[i++] !== ':') fail('":" expected');
        Object.defineProperty(obj, key, {
          value: value(depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i++] === '}') return obj;
        fail('"," or "}" expected');
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i++] === ']') return arr;
        fail('"," or "]" expected');
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', i)) return ((i += 4), true);
    if (text.startsWith('false', i)) return ((i += 5), false);
    if (text.startsWith('null', i)) return ((i += 4), null);
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m === null) return fail('a value expected');
    i += m[0].length;
    return new JsonNumber(m[0]);
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('an unterminated string');
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('a malformed string');
    }
  };
  const result = value(0);
  ws();
  if (i !== text.length) fail('trailing text');
  return result;
}
