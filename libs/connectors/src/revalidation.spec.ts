import { NotPermitted, Transient, Unsupported } from './connector-errors.js';
import {
  ResourceProbe,
  SchemaDiff,
  driftCounts,
  driftReport,
  maskId,
  readPaths,
  renderDriftReport,
  resourceError,
  s,
  safeCode,
} from './revalidation.js';

const schema = s.object({
  items: s.required(
    s.array(
      s.object(
        {
          id: s.string(),
          amount: s.object({ currency: s.string(), amount: s.string() }),
          kind: s.string({ enum: 'kind' }),
          flags: s.array(s.string({ enum: 'kind' }), { presence: 'optional' }),
          a: s.string({ presence: 'optional' }),
          b: s.string({ presence: 'optional' }),
          extras: s.ignored(),
        },
        { anyOf: [['a', 'b']] },
      ),
    ),
  ),
});
const enums = { kind: (v: string) => ['CARD', 'FEE'].includes(v) };
const good = {
  id: 'x1',
  amount: { currency: 'TJS', amount: '1.5' },
  kind: 'CARD',
  a: 'yes',
  extras: { any: [1] },
};

describe('the schema diff', () => {
  it('finds nothing in a body as the schema expects it, nulls included', () => {
    const d = new SchemaDiff(schema, enums).add({
      items: [good, { ...good, id: null, amount: null, b: 'x', a: undefined }],
    });
    expect(d.drift()).toEqual([]);
  });

  it('reports fields present on the wire and not in the schema, with their JSON type only', () => {
    const d = new SchemaDiff(schema, enums).add({
      items: [
        { ...good, pan: '4444333322221111' },
        { ...good, pan: 'x' },
      ],
    });
    expect(d.drift()).toEqual([
      {
        kind: 'unknown_field',
        path: '$.items[].pan',
        expected: 'no such field',
        actual: 'string',
        count: 2,
        at: '$.items[0].pan',
      },
    ]);
    expect(JSON.stringify(d.drift())).not.toContain('4444');
  });

  it('reports expected fields that are absent, and a required one that is null', () => {
    const { id: _id, ...noId } = good;
    expect(new SchemaDiff(schema, enums).add({ items: [noId] }).drift()).toEqual([
      expect.objectContaining({
        kind: 'missing_field',
        path: '$.items[].id',
        actual: 'absent',
        expected: 'string',
      }),
    ]);
    expect(new SchemaDiff(schema, enums).add({ items: null }).drift()).toEqual([
      expect.objectContaining({ kind: 'missing_field', path: '$.items', actual: 'null' }),
    ]);
    expect(
      new SchemaDiff(schema, enums)
        .add({ other: [] })
        .drift()
        .map((f) => [f.kind, f.path]),
    ).toEqual([
      ['missing_field', '$.items'],
      ['unknown_field', '$.other'],
    ]);
  });

  it('reports a group of alternatives none of which is present', () => {
    const { a: _a, ...neither } = good;
    expect(new SchemaDiff(schema, enums).add({ items: [neither] }).drift()).toEqual([
      expect.objectContaining({ kind: 'missing_field', path: '$.items[].a|b' }),
    ]);
  });

  it('reports type changes, without descending into the changed value', () => {
    const d = new SchemaDiff(schema, enums).add({
      items: [
        { ...good, amount: { currency: 'TJS', amount: -12.5 } },
        { ...good, id: 7 },
        { ...good, amount: 'x' },
      ],
    });
    expect(d.drift().map((f) => [f.kind, f.path, f.expected, f.actual, f.at])).toEqual([
      ['type_changed', '$.items[].amount', 'object', 'string', '$.items[2].amount'],
      ['type_changed', '$.items[].amount.amount', 'string', 'number', '$.items[0].amount.amount'],
      ['type_changed', '$.items[].id', 'string', 'number', '$.items[1].id'],
    ]);
  });

  it('reports codes the mappers do not know, each once with its count, masked', () => {
    const d = new SchemaDiff(schema, enums).add({
      items: [
        { ...good, kind: 'P2P' },
        { ...good, kind: 'P2P', flags: ['FEE', 'CARD_4444333322221111'] },
      ],
    });
    expect(d.drift()).toEqual([
      expect.objectContaining({
        kind: 'new_enum_value',
        path: '$.items[].flags[]',
        actual: '"CARD_…11"',
        count: 1,
      }),
      expect.objectContaining({ kind: 'new_enum_value', path: '$.items[].kind', actual: '"P2P"', count: 2 }),
    ]);
  });

  it('notes read fields that never carried a value, but only where their object was seen', () => {
    const d = new SchemaDiff(schema, enums).add({
      items: [
        { ...good, id: null },
        { ...good, id: null },
      ],
    });
    expect(d.notes()).toEqual([
      { kind: 'no_value', path: '$.items[].b', actual: 'absent' },
      { kind: 'no_value', path: '$.items[].flags', actual: 'absent' },
      { kind: 'no_value', path: '$.items[].id', actual: 'null' },
    ]);
    expect(new SchemaDiff(schema, enums).add({ items: [] }).notes()).toEqual([]);
    const lists = s.object({ tags: s.array(s.string()), legacy: s.quiet(s.string()) });
    expect(new SchemaDiff(lists).add({ tags: [] }).notes()).toEqual([
      { kind: 'no_value', path: '$.tags', actual: 'empty' },
    ]);
  });

  it('lists the paths the schema reads', () => {
    expect(readPaths(schema)).toEqual([
      '$.items',
      '$.items[].id',
      '$.items[].amount',
      '$.items[].amount.currency',
      '$.items[].amount.amount',
      '$.items[].kind',
      '$.items[].flags',
      '$.items[].a',
      '$.items[].b',
    ]);
  });
});

