import { startAlifShopSandbox } from '../../sandbox-alif-shop/src/main.js';
import { startAccessBankSandbox } from '../../sandbox-accessbank/src/main.js';
import fc from 'fast-check';
import pg from 'pg';
import { DataFactory, type TestAccount, type TestConsent } from '#testing/factories.js';
import { startAlifMobiSandbox, type RunningSandbox } from '../../sandbox-alif-mobi/src/main.js';
import {
  ADMIN_TOKEN,
  CLIENT_REDIRECT_URI,
  bearer,
  freePort,
  json,
  startApi,
  type ApiHarness,
} from './harness.js';

/**
 * Bad input never gets a 5xx (api.md "Never a 500 for bad input"). fast-check sends generated
 * requests to every route of the API — enumerated from the OpenAPI document, plus the public
 * consent callback it does not list — with real and made-up path ids, query strings, headers and
 * JSON bodies full of NUL bytes, year 0000, huge numbers, deep nesting, wrong types and unicode.
 * For every request:
 * - the status is below 500;
 * - a 4xx is `application/problem+json` with a `code`;
 * - a refused request (4xx) wrote no row: the row counts of every data table are unchanged.
 *
 * The seed is fixed (and printed); `HISOB_PROPERTY_SEED` and `HISOB_PROPERTY_RUNS` change it.
 */
const SEED = Number(process.env.HISOB_PROPERTY_SEED ?? 20261207);
const RUNS = Number(process.env.HISOB_PROPERTY_RUNS ?? 1200);

const TABLES = [
  'clients',
  'consents',
  'accounts',
  'balances',
  'transactions',
  'cards',
  'transfers',
  'syncs',
  'idempotency_keys',
  'webhook_events',
  'access_log',
  'transaction_removals',
  'bepaid_merchants',
  'bepaid_customers',
  'bepaid_payments',
  'bepaid_notifications',
] as const;

/** The prop client's bePaid shop (Basic auth of the `/bepaid` routes). */
const SHOP = { shop_id: 'prop-shop', secret_key: 'prop-shop-secret-key' };
const SHOP_AUTH = `Basic ${Buffer.from(`${SHOP.shop_id}:${SHOP.secret_key}`).toString('base64')}`;

interface Route {
  method: string;
  path: string;
  query: string[];
}

let bank: RunningSandbox;
let api: ApiHarness;
let db: pg.Client;
let routes: Route[];
let apiKey: string;
let otherKey: string;
let decoyClientId: string;
let consent: TestConsent;
let account: TestAccount;
let ids: string[];
let shop: { url: string; close(): Promise<void> };
let accessbank: { url: string; close(): Promise<void> };
let clientId: string;

