import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BankSession } from '#connectors/connector.js';
import { Keyring } from '#crypto/keyring.js';
import { SessionVault } from '#persistence/session-vault.js';
import { findLeaks, type Secret } from '#testing/leak-scan.js';
import { ADMIN_TOKEN, bearer } from './harness.js';
import { authoriseAtBank } from '#testing/sca-browser.js';
import { CLIENT_DONE, USER, startStack, until, type Stack } from './stack.js';

/**
 * No secret ever leaves Hisob: a consent's whole life — SCA, the first sync against a bank that
 * serves full card numbers, bank faults whose bodies echo tokens, every data read, a failed sync,
 * webhooks, revocation — and then every log line of the API and the worker, every response (body
 * and headers) and every webhook body are searched for the bank's tokens, API keys, webhook
 * secrets, the admin token, the OTP, and any full card number.
 */
let s: Stack;
let hooks: Server;
const received: string[] = [];
const responses: Array<{ source: string; text: string }> = [];
const secrets: Secret[] = [];

async function call(method: string, path: string, body?: unknown, key = s.client.apiKey) {
  const res = await fetch(`${s.api.url}${path}`, {
    method,
    headers: { ...bearer(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  responses.push({
    source: `response ${method} ${path}`,
    text: `${JSON.stringify([...res.headers])}\n${text}`,
  });
  return { status: res.status, json: () => JSON.parse(text) };
}

/** The consent's bank session as Hisob stores it (encrypted): its tokens are secrets to look for. */
async function rememberTokens(consentId: string) {
  const [row] = await s.db<{ session_enc: string | null }>(`SELECT session_enc FROM consents WHERE id = $1`, [
    consentId,
  ]);
  if (!row?.session_enc) return;
  const vault = new SessionVault(Keyring.parse(s.api.config.HISOB_ENCRYPTION_KEY));
  const session = vault.open<BankSession>(consentId, 'session', row.session_enc);
  secrets.push({ kind: 'bank access token', value: session.accessToken });
  if (session.refreshToken) secrets.push({ kind: 'bank refresh token', value: session.refreshToken });
}

beforeAll(async () => {
  hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(`${JSON.stringify(req.headers)}\n${body}`);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  s = await startStack({
    workerLogs: true,
    bank: { profiles: 'real-shapes' },
    env: { HISOB_ALLOW_PRIVATE_WEBHOOKS: 'true' },
  });
}, 60_000);
afterAll(async () => {
  await s?.close();
  await new Promise((r) => hooks?.close(r));
});

it('never writes a bank token, API key, webhook secret, OTP or full card number to a log, a response or a webhook', async () => {
  const client = s.client;
  const patched = await fetch(`${s.api.url}/admin/clients/${client.id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ webhook_url: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks` }),
  });
  expect(patched.status).toBe(200);
  secrets.push(
    { kind: 'API key', value: s.client.apiKey },
    { kind: 'API key', value: s.other.apiKey },
    { kind: 'admin token', value: ADMIN_TOKEN },
    { kind: 'OTP', value: USER.otp, only: (source) => source.startsWith('log') },
    { kind: 'bank password', value: USER.password },
  );

  // Authorisation, and the first sync (cards with full PANs on the wire).
  const consentId = await s.activeConsent();
  await rememberTokens(consentId);
  const syncs = await s.db<{ id: string }>(`SELECT id FROM syncs WHERE consent_id = $1`, [consentId]);
  await until(
    () => call('GET', `/v1/syncs/${syncs[0]!.id}`).then((r) => r.json()),
    (v) => v.state === 'succeeded' || v.state === 'failed',
  );

  // Every data read.
  const accounts = (await call('GET', `/v1/accounts?consent_id=${consentId}`)).json().accounts;
  for (const a of accounts) {
    await call('GET', `/v1/accounts/${a.id}`);
    await call('GET', `/v1/accounts/${a.id}/balances`);
    await call('GET', `/v1/accounts/${a.id}/transactions?limit=500`);
    await call('GET', `/v1/accounts/${a.id}/statement?from_date=2026-01-01&to_date=2026-03-31`);
  }
  const cards = (await call('GET', `/v1/cards?consent_id=${consentId}`)).json().cards;
  expect(cards.length).toBeGreaterThan(0);
  for (const c of cards) await call('GET', `/v1/cards/${c.id}/transactions`);
  await call('GET', `/v1/transfers?consent_id=${consentId}`);
  await call('GET', `/v1/transactions/sync?consent_id=${consentId}&count=500`);
  await call('GET', `/v1/consents/${consentId}`);
  await call('GET', `/v1/consents`);
  await call('GET', `/v1/access-log`);
  await call('GET', `/v1/providers`);
  await call('GET', `/v1/consents/${consentId}`, undefined, s.other.apiKey);

  // Bank faults whose bodies echo the tokens, in JSON, camelCase and form-encoded, then a refresh.
  await rememberTokens(consentId);
  const token = secrets.filter((x) => x.kind === 'bank access token').at(-1)!.value;
  const refresh = secrets.filter((x) => x.kind === 'bank refresh token').at(-1)!.value;
  await s.control('POST', '/faults', {
    match: { path: '/obp/v5.1.0/my/accounts' },
    status: 400,
    body: {
      code: 400,
      message: `OBP-10001: bad request access_token=${token}&refresh_token=${refresh} accessToken: "${token}"`,
      access_token: token,
      refreshToken: refresh,
    },
    times: 1,
  });
  const failed = (await call('POST', `/v1/consents/${consentId}/sync`)).json().sync_id;
  await until(
    () => call('GET', `/v1/syncs/${failed}`).then((r) => r.json()),
    (v) => v.state === 'failed',
  );
  await s.control('POST', '/faults', {
    match: { path: '/obp/v5.1.0/my/accounts' },
    status: 401,
    body: { code: 401, message: 'OBP-20001: User not logged in. <- OBP-20206: expired' },
    times: 1,
  });
  const refreshed = (await call('POST', `/v1/consents/${consentId}/sync`)).json().sync_id;
  await until(
    () => call('GET', `/v1/syncs/${refreshed}`).then((r) => r.json()),
    (v) => v.state === 'succeeded' || v.state === 'failed',
  );
  await rememberTokens(consentId);

  // The merchant side: a bePaid shop, its verification and notification calls, right and wrong.
  const bepaidSecret = 'bepaid-secret-key-do-not-leak-4711';
  secrets.push({ kind: 'bePaid secret key', value: bepaidSecret });
  const basicValue = Buffer.from(`shop-1:${bepaidSecret}`).toString('base64');
  secrets.push({ kind: 'bePaid Basic credentials', value: basicValue });
  await call('PUT', '/v1/merchant/bepaid', { shop_id: 'shop-1', secret_key: bepaidSecret });
  await call('PUT', '/v1/merchant/customers/cust-1', { status: 'active' });
  const bepaid = async (path: string, body: unknown, authorization: string) => {
    const res = await fetch(`${s.api.url}/bepaid/${client.id}/${path}`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    responses.push({ source: `POST /bepaid/…/${path} → ${res.status}`, text: await res.text() });
    return res.status;
  };
  const request = {
    id: 'leak-1',
    account: 'cust-1',
    amount: 1000,
    currency: 'TJS',
    method: { type: 'alif_mobi' },
  };
  expect(await bepaid('account_verification', { request }, `Basic ${basicValue}`)).toBe(200);
  const wrong = Buffer.from(`shop-2:${bepaidSecret}`).toString('base64');
  expect(await bepaid('account_verification', { request }, `Basic ${wrong}`)).toBe(401);
  const transaction = {
    uid: 'u-leak',
    type: 'payment',
    status: 'successful',
    amount: 1000,
    currency: 'TJS',
    order_id: 'leak-1',
  };
  expect(await bepaid('notifications', { transaction }, `Basic ${basicValue}`)).toBe(200);
  await call('GET', '/v1/merchant/bepaid');
  await call('GET', '/v1/merchant/payments');

  // Revocation (the bank is told with the refresh token).
  await call('DELETE', `/v1/consents/${consentId}`);
  await until(
    async () => received.length,
    (n) => n > 0,
  );

  secrets.push({ kind: 'webhook secret', value: s.client.webhookSecret });

  const leaks = findLeaks(
    [
      ...s.api.logs.map((text) => ({ source: 'log:api', text })),
      ...s.worker!.logs.map((text) => ({ source: 'log:worker', text })),
      ...responses,
      ...received.map((text) => ({ source: 'webhook', text })),
    ],
    secrets,
  );
  // In one process nestjs-pino keeps one root logger: the worker's lines may land with the API's.
  const lines = [...s.api.logs, ...s.worker!.logs];
  expect(lines.some((l) => l.includes('"request completed"') || l.includes('request completed'))).toBe(true);
  expect(lines.some((l) => l.includes('account synced'))).toBe(true);
  expect(lines.some((l) => l.includes('bank fault during sync'))).toBe(true);
  expect(leaks).toEqual([]);
});

it('never writes an AccessBank consent id (the Berlin Group credential) to a log, a response or a webhook', async () => {
  const found: Secret[] = [];
  const created = await call('POST', '/v1/consents', {
    provider: 'accessbank',
    end_user_id: 'leaks-zarina',
    redirect_uri: CLIENT_DONE,
    psu_ip_address: '203.0.113.7',
  });
  const id = created.json().id as string;
  const { finalUrl } = await authoriseAtBank(
    created.json().authorisation_url,
    { username: 'zarina', password: 'Zarina-2024', otp: '123456' },
    (u) => u.origin === new URL(CLIENT_DONE).origin,
  );
  expect(finalUrl.searchParams.get('status')).toBe('active');
  const [row] = await s.db<{ session_enc: string }>(`SELECT session_enc FROM consents WHERE id = $1`, [id]);
  const vault = new SessionVault(Keyring.parse(s.api.config.HISOB_ENCRYPTION_KEY));
  const consentId = vault.open<BankSession>(id, 'session', row!.session_enc).accessToken;
  found.push({ kind: 'Berlin Group consent id', value: consentId });
  await until(
    () => call('GET', `/v1/consents/${id}`).then((r) => r.json()),
    (c) => c.sync?.state === 'succeeded' || c.sync?.state === 'failed',
  );
  // Bank faults whose bodies echo the Consent-ID: a 400, a 401 CONSENT_INVALID whose status check
  // fails with a 503 that echoes it too.
  const echo = {
    tppMessages: [{ category: 'ERROR', code: 'FORMAT_ERROR', text: `bad Consent-ID ${consentId}` }],
  };
  await s.accessbankControl('POST', '/faults', {
    match: { path: '/v1/accounts' },
    status: 400,
    body: echo,
    times: 1,
  });
  const failed = (await call('POST', `/v1/consents/${id}/sync`, { psu_ip_address: '203.0.113.7' })).json()
    .sync_id;
  await until(
    () => call('GET', `/v1/syncs/${failed}`).then((r) => r.json()),
    (v) => v.state === 'failed',
  );
  await s.accessbankControl('POST', '/faults', {
    match: { path: '/v1/accounts' },
    status: 401,
    body: { tppMessages: [{ category: 'ERROR', code: 'CONSENT_INVALID', text: `consent ${consentId}` }] },
    times: 1,
  });
  await s.accessbankControl('POST', '/faults', {
    match: { path: `/v1/consents/${consentId}/status` },
    status: 503,
    text: `down for ${consentId}`,
    times: 1,
  });
  const second = (await call('POST', `/v1/consents/${id}/sync`, { psu_ip_address: '203.0.113.7' })).json()
    .sync_id;
  await until(
    () => call('GET', `/v1/syncs/${second}`).then((r) => r.json()),
    (v) => ['succeeded', 'failed'].includes(v.state),
    60_000,
  );
  await call('GET', `/v1/consents/${id}`);
  await call('DELETE', `/v1/consents/${id}`);
  const lines = [...s.api.logs, ...s.worker!.logs];
  expect(lines.some((l) => l.includes('bank fault during sync') && l.includes('accessbank'))).toBe(true);
  const leaks = findLeaks(
    [
      ...s.api.logs.map((text) => ({ source: 'log:api', text })),
      ...s.worker!.logs.map((text) => ({ source: 'log:worker', text })),
      ...responses,
      ...received.map((text) => ({ source: 'webhook', text })),
    ],
    found,
  );
  expect(leaks).toEqual([]);
}, 90_000);
