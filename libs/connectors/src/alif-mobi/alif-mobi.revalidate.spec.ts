import { readFileSync, readdirSync } from 'node:fs';
import { SchemaDiff, readPaths, type WireSchema } from '../revalidation.js';
import { WireShapeError } from '../wire.js';
import { OBP_ENUMS, OBP_SCHEMAS, type ObpResource } from './alif-mobi.revalidate.js';
import {
  parseAccount,
  parseAccountBalances,
  parseCards,
  parseCoreAccounts,
  parseCounterparties,
  parseTransactionRequests,
  parseTransactions,
} from './obp.wire.js';

/**
 * The declarative schemas of alif-mobi.revalidate.ts held to the wire guards of obp.wire.ts, so
 * the two cannot drift apart silently: same fields read, same bodies refused.
 */

const GUARDS: Record<ObpResource, (json: unknown) => unknown> = {
  accounts: parseCoreAccounts,
  account: parseAccount,
  balances: parseAccountBalances,
  transactions: parseTransactions,
  'core-transactions': parseTransactions,
  cards: parseCards,
  'transaction-requests': parseTransactionRequests,
  counterparties: parseCounterparties,
};

/** Every recorded body, by the resource it answers; with the findings it is recorded to show. */
const FIXTURES: Record<string, { resource: ObpResource; unknown?: string[]; enums?: string[] }> = {
  'my-accounts.json': { resource: 'accounts' },
  'account-tjs.json': { resource: 'account' },
  'account-usd.json': { resource: 'account' },
  // A balance type no mapper knows: the mapper drops it, the pass reports it.
  'balances-tjs.json': { resource: 'balances', enums: ['$.balances[].type "BankInternalReserved"'] },
  // A bank operation code of its own: mapped to type `other`, reported as new.
  'transactions-page.json': {
    resource: 'transactions',
    enums: ['$.transactions[].details.type "ALIF_OP_417"'],
  },
  'transactions-amount-number.json': { resource: 'transactions' },
  'transactions-missing-array.json': { resource: 'transactions', unknown: ['$.transaction'] },
  'transactions-surplus-precision.json': { resource: 'transactions' },
  'cards.json': { resource: 'cards' },
  'transaction-requests.json': { resource: 'transaction-requests' },
  'counterparties.json': { resource: 'counterparties' },
};
/**
 * Fields the guard consults only when the first choice is null (`to.name ?? to.counterparty_name`,
 * `to.counterparty_id ?? to_counterparty.counterparty_id`): with the first present, a wrong type
 * there goes unread (and the pass still reports it).
 */
const FALLBACKS = ['.details.to.counterparty_name', '.details.to_counterparty.counterparty_id'];
/** Error and token-endpoint bodies: not resource bodies. */
const NOT_RESOURCES = /^(error-|token-)/;

const dir = new URL('./fixtures/', import.meta.url);
const load = (name: string): unknown => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
const normalise = (path: string) => path.replace(/\[\d+\]/g, '[]');

/** Where the guard refuses the body: the thrown error's path, or each lenient item's. */
function guardFailures(resource: ObpResource, json: unknown): string[] {
  let parsed: unknown;
  try {
    parsed = GUARDS[resource](json);
  } catch (err) {
    if (err instanceof WireShapeError) return [normalise(err.path)];
    throw err;
  }
  const lists = Object.values(parsed as Record<string, unknown>).filter(Array.isArray) as unknown[][];
  return lists
    .flat()
    .flatMap((item) =>
      typeof item === 'object' && item !== null && 'ok' in item && item.ok === false
        ? [normalise((item as unknown as { error: WireShapeError }).error.path)]
        : [],
    );
}

function diff(resource: ObpResource, json: unknown) {
  const findings = new SchemaDiff(OBP_SCHEMAS[resource], OBP_ENUMS).add(json).drift();
  const of = (...kinds: string[]) => findings.filter((f) => kinds.includes(f.kind));
  return {
    structural: [...new Set(of('type_changed', 'missing_field').map((f) => f.path))].sort(),
    unknown: of('unknown_field').map((f) => f.path),
    enums: of('new_enum_value').map((f) => `${f.path} ${f.actual}`),
  };
}

