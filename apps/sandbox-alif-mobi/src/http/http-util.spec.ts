import { RawJson } from './http-util.js';

describe('RawJson.array', () => {
  const bytes = (r: RawJson) => Buffer.from(r.json).toString('utf8');

  it('is the JSON text of the object with the array, byte for byte', () => {
    const items = [{ id: 'a', n: 1 }, { note: 'Оплата «Tcell» — 5 %', emoji: '💳' }, [], 'x"y\\z'];
    const r = RawJson.array(
      'transactions',
      items.map((i) => JSON.stringify(i)),
    );
    expect(Buffer.isBuffer(r.json)).toBe(true);
    expect(bytes(r)).toBe(JSON.stringify({ transactions: items }));
    expect(JSON.parse(bytes(r))).toEqual({ transactions: items });
  });

  it('writes an empty and a one-item array', () => {
    expect(bytes(RawJson.array('transactions', []))).toBe('{"transactions":[]}');
    expect(bytes(RawJson.array('k', ['1']))).toBe('{"k":[1]}');
  });
});
