import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startBepaidSandbox, type RunningSandbox } from '../../sandbox-bepaid/src/main.js';
import { NOTIFY_BUDGET_MS } from '../src/merchant/bepaid-inbound.service.js';
import { bearer, json, startApi, type ApiHarness } from './harness.js';

/**
 * Hisob's merchant side of bePaid driven by the bePaid simulator (apps/sandbox-bepaid), an
 * independent client of the wire: every result code Hisob can answer through it, wrong
 * credentials, copies (sequential and 20 at once), signatures, malformed and oversized bodies,
 * notifications before and after their verification. Each case is checked on both sides: what the
 * simulator recorded of Hisob's answers, and Hisob's own `GET /v1/merchant/payments`.
 */
const BODY_LIMIT = 65_536;
let api: ApiHarness;
let sb: RunningSandbox;
let db: pg.Client;
let keyDir: string;
/** The simulator signs with this key (`--private-key`), so the test can sign crafted bodies too. */
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });

interface Shop {
  client: { id: string; apiKey: string };
  shopId: string;
  secretKey: string;
  merchantId: string;
}
let shop: Shop;
/** A second merchant whose customer directory is empty (result 243). */
let empty: Shop;

async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${sb.url}/__sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await json(res) };
}

async function put(s: Shop, path: string, body: unknown) {
  const res = await fetch(`${api.url}${path}`, {
    method: 'PUT',
    headers: { ...bearer(s.client.apiKey), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await json(res) };
}

/** A client of Hisob set up as a merchant, and registered as that merchant at the simulator. */
async function merchant(name: string, shopId: string): Promise<Shop> {
  const client = await api.newClient(name);
  const secretKey = `secret-${shopId}-0123456789abcdef`;
  const registered = await control('POST', '/merchants', {
    verification_url: `${api.url}/bepaid/${client.id}/account_verification`,
    notification_url: `${api.url}/bepaid/${client.id}/notifications`,
    shop_id: Number(shopId),
    secret_key: secretKey,
    name,
  });
  expect(registered.status).toBe(201);
  const s = { client, shopId, secretKey, merchantId: registered.body.merchant_id as string };
  // The key as bePaid's back office shows it: bare base64.
  const set = await put(s, '/v1/merchant/bepaid', {
    shop_id: shopId,
    secret_key: secretKey,
    public_key: registered.body.public_key_base64,
    currency: 'TJS',
  });
  expect(set.status).toBe(200);
  expect(set.body.verification_url).toBe(`${api.url}/bepaid/${client.id}/account_verification`);
  expect(set.body.notification_url).toBe(`${api.url}/bepaid/${client.id}/notifications`);
  return s;
}

const pay = async (body: Record<string, unknown>, s = shop) => {
  const res = await control('POST', '/pay', { merchant_id: s.merchantId, ...body });
  expect(res.status).toBe(200);
  return res.body;
};

async function hisobPayments(s = shop): Promise<any[]> {
  const all: any[] = [];
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const res = await fetch(`${api.url}/v1/merchant/payments?limit=500${cursor ? `&cursor=${cursor}` : ''}`, {
      headers: bearer(s.client.apiKey),
    });
    expect(res.status).toBe(200);
    const page = await json(res);
    all.push(...page.payments);
    cursor = page.next_cursor;
  }
  return all;
}
const hisobPayment = async (id: string, s = shop) => {
  const found = (await hisobPayments(s)).filter((p) => p.id === id);
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0];
};
const count = async (sql: string, params: unknown[] = []) =>
  Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);
const storedRows = () =>
  count(`SELECT (SELECT count(*) FROM bepaid_payments) + (SELECT count(*) FROM bepaid_notifications) AS n`);

let n = 0;
const nextId = () => `sim-${Date.now()}-${++n}`;

/** A notification as bePaid sends it, made and signed here with the simulator's own key. */
async function craftedNotification(raw: string, s = shop) {
  const res = await fetch(`${api.url}/bepaid/${s.client.id}/notifications`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${s.shopId}:${s.secretKey}`).toString('base64')}`,
      'content-signature': sign('sha256', Buffer.from(raw), keys.privateKey).toString('base64'),
    },
    body: raw,
  });
  return { status: res.status, headers: res.headers, body: await json(res) };
}
const transaction = (over: Record<string, unknown>) => ({
  transaction: {
    uid: `9-${Date.now().toString(16)}${++n}`,
    type: 'payment',
    status: 'successful',
    amount: 12050,
    currency: 'TJS',
    description: 'Alif Mobi payment',
    created_at: '2026-06-30T09:15:42Z',
    updated_at: '2026-06-30T09:15:43Z',
    paid_at: '2026-06-30T09:15:43Z',
    method_type: 'alif_mobi',
    payment_method_type: 'alternative',
    message: 'Successfully processed',
    test: true,
    payment: { status: 'successful', gateway_id: 4040, ref_id: 'ALIF0000000001' },
    ...over,
  },
});

