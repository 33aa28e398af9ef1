import * as client from 'openid-client';

import type { RunningSandbox } from '../src/main.js';
import { authorize, control, obpGet, request, startSandbox, type Session } from './helpers.js';

describe('Alif Mobi sandbox: injected faults', () => {
  let sut: RunningSandbox;
  let session: Session;
  let txPath: string;

  beforeAll(async () => {
    sut = await startSandbox({ seed: 11 });
    session = await authorize(sut);
    const users = (
      await control<{ users: Array<{ accounts: Array<{ account_id: string }> }> }>(sut, 'GET', '/users')
    ).body.users;
    txPath = `/banks/alif.tj/accounts/${users[0]!.accounts[0]!.account_id}/owner/transactions`;
  });
  afterEach(async () => {
    await control(sut, 'DELETE', '/faults');
  });
  afterAll(async () => {
    await sut.close();
  });

  const addFault = async (fault: unknown) => {
    const res = await control<{ id: string }>(sut, 'POST', '/faults', fault);
    expect(res.status).toBe(201);
    return res.body.id;
  };
  const get = (headers: Record<string, string> = {}) => obpGet(sut, txPath, session.accessToken, headers);

  it('answers an injected status on OBP paths with an OBP error body', async () => {
    await addFault({ match: { path: '/obp/v5.1.0/my/accounts' }, status: 503 });
    const res = await obpGet(sut, '/my/accounts', session.accessToken);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ code: 503, message: expect.stringMatching(/^OBP-\d{5}: /) });
    expect(res.headers.get('correlation-id')).toBeTruthy();
    expect((await obpGet(sut, '/banks')).status).toBe(200);
  });

  it('gives 429 on OBP paths the OBP-10018 shape with X-Rate-Limit-* headers and no Retry-After', async () => {
    await addFault({ match: { method: 'GET', path: `/obp/v5.1.0${txPath}` }, status: 429 });
    const res = await get();
    expect(res.status).toBe(429);
    expect((await res.json()) as { code: number; message: string }).toEqual({
      code: 429,
      message: expect.stringMatching(/^OBP-10018: Too Many Requests\./),
    });
    expect(res.headers.get('x-rate-limit-limit')).toMatch(/^\d+$/);
    expect(res.headers.get('x-rate-limit-remaining')).toBe('0');
    const reset = Number(res.headers.get('x-rate-limit-reset'));
    expect(reset).toBeGreaterThanOrEqual(1);
    expect(reset).toBeLessThanOrEqual(60);
    expect(res.headers.get('retry-after')).toBeNull();
  });

  it('lets `after` requests pass, fires `times` times, then expires — "the 3rd page answers 429 twice"', async () => {
    const id = await addFault({ match: { path: `/obp/v5.1.0${txPath}` }, status: 429, after: 2, times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await get({ limit: '10', offset: String(i * 10) })).status);
    expect(statuses).toEqual([200, 200, 429, 429, 200, 200]);
    const listed = (
      await control<{ faults: Array<{ id: string; hits: number; fired: number; active: boolean }> }>(
        sut,
        'GET',
        '/faults',
      )
    ).body.faults;
    expect(listed).toEqual([expect.objectContaining({ id, hits: 4, fired: 2, active: false })]);
  });

  it('cuts a body in half for "malformed" (200 unless a status is given)', async () => {
    const full = await (await get({ limit: '5' })).text();
    await addFault({ match: { path: `/obp/v5.1.0${txPath}` }, body: 'malformed', times: 1 });
    const res = await get({ limit: '5' });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toBe(full.slice(0, Math.floor(Buffer.byteLength(full) / 2)));
    expect(() => JSON.parse(text)).toThrow();
    expect(res.headers.get('content-type')).toContain('application/json');

    await addFault({
      match: { path: '/.well-known/openid-configuration' },
      body: 'malformed',
      status: 502,
      times: 1,
    });
    const discovery = await request(`${sut.url}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(502);
    const cut = await discovery.text();
    expect(() => JSON.parse(cut)).toThrow();
  });

  it('returns a given JSON body verbatim', async () => {
    await addFault({ match: { path: '/obp/v5.1.0/cards' }, body: { cards: 'not-a-list' }, times: 1 });
    const res = await obpGet(sut, '/cards', session.accessToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ cards: 'not-a-list' });
  });

  it('delays a reply (a client with a shorter timeout gives up), then serves normally', async () => {
    await addFault({ match: { path: '/obp/v5.1.0/banks' }, delay_ms: 300, times: 2 });
    const started = Date.now();
    const slow = await obpGet(sut, '/banks');
    expect(slow.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    await expect(fetch(`${sut.url}/obp/v5.1.0/banks`, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
    const t = Date.now();
    expect((await obpGet(sut, '/banks')).status).toBe(200);
    expect(Date.now() - t).toBeLessThan(250);
  });

  it('matches paths by regular expression when the path starts with ^', async () => {
    await addFault({
      match: { path: '^/obp/v5\\.1\\.0/banks/[^/]+/accounts/[^/]+/owner/transactions\\?.*offset=20' },
      status: 500,
    });
    expect((await obpGet(sut, `${txPath}?offset=0`, session.accessToken)).status).toBe(200);
    expect((await obpGet(sut, `${txPath}?offset=20`, session.accessToken)).status).toBe(500);
  });

  it('answers the token endpoint with the seed shapes: 429 rate_limit and 401 invalid_grant', async () => {
    await addFault({ match: { method: 'POST', path: '/token' }, status: 429, times: 1 });
    const limited = await request(`${sut.url}/token`, {
      form: { grant_type: 'refresh_token', refresh_token: 'x' },
    });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ error: 'rate_limit', retry_after: 60 });

    await addFault({ match: { method: 'POST', path: '/token' }, status: 429, times: 1 });
    await expect(
      client.refreshTokenGrant(session.config, session.tokens.refresh_token!),
    ).rejects.toMatchObject({ status: 429, error: 'rate_limit' });
    // The fault consumed the request: the refresh token is still valid afterwards.
    const refreshed = await client.refreshTokenGrant(session.config, session.tokens.refresh_token!);
    expect(refreshed.access_token).toBeDefined();
    session = { ...session, tokens: refreshed, accessToken: refreshed.access_token };

    await addFault({ match: { path: '/token' }, status: 401, times: 1 });
    const denied = await request(`${sut.url}/token`, {
      form: { grant_type: 'refresh_token', refresh_token: 'x' },
    });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('times out the token endpoint once', async () => {
    await addFault({ match: { method: 'POST', path: '/token' }, delay_ms: 400, times: 1 });
    const timedOut = fetch(`${sut.url}/token`, { method: 'POST', signal: AbortSignal.timeout(100) });
    await expect(timedOut).rejects.toThrow();
    const refreshed = await client.refreshTokenGrant(session.config, session.tokens.refresh_token!);
    session = { ...session, tokens: refreshed, accessToken: refreshed.access_token };
  });

  it('never faults the control API, and DELETE clears every fault', async () => {
    await addFault({ status: 500 });
    expect((await obpGet(sut, '/banks')).status).toBe(500);
    expect((await control(sut, 'GET', '/state')).status).toBe(200);
    const cleared = await control<{ deleted: number }>(sut, 'DELETE', '/faults');
    expect(cleared.body.deleted).toBe(1);
    expect((await obpGet(sut, '/banks')).status).toBe(200);
  });

  it('validates fault definitions', async () => {
    for (const bad of [
      { match: {} },
      { status: 99 },
      { status: 500, times: 0 },
      { status: 500, match: { path: '^(' } },
      { status: 500, delay: 5 },
    ]) {
      const res = await control<{ error: string }>(sut, 'POST', '/faults', bad);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_fault');
    }
  });
});