beforeAll(async () => {
  process.stdout.write(`bad-input property suite: seed ${SEED}, ${RUNS} runs\n`);
  // A real bank, so a valid consent request is a 201 (not a 502 for a bank that is not there).
  bank = await startAlifMobiSandbox({ port: 0, logLevel: 'silent' });
  shop = await startAlifShopSandbox({ port: 0, logLevel: 'silent', anchorDate: '2026-06-30' });
  accessbank = await startAccessBankSandbox({ logLevel: 'silent' });
  const port = await freePort();
  await fetch(`${bank.url}/__sandbox/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: 'hisob-prop',
      client_secret: 'prop-secret',
      redirect_uris: [`http://127.0.0.1:${port}/v1/consents/callback`],
    }),
  });
  api = await startApi(
    {
      ALIF_MOBI_ISSUER_URL: bank.issuer,
      ALIF_MOBI_OBP_URL: `${bank.url}/obp/v5.1.0`,
      ALIF_MOBI_CLIENT_ID: 'hisob-prop',
      ALIF_MOBI_CLIENT_SECRET: 'prop-secret',
      ALIF_SHOP_URL: shop.url,
      ACCESSBANK_URL: accessbank.url,
      HISOB_BANK_TIMEOUT_MS: '2000',
      HISOB_LOG_LEVEL: 'warn',
    },
    { port },
  );
  const f = new DataFactory({ databaseUrl: api.db.url, apiUrl: api.url, adminToken: ADMIN_TOKEN });
  const client = await api.newClient('prop');
  apiKey = client.apiKey;
  otherKey = (await api.newClient('other')).apiKey;
  decoyClientId = (await api.newClient('decoy')).id;
  consent = await f.makeConsent(client.id, { endUserId: 'user-1' });
  account = await f.makeAccount(consent, { booked: '100.00', dataAsOf: new Date('2026-03-01T00:00:00Z') });
  const txs = await f.makeTransactions(account, 30, { from: '2026-01-01', to: '2026-02-28' });
  const card = await f.makeCard(consent, account);
  await f.makeTransfers(consent, account, 5);
  await f.close();
  clientId = client.id;
  ids = [consent.id, account.id, card.id, txs[0]!.id, decoyClientId, client.id];
  for (const [path, body] of [
    ['/v1/merchant/bepaid', SHOP],
    ['/v1/merchant/customers/cust-1', { status: 'active', min_amount: '1.00', max_amount: '1000.00' }],
  ] as const) {
    const r = await fetch(`${api.url}${path}`, {
      method: 'PUT',
      headers: { ...bearer(apiKey), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (r.status >= 300) throw new Error(`merchant set-up failed: ${r.status} ${await r.text()}`);
  }

  const doc = await json(await fetch(`${api.url}/docs-json`));
  routes = [];
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(ops)) {
      const query = ((op.parameters ?? []) as Array<{ in: string; name: string }>)
        .filter((p) => p.in === 'query')
        .map((p) => p.name);
      routes.push({ method: method.toUpperCase(), path, query });
    }
  }
  // Not in the document (a browser endpoint), but public: it gets the same treatment.
  routes.push({ method: 'GET', path: '/v1/consents/callback', query: ['state', 'code', 'error', 'iss'] });
  db = new pg.Client({ connectionString: api.db.url });
  await db.connect();
}, 60_000);

afterAll(async () => {
  await db?.end();
  await api?.close();
  await bank?.close();
  await shop?.close();
  await accessbank?.close();
});

async function rowCounts(): Promise<Record<string, number>> {
  const sql = `SELECT ${TABLES.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(', ')}`;
  return (await db.query<Record<string, number>>(sql)).rows[0]!;
}

// ---------- arbitraries ----------

const nasty = fc.oneof(
  fc.constantFrom(
    'a\u0000b',
    '\u0000',
    '0000-01-01',
    '0000-00-00',
    '9999-12-31',
    '10000-01-01',
    '2026-02-30',
    '2026-13-01',
    '-1',
    '0',
    '1e400',
    '9'.repeat(40),
    '-9223372036854775809',
    '1.5',
    'NaN',
    'Infinity',
    'null',
    'true',
    '[]',
    '{}',
    "' OR 1=1 --",
    '%00',
    '\ud800',
    'Дилноза',
    '👩‍💻',
    '\u202e',
    'x'.repeat(3000),
    '0000-01-01T00:00:00Z',
    '2026-01-01T25:00:00Z',
    'active',
    'booked',
    'alif-mobi',
    '00000000-0000-0000-0000-000000000000',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt().map(String),
);

const cursorJson = fc.oneof(
  fc.record({ d: fc.constantFrom('0000-01-01', '2026-02-30', '9999-12-31', '2026-01-10'), id: fc.uuid() }),
  fc.record({
    at: fc.constantFrom(
      '0000-01-01T00:00:00.000000Z',
      '2026-02-31T00:00:00.000000Z',
      '2026-01-01T24:00:00.000000Z',
    ),
    id: fc.oneof(fc.uuid(), fc.constant('99999999999999999999'), fc.constant('1')),
  }),
  fc.record({ c: fc.uuid(), s: fc.constantFrom('-1', '99999999999999999999', '1') }),
  fc.jsonValue({ maxDepth: 3 }),
);
const cursor = fc.oneof(
  cursorJson.map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
  nasty,
);
const date = fc.oneof(
  fc.constantFrom(
    '0000-01-01',
    '0001-01-01',
    '9999-12-31',
    '2026-02-29',
    '2024-02-29',
    '2026-01-15',
    '2026-12-31',
  ),
  nasty,
);

/** Ids: the run's real rows (known after setup), made-up UUIDs, and anything. */
const idValue = () => fc.oneof(fc.constantFrom(...ids), fc.uuid(), nasty);
const queryValue = () => fc.oneof(cursor, date, idValue(), nasty);
const idSegment = () =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ids) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: nasty.map((s) => percentEncode(s).slice(0, 600)) },
  );