beforeAll(async () => {
  keyDir = await mkdtemp(join(tmpdir(), 'hisob-bepaid-'));
  const keyPath = join(keyDir, 'bepaid.pem');
  await writeFile(keyPath, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  sb = await startBepaidSandbox({
    privateKeyPath: keyPath,
    logLevel: 'silent',
    verificationTimeoutMs: 14_000,
    notificationTimeoutMs: 10_000,
    notificationAttempts: 2,
    notificationBackoffMs: [20],
  });
  api = await startApi({ HISOB_BODY_LIMIT_BYTES: String(BODY_LIMIT) });
  db = new pg.Client({ connectionString: api.db.url });
  await db.connect();
  shop = await merchant('dushanbe-books', '361');
  empty = await merchant('empty-shop', '362');
  for (const [account, entry] of [
    ['992900112233', { status: 'active', min_amount: '10.00', max_amount: '5000.00' }],
    ['contract-77', { status: 'blocked' }],
  ] as const) {
    const r = await put(shop, `/v1/merchant/customers/${account}`, entry);
    expect(r.status).toBe(201);
  }
}, 60_000);

afterAll(async () => {
  await db?.end();
  await api?.close();
  await sb?.close();
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

describe('bePaid simulator → Hisob', () => {
  it('answers every result code in bePaid shape, and records exactly the ones it documents', async () => {
    const cases: Array<{
      name: string;
      pay: Record<string, unknown>;
      s?: Shop;
      result: number;
      recorded: boolean;
      status?: string;
    }> = [
      {
        name: 'ok',
        pay: { account: '992900112233', amount: '120.50' },
        result: 0,
        recorded: true,
        status: 'successful',
      },
      {
        name: 'ok, then declined at Alif',
        pay: { account: '992900112233', amount: 4299, outcome: 'failed' },
        result: 0,
        recorded: true,
        status: 'failed',
      },
      {
        name: 'limits are inclusive',
        pay: { account: '992900112233', amount: '5000.00' },
        result: 0,
        recorded: true,
        status: 'successful',
      },
      {
        name: 'bad account format',
        pay: { account: 'not an account!', amount: 4299 },
        result: 4,
        recorded: false,
      },
      {
        name: 'unknown account',
        pay: { account: '992900000000', amount: 4299 },
        result: 5,
        recorded: true,
        status: 'failed',
      },
      {
        name: 'blocked account',
        pay: { account: 'contract-77', amount: 4299 },
        result: 7,
        recorded: true,
        status: 'failed',
      },
      {
        name: 'below the minimum',
        pay: { account: '992900112233', amount: '9.99' },
        result: 241,
        recorded: true,
        status: 'failed',
      },
      {
        name: 'above the maximum',
        pay: { account: '992900112233', amount: '5000.01' },
        result: 242,
        recorded: true,
        status: 'failed',
      },
      {
        name: 'no directory',
        pay: { account: '992900112233', amount: 4299 },
        s: empty,
        result: 243,
        recorded: true,
        status: 'failed',
      },
      {
        name: 'another currency',
        pay: { account: '992900112233', amount: 4299, currency: 'USD' },
        result: 300,
        recorded: true,
        status: 'failed',
      },
    ];
    for (const c of cases) {
      const s = c.s ?? shop;
      const sim = await pay({ id: nextId(), ...c.pay }, s);
      const attempt = sim.verification.attempts[0];
      const hisob = await hisobPayment(sim.id, s);
      expect({
        name: c.name,
        http: attempt.http_status,
        result: sim.verification.result,
        resultType: attempt.result_type,
        echoedId: attempt.body.response.id,
        trackingId: sim.verification.tracking_id ?? null,
        recorded: hisob !== undefined,
        hisobStatus: hisob?.status,
        hisobResult: hisob?.result,
        simStatus: sim.status,
        notified: sim.notifications.map((x: any) => x.attempts.at(-1).http_status),
      }).toEqual({
        name: c.name,
        http: 200,
        result: c.result,
        resultType: 'number',
        echoedId: sim.id,
        trackingId: c.recorded ? hisob?.tracking_id : null,
        recorded: c.recorded,
        hisobStatus: c.status,
        hisobResult: c.recorded ? c.result : undefined,
        simStatus: c.result === 0 ? (c.pay.outcome ?? 'successful') : 'failed',
        notified: [200],
      });
      expect(attempt.body.response).toEqual({
        id: sim.id,
        tracking_id: c.recorded ? hisob.tracking_id : null,
        amount: sim.amount,
        currency: sim.currency,
        result: c.result,
        description: expect.any(String),
      });
    }
  });

  it('answers a reused id for another request 11, or 12 once its payment is successful, changing nothing', async () => {
    const raw = (id: string, amount: number) =>
      JSON.stringify({
        request: { account: '992900112233', id, amount, currency: 'TJS', method: { type: 'alif_mobi' } },
      });
    for (const [notify, expected] of [
      [false, 11],
      [true, 12],
    ] as const) {
      const first = await pay({ id: nextId(), account: '992900112233', amount: 5000, notify });
      const before = await hisobPayment(first.id);
      // The same id for another amount, through the simulator's raw body (its own ids are unique).
      const again = await pay({
        id: nextId(),
        account: '992900112233',
        amount: 6000,
        notify: false,
        raw_verification_body: raw(first.id, 6000),
      });
      expect(again.verification.attempts[0]).toMatchObject({
        http_status: 200,
        body: { response: { id: first.id, tracking_id: null, result: expected, amount: 6000 } },
      });
      expect(await hisobPayment(first.id)).toEqual(before);
      expect(await hisobPayment(again.id)).toBeUndefined();
    }
  });

  it('refuses wrong credentials with 401 and records nothing', async () => {
    const before = await storedRows();
    const sim = await pay({ id: nextId(), account: '992900112233', amount: 4299, wrong_credentials: true });
    expect(sim.verification.attempts[0]).toMatchObject({
      http_status: 401,
      body: { code: 'unauthorized', status: 401 },
    });
    expect(sim.status).toBe('failed');
    expect(sim.notifications[0].attempts.map((a: any) => a.http_status)).toEqual([401, 401]);
    expect(await hisobPayment(sim.id)).toBeUndefined();
    expect(await storedRows()).toBe(before);
  });

  it('makes one payment with one tracking id of 20 concurrent copies and of sequential copies', async () => {
    for (const copies of [
      { concurrent_copies: 20 },
      { verification_copies: 5 },
      { verification_copies: 3, concurrent_copies: 20 },
    ]) {
      const sim = await pay({ id: nextId(), account: '992900112233', amount: '77.70', ...copies });
      const answers = sim.verification.attempts.map((a: any) => ({ http: a.http_status, body: a.body }));
      expect(answers).toHaveLength((copies.concurrent_copies ?? 1) * (copies.verification_copies ?? 1));
      expect(new Set(answers.map((a: unknown) => JSON.stringify(a))).size).toBe(1);
      expect(answers[0]).toMatchObject({ http: 200, body: { response: { result: 0 } } });
      expect(
        await count(`SELECT count(*) AS n FROM bepaid_payments WHERE client_id = $1 AND bepaid_id = $2`, [
          shop.client.id,
          sim.id,
        ]),
      ).toBe(1);
      const hisob = await hisobPayment(sim.id);
      expect(hisob).toMatchObject({
        tracking_id: answers[0].body.response.tracking_id,
        status: 'successful',
      });
    }
  });

  it('refuses bad and missing signatures with 401 and stores no notification', async () => {
    for (const fault of [{ bad_signature: true }, { no_signature: true }]) {
      const sim = await pay({ id: nextId(), account: '992900112233', amount: 4299, ...fault });
      expect(sim.verification.result).toBe(0);
      expect(sim.notifications[0]).toMatchObject({ delivered: false });
      expect(sim.notifications[0].attempts.map((a: any) => a.http_status)).toEqual([401, 401]);
      expect(
        await count(`SELECT count(*) AS n FROM bepaid_notifications WHERE client_id = $1 AND order_id = $2`, [
          shop.client.id,
          sim.id,
        ]),
      ).toBe(0);
      const hisob = await hisobPayment(sim.id);
      expect(hisob.status).toBe('verified');
      expect(hisob.history).toHaveLength(1);
    }
  });

  it('answers malformed and oversized verification bodies in bePaid shape or 4xx, never 5xx, recording nothing', async () => {
    let deep = '"x"';
    for (let i = 0; i < 40; i++) deep = `{"a":${deep}}`;
    const bodies: Array<[string, string, number | null]> = [
      ['not JSON', 'account=1&amount=2', 400],
      ['truncated JSON', '{"request":{"id":"x1","account":', 400],
      ['empty', '', 400],
      ['an array', '[]', 300],
      ['no request', '{"req":{}}', 300],
      ['no id', '{"request":{"account":"992900112233","amount":4299,"currency":"TJS"}}', 300],
      [
        'amount a string',
        '{"request":{"id":"m-1","account":"992900112233","amount":"42.99","currency":"TJS"}}',
        300,
      ],
      [
        'amount a fraction',
        '{"request":{"id":"m-2","account":"992900112233","amount":42.5,"currency":"TJS"}}',
        300,
      ],
      [
        'unknown currency',
        '{"request":{"id":"m-3","account":"992900112233","amount":4299,"currency":"ZZZ"}}',
        300,
      ],
      [
        'NUL in the account',
        '{"request":{"id":"m-4","account":"9929\\u000001","amount":4299,"currency":"TJS"}}',
        4,
      ],
      [
        'lone surrogate in the id',
        '{"request":{"id":"m-\\ud800","account":"992900112233","amount":4299,"currency":"TJS"}}',
        300,
      ],
      ['nested 40 deep', `{"request":${deep}}`, 400],
      ['oversized', `{"request":{"id":"m-5","info":"${'x'.repeat(BODY_LIMIT)}"}}`, 413],
    ];
    const before = await storedRows();
    for (const [name, raw, expected] of bodies) {
      const sim = await pay({
        id: nextId(),
        account: '992900112233',
        amount: 4299,
        notify: false,
        raw_verification_body: raw,
      });
      const a = sim.verification.attempts[0];
      const got =
        a.http_status === 200
          ? { name, http: 200, result: a.body.response.result, tracking_id: a.body.response.tracking_id }
          : { name, http: a.http_status, code: a.body.code, type: typeof a.body.request_id };
      expect(got).toEqual(
        expected !== null && expected < 400
          ? { name, http: 200, result: expected, tracking_id: null }
          : {
              name,
              http: expected,
              code: expected === 413 ? 'payload_too_large' : 'validation_failed',
              type: 'string',
            },
      );
    }
    expect(await storedRows()).toBe(before);
  });

  it('applies a successful payment notification with its history, and keeps a late failed unapplied', async () => {
    const sim = await pay({ id: nextId(), account: '992900112233', amount: '120.50', info: 'Order 17' });
    expect(sim.notifications[0]).toMatchObject({ delivered: true, attempts: [{ http_status: 200 }] });
    const applied = await hisobPayment(sim.id);
    expect(applied).toMatchObject({
      amount: '120.50',
      currency: 'TJS',
      status: 'successful',
      bepaid_uid: sim.uid,
      paid_at: new Date(JSON.parse(sim.notifications[0].body).transaction.paid_at).toISOString(),
      test: true,
      history: [
        { source: 'verification', status: 'verified', uid: null, applied: true },
        { source: 'notification', status: 'successful', uid: sim.uid, applied: true },
      ],
    });
    const raw = await db.query<{ raw_body: Buffer; signature_verified: boolean }>(
      `SELECT raw_body, signature_verified FROM bepaid_notifications WHERE client_id = $1 AND uid = $2`,
      [shop.client.id, sim.uid],
    );
    expect(raw.rows[0]!.raw_body.toString('utf8')).toBe(sim.notifications[0].body);
    expect(raw.rows[0]!.signature_verified).toBe(true);

    const late = await control('POST', '/notify', {
      merchant_id: shop.merchantId,
      id: sim.id,
      status: 'failed',
    });
    expect(late.status).toBe(200);
    expect(late.body.notifications[0]).toMatchObject({ delivered: true, attempts: [{ http_status: 200 }] });
    // bePaid's late notification carries the payment's one uid: a new event, kept and not applied.
    expect(late.body.notifications[0].attempts[0].body).toContain('"duplicate":false');
    const after = await hisobPayment(sim.id);
    expect(after).toMatchObject({ status: 'successful', paid_at: applied.paid_at, bepaid_uid: sim.uid });
    expect(after.history.map((h: any) => [h.status, h.uid, h.applied])).toEqual([
      ['verified', null, true],
      ['successful', sim.uid, true],
      ['failed', sim.uid, false],
    ]);
    // The same late notification delivered again is a duplicate and changes nothing.
    const again = await control('POST', '/notify', {
      merchant_id: shop.merchantId,
      id: sim.id,
      status: 'failed',
    });
    expect(again.body.notifications[0].attempts[0].body).toContain('"duplicate":true');
    expect(await hisobPayment(sim.id)).toEqual(after);
  });

  it('links a notification that arrives before its verification when the verification comes', async () => {
    const id = nextId();
    const early = transaction({ order_id: id, amount: 4299, uid: `7-${Date.now().toString(16)}` });
    const sent = await craftedNotification(JSON.stringify(early));
    expect(sent).toMatchObject({ status: 200, body: { status: 'ok', duplicate: false } });
    expect(await hisobPayment(id)).toBeUndefined();

    const sim = await pay({ id, account: '992900112233', amount: 4299, notify: false });
    expect(sim.verification.result).toBe(0);
    expect(await hisobPayment(id)).toMatchObject({
      tracking_id: sim.verification.tracking_id,
      status: 'successful',
      bepaid_uid: early.transaction.uid,
      history: [
        { source: 'verification', status: 'verified' },
        { source: 'notification', status: 'successful', uid: early.transaction.uid, applied: true },
      ],
    });
  });

  it('applies a notification whose strings hold newlines, tabs and NUL, and keeps its raw bytes', async () => {
    const sim = await pay({ id: nextId(), account: '992900112233', amount: 4299, notify: false });
    const body = transaction({
      order_id: sim.id,
      tracking_id: sim.verification.tracking_id,
      amount: 4299,
      message: 'line1\nline2\r\n\tindented',
      description: 'Order\u000017\u0007',
    });
    const raw = JSON.stringify(body);
    expect(raw).toContain('line1\\nline2');
    const res = await craftedNotification(raw);
    expect(res).toMatchObject({ status: 200, body: { status: 'ok', duplicate: false } });
    expect(await hisobPayment(sim.id)).toMatchObject({
      status: 'successful',
      bepaid_uid: body.transaction.uid,
    });
    const stored = await db.query<{ raw_body: Buffer }>(
      `SELECT raw_body FROM bepaid_notifications WHERE client_id = $1 AND uid = $2`,
      [shop.client.id, body.transaction.uid],
    );
    expect(stored.rows[0]!.raw_body.equals(Buffer.from(raw))).toBe(true);

    // A NUL in a field Hisob stores names no payment: it is taken as absent, never sent to PostgreSQL.
    const odd = transaction({ order_id: 'x\u0000y', amount: 4299 });
    const r = await craftedNotification(JSON.stringify(odd));
    expect(r).toMatchObject({ status: 200, body: { duplicate: false } });
    expect(
      (await db.query(`SELECT order_id FROM bepaid_notifications WHERE uid = $1`, [odd.transaction.uid]))
        .rows,
    ).toEqual([{ order_id: null }]);
    // The other routes still refuse control characters.
    const elsewhere = await put(shop, '/v1/merchant/customers/cust-ctl', { status: 'active\n' });
    expect(elsewhere).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
  });

  it('answers 503 problem+json, never 500, when the database fails on the notification route', async () => {
    const body = transaction({ order_id: nextId(), amount: 4299 });
    await db.query(`ALTER TABLE bepaid_notifications RENAME TO bepaid_notifications_away`);
    let res;
    try {
      res = await craftedNotification(JSON.stringify(body));
    } finally {
      await db.query(`ALTER TABLE bepaid_notifications_away RENAME TO bepaid_notifications`);
    }
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.body).toMatchObject({
      status: 503,
      code: 'service_unavailable',
      request_id: expect.any(String),
    });
    // Delivered again once the database is back: stored.
    expect(await craftedNotification(JSON.stringify(body))).toMatchObject({
      status: 200,
      body: { duplicate: false },
    });
  });

  it('answers 503 when the database stalls past the budget; the stalled write is then a duplicate', async () => {
    const orderId = nextId();
    const raw = JSON.stringify(transaction({ order_id: orderId, amount: 4299 }));
    const blocker = new pg.Client({ connectionString: api.db.url });
    await blocker.connect();
    try {
      await blocker.query(`SELECT pg_advisory_lock(hashtextextended($1::text || ':' || $2::text, 7))`, [
        shop.client.id,
        orderId,
      ]);
      const started = Date.now();
      const res = await craftedNotification(raw);
      expect(res).toMatchObject({ status: 503, body: { code: 'service_unavailable' } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(NOTIFY_BUDGET_MS - 100);
    } finally {
      await blocker.end();
    }
    // bePaid delivers again: the write that was waiting has committed, or this one stores it.
    let again;
    for (let i = 0; i < 50; i++) {
      again = await craftedNotification(raw);
      if (again.body.duplicate === true) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(again).toMatchObject({ status: 200, body: { duplicate: true } });
    expect(
      await count(`SELECT count(*) AS n FROM bepaid_notifications WHERE client_id = $1 AND order_id = $2`, [
        shop.client.id,
        orderId,
      ]),
    ).toBe(1);
  }, 30_000);
});
