import { generateKeyPairSync, sign } from 'node:crypto';
import pg from 'pg';
import { VERIFY_BUDGET_MS } from '../src/merchant/bepaid-inbound.service.js';
import { ADMIN_TOKEN, bearer, json, startApi, type ApiHarness } from './harness.js';
import { until } from './stack.js';

/**
 * The merchant side of bePaid through the real API and PostgreSQL, with plain HTTP requests made
 * and signed here as bePaid would: every result code, the caller's checks, duplicates (sequential
 * and concurrent), notifications before and after their verification, signatures, malformed and
 * oversized bodies, and client deletion.
 */
let api: ApiHarness;
let db: pg.Client;
let merchant: { id: string; apiKey: string };
let other: { id: string; apiKey: string };
const SHOP = {
  shop_id: '361',
  secret_key: 'b8647b68898b084b836474ed8d61ffe117c9a01168d867f24953b776ddcb134d',
};
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const wrongKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicKeyBase64 = keys.publicKey
  .export({ type: 'spki', format: 'pem' })
  .toString()
  .replace(/-----[A-Z ]+-----|\s/g, '');

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const shopAuth = basic(SHOP.shop_id, SHOP.secret_key);

async function put(path: string, body: unknown, key = merchant.apiKey) {
  return fetch(`${api.url}${path}`, {
    method: 'PUT',
    headers: { ...bearer(key), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

let n = 0;
const nextId = () => `bp-${Date.now()}-${++n}`;

async function verify(
  request: Record<string, unknown>,
  opts: { auth?: string | null; clientId?: string } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (opts.auth !== null) headers.authorization = opts.auth ?? shopAuth;
  const res = await fetch(`${api.url}/bepaid/${opts.clientId ?? merchant.id}/account_verification`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ request }),
  });
  return { status: res.status, headers: res.headers, body: await json(res) };
}

const req = (over: Record<string, unknown> = {}) => ({
  id: nextId(),
  account: 'cust-1',
  amount: 12050,
  currency: 'TJS',
  info: { note: 'ignored' },
  method: { type: 'alif_mobi' },
  ...over,
});

function notification(over: Record<string, unknown> = {}) {
  return {
    transaction: {
      uid: `uid-${Date.now()}-${++n}`,
      type: 'payment',
      status: 'successful',
      amount: 12050,
      currency: 'TJS',
      description: 'Alif Mobi payment',
      created_at: '2026-03-10T10:00:00Z',
      updated_at: '2026-03-10T10:00:05Z',
      paid_at: '2026-03-10T10:00:05Z',
      method_type: 'alif_mobi',
      payment_method_type: 'alternative',
      message: 'Successfully processed',
      test: true,
      payment: { status: 'successful', gateway_id: 1, ref_id: 'ref-1' },
      unknown_extra: { ok: true },
      ...over,
    },
  };
}

async function notify(
  body: unknown,
  opts: {
    auth?: string | null;
    signWith?: typeof keys.privateKey | null;
    signature?: string;
    raw?: string;
  } = {},
) {
  const raw = opts.raw ?? JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.auth !== null) headers.authorization = opts.auth ?? shopAuth;
  if (opts.signature !== undefined) headers['content-signature'] = opts.signature;
  else if (opts.signWith !== null)
    headers['content-signature'] = sign(
      'sha256',
      Buffer.from(raw),
      opts.signWith ?? keys.privateKey,
    ).toString('base64');
  const res = await fetch(`${api.url}/bepaid/${merchant.id}/notifications`, {
    method: 'POST',
    headers,
    body: raw,
  });
  return { status: res.status, headers: res.headers, body: await json(res) };
}

const count = async (sql: string, params: unknown[] = []) =>
  Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);
const payments = (bepaidId: string) =>
  count(`SELECT count(*) AS n FROM bepaid_payments WHERE client_id = $1 AND bepaid_id = $2`, [
    merchant.id,
    bepaidId,
  ]);
const allRows = () =>
  count(
    `SELECT (SELECT count(*) FROM bepaid_payments) + (SELECT count(*) FROM bepaid_notifications) + (SELECT count(*) FROM access_log) AS n`,
  );