describe('masking', () => {
  it('keeps codes short and free of card or account numbers and tokens', () => {
    expect(safeCode('CARD_PAYMENT')).toBe('CARD_PAYMENT');
    expect(safeCode('4444 3333 2222 1111')).not.toMatch(/\d{5}/);
    expect(safeCode('TJ86ALIF20216972900012345678')).toBe('TJ86ALIF…78');
    expect(safeCode('Bearer abcdefghijklmnopqrstuvwxyz')).toBe('Bearer [redacted]');
    expect(safeCode('x'.repeat(100))).toHaveLength(40);
    expect(safeCode('A\u0000B\nC')).toBe('ABC');
    expect(maskId('8ca8a7e4-6d02-48e3-a029-0b2bf89de9f0')).toBe('…9f0');
  });
});

describe('the report', () => {
  function probes() {
    const ok = new ResourceProbe('items', 'accounts', schema, enums);
    ok.answered({ items: [{ ...good, kind: 'NEW' }] });
    const off = new ResourceProbe('cards', 'cards', schema);
    off.failed(
      resourceError(
        'GET /cards',
        null,
        new Unsupported('off', { provider: 'p', status: 404, providerCode: 'OBP-10404' }),
      ),
    );
    const mixed = new ResourceProbe('balances', 'balances', schema);
    mixed.answered({ items: [] });
    mixed.failed(
      resourceError(
        'GET /b',
        'acc-123456',
        new NotPermitted('no', { status: 400, providerCode: 'OBP-30065' }),
      ),
    );
    mixed.failed(resourceError('GET /b', 'acc-654321', new Transient('down', { status: 503 })));
    const skipped = new ResourceProbe('transfers', 'transfers', schema);
    skipped.skip('the consent does not grant transfers');
    return [ok, off, mixed, skipped].map((p) => p.check());
  }

  it('gives each resource its worst state, and counts drift and unreachable resources', () => {
    const r = driftReport('p', new Date(0), new Date(1000), probes());
    expect(r.resources.map((x) => [x.resource, x.state, x.calls])).toEqual([
      ['items', 'ok', 1],
      ['cards', 'unsupported', 1],
      ['balances', 'failed', 3],
      ['transfers', 'skipped', 0],
    ]);
    expect(r.resources[2]!.errors.map((e) => [e.account, e.state, e.code])).toEqual([
      ['…456', 'forbidden', 'OBP-30065'],
      ['…321', 'failed', null],
    ]);
    expect(r.resources[3]!.info).toEqual(['the consent does not grant transfers']);
    expect(r).toMatchObject({ driftCount: 1, unreachableCount: 2, drifted: true });
    expect(driftReport('p', new Date(0), new Date(0), [probes()[3]!]).drifted).toBe(false);
  });

  it('counts findings and failed calls per resource and kind, zeros included', () => {
    const counts = driftCounts(driftReport('p', new Date(0), new Date(0), probes()));
    expect(counts).toHaveLength(4 * 7);
    expect(counts.filter((c) => c.value > 0)).toEqual([
      { resource: 'items', kind: 'new_enum_value', value: 1 },
      { resource: 'cards', kind: 'unsupported', value: 1 },
      { resource: 'balances', kind: 'forbidden', value: 1 },
      { resource: 'balances', kind: 'failed', value: 1 },
    ]);
  });

  it('renders for people', () => {
    const text = renderDriftReport(driftReport('p', new Date(0), new Date(0), probes()));
    expect(text).toContain('DRIFT: 1 finding(s), 2 unreachable resource(s)');
    expect(text).toMatch(/items\s+ok\s+1 call\(s\)/);
    expect(text).toContain('new_enum_value $.items[].kind: new value "NEW"');
    expect(text).toContain('unsupported: GET /cards → 404 OBP-10404');
    expect(text).toContain('forbidden: GET /b account …456 → 400 OBP-30065');
    expect(text).toContain('· the consent does not grant transfers');
  });
});
