/**
 * The simulator against a merchant stand-in (test/merchant-double.ts): the verification call and
 * its budget, copies, the notification with its signature and retries, the control API's records.
 */
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startBepaidSandbox, type RunningSandbox } from '../src/main.js';
import type { BepaidSandboxOptions } from '../src/main.js';
import { MerchantDouble, basic } from './merchant-double.js';

const FAST: BepaidSandboxOptions = {
  logLevel: 'silent',
  verificationTimeoutMs: 5_000,
  notificationTimeoutMs: 2_000,
  notificationAttempts: 3,
  notificationBackoffMs: [30],
};

async function control(sb: RunningSandbox, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sb.url}/__sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json, text, headers: res.headers };
}

async function register(sb: RunningSandbox, m: MerchantDouble): Promise<string> {
  const res = await control(sb, 'POST', '/merchants', {
    verification_url: `${m.url}/account_verification`,
    notification_url: `${m.url}/notifications`,
    shop_id: Number(m.shopId),
    secret_key: m.secretKey,
    name: 'Dushanbe Books',
  });
  expect(res.status).toBe(201);
  m.publicKeyPem = res.body.public_key_pem;
  m.publicKeyBase64 = res.body.public_key_base64;
  return res.body.merchant_id;
}

describe('bePaid simulator: payments toward a merchant', () => {
  let sb: RunningSandbox;
  let merchant: MerchantDouble;
  let merchantId: string;

  beforeAll(async () => {
    sb = await startBepaidSandbox(FAST);
  });
  afterAll(() => sb.close());
  beforeEach(async () => {
    merchant = await new MerchantDouble().start();
    merchantId = await register(sb, merchant);
  });
  afterEach(() => merchant.close());

  it('registers a merchant and hands out one public key as PEM and as bare base64', async () => {
    const pem = await control(sb, 'GET', '/public-key');
    expect(pem.status).toBe(200);
    expect(pem.text).toBe(merchant.publicKeyPem);
    expect(pem.text).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(merchant.publicKeyBase64).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const der = createPublicKey(pem.text).export({ type: 'spki', format: 'der' });
    expect(Buffer.from(merchant.publicKeyBase64, 'base64').equals(der)).toBe(true);
    expect(createPublicKey(pem.text).asymmetricKeyDetails?.modulusLength).toBe(2048);

    const view = await control(sb, 'GET', `/merchants/${merchantId}`);
    expect(view.body).toMatchObject({ merchant_id: merchantId, shop_id: '361', payments: [] });
    expect(view.text).not.toContain(merchant.secretKey);
  });

  it('verifies the account with Basic auth, then notifies a signed successful payment', async () => {
    const res = await control(sb, 'POST', '/pay', {
      merchant_id: merchantId,
      account: '992900112233',
      amount: '42.99',
      info: 'Order 17',
    });
    expect(res.status).toBe(200);
    const { id, uid } = res.body;
    expect(res.body).toMatchObject({
      status: 'successful',
      verification: { result: 0, tracking_id: `trk-${id}` },
    });
    expect(res.body.verification.attempts).toEqual([
      expect.objectContaining({ http_status: 200, timed_out: false, result_type: 'number' }),
    ]);

    expect(merchant.verifications).toHaveLength(1);
    const v = merchant.verifications[0]!;
    expect(v.authOk).toBe(true);
    expect(v.headers.authorization).toBe(basic('361', merchant.secretKey));
    expect(v.headers.accept).toBe('application/json');
    expect(v.headers['content-type']).toBe('application/json');
    expect(v.json).toEqual({
      request: {
        account: '992900112233',
        id,
        amount: 4299,
        currency: 'TJS',
        info: 'Order 17',
        method: { type: 'alif_mobi' },
      },
    });

    expect(merchant.notifications).toHaveLength(1);
    const n = merchant.notifications[0]!;
    expect(n.authOk).toBe(true);
    expect(n.signatureOkPem).toBe(true);
    expect(n.signatureOkBase64).toBe(true);
    expect(n.json.transaction).toMatchObject({
      uid,
      type: 'payment',
      status: 'successful',
      amount: 4299,
      currency: 'TJS',
      method_type: 'alif_mobi',
      payment_method_type: 'alternative',
      tracking_id: `trk-${id}`,
      order_id: id,
      test: true,
      payment: { status: 'successful', gateway_id: expect.any(Number), ref_id: expect.any(String) },
    });
    for (const k of ['created_at', 'updated_at', 'paid_at'])
      expect(n.json.transaction[k]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(res.body.notifications).toEqual([
      expect.objectContaining({
        status: 'successful',
        delivered: true,
        attempts: [expect.objectContaining({ http_status: 200 })],
      }),
    ]);

    // What was sent and answered stays readable.
    const stored = await control(sb, 'GET', `/payments/${id}`);
    expect(stored.body).toEqual(res.body);
    const listed = await control(sb, 'GET', `/payments?merchant_id=${merchantId}`);
    expect(listed.body.payments.map((p: any) => p.id)).toEqual([id]);
    const page = await control(sb, 'GET', `/merchants/${merchantId}`);
    expect(page.body.payments[0].verification.attempts[0].body.response.tracking_id).toBe(`trk-${id}`);
  });

  it('reads a result sent as a string and says so', async () => {
    merchant.answerVerification = (req) => ({
      body: {
        response: { id: req.request.id, tracking_id: 'T-1', amount: 100, currency: 'TJS', result: '0' },
      },
    });
    const res = await control(sb, 'POST', '/pay', { merchant_id: merchantId, account: 'a-1', amount: 100 });
    expect(res.body.status).toBe('successful');
    expect(res.body.verification.result).toBe(0);
    expect(res.body.verification.attempts[0].result_type).toBe('string');
  });

  it.each([
    [5, 'number'],
    ['241', 'string'],
  ])('fails the payment on a refusal (result %p as a %s) and notifies why', async (result, type) => {
    merchant.answerVerification = (req) => ({
      body: { response: { id: req.request.id, tracking_id: 'T-2', amount: 1, currency: 'TJS', result } },
    });
    const res = await control(sb, 'POST', '/pay', { merchant_id: merchantId, account: 'nobody', amount: 1 });
    expect(res.body).toMatchObject({
      status: 'failed',
      verification: { result: Number(result), tracking_id: 'T-2' },
    });
    expect(res.body.verification.attempts[0].result_type).toBe(type);
    const t = merchant.notifications[0]!.json.transaction;
    expect(t).toMatchObject({ status: 'failed', tracking_id: 'T-2', order_id: res.body.id });
    expect(t.message).toContain(`result ${Number(result)}`);
    expect(t).not.toHaveProperty('paid_at');
  });

  it('fails a payment whose verification the merchant refuses with 401 when the credentials are wrong', async () => {
    const res = await control(sb, 'POST', '/pay', {
      merchant_id: merchantId,
      account: 'a-2',
      amount: 500,
      wrong_credentials: true,
    });
    expect(merchant.verifications[0]!.authOk).toBe(false);
    expect(res.body.status).toBe('failed');
    expect(res.body.verification.attempts[0]).toMatchObject({ http_status: 401, result_type: null });
    // Its notifications carry the same wrong credentials: refused at every attempt.
    expect(merchant.notifications.every((n) => !n.authOk)).toBe(true);
    expect(res.body.notifications[0].attempts.map((a: any) => a.http_status)).toEqual([401, 401, 401]);
    expect(res.body.notifications[0].delivered).toBe(false);
    const t = merchant.notifications[0]!.json.transaction;
    expect(t).not.toHaveProperty('tracking_id');
  });

  it('sends N identical verification requests at once (concurrent copies)', async () => {
    merchant.answerVerification = (req) => ({
      delayMs: 1_000,
      body: { response: { id: req.request.id, tracking_id: 'same', amount: 1, currency: 'TJS', result: 0 } },
    });
    const res = await control(sb, 'POST', '/pay', {
      merchant_id: merchantId,
      account: 'a-3',
      amount: 700,
      concurrent_copies: 3,
    });
    expect(merchant.verifications).toHaveLength(3);
    expect(new Set(merchant.verifications.map((v) => v.raw)).size).toBe(1);
    expect(merchant.maxInFlight).toBe(3);
    expect(res.body.verification.attempts).toHaveLength(3);
    expect(res.body.status).toBe('successful');
  });

  it('sends the same verification request N times one after another (sequential copies)', async () => {
    const res = await control(sb, 'POST', '/pay', {
      merchant_id: merchantId,
      account: 'a-4',
      amount: 700,
      verification_copies: 3,
    });
    expect(merchant.verifications).toHaveLength(3);
    expect(new Set(merchant.verifications.map((v) => v.raw)).size).toBe(1);
    expect(merchant.maxInFlight).toBe(1);
    expect(res.body.verification.attempts.map((a: any) => a.http_status)).toEqual([200, 200, 200]);
  });

  it('retries a notification the merchant answers 500, recording every attempt', async () => {
    merchant.answerNotification = (n) => (n < 2 ? 500 : 200);
    const res = await control(sb, 'POST', '/pay', { merchant_id: merchantId, account: 'a-5', amount: 900 });
    expect(res.body.notifications).toHaveLength(1);
    const d = res.body.notifications[0];
    expect(d.attempts.map((a: any) => a.http_status)).toEqual([500, 500, 200]);
    expect(d.delivered).toBe(true);
    expect(merchant.notifications).toHaveLength(3);
    expect(new Set(merchant.notifications.map((n) => n.raw)).size).toBe(1);
    expect(merchant.notifications.map((n) => n.headers['content-signature'])).toEqual(
      Array(3).fill(merchant.notifications[0]!.headers['content-signature']),
    );
    // The backoff is honoured between attempts.
    expect(merchant.notifications[1]!.at - merchant.notifications[0]!.at).toBeGreaterThanOrEqual(25);
  });

  it('gives up after the configured attempts', async () => {
    merchant.answerNotification = () => 503;
    const res = await control(sb, 'POST', '/pay', { merchant_id: merchantId, account: 'a-6', amount: 900 });
    expect(res.body.notifications[0].attempts).toHaveLength(3);
    expect(res.body.notifications[0].delivered).toBe(false);
  });

  it('delivers the same notification N times', async () => {
    const res = await control(sb, 'POST', '/pay', {
      merchant_id: merchantId,
      account: 'a-7',
      amount: 900,
      notification_copies: 2,
    });
    expect(res.body.notifications).toHaveLength(2);
    expect(merchant.notifications).toHaveLength(2);
    expect(merchant.notifications[0]!.raw).toBe(merchant.notifications[1]!.raw);
  });

  it('signs a bad signature that does not verify, or sends none when asked', async () => {
    await control(sb, 'POST', '/pay', {
      merchant_id: merchantId,
      account: 'a-8',
      amount: 10,
      bad_signature: true,
    });
    await control(sb, 'POST', '/pay', {
      merchant_id: merchantId,
      account: 'a-9',
      amount: 10,
      no_signature: true,
    });
    const [bad, none] = merchant.notifications;
    expect(bad!.headers['content-signature']).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(bad!.signatureOkPem).toBe(false);
    expect(bad!.signatureOkBase64).toBe(false);
    expect(bad!.authOk).toBe(true);
    expect(none!.headers).not.toHaveProperty('content-signature');
    expect(none!.signatureOkPem).toBeNull();
  });

  it('sends a raw verification body as it is', async () => {
    const raw = '{"request":{"account":"a-10","id":"x","amount":12.5,';
    const res = await control(sb, 'POST', '/pay', {
      merchant_id: merchantId,
      account: 'a-10',
      amount: 1250,
      raw_verification_body: raw,
    });
    expect(merchant.verifications[0]!.raw).toBe(raw);
    expect(res.body.verification.request).toBe(raw);
    // The double's default answer to an unreadable request has no id; the result is still 0.
    expect(res.body.verification.attempts[0].http_status).toBe(200);
  });

  it('records a merchant answer that is not JSON and fails the payment', async () => {
    merchant.answerVerification = () => ({ body: '<html>oops</html>' });
    const res = await control(sb, 'POST', '/pay', { merchant_id: merchantId, account: 'a-11', amount: 10 });
    expect(res.body.status).toBe('failed');
    expect(res.body.verification.attempts[0]).toMatchObject({ body: '<html>oops</html>', result_type: null });
    expect(res.body.verification.result).toBeNull();
  });

  it('fails a verified payment when asked (outcome failed)', async () => {
    const res = await control(sb, 'POST', '/pay', {
      merchant_id: merchantId,
      account: 'a-12',
      amount: 10,
      outcome: 'failed',
    });
    expect(res.body).toMatchObject({ status: 'failed', verification: { result: 0 } });
    expect(merchant.notifications[0]!.json.transaction.status).toBe('failed');
  });

  it('sends nothing after the verification with notify false', async () => {
    const res = await control(sb, 'POST', '/pay', {
      merchant_id: merchantId,
      account: 'a-13',
      amount: 10,
      notify: false,
    });
    expect(res.body.notifications).toEqual([]);
    expect(merchant.notifications).toHaveLength(0);
  });

  it('notifies a late failed after a successful payment, same uid', async () => {
    const paid = await control(sb, 'POST', '/pay', { merchant_id: merchantId, account: 'a-14', amount: 10 });
    expect(paid.body.status).toBe('successful');
    const late = await control(sb, 'POST', '/notify', {
      merchant_id: merchantId,
      id: paid.body.id,
      status: 'failed',
    });
    expect(late.status).toBe(200);
    expect(late.body.status).toBe('failed');
    expect(late.body.notifications).toEqual([expect.objectContaining({ status: 'failed', delivered: true })]);
    const [first, second] = merchant.notifications;
    expect(first!.json.transaction).toMatchObject({ status: 'successful', uid: paid.body.uid });
    expect(second!.json.transaction).toMatchObject({
      status: 'failed',
      uid: paid.body.uid,
      order_id: paid.body.id,
      tracking_id: paid.body.verification.tracking_id,
    });
    expect(second!.signatureOkPem).toBe(true);
    const stored = await control(sb, 'GET', `/payments/${paid.body.id}`);
    expect(stored.body.status).toBe('failed');
    expect(stored.body.notifications.map((d: any) => d.status)).toEqual(['successful', 'failed']);
  });

  it('shows a browser the merchant page with its payments and answers, escaped', async () => {
    merchant.answerVerification = (req) => ({
      body: {
        response: { id: req.request.id, tracking_id: '<b>x</b>', amount: 1, currency: 'TJS', result: 4 },
      },
    });
    const paid = await control(sb, 'POST', '/pay', { merchant_id: merchantId, account: 'a&b', amount: 10 });
    const res = await fetch(`${sb.url}/__sandbox/merchants/${merchantId}`, {
      headers: { Accept: 'text/html,application/xhtml+xml' },
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain(paid.body.uid);
    expect(html).toContain('a&#38;b');
    expect(html).not.toContain('<b>x</b>');
    expect(html).toContain('result 4');
  });

  it('answers bad control requests with 4xx and every problem', async () => {
    const bad = await control(sb, 'POST', '/pay', {
      merchant_id: merchantId,
      amount: 12.5,
      currency: 'tjs',
      colour: 1,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_request');
    expect(bad.body.problems).toHaveLength(4); // account, amount, currency, colour
    expect(
      (await control(sb, 'POST', '/pay', { merchant_id: 'mer_nope', account: 'a', amount: 1 })).status,
    ).toBe(404);
    expect((await control(sb, 'GET', '/payments/nope')).status).toBe(404);
    expect((await control(sb, 'GET', '/payments?merchant_id=nope')).status).toBe(404);
    expect(
      (await control(sb, 'POST', '/notify', { merchant_id: merchantId, id: 'nope', status: 'failed' }))
        .status,
    ).toBe(404);
    const dup = { merchant_id: merchantId, account: 'a', amount: 1, id: 'fixed-id-1', notify: false };
    expect((await control(sb, 'POST', '/pay', dup)).status).toBe(200);
    expect((await control(sb, 'POST', '/pay', dup)).status).toBe(409);
    const noUrl = await control(sb, 'POST', '/merchants', {
      shop_id: 1,
      secret_key: 's',
      verification_url: 'ftp://x',
    });
    expect(noUrl.status).toBe(400);
    expect(noUrl.body.problems).toHaveLength(2);
    const broken = await fetch(`${sb.url}/__sandbox/pay`, { method: 'POST', body: '{' });
    expect(broken.status).toBe(400);
  });
});

describe('bePaid simulator: the verification budget', () => {
  let sb: RunningSandbox;
  let merchant: MerchantDouble;
  let merchantId: string;

  beforeAll(async () => {
    sb = await startBepaidSandbox({ ...FAST, verificationTimeoutMs: 1_000, notificationTimeoutMs: 500 });
    merchant = await new MerchantDouble().start();
    merchantId = await register(sb, merchant);
  });
  afterAll(async () => {
    await sb.close();
    await merchant.close();
  });

  it('drops a verification not answered within the budget and fails the payment with a timeout', async () => {
    merchant.answerVerification = (req) => ({
      delayMs: req.request.account === 'slow' ? 6_000 : 20,
      body: { response: { id: req.request.id, tracking_id: 'late', amount: 1, currency: 'TJS', result: 0 } },
    });
    const res = await control(sb, 'POST', '/pay', { merchant_id: merchantId, account: 'slow', amount: 100 });
    expect(res.body.status).toBe('failed');
    const [attempt] = res.body.verification.attempts;
    expect(attempt).toMatchObject({ http_status: null, timed_out: true, body: null, result_type: null });
    expect(attempt.elapsed_ms).toBeGreaterThanOrEqual(995);
    expect(res.body.verification.tracking_id).toBeNull();
    // The connection was dropped: the merchant never got to answer.
    expect(merchant.dropped).toBe(1);
    const t = merchant.notifications[0]!.json.transaction;
    expect(t.status).toBe('failed');
    expect(t.message).toMatch(/timeout/i);
    expect(t).not.toHaveProperty('tracking_id');
  });

  it('retries a notification the merchant does not answer in time', async () => {
    merchant.notifications.length = 0;
    merchant.notificationDelayMs = (n) => (n === 0 ? 5_000 : 0);
    const res = await control(sb, 'POST', '/pay', { merchant_id: merchantId, account: 'quick', amount: 100 });
    expect(res.body.status).toBe('successful');
    const [first, second] = res.body.notifications[0].attempts;
    expect(first).toMatchObject({ http_status: null, error: 'timeout after 500 ms' });
    expect(second).toMatchObject({ http_status: 200 });
    expect(res.body.notifications[0].delivered).toBe(true);
    expect(merchant.notifications).toHaveLength(2);
  });
});

describe('bePaid simulator: a signing key of its own', () => {
  it('signs with the private key loaded from --private-key (PKCS#1 PEM)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dir = await mkdtemp(join(tmpdir(), 'bepaid-key-'));
    const path = join(dir, 'shop.pem');
    await writeFile(path, privateKey.export({ type: 'pkcs1', format: 'pem' }));
    const sb = await startBepaidSandbox({ ...FAST, privateKeyPath: path });
    const merchant = await new MerchantDouble().start();
    try {
      const merchantId = await register(sb, merchant);
      expect(merchant.publicKeyBase64).toBe(
        publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      );
      await control(sb, 'POST', '/pay', { merchant_id: merchantId, account: 'k-1', amount: 10 });
      const n = merchant.notifications[0]!;
      const ok = verify(
        'sha256',
        n.bytes,
        publicKey,
        Buffer.from(String(n.headers['content-signature']), 'base64'),
      );
      expect(ok).toBe(true);
    } finally {
      await sb.close();
      await merchant.close();
      await rm(dir, { recursive: true });
    }
  });
});