/** Runs the guard on a recording proxy: the JSON paths it reads. */
function guardReads(resource: ObpResource, json: unknown): Set<string> {
  const reads = new Set<string>();
  const wrap = (value: unknown, path: string): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const isArray = Array.isArray(value);
    return new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key !== 'string') return Reflect.get(target, key, receiver);
        if (isArray)
          return /^\d+$/.test(key)
            ? wrap(Reflect.get(target, key), `${path}[]`)
            : Reflect.get(target, key, receiver);
        reads.add(`${path}.${key}`);
        return wrap(Reflect.get(target, key), `${path}.${key}`);
      },
      has(target, key) {
        if (typeof key === 'string' && !isArray) reads.add(`${path}.${key}`);
        return Reflect.has(target, key);
      },
    });
  };
  try {
    GUARDS[resource](wrap(json, '$'));
  } catch (err) {
    if (!(err instanceof WireShapeError)) throw err;
  }
  return reads;
}

/** A body with every field the schema declares (strings `'x'` or null), one alternative of each group. */
function generate(schema: WireSchema, nullStrings: boolean, alternative: number): unknown {
  switch (schema.type) {
    case 'string':
      return nullStrings ? null : 'x';
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'any':
      return null;
    case 'array':
      return [generate(schema.items!, nullStrings, alternative)];
    case 'object': {
      const left = new Set(
        (schema.anyOf ?? []).flatMap((g) => g.filter((_, i) => i !== alternative % g.length)),
      );
      return Object.fromEntries(
        Object.entries(schema.fields!)
          .filter(([name]) => !left.has(name))
          .map(([name, f]) => [name, generate(f, nullStrings, alternative)]),
      );
    }
  }
}

/** Every concrete place in `json` of a field the schema reads, with a value (first list item only). */
function places(schema: WireSchema, json: unknown, path = '$'): Array<{ path: string; schema: WireSchema }> {
  const out: Array<{ path: string; schema: WireSchema }> = [];
  if (Array.isArray(json) && schema.items?.read && json.length > 0 && json[0] !== null) {
    out.push({ path: `${path}[0]`, schema: schema.items }, ...places(schema.items, json[0], `${path}[0]`));
  } else if (typeof json === 'object' && json !== null && schema.fields) {
    for (const [name, field] of Object.entries(schema.fields)) {
      const v = (json as Record<string, unknown>)[name];
      if (!field.read || v === null || v === undefined) continue;
      out.push({ path: `${path}.${name}`, schema: field }, ...places(field, v, `${path}.${name}`));
    }
  }
  return out;
}