/** Every byte but the unreserved ones percent-encoded (lone surrogates become U+FFFD). */
const percentEncode = (s: string): string =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9._~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');

function deep(depth: number): unknown {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

const jsonBody = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        name: nasty,
        webhook_url: fc.oneof(
          nasty,
          fc.constantFrom(
            'http://169.254.169.254/',
            'http://[::1]/x',
            'http://2130706433/',
            'https://93.184.215.14/',
          ),
        ),
        redirect_uris: fc.oneof(fc.array(nasty, { maxLength: 3 }), nasty),
        provider: fc.oneof(fc.constantFrom('alif-mobi', 'alif-shop', 'accessbank'), nasty),
        end_user_id: nasty,
        permissions: fc.oneof(fc.array(fc.oneof(fc.constantFrom('accounts', 'cards'), nasty)), nasty),
        valid_until: date,
        redirect_uri: fc.oneof(fc.constant(CLIENT_REDIRECT_URI), nasty),
        msisdn: nasty,
      },
      { requiredKeys: [] },
    ),
  },
  {
    // bePaid's verification request, with nasty values in its fields.
    weight: 2,
    arbitrary: fc.record({
      request: fc.record(
        {
          id: fc.oneof(nasty, fc.integer(), fc.uuid()),
          account: fc.oneof(fc.constant('cust-1'), nasty),
          amount: fc.oneof(fc.integer(), fc.double(), nasty, fc.constant(12050)),
          currency: fc.oneof(fc.constantFrom('TJS', 'USD', 'XXX', 'tjs'), nasty),
          info: fc.jsonValue({ maxDepth: 2 }),
          method: fc.oneof(fc.constant({ type: 'alif_mobi' }), fc.jsonValue({ maxDepth: 1 })),
        },
        { requiredKeys: [] },
      ),
    }),
  },
  {
    // bePaid's notification.
    weight: 2,
    arbitrary: fc.record({
      transaction: fc.record(
        {
          uid: fc.oneof(nasty, fc.uuid()),
          type: fc.constant('payment'),
          status: fc.oneof(fc.constantFrom('successful', 'failed', 'pending', 'expired', 'error'), nasty),
          amount: fc.oneof(fc.integer(), fc.double(), nasty),
          currency: fc.oneof(fc.constantFrom('TJS', 'ZZZ'), nasty),
          tracking_id: fc.oneof(fc.uuid(), nasty),
          order_id: fc.oneof(nasty, fc.integer()),
          paid_at: date,
          test: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
    }),
  },
  {
    // Customer rows for the bulk import.
    weight: 1,
    arbitrary: fc.record({
      customers: fc.array(
        fc.record(
          {
            account: nasty,
            status: fc.oneof(fc.constantFrom('active', 'blocked'), nasty),
            min_amount: nasty,
            max_amount: nasty,
          },
          { requiredKeys: [] },
        ),
        { maxLength: 4 },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom(1e308, -0, 12345678901234567890, null, true, 'string', []) },
);

const auth = fc.oneof(
  { weight: 6, arbitrary: fc.constant('client' as const) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('other' as const, 'admin' as const, 'none' as const, 'garbage' as const),
  },
);

/** Built once the routes and ids are known. */
const requests = () =>
  fc.record({
    routeIndex: fc.nat(),
    pathIds: fc.array(idSegment(), { minLength: 2, maxLength: 2 }),
    query: fc.array(
      fc.tuple(fc.nat(), fc.option(fc.string({ maxLength: 10 }), { nil: undefined, freq: 6 }), queryValue()),
      { maxLength: 4 },
    ),
    auth,
    idempotencyKey: fc.option(fc.oneof(fc.string({ maxLength: 300 }), fc.uuid(), fc.constant('k-1')), {
      nil: undefined,
    }),
    requestId: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
    accept: fc.constantFrom(
      undefined,
      'text/csv',
      'application/json',
      '*/*',
      'text/csv;q=0.1, */*',
      '\u00ff',
    ),
    body: fc.option(
      fc.oneof(
        { weight: 5, arbitrary: jsonBody.map((b) => ({ type: 'application/json', raw: JSON.stringify(b) })) },
        {
          weight: 1,
          arbitrary: fc.integer({ min: 30, max: 20_000 }).map((d) => ({
            type: 'application/json',
            raw: `{"name":"n",${'"a":{'.repeat(d)}"b":1${'}'.repeat(d)}}`,
          })),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            { type: 'application/json', raw: '{"name": "a\\u0000b"}' },
            { type: 'application/json', raw: '{"name":' },
            { type: 'application/json', raw: '' },
            { type: 'application/json; charset=utf-16', raw: '{}' },
            { type: 'text/plain', raw: 'hello' },
            { type: 'text/csv', raw: 'account,status\ncust-9,active\n"unterminated' },
            { type: 'text/csv', raw: 'account,status,min_amount\na\u0001,active,1e5\n' },
            { type: 'application/x-www-form-urlencoded', raw: 'name=a' },
            { type: 'application/json', raw: `${'['.repeat(50_000)}${']'.repeat(50_000)}` },
            { type: 'application/json', raw: '{"__proto__":{"x":1},"constructor":{"prototype":{"y":1}}}' },
          ),
        },
      ),
      { nil: undefined },
    ),
    method: fc.option(fc.constantFrom('PUT', 'PATCH', 'DELETE', 'POST', 'HEAD', 'OPTIONS'), {
      freq: 10,
      nil: undefined,
    }),
  });

// Header values fetch will send (it refuses control characters and non-Latin-1 itself).
const sendable = (v: string | undefined) =>
  v === undefined ? undefined : [...v].filter((c) => c >= ' ' && c <= '\u00ff' && c !== '\u007f').join('');

describe('bad input (property)', () => {
  it(`never answers 5xx, always problem+json on 4xx, and writes nothing for a refused request`, async () => {
    let sent = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requests(), async (r) => {
        const route = routes[r.routeIndex % routes.length]!;
        let n = 0;
        let path = route.path.replace(/\{[^}]+\}/g, () => r.pathIds[n++ % r.pathIds.length]!);
        // The admin route's id is a decoy client: deleting the main client would end the run.
        if (route.path.startsWith('/admin/clients/') && (path.includes(ids[0]!) || path.includes(clientId)))
          path = route.path;
        const qs = new URLSearchParams();
        const named = route.query.length ? route.query : ['q'];
        for (const [i, extra, value] of r.query) qs.append(extra ?? named[i % named.length]!, value);
        const headers: Record<string, string> = {};
        const token = {
          client: apiKey,
          other: otherKey,
          admin: ADMIN_TOKEN,
          none: undefined,
          garbage: 'hsb_live_x_y',
        }[r.auth];
        const bepaid = route.path.startsWith('/bepaid/');
        // bePaid's routes take the shop's Basic auth; the other tokens still try them.
        if (bepaid && r.auth === 'client') headers.authorization = SHOP_AUTH;
        else if (token) Object.assign(headers, bearer(token));
        const idem = sendable(r.idempotencyKey);
        if (idem !== undefined) headers['idempotency-key'] = idem;
        const rid = sendable(r.requestId);
        if (rid !== undefined) headers['x-request-id'] = rid;
        if (r.accept) headers.accept = r.accept;
        const method = r.method ?? route.method;
        const init: RequestInit = { method, headers };
        if (r.body && method !== 'GET' && method !== 'HEAD') {
          headers['content-type'] = r.body.type;
          init.body = r.body.raw;
        }
        const before = await rowCounts();
        const res = await fetch(`${api.url}${path}${qs.size ? `?${qs}` : ''}`, {
          ...init,
          redirect: 'manual',
        });
        const text = method === 'HEAD' ? '' : await res.text();
        sent++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const where = `${method} ${path}?${qs} → ${res.status} ${text.slice(0, 300)}`;
        expect({ where, serverError: res.status >= 500 }).toEqual({ where, serverError: false });
        if (bepaid && res.status === 200 && method === 'POST') {
          // A 2xx to bePaid is its own shape: a verification answer, or a notification receipt.
          const b = JSON.parse(text);
          expect({ where, ok: typeof b.response?.result === 'number' || b.status === 'ok' }).toEqual({
            where,
            ok: true,
          });
        }
        if (res.status >= 400 && method !== 'HEAD') {
          expect({ where, type: res.headers.get('content-type') }).toEqual({
            where,
            type: expect.stringMatching(/^application\/problem\+json/),
          });
          expect({ where, code: typeof JSON.parse(text).code }).toEqual({ where, code: 'string' });
          expect({ where, counts: await rowCounts() }).toEqual({ where, counts: before });
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    process.stdout.write(
      `bad-input property suite: ${sent} requests over ${routes.length} routes; statuses ${JSON.stringify(
        Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])),
      )}\n`,
    );
    expect(sent).toBeGreaterThanOrEqual(1000);
  }, 120_000);

  it('covers every route of the OpenAPI document, /admin and /v1 alike', () => {
    const paths = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const expected of [
      'POST /admin/clients',
      'GET /admin/clients',
      'PATCH /admin/clients/{id}',
      'DELETE /admin/clients/{id}',
      'POST /v1/consents',
      'GET /v1/consents/{id}',
      'POST /v1/consents/{id}/sync',
      'DELETE /v1/consents/{id}',
      'GET /v1/accounts/{id}/transactions',
      'GET /v1/accounts/{id}/statement',
      'GET /v1/transactions/sync',
      'GET /v1/access-log',
      'PUT /v1/merchant/bepaid',
      'PUT /v1/merchant/customers/{account}',
      'POST /v1/merchant/customers/import',
      'GET /v1/merchant/payments',
      'GET /v1/merchant/reconciliation',
      'POST /bepaid/{client_id}/account_verification',
      'POST /bepaid/{client_id}/notifications',
    ])
      expect(paths).toContain(expected);
  });
});

describe('known bad inputs', () => {
  const get = (path: string, key = apiKey) => fetch(`${api.url}${path}`, { headers: bearer(key) });
  const expect400 = async (res: Response, field?: string) => {
    const body = await json(res);
    expect({ status: res.status, type: res.headers.get('content-type'), code: body.code }).toEqual({
      status: 400,
      type: expect.stringMatching(/^application\/problem\+json/),
      code: 'validation_failed',
    });
    if (field) expect(body.errors.map((e: { field: string }) => e.field)).toContain(field);
  };

  it('refuses NUL in a query value', async () => {
    await expect400(await get('/v1/consents?end_user_id=a%00b'), 'end_user_id');
    await expect400(await get('/v1/accounts?end_user_id=%01'), 'end_user_id');
  });

  it('refuses year 0000 and impossible dates on transactions, statements and transfers', async () => {
    for (const q of ['from_date=0000-01-01', 'to_date=0000-12-31', 'from_date=2026-02-30'])
      await expect400(await get(`/v1/accounts/${account.id}/transactions?${q}`));
    await expect400(
      await get(`/v1/accounts/${account.id}/statement?from_date=0000-01-01&to_date=2026-01-31`),
      'from_date',
    );
    await expect400(
      await get(`/v1/accounts/${account.id}/statement?from_date=2026-02-01&to_date=2026-01-31`),
      'from_date',
    );
    await expect400(await get(`/v1/transfers?from_date=0000-01-01`), 'from_date');
    await expect400(await get(`/v1/access-log?from=0000-01-01T00:00:00Z`), 'from');
  });

  it('refuses cursors whose content is out of range, before any query', async () => {
    const c = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    await expect400(
      await get(`/v1/accounts/${account.id}/transactions?cursor=${c({ d: '0000-01-01', id: ids[3] })}`),
      'cursor',
    );
    await expect400(
      await get(`/v1/transfers?cursor=${c({ at: '0000-01-01T00:00:00.000000Z', id: ids[3] })}`),
      'cursor',
    );
    await expect400(await get(`/v1/consents?cursor=${c({ at: '0000-01-01T00:00:00.000000Z', id: ids[0] })}`));
  });

  it('refuses a body nested deeper than 32 levels', async () => {
    const res = await fetch(`${api.url}/admin/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', extra: deep(40) }),
    });
    await expect400(res, 'body');
  });
});
