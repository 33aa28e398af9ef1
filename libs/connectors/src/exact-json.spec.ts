import fc from 'fast-check';
import { JsonNumber, parseExactJson } from './exact-json.js';
import { WireShapeError } from './wire.js';

/** The parsed value with every JsonNumber back to a JS number, for comparing with JSON.parse. */
const asNumbers = (v: unknown): unknown =>
  v instanceof JsonNumber
    ? Number(v.text)
    : Array.isArray(v)
      ? v.map(asNumbers)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asNumbers(x)]))
        : v;

describe('exact JSON', () => {
  it('keeps every number as the text the bank wrote', () => {
    const sut = parseExactJson(
      '{"a": 1999.5, "b": [0.01, 24000, -3, 1e3], "c": 0.1000000000000000055511151231257827}',
    );
    expect(sut).toEqual({
      a: new JsonNumber('1999.5'),
      b: [new JsonNumber('0.01'), new JsonNumber('24000'), new JsonNumber('-3'), new JsonNumber('1e3')],
      c: new JsonNumber('0.1000000000000000055511151231257827'),
    });
  });

  it('reads what JSON.parse reads, strings and escapes included', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        expect(asNumbers(parseExactJson(text))).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses what JSON.parse refuses', () => {
    for (const bad of [
      '',
      '{',
      '{"a":1,}',
      '[1 2]',
      '01',
      '1.',
      '.5',
      '+1',
      'NaN',
      '"\\x"',
      '{"a":1} x',
      '['.repeat(100) + ']'.repeat(100),
    ])
      expect(() => parseExactJson(bad)).toThrow(WireShapeError);
  });

  it('keeps a key named __proto__ as data', () => {
    const sut = parseExactJson('{"__proto__": {"polluted": 1}}') as Record<string, unknown>;
    expect(Object.keys(sut)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