/** A deep copy of `json` with the value at a concrete path replaced (or deleted). */
function mutate(json: unknown, path: string, change: { to: unknown } | 'delete'): unknown {
  const copy = structuredClone(json) as Record<string, unknown>;
  const keys = path
    .slice(1)
    .split(/\.|(?=\[)/)
    .filter(Boolean)
    .map((k) => (k.startsWith('[') ? Number(k.slice(1, -1)) : k));
  let at: any = copy;
  for (const k of keys.slice(0, -1)) at = at[k];
  const last = keys[keys.length - 1]!;
  if (change === 'delete') delete at[last];
  else at[last] = change.to;
  return copy;
}

describe('Alif Mobi re-validation schemas and the wire guards', () => {
  it('classifies every recorded fixture', () => {
    const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
    expect(names.filter((n) => !NOT_RESOURCES.test(n)).sort()).toEqual(Object.keys(FIXTURES).sort());
  });

  it.each(Object.entries(FIXTURES))(
    '%s: the schema refuses exactly what the guard refuses, and knows every field',
    (name, f) => {
      const json = load(name);
      const d = diff(f.resource, json);
      expect(d.structural).toEqual(guardFailures(f.resource, json).sort());
      expect(d.unknown).toEqual(f.unknown ?? []);
      expect(d.enums).toEqual(f.enums ?? []);
    },
  );

  it('accepts the fixtures as the core endpoint serves them (no metadata)', () => {
    const { transactions } = load('transactions-page.json') as {
      transactions: Array<Record<string, unknown>>;
    };
    const core = { transactions: transactions.map(({ metadata: _m, ...t }) => t) };
    expect(diff('core-transactions', core).structural).toEqual([]);
    expect(diff('transactions', core).structural).toEqual(['$.transactions[].metadata']);
  });

  it.each(Object.keys(OBP_SCHEMAS) as ObpResource[])(
    '%s: the schema declares as read exactly the fields the guard reads',
    (resource) => {
      const schema = OBP_SCHEMAS[resource];
      const reads = new Set<string>();
      const bodies = [
        ...Object.entries(FIXTURES)
          .filter(([, f]) => f.resource === resource)
          .map(([n]) => load(n)),
        generate(schema, false, 0),
        generate(schema, true, 1),
      ];
      for (const body of bodies) for (const p of guardReads(resource, body)) reads.add(p);
      expect([...reads].sort()).toEqual(readPaths(schema).sort());
    },
  );

  /** Bodies the guards accept: the fixtures, and one generated with every declared field. */
  const accepted: Array<{ name: string; resource: ObpResource; json: unknown }> = [
    ...Object.entries(FIXTURES).map(([name, f]) => ({ name, resource: f.resource, json: load(name) })),
    ...(Object.keys(OBP_SCHEMAS) as ObpResource[]).map((resource) => ({
      name: `generated ${resource}`,
      resource,
      json: generate(OBP_SCHEMAS[resource], false, 0),
    })),
  ].filter((b) => guardFailures(b.resource, b.json).length === 0);
  const mutations = accepted.flatMap((b) =>
    places(OBP_SCHEMAS[b.resource], b.json).map((p) => ({ ...b, ...p })),
  );

  it('has something to mutate', () => {
    expect(accepted.length).toBe(Object.keys(FIXTURES).length - 2 + Object.keys(OBP_SCHEMAS).length);
    expect(mutations.length).toBeGreaterThan(250);
  });

  it('flags every field of the fixtures changed to another type, where the guard refuses it', () => {
    for (const m of mutations) {
      const to = m.schema.type === 'string' ? 42 : 'x';
      const json = mutate(m.json, m.path, { to });
      const where = normalise(m.path);
      expect({ at: `${m.name} ${m.path}`, guard: guardFailures(m.resource, json) }).toEqual({
        at: `${m.name} ${m.path}`,
        // A fallback the guard consults only when the first choice is null: unread, not refused.
        guard: FALLBACKS.some((f) => where.endsWith(f)) ? [] : [where],
      });
      expect({ at: `${m.name} ${m.path}`, schema: diff(m.resource, json).structural }).toEqual({
        at: `${m.name} ${m.path}`,
        schema: [where],
      });
    }
  });

  it('flags every expected field of the fixtures removed, refused by the guard only when required', () => {
    for (const m of mutations) {
      if (m.schema.presence === 'optional' || m.path.endsWith(']')) continue;
      const json = mutate(m.json, m.path, 'delete');
      const where = normalise(m.path);
      const d = diff(m.resource, json);
      expect({ at: m.path, missing: d.structural }).toEqual({ at: m.path, missing: [where] });
      expect({ at: m.path, guard: guardFailures(m.resource, json) }).toEqual({
        at: m.path,
        guard: m.schema.presence === 'required' ? [where] : [],
      });
    }
  });
});

describe('the value sets, asked of the mappers', () => {
  it.each([
    [
      'transaction type',
      ['CARD_PAYMENT', 'card payment', 'UTILITY', 'fee', '', 'OTHER'],
      ['ALIF_OP_417', 'P2P_V2'],
    ],
    ['balance type', ['', 'interimBooked', 'OpeningBooked', 'closingAvailable'], ['BankInternalReserved']],
    ['card network', ['VISA', 'Korti Milli', 'MASTERCARD'], ['AMEX', 'ELCART']],
    [
      'transaction request status',
      ['COMPLETED', 'NEXT_CHALLENGE_PENDING', 'rejected'],
      ['SETTLED', 'ON_HOLD'],
    ],
    ['transaction request type', ['COUNTERPARTY', 'SEPA', 'ACCOUNT'], ['CRYPTO']],
    ['transfer rail', ['VISA_DIRECT', 'CARD_TRANSFER', 'SWIFT'], ['FASTPAY']],
  ])('%s', (set, known, unknown) => {
    const check = OBP_ENUMS[set]!;
    for (const v of known) expect([v, check(v)]).toEqual([v, true]);
    for (const v of unknown) expect([v, check(v)]).toEqual([v, false]);
  });
});
