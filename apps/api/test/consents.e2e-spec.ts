import { getQueueToken } from '@nestjs/bullmq';
import pg from 'pg';
import type { Queue } from 'bullmq';
import { QUEUES } from '#common/queues.js';
import { Keyring } from '#crypto/keyring.js';
import { authoriseAtBank } from '#testing/sca-browser.js';
import { bearer, json, startApi } from './harness.js';
import { CLIENT_DONE, USER, startStack, until, type Stack } from './stack.js';

/**
 * The consent journey of a real end user against the Alif Mobi sandbox: Hisob's API and worker in
 * this process, the bank's OAuth server + SCA pages over HTTP, a client back end receiving webhooks.
 */
let stack: Stack;
let bank: Stack['bank'];
let api: Stack['api'];
let worker: NonNullable<Stack['worker']>;
let client: Stack['client'];
let other: Stack['other'];
let control: Stack['control'];
let db: Stack['db'];

beforeAll(async () => {
  stack = await startStack({ env: { ALIF_MOBI_PAGE_SIZE: '500' } });
  ({ bank, api, client, other, control, db } = stack);
  worker = stack.worker!;
});

afterAll(() => stack?.close());

afterEach(async () => {
  await control('DELETE', '/faults');
});

const post = (key: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${api.url}/v1/consents`, {
    method: 'POST',
    headers: { ...bearer(key), 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const atClient = (url: URL) => url.origin === new URL(CLIENT_DONE).origin;

async function newActiveConsent(endUser = 'user-1') {
  const created = await json(
    await post(client.apiKey, { provider: 'alif-mobi', end_user_id: endUser, redirect_uri: CLIENT_DONE }),
  );
  const { finalUrl } = await authoriseAtBank(created.authorisation_url, USER, atClient);
  expect(finalUrl.searchParams.get('status')).toBe('active');
  return created.id as string;
}

function sessionOf(consentId: string, sessionEnc: string) {
  const keyring = Keyring.parse(api.config.HISOB_ENCRYPTION_KEY);
  return JSON.parse(keyring.decrypt(sessionEnc, `consent:${consentId}:session`)) as {
    accessToken: string;
    refreshToken: string;
  };
}

describe('consent journey (alif-mobi)', () => {
  it('creates, authorises through login + OTP + consent pages, becomes active, and revokes', async () => {
    const res = await post(client.apiKey, {
      provider: 'alif-mobi',
      end_user_id: 'user-42',
      redirect_uri: CLIENT_DONE,
      valid_until: '2030-12-31',
    });
    expect(res.status).toBe(201);
    const created = await json(res);
    expect(created).toMatchObject({
      provider: 'alif-mobi',
      end_user_id: 'user-42',
      status: 'awaiting_authorisation',
      permissions: ['accounts', 'balances', 'transactions', 'statements', 'cards', 'transfers'],
      valid_until: '2030-12-31',
    });
    const authUrl = new URL(created.authorisation_url);
    expect(authUrl.origin).toBe(new URL(bank.url).origin);
    expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authUrl.searchParams.get('redirect_uri')).toBe(`${api.url}/v1/consents/callback`);

    const { finalUrl, pages } = await authoriseAtBank(created.authorisation_url, USER, atClient);
    expect(pages.some((p) => /one-time|OTP/i.test(p))).toBe(true);
    expect(pages.at(-1)).toMatch(/transactions/); // the consent screen lists the permissions asked for
    expect(finalUrl.origin + finalUrl.pathname).toBe(CLIENT_DONE);
    expect(Object.fromEntries(finalUrl.searchParams)).toEqual({ consent_id: created.id, status: 'active' });

    const active = await json(
      await fetch(`${api.url}/v1/consents/${created.id}`, { headers: bearer(client.apiKey) }),
    );
    expect(active).toMatchObject({ status: 'active', sync: { last_error: null } });
    expect(['queued', 'running', 'succeeded']).toContain(active.sync.state);
    expect(active.authorised_at).toEqual(expect.any(String));
    expect(active.expires_at).toBe('2031-01-01T00:00:00.000Z');
    expect(active.authorisation_url).toBeUndefined();

    // Tokens are stored only encrypted; the first sync and the next refresh are queued.
    const [row] = await db<{ session_enc: string; token_expires_at: Date; refresh_job_id: string }>(
      `SELECT session_enc, token_expires_at, refresh_job_id FROM consents WHERE id = $1`,
      [created.id],
    );
    const session = sessionOf(created.id, row!.session_enc);
    expect(row!.session_enc).not.toContain(session.accessToken);
    expect(row!.token_expires_at.getTime() - Date.now()).toBeGreaterThan(3500_000);
    const [firstSync] = await db<{ reason: string }>(`SELECT reason FROM syncs WHERE consent_id = $1`, [
      created.id,
    ]);
    expect(firstSync).toEqual({ reason: 'first' });
    const refreshQueue = worker.app.get<Queue>(getQueueToken(QUEUES.tokenRefresh));
    const refreshJob = await refreshQueue.getJob(row!.refresh_job_id);
    expect(await refreshJob!.getState()).toBe('delayed');

    // Revocation: at the bank (the refresh token stops working there) and at Hisob.
    const revoked = await fetch(`${api.url}/v1/consents/${created.id}`, {
      method: 'DELETE',
      headers: bearer(client.apiKey),
    });
    expect(revoked.status).toBe(200);
    expect(await json(revoked)).toMatchObject({
      id: created.id,
      status: 'revoked',
      revoked_at: expect.any(String),
    });
    const refreshAtBank = await fetch(`${bank.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('hisob-e2e:e2e-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: session.refreshToken,
      }).toString(),
    });
    expect(refreshAtBank.status).toBe(401);
    const [after] = await db<{ session_enc: string | null; purge_after: Date }>(
      `SELECT session_enc, purge_after FROM consents WHERE id = $1`,
      [created.id],
    );
    expect(after!.session_enc).toBeNull();
    expect(after!.purge_after.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(await refreshJob!.getState()).toBe('unknown');
    // Revoking twice is harmless.
    expect(
      (
        await fetch(`${api.url}/v1/consents/${created.id}`, {
          method: 'DELETE',
          headers: bearer(client.apiKey),
        })
      ).status,
    ).toBe(200);
  });

  it('marks the consent rejected when the user denies at the bank', async () => {
    const created = await json(
      await post(client.apiKey, {
        provider: 'alif-mobi',
        end_user_id: 'user-deny',
        redirect_uri: CLIENT_DONE,
      }),
    );
    const { finalUrl } = await authoriseAtBank(
      created.authorisation_url,
      { ...USER, decision: 'deny' },
      atClient,
    );
    expect(Object.fromEntries(finalUrl.searchParams)).toEqual({
      consent_id: created.id,
      status: 'rejected',
      error: 'access_denied',
    });
    const consent = await json(
      await fetch(`${api.url}/v1/consents/${created.id}`, { headers: bearer(client.apiKey) }),
    );
    expect(consent).toMatchObject({ status: 'rejected', status_reason: 'access_denied' });
  });

  it('replays POST /v1/consents for a repeated Idempotency-Key and refuses the key with another body', async () => {
    const body = { provider: 'alif-mobi', end_user_id: 'idem-user' };
    const first = await post(client.apiKey, body, { 'idempotency-key': 'create-idem-1' });
    const again = await post(
      client.apiKey,
      { end_user_id: 'idem-user', provider: 'alif-mobi' },
      { 'idempotency-key': 'create-idem-1' },
    );
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await json(again)).id).toBe((await json(first)).id);
    const conflict = await post(
      client.apiKey,
      { ...body, end_user_id: 'someone-else' },
      { 'idempotency-key': 'create-idem-1' },
    );
    expect(conflict.status).toBe(409);
    expect((await json(conflict)).code).toBe('idempotency_conflict');
    // Another client may use the same key for its own request.
    expect((await post(other.apiKey, body, { 'idempotency-key': 'create-idem-1' })).status).toBe(201);
    const [{ n }] = await db<{ n: number }>(
      `SELECT count(*)::int AS n FROM consents WHERE end_user_id = 'idem-user'`,
    );
    expect(n).toBe(2);
  });

  it('answers 404 for every consent endpoint with another client’s consent id', async () => {
    const id = await newActiveConsent('user-scoped');
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${api.url}/v1/consents/${id}`, { method, headers: bearer(other.apiKey) });
      expect(res.status).toBe(404);
      expect((await json(res)).code).toBe('not_found');
    }
    const list = await json(
      await fetch(`${api.url}/v1/consents?end_user_id=user-scoped`, { headers: bearer(other.apiKey) }),
    );
    expect(list.consents).toEqual([]);
    const mine = await json(
      await fetch(`${api.url}/v1/consents?end_user_id=user-scoped`, { headers: bearer(client.apiKey) }),
    );
    expect(mine.consents.map((c: { id: string }) => c.id)).toEqual([id]);
    expect(
      (await json(await fetch(`${api.url}/v1/consents/${id}`, { headers: bearer(client.apiKey) }))).status,
    ).toBe('active');
  });

  it('rejects bad consent requests with field errors and writes nothing', async () => {
    const before = await db<{ n: number }>(`SELECT count(*)::int AS n FROM consents`);
    const cases: Array<[unknown, string]> = [
      [{ provider: 'nobank', end_user_id: 'u' }, 'provider'],
      [{ provider: 'alif-mobi' }, 'end_user_id'],
      [{ provider: 'alif-mobi', end_user_id: 'u', permissions: ['credit'] }, 'permissions'],
      [{ provider: 'alif-mobi', end_user_id: 'u', valid_until: '2020-01-01' }, 'valid_until'],
      [{ provider: 'alif-mobi', end_user_id: 'u', valid_until: '2030-02-30' }, 'valid_until'],
      [{ provider: 'alif-mobi', end_user_id: 'u', redirect_uri: 'javascript:alert(1)' }, 'redirect_uri'],
      // Not registered for the client: Hisob must not become an open redirect.
      [
        { provider: 'alif-mobi', end_user_id: 'u', redirect_uri: 'https://evil.example/steal' },
        'redirect_uri',
      ],
      [{ provider: 'alif-mobi', end_user_id: 'u', redirect_uri: `${CLIENT_DONE}/x` }, 'redirect_uri'],
      [{ provider: 'alif-shop', end_user_id: 'u', msisdn: '12345' }, 'msisdn'],
    ];
    for (const [body, field] of cases) {
      const res = await post(client.apiKey, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect((await json(res)).errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect(await db(`SELECT count(*)::int AS n FROM consents`)).toEqual(before);
  });
});

describe('bank faults during authorisation', () => {
  it('keeps the consent awaiting authorisation when the token endpoint answers 429 with retry_after, then completes on retry', async () => {
    const created = await json(
      await post(client.apiKey, {
        provider: 'alif-mobi',
        end_user_id: 'user-429',
        redirect_uri: CLIENT_DONE,
      }),
    );
    await control('POST', '/faults', {
      match: { method: 'POST', path: '/token' },
      status: 429,
      body: { error: 'rate_limit', retry_after: 60 },
      times: 1,
    });
    const first = await authoriseAtBank(created.authorisation_url, USER, atClient);
    expect(Object.fromEntries(first.finalUrl.searchParams)).toEqual({
      consent_id: created.id,
      status: 'awaiting_authorisation',
      error: 'temporarily_unavailable',
      retry_after: '60',
    });
    const waiting = await json(
      await fetch(`${api.url}/v1/consents/${created.id}`, { headers: bearer(client.apiKey) }),
    );
    expect(waiting).toMatchObject({
      status: 'awaiting_authorisation',
      status_reason: 'bank rate limit (retry after 60 s)',
    });
    const second = await authoriseAtBank(waiting.authorisation_url, USER, atClient);
    expect(second.finalUrl.searchParams.get('status')).toBe('active');
  });

  it.each([
    ['a 429 with a short retry_after', { status: 429, body: { error: 'rate_limit', retry_after: 1 } }],
    ['a 503', { status: 503 }],
  ])(
    'waits and retries the code exchange in place after %s: the person who passed SCA ends active',
    async (_what, fault) => {
      const created = await json(
        await post(client.apiKey, {
          provider: 'alif-mobi',
          end_user_id: 'user-retry',
          redirect_uri: CLIENT_DONE,
        }),
      );
      await control('POST', '/faults', { match: { method: 'POST', path: '/token' }, times: 1, ...fault });
      const started = Date.now();
      const done = await authoriseAtBank(created.authorisation_url, USER, atClient);
      expect(Object.fromEntries(done.finalUrl.searchParams)).toEqual({
        consent_id: created.id,
        status: 'active',
      });
      if (fault.status === 429) expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    },
  );

  it('answers 502 provider_unavailable when the bank is down at creation, and stores nothing', async () => {
    await control('POST', '/faults', {
      match: { path: '/.well-known/openid-configuration' },
      status: 503,
      times: 5,
    });
    const fresh = await startApi({
      ALIF_MOBI_ISSUER_URL: bank.issuer,
      ALIF_MOBI_OBP_URL: `${bank.url}/obp/v5.1.0`,
      HISOB_BANK_TIMEOUT_MS: '2000',
    });
    try {
      const c = await fresh.newClient();
      const res = await fetch(`${fresh.url}/v1/consents`, {
        method: 'POST',
        headers: { ...bearer(c.apiKey), 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'alif-mobi', end_user_id: 'u' }),
      });
      expect(res.status).toBe(502);
      expect((await json(res)).code).toBe('provider_unavailable');
    } finally {
      await fresh.close();
    }
  });
});

describe('token refresh in the worker', () => {
  async function runRefresh(consentId: string) {
    const [row] = await db<{ refresh_job_id: string }>(`SELECT refresh_job_id FROM consents WHERE id = $1`, [
      consentId,
    ]);
    const queue = worker.app.get<Queue>(getQueueToken(QUEUES.tokenRefresh));
    const job = await queue.getJob(row!.refresh_job_id);
    await job!.promote();
    return job!;
  }

  async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await what();
      if (ok(v)) return v;
      if (Date.now() > end) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const consentRow = (id: string) => stack.consentRow(id);

  it('refreshes ahead of expiry: new tokens stored, the next refresh scheduled', async () => {
    const id = await newActiveConsent('user-refresh');
    const before = await consentRow(id);
    const old = sessionOf(id, before.session_enc!);
    await runRefresh(id);
    const after = await until(
      () => consentRow(id),
      (r) => r.session_enc !== before.session_enc,
    );
    const fresh = sessionOf(id, after.session_enc!);
    expect(fresh.accessToken).not.toBe(old.accessToken);
    expect(after.status).toBe('active');
    // The next refresh is scheduled right after the commit.
    const queue = worker.app.get<Queue>(getQueueToken(QUEUES.tokenRefresh));
    const nextId = await until(
      () => consentRow(id).then((r) => r.refresh_job_id),
      (j) => j !== null && j !== before.refresh_job_id,
    );
    const next = await queue.getJob(nextId!);
    expect(await next!.getState()).toBe('delayed');
  });

  it('makes the consent reauth_required when the refresh answers invalid_grant', async () => {
    const id = await newActiveConsent('user-invalid-grant');
    await control('POST', '/faults', {
      match: { method: 'POST', path: '/token' },
      status: 401,
      body: { error: 'invalid_grant' },
      times: 1,
    });
    const job = await runRefresh(id);
    const row = await until(
      () => consentRow(id),
      (r) => r.status !== 'active',
    );
    expect(row).toMatchObject({ status: 'reauth_required', session_enc: null });
    expect(row.status_reason).toContain('invalid_grant');
    expect(
      await until(
        () => job.getState(),
        (s) => s === 'failed',
      ),
    ).toBe('failed');
    const api404 = await json(
      await fetch(`${api.url}/v1/consents/${id}`, { headers: bearer(client.apiKey) }),
    );
    expect(api404.status).toBe('reauth_required');
  });

  it('waits for the bank’s retry_after on a 429 from the token endpoint, spending no attempt', async () => {
    const id = await newActiveConsent('user-refresh-429');
    await control('POST', '/faults', {
      match: { method: 'POST', path: '/token' },
      status: 429,
      body: { error: 'rate_limit', retry_after: 60 },
      times: 1,
    });
    const job = await runRefresh(id);
    await until(
      () => job.getState(),
      (s) => s === 'delayed' || s === 'failed',
    );
    const reloaded = (await worker.app.get<Queue>(getQueueToken(QUEUES.tokenRefresh)).getJob(job.id!))!;
    expect(await reloaded.getState()).toBe('delayed');
    const due = reloaded.timestamp + reloaded.delay;
    expect(due - Date.now()).toBeGreaterThan(55_000);
    expect(due - Date.now()).toBeLessThan(66_000);
    expect(reloaded.attemptsMade).toBe(0);
    expect((await consentRow(id)).status).toBe('active');
  });

  it('retries a 5xx with backoff; a timed-out refresh is repeated at once and succeeds', async () => {
    const id = await newActiveConsent('user-refresh-5xx');
    await control('POST', '/faults', { match: { method: 'POST', path: '/token' }, status: 503, times: 1 });
    const job = await runRefresh(id);
    await until(
      async () =>
        (await worker.app.get<Queue>(getQueueToken(QUEUES.tokenRefresh)).getJob(job.id!))!.attemptsMade,
      (n) => n >= 1,
    );
    const retried = (await worker.app.get<Queue>(getQueueToken(QUEUES.tokenRefresh)).getJob(job.id!))!;
    expect(await retried.getState()).toBe('delayed');
    expect(retried.failedReason).toMatch(/transient|503|unavailable/i);
    expect((await consentRow(id)).status).toBe('active');

    // The bank sits on the request longer than Hisob waits: it may have rotated the token, so
    // the same refresh token is tried again at once. This bank had not (the delay came first).
    const timed = await newActiveConsent('user-refresh-timeout');
    const before = await consentRow(timed);
    await control('POST', '/faults', { match: { method: 'POST', path: '/token' }, delay_ms: 4000, times: 1 });
    const tjob = await runRefresh(timed);
    // A completed refresh schedules the next one (and its job is removed).
    const after = await until(
      () => consentRow(timed),
      (r) => r.refresh_job_id !== null && r.refresh_job_id !== tjob.id,
      30_000,
    );
    expect(after.status).toBe('active');
    expect(after.session_enc).not.toBe(before.session_enc);

    // The retries above must be over before the next fault is set: faults match every token
    // call, and a late retry would take the reply meant for the next job.
    await until(
      () => job.getState(),
      (state) => !['delayed', 'waiting', 'active', 'prioritized'].includes(state),
      30_000,
    );
  });

  it('a refresh whose reply is cut after the bank rotated the token: the consent needs the person now', async () => {
    const id = await newActiveConsent('user-refresh-reply-lost');
    // The bank processes the grant (the refresh token rotates), then the reply is cut in half.
    await control('POST', '/faults', {
      match: { method: 'POST', path: '/token' },
      body: 'malformed',
      times: 1,
    });
    const job = await runRefresh(id);
    expect(
      await until(
        () => job.getState(),
        (s) => s === 'failed' || s === 'completed',
      ),
    ).toBe('failed');
    const row = await consentRow(id);
    expect(row).toMatchObject({ status: 'reauth_required', session_enc: null });
    expect(row.status_reason).toMatch(/invalid_grant.*reply to the previous refresh was lost/);
  });

  it('a garbled reply from in front of the bank is retried once; twice garbled is recorded, not retried', async () => {
    const once = await newActiveConsent('user-refresh-garbled-once');
    // A proxy answers in place of the bank (the grant never reached it).
    await control('POST', '/faults', {
      match: { method: 'POST', path: '/token' },
      text: '<html>502 Bad Gateway</html>',
      status: 200,
      times: 1,
    });
    const ojob = await runRefresh(once);
    const refreshed = await until(
      () => consentRow(once),
      (r) => r.refresh_job_id !== null && r.refresh_job_id !== ojob.id,
    );
    expect(refreshed).toMatchObject({ status: 'active', status_reason: null });

    const broken = await newActiveConsent('user-refresh-malformed');
    await control('POST', '/faults', {
      match: { method: 'POST', path: '/token' },
      text: '<html>502 Bad Gateway</html>',
      status: 200,
      times: 2,
    });
    const mjob = await runRefresh(broken);
    expect(
      await until(
        () => mjob.getState(),
        (s) => s === 'failed',
      ),
    ).toBe('failed');
    const row = await consentRow(broken);
    expect(row.status).toBe('active');
    expect(row.status_reason).toBe('token refresh failed: malformed bank reply');
  });
});

describe('secrets', () => {
  it('never puts a bank token in a response or a log line', async () => {
    const id = await newActiveConsent('user-secret');
    const [row] = await db<{ session_enc: string }>(`SELECT session_enc FROM consents WHERE id = $1`, [id]);
    const session = sessionOf(id, row!.session_enc);
    const bodies = [
      await (await fetch(`${api.url}/v1/consents/${id}`, { headers: bearer(client.apiKey) })).text(),
      await (await fetch(`${api.url}/v1/consents`, { headers: bearer(client.apiKey) })).text(),
      await (await fetch(`${api.url}/docs-json`)).text(),
    ];
    await fetch(`${api.url}/v1/consents/${id}`, { method: 'DELETE', headers: bearer(client.apiKey) });
    const everything = [...bodies, ...api.logs].join('\n');
    for (const secret of [session.accessToken, session.refreshToken])
      expect(everything).not.toContain(secret);
  });
});

describe('expiry', () => {
  it('expires a consent while a sync page holds its foreign-key share lock', async () => {
    const id = await newActiveConsent('user-expiry-busy');
    await db(`UPDATE consents SET expires_at = now() - interval '1 minute' WHERE id = $1`, [id]);
    // What every open sync page does to its consent row: its rows' foreign keys share-lock it.
    const page = new pg.Client({ connectionString: stack.api.db.url });
    await page.connect();
    try {
      await page.query('BEGIN');
      await page.query('SELECT 1 FROM consents WHERE id = $1 FOR KEY SHARE', [id]);
      const { MaintenanceProcessor } = await import('../../worker/src/processors/maintenance.processor.js');
      // The consent's first sync may hold its row for a moment (the sweep skips locked rows and
      // comes back): what must never block the expiry is the page's key-share lock, held throughout.
      const status = async () => {
        await worker.app.get(MaintenanceProcessor).expireConsents();
        const [row] = await db<{ status: string }>(`SELECT status FROM consents WHERE id = $1`, [id]);
        return row!.status;
      };
      expect(await until(status, (v) => v === 'expired', 10_000)).toBe('expired');
    } finally {
      await page.query('ROLLBACK').catch(() => undefined);
      await page.end();
    }
  });

  it('expires consents past valid_until, drops their tokens and announces it', async () => {
    const id = await newActiveConsent('user-expiry');
    await db(`UPDATE consents SET expires_at = now() - interval '1 minute' WHERE id = $1`, [id]);
    const { MaintenanceProcessor } = await import('../../worker/src/processors/maintenance.processor.js');
    // The sweep skips a row another transaction holds (the consent's first sync writing, or the
    // worker's own minutely `expire-consents` job) and comes back at its next tick: the ticks are
    // run here until the end state is reached, which must happen once (one `active → expired` event).
    const read = async () =>
      json(await fetch(`${api.url}/v1/consents/${id}`, { headers: bearer(client.apiKey) }));
    let consent = await read();
    for (let i = 0; i < 100 && consent.status === 'active'; i++) {
      await worker.app.get(MaintenanceProcessor).expireConsents();
      consent = await read();
      if (consent.status === 'active') await new Promise((r) => setTimeout(r, 100));
    }
    expect(consent).toMatchObject({ status: 'expired', status_reason: 'valid_until passed' });
    const [row] = await db<{ session_enc: string | null }>(`SELECT session_enc FROM consents WHERE id = $1`, [
      id,
    ]);
    expect(row!.session_enc).toBeNull();
    const events = await db<{ payload: { data: { status: string; previous_status: string } } }>(
      `SELECT payload FROM webhook_events WHERE type = 'consent.status_changed' AND payload->'data'->>'consent_id' = $1 ORDER BY created_at`,
      [id],
    );
    expect(events.map((e) => [e.payload.data.previous_status, e.payload.data.status])).toEqual([
      ['awaiting_authorisation', 'active'],
      ['active', 'expired'],
    ]);
  });
});