async function listPayments(query = '') {
  const res = await fetch(`${api.url}/v1/merchant/payments${query}`, { headers: bearer(merchant.apiKey) });
  expect(res.status).toBe(200);
  return json(res);
}
const paymentOf = async (trackingId: string) => {
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const page = await listPayments(`?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    const p = page.payments.find((x: { tracking_id: string }) => x.tracking_id === trackingId);
    if (p) return p;
    cursor = page.next_cursor;
  }
  return undefined;
};

beforeAll(async () => {
  api = await startApi({ HISOB_LOG_LEVEL: 'info' });
  db = new pg.Client({ connectionString: api.db.url });
  await db.connect();
  merchant = await api.newClient('merchant');
  other = await api.newClient('other');
}, 60_000);

afterAll(async () => {
  await db?.end();
  await api?.close();
});

describe('merchant set-up', () => {
  it('answers 243 for every account before a directory exists, and 401 before a shop exists', async () => {
    expect((await verify(req())).status).toBe(401);
    const res = await put('/v1/merchant/bepaid', { ...SHOP, public_key: publicKeyBase64 });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toEqual({
      shop_id: '361',
      public_key_configured: true,
      currency: 'TJS',
      customer_count: 0,
      verification_url: `${api.url}/bepaid/${merchant.id}/account_verification`,
      notification_url: `${api.url}/bepaid/${merchant.id}/notifications`,
      updated_at: expect.any(String),
    });
    expect(JSON.stringify(body)).not.toContain(SHOP.secret_key);
    const [row] = (
      await db.query(`SELECT secret_key_enc FROM bepaid_merchants WHERE client_id = $1`, [merchant.id])
    ).rows;
    expect(row.secret_key_enc).toMatch(/^v1\./);
    expect(row.secret_key_enc).not.toContain(SHOP.secret_key);
    const r = await verify(req({ account: 'nobody' }));
    expect(r.body.response.result).toBe(243);
  });

  it('refuses a public key that is not one, and limits that are not decimal strings', async () => {
    const bad = await put('/v1/merchant/bepaid', { ...SHOP, public_key: 'not-a-key' });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors[0].field).toBe('public_key');
    for (const limits of [
      { min_amount: '1.005' },
      { max_amount: 10 },
      { min_amount: '1e3' },
      { min_amount: '-1' },
      { min_amount: '5', max_amount: '4' },
    ]) {
      const res = await put('/v1/merchant/customers/cust-x', { status: 'active', ...limits });
      expect({ limits, status: res.status, code: (await json(res)).code }).toEqual({
        limits,
        status: 400,
        code: 'validation_failed',
      });
    }
  });

  it('imports the directory as JSON and as CSV, all or nothing', async () => {
    const res = await fetch(`${api.url}/v1/merchant/customers/import`, {
      method: 'POST',
      headers: { ...bearer(merchant.apiKey), 'content-type': 'application/json' },
      body: JSON.stringify({
        customers: [
          { account: 'cust-1', status: 'active', min_amount: '10.00', max_amount: '500.00' },
          { account: 'cust-blocked', status: 'blocked' },
          { account: '+992900000001', status: 'active' },
        ],
      }),
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ created: 3, updated: 0 });

    const csv =
      'account,status,min_amount,max_amount\r\ncust-1,active,10,500.00\n"cust-csv",active,,"1,000.00"\n';
    const refused = await fetch(`${api.url}/v1/merchant/customers/import`, {
      method: 'POST',
      headers: { ...bearer(merchant.apiKey), 'content-type': 'text/csv' },
      body: csv,
    });
    expect(refused.status).toBe(400);
    expect((await json(refused)).errors[0].field).toBe('customers[1].max_amount');
    expect(await count(`SELECT count(*) AS n FROM bepaid_customers WHERE account = 'cust-csv'`)).toBe(0);

    const ok = await fetch(`${api.url}/v1/merchant/customers/import`, {
      method: 'POST',
      headers: { ...bearer(merchant.apiKey), 'content-type': 'text/csv' },
      body: csv.replace('"1,000.00"', '1000.00'),
    });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toEqual({ created: 1, updated: 1 });

    const one = await fetch(`${api.url}/v1/merchant/customers/cust-csv`, {
      headers: bearer(merchant.apiKey),
    });
    expect(await json(one)).toMatchObject({
      account: 'cust-csv',
      status: 'active',
      min_amount: null,
      max_amount: '1000.00',
    });
    // Another client sees none of it.
    const theirs = await fetch(`${api.url}/v1/merchant/customers/cust-csv`, {
      headers: bearer(other.apiKey),
    });
    expect(theirs.status).toBe(404);
    // CSV anywhere else is a 415.
    const elsewhere = await fetch(`${api.url}/v1/consents`, {
      method: 'POST',
      headers: { ...bearer(merchant.apiKey), 'content-type': 'text/csv' },
      body: csv,
    });
    expect(elsewhere.status).toBe(415);
  });

  it('honours Idempotency-Key on the import', async () => {
    const once = () =>
      fetch(`${api.url}/v1/merchant/customers/import`, {
        method: 'POST',
        headers: {
          ...bearer(merchant.apiKey),
          'content-type': 'application/json',
          'idempotency-key': 'imp-1',
        },
        body: JSON.stringify({ customers: [{ account: 'cust-idem', status: 'active' }] }),
      });
    const first = await once();
    const second = await once();
    expect([first.status, second.status]).toEqual([200, 200]);
    // The retry is the first answer replayed (a second import would report the row as updated).
    expect([await json(first), await json(second)]).toEqual([
      { created: 1, updated: 0 },
      { created: 1, updated: 0 },
    ]);
  });

  it('PUT of one customer: 201 when new, 200 when replaced', async () => {
    expect(
      (await put('/v1/merchant/customers/cust-2', { status: 'active', min_amount: '1.00' })).status,
    ).toBe(201);
    const again = await put('/v1/merchant/customers/cust-2', { status: 'active', max_amount: '100' });
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ min_amount: null, max_amount: '100.00', currency: 'TJS' });
  });
});

describe('account_verification', () => {
  it('answers every result code from the directory, the limits and the request', async () => {
    const cases: Array<[string, Record<string, unknown>, number]> = [
      ['active, inside the limits', {}, 0],
      ['at the minimum (inclusive)', { amount: 1000 }, 0],
      ['at the maximum (inclusive)', { amount: 50000 }, 0],
      ['below the minimum', { amount: 999 }, 241],
      ['above the maximum', { amount: 50001 }, 242],
      ['account in a wrong format', { account: 'a b' }, 4],
      ['account not in the directory', { account: 'nobody' }, 5],
      ['account blocked', { account: 'cust-blocked' }, 7],
      ['currency the merchant does not take', { currency: 'USD' }, 300],
      ['unknown currency', { currency: 'XXX' }, 300],
      ['amount not an integer', { amount: 120.5 }, 300],
      ['amount missing', { amount: undefined }, 300],
      ['account missing', { account: undefined }, 300],
    ];
    for (const [what, over, result] of cases) {
      const r = await verify(req(over));
      expect({ what, status: r.status, result: r.body.response.result }).toEqual({
        what,
        status: 200,
        result,
      });
      expect(Object.keys(r.body.response).sort()).toEqual(
        ['amount', 'currency', 'description', 'id', 'result', 'tracking_id'].sort(),
      );
      expect(typeof r.body.response.description).toBe('string');
    }
    const ok = await verify(req({ id: 987654321 }));
    expect(ok.body.response).toEqual({
      id: 987654321,
      tracking_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      amount: 12050,
      currency: 'TJS',
      result: 0,
      description: 'OK',
    });
  });

  it('answers 8 (technical) in the bePaid shape when the database fails', async () => {
    await db.query(`ALTER TABLE bepaid_payments RENAME TO bepaid_payments_away`);
    try {
      const r = await verify(req());
      expect({ status: r.status, result: r.body.response.result }).toEqual({ status: 200, result: 8 });
    } finally {
      await db.query(`ALTER TABLE bepaid_payments_away RENAME TO bepaid_payments`);
    }
  });

  it('answers 8 rather than let bePaid time out, and the same id later gets the answer recorded', async () => {
    const slow = req();
    // Another session holds the request id's lock: the recording waits past Hisob's budget.
    const blocker = new pg.Client({ connectionString: api.db.url });
    await blocker.connect();
    try {
      await blocker.query(`SELECT pg_advisory_lock(hashtextextended($1::text || ':' || $2::text, 7))`, [
        merchant.id,
        slow.id,
      ]);
      const started = Date.now();
      const r = await verify(slow);
      expect({ result: r.body.response.result, tracking_id: r.body.response.tracking_id }).toEqual({
        result: 8,
        tracking_id: null,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(VERIFY_BUDGET_MS - 100);
      expect(Date.now() - started).toBeLessThan(14_000);
    } finally {
      await blocker.end();
    }
    await until(
      () => payments(slow.id as string),
      (n) => n === 1,
      5_000,
    );
    const again = await verify(slow);
    expect(again.body.response).toMatchObject({ result: 0, tracking_id: expect.any(String) });
    expect(await payments(slow.id as string)).toBe(1);
  }, 30_000);

  it('refuses wrong or missing credentials with 401 and records nothing', async () => {
    const before = await allRows();
    for (const auth of [
      null,
      basic(SHOP.shop_id, 'wrong'),
      basic('362', SHOP.secret_key),
      `Bearer ${merchant.apiKey}`,
      'Basic !!!',
      basic(SHOP.shop_id, `${SHOP.secret_key}x`),
    ]) {
      const r = await verify(req(), { auth });
      expect({ auth, status: r.status, challenge: r.headers.get('www-authenticate') }).toEqual({
        auth,
        status: 401,
        challenge: expect.stringMatching(/^Basic /),
      });
      expect(r.body.code).toBe('unauthorized');
    }
    // The right credentials for another client's path, an unknown client, a non-uuid.
    expect((await verify(req(), { clientId: other.id })).status).toBe(401);
    expect((await verify(req(), { clientId: '00000000-0000-0000-0000-000000000000' })).status).toBe(401);
    expect((await verify(req(), { clientId: 'nope' })).status).toBe(401);
    expect(await allRows()).toBe(before);
    expect(api.logs.join('')).not.toContain(SHOP.secret_key);
  });

  it('answers a repeated id from its first answer: one payment, one tracking id', async () => {
    const first = req();
    const a = await verify(first);
    const b = await verify(first);
    expect(b.body).toEqual(a.body);
    expect(await payments(first.id as string)).toBe(1);
    // A refusal is answered the same way again, even once the directory would say otherwise.
    const refused = req({ account: 'cust-later' });
    expect((await verify(refused)).body.response.result).toBe(5);
    await put('/v1/merchant/customers/cust-later', { status: 'active' });
    expect((await verify(refused)).body.response.result).toBe(5);
    // The same id with another body: 11 (the first payment is not final), no second payment.
    const other = await verify({ ...first, amount: 13000 });
    expect(other.body.response).toMatchObject({ id: first.id, result: 11, tracking_id: null, amount: 13000 });
    expect(await payments(first.id as string)).toBe(1);
  });

  it('makes one payment of 20 concurrent identical requests', async () => {
    const same = req();
    const answers = await Promise.all(Array.from({ length: 20 }, () => verify(same)));
    expect(new Set(answers.map((r) => r.status))).toEqual(new Set([200]));
    expect(new Set(answers.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(answers[0]!.body.response.result).toBe(0);
    expect(await payments(same.id as string)).toBe(1);
  });

  it('answers malformed and oversized bodies with a 4xx or the bePaid shape, never a 5xx, recording nothing', async () => {
    const before = await count(`SELECT count(*) AS n FROM bepaid_payments`);
    const raw = async (body: string, type = 'application/json') => {
      const res = await fetch(`${api.url}/bepaid/${merchant.id}/account_verification`, {
        method: 'POST',
        headers: { authorization: shopAuth, 'content-type': type },
        body,
      });
      return { status: res.status, text: await res.text() };
    };
    const bodies = [
      '{"request":',
      '',
      '[]',
      'null',
      '{"request":[]}',
      '{"request":{"id":{"x":1},"account":"cust-1","amount":1,"currency":"TJS"}}',
      '{"request":{"id":"a","account":"cust-1","amount":"12050","currency":"TJS"}}',
      '{"request":{"id":"a","account":"cust-1","amount":1e400,"currency":"TJS"}}',
      '{"request":{"id":"a","account":"cust-\\u0000","amount":1,"currency":"TJS"}}',
      `{"request":{"id":"a","account":"cust-1","amount":1,"currency":"TJS","info":${'['.repeat(40)}${']'.repeat(40)}}}`,
      JSON.stringify({ request: { ...req(), pad: 'x'.repeat(2_000_000) } }),
    ];
    for (const body of bodies) {
      const r = await raw(body);
      expect({ body: body.slice(0, 80), serverError: r.status >= 500 }).toEqual({
        body: body.slice(0, 80),
        serverError: false,
      });
      if (r.status === 200) expect(JSON.parse(r.text).response.result).toBe(300);
    }
    expect((await raw('account=1', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await raw('a,b', 'text/csv')).status).toBe(415);
    expect(await count(`SELECT count(*) AS n FROM bepaid_payments`)).toBe(before);
  });
});

describe('notifications', () => {
  it('applies a signed notification after its verification, once per uid, and lists the history', async () => {
    const v = await verify(req());
    const trackingId = v.body.response.tracking_id;
    const body = notification({ tracking_id: trackingId, order_id: v.body.response.id });
    const r = await notify(body);
    expect(r).toMatchObject({ status: 200, body: { status: 'ok', duplicate: false } });
    expect((await notify(body)).body).toEqual({ status: 'ok', duplicate: true });
    expect(
      await count(`SELECT count(*) AS n FROM bepaid_notifications WHERE uid = $1`, [body.transaction.uid]),
    ).toBe(1);
    const p = await paymentOf(trackingId);
    expect(p).toMatchObject({
      tracking_id: trackingId,
      id: v.body.response.id,
      amount: '120.50',
      currency: 'TJS',
      status: 'successful',
      bepaid_uid: body.transaction.uid,
      paid_at: '2026-03-10T10:00:05.000Z',
      test: true,
      match_status: 'unmatched',
      matched_transaction_id: null,
    });
    expect(p.history.map((h: { status: string; applied: boolean }) => [h.status, h.applied])).toEqual([
      ['verified', true],
      ['successful', true],
    ]);
    const [raw] = (
      await db.query(`SELECT raw_body, signature_verified FROM bepaid_notifications WHERE uid = $1`, [
        body.transaction.uid,
      ])
    ).rows;
    expect(raw.raw_body.toString('utf8')).toBe(JSON.stringify(body));
    expect(raw.signature_verified).toBe(true);
    // The merchant's own webhook, in the outbox.
    const events = (
      await db.query(`SELECT payload FROM webhook_events WHERE client_id = $1 AND type = 'payment.updated'`, [
        merchant.id,
      ])
    ).rows.map((r) => r.payload.data);
    expect(events).toContainEqual(
      expect.objectContaining({
        tracking_id: trackingId,
        status: 'successful',
        previous_status: 'verified',
        amount: '120.50',
        notification: { uid: body.transaction.uid, status: 'successful', applied: true },
      }),
    );
  });

  it('keeps a late failed after successful as an event, not applied; a pending before it applies', async () => {
    const v = await verify(req());
    const id = v.body.response.id;
    await notify(notification({ order_id: id, status: 'pending', paid_at: undefined }));
    await notify(notification({ order_id: id, status: 'successful' }));
    await notify(notification({ order_id: id, status: 'failed' }));
    const p = await paymentOf(v.body.response.tracking_id);
    expect(p.status).toBe('successful');
    expect(p.history.map((h: { status: string; applied: boolean }) => [h.status, h.applied])).toEqual([
      ['verified', true],
      ['pending', true],
      ['successful', true],
      ['failed', false],
    ]);
    // Its id reused with another body: 12, duplicate of a successful payment.
    const dup = await verify({ ...req(), id, amount: 4242 });
    expect(dup.body.response).toMatchObject({ id, result: 12, tracking_id: null });
  });

  it('stores a notification that arrives before its verification and links it when the verification comes', async () => {
    const early = req();
    const body = notification({ order_id: early.id, tracking_id: undefined });
    expect((await notify(body)).status).toBe(200);
    const [waiting] = (
      await db.query(`SELECT payment_id FROM bepaid_notifications WHERE uid = $1`, [body.transaction.uid])
    ).rows;
    expect(waiting.payment_id).toBeNull();
    const v = await verify(early);
    expect(v.body.response.result).toBe(0);
    const p = await paymentOf(v.body.response.tracking_id);
    expect(p.status).toBe('successful');
    expect(p.history.map((h: { uid: string | null }) => h.uid)).toEqual([null, body.transaction.uid]);
    // A notification for no payment at all stays in the inbox.
    expect((await notify(notification({ order_id: 'never-verified', tracking_id: undefined }))).status).toBe(
      200,
    );
  });

  it('does not apply a notification whose amount is not the payment’s', async () => {
    const v = await verify(req());
    await notify(notification({ order_id: v.body.response.id, amount: 99999 }));
    const p = await paymentOf(v.body.response.tracking_id);
    expect(p.status).toBe('verified');
    expect(p.history.at(-1)).toMatchObject({ status: 'successful', applied: false });
  });

  it('refuses a bad or missing signature and bad credentials, storing nothing', async () => {
    const before = await count(`SELECT count(*) AS n FROM bepaid_notifications`);
    const body = notification({ order_id: 'x' });
    expect((await notify(body, { signWith: wrongKeys.privateKey })).status).toBe(401);
    expect((await notify(body, { signWith: null })).status).toBe(401);
    expect((await notify(body, { signature: 'bm90IGEgc2lnbmF0dXJl' })).status).toBe(401);
    // Signed over other bytes than sent (the same JSON re-serialised with spaces).
    const sig = sign('sha256', Buffer.from(JSON.stringify(body)), keys.privateKey).toString('base64');
    expect((await notify(body, { raw: JSON.stringify(body, null, 1), signature: sig })).status).toBe(401);
    const wrong = await notify(body, { auth: basic(SHOP.shop_id, 'nope') });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect((await notify(body, { auth: null })).status).toBe(401);
    expect(await count(`SELECT count(*) AS n FROM bepaid_notifications`)).toBe(before);
  });

  it('refuses a malformed notification with a 4xx and stores nothing', async () => {
    const before = await count(`SELECT count(*) AS n FROM bepaid_notifications`);
    for (const t of [{ uid: undefined }, { status: 'paid' }, { amount: '12050' }, { currency: 'ZZZ' }]) {
      const r = await notify(notification(t));
      expect({ t, status: r.status }).toEqual({ t, status: 400 });
    }
    const big = await notify(notification({ pad: 'x'.repeat(2_000_000) }));
    expect(big.status).toBe(413);
    expect(await count(`SELECT count(*) AS n FROM bepaid_notifications`)).toBe(before);
  });
});

describe('payments list', () => {
  it('pages with next_cursor, filters by status, and is access-logged and scoped to the client', async () => {
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listPayments(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      all.push(...page.payments.map((p: { tracking_id: string }) => p.tracking_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(all.length).toBe(
      await count(`SELECT count(*) AS n FROM bepaid_payments WHERE client_id = $1`, [merchant.id]),
    );
    expect(new Set(all).size).toBe(all.length);
    const successful = await listPayments('?status=successful');
    expect(successful.payments.length).toBeGreaterThan(0);
    for (const p of successful.payments) expect(p.status).toBe('successful');
    const theirs = await fetch(`${api.url}/v1/merchant/payments`, { headers: bearer(other.apiKey) });
    expect((await json(theirs)).payments).toEqual([]);
    expect(
      await count(
        `SELECT count(*) AS n FROM access_log WHERE client_id = $1 AND resource = 'merchant_payments'`,
        [merchant.id],
      ),
    ).toBeGreaterThan(0);
    const bad = await fetch(`${api.url}/v1/merchant/payments?from_date=2026-02-30`, {
      headers: bearer(merchant.apiKey),
    });
    expect(bad.status).toBe(400);
  });
});

describe('deleting the client', () => {
  it('removes its merchant data and bePaid is refused from then on', async () => {
    const c = await api.newClient('short-lived');
    const key = c.apiKey;
    const setup = await fetch(`${api.url}/v1/merchant/bepaid`, {
      method: 'PUT',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body: JSON.stringify({ shop_id: 'gone', secret_key: 'gone-secret-key' }),
    });
    expect(setup.status).toBe(200);
    await fetch(`${api.url}/v1/merchant/customers/c1`, {
      method: 'PUT',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'active' }),
    });
    const r = await verify(req({ account: 'c1' }), {
      clientId: c.id,
      auth: basic('gone', 'gone-secret-key'),
    });
    expect(r.body.response.result).toBe(0);
    const del = await fetch(`${api.url}/admin/clients/${c.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(del.status).toBe(204);
    for (const t of ['bepaid_merchants', 'bepaid_customers', 'bepaid_payments', 'bepaid_notifications'])
      expect({ t, n: await count(`SELECT count(*) AS n FROM ${t} WHERE client_id = $1`, [c.id]) }).toEqual({
        t,
        n: 0,
      });
    expect(
      (await verify(req({ account: 'c1' }), { clientId: c.id, auth: basic('gone', 'gone-secret-key') }))
        .status,
    ).toBe(401);
  });
});
