import { Pkr } from '../seed/money.js';
import { toJson } from './json.js';

describe('toJson', () => {
  it('writes amounts as number literals from paisa and the rest as JSON.stringify', () => {
    const value = {
      a: new Pkr(199_950),
      b: [new Pkr(1), new Pkr(2_400_000)],
      c: null,
      d: 'x"y',
      e: undefined,
      f: { g: true, h: 0 },
    };
    expect(toJson(value)).toBe('{"a":1999.5,"b":[0.01,24000],"c":null,"d":"x\\"y","f":{"g":true,"h":0}}');
    expect(JSON.parse(toJson(value))).toEqual({
      a: 1999.5,
      b: [0.01, 24000],
      c: null,
      d: 'x"y',
      f: { g: true, h: 0 },
    });
  });

  it('equals JSON.stringify for plain values', () => {
    const plain = { s: 'Оплата — ✓', n: [1, -2.5, 0], o: {}, a: [], t: false };
    expect(toJson(plain)).toBe(JSON.stringify(plain));
  });
});
