import { request as httpRequest } from 'node:http';

import type { RunningSandbox } from '../src/main.js';
import { AYESHA, api, call, control, login, startSandbox } from './helpers.js';

describe('Alif Shop sandbox: injected faults', () => {
  let sut: RunningSandbox;
  let token: string;

  beforeAll(async () => {
    sut = await startSandbox({ seed: 11 });
    token = (await login(sut)).access_token;
  });
  afterEach(async () => {
    await control(sut, 'DELETE', '/faults');
  });
  afterAll(async () => {
    await sut.close();
  });

  const addFault = async (fault: unknown) => {
    const res = await control(sut, 'POST', '/faults', fault);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  it('answers an injected status with Alif Shop’s body for it, on the matching path only', async () => {
    await addFault({ match: { path: '/api/v1/history' }, status: 503 });
    const r = await api(sut, '/history', token);
    expect([r.status, r.body]).toEqual([503, { error: 'service_unavailable' }]);
    expect((await api(sut, '/profile', token)).status).toBe(200);
    await control(sut, 'DELETE', '/faults');
    await addFault({ match: { method: 'POST', path: '/api/v1/auth/token/refresh' }, status: 401 });
    const refresh = await call(sut, 'POST', '/api/v1/auth/token/refresh', { json: { refresh_token: 'x' } });
    expect([refresh.status, refresh.body]).toEqual([401, { error: 'invalid_grant' }]);
    await addFault({ match: { path: '/api/v1/account' }, status: 423 });
    expect((await api(sut, '/account/limit', token)).body).toEqual({
      error: '3ds_challenge_pending',
      retry_after: 30,
    });
  });

  it('lets `after` requests pass, fires `times` times, then expires: the 3rd page answers 429 twice', async () => {
    const id = await addFault({ match: { path: '^/api/v1/history\\?page=3(&|$)' }, status: 429, times: 2 });
    const statuses: number[] = [];
    for (const page of [1, 2, 3, 3, 3])
      statuses.push((await api(sut, `/history?page=${page}`, token)).status);
    expect(statuses).toEqual([200, 200, 429, 429, 200]);
    const listed = (await control(sut, 'GET', '/faults')).body.faults.find((f: any) => f.id === id);
    expect(listed).toMatchObject({ hits: 2, fired: 2, active: false });
    await addFault({ match: { path: '/api/v1/profile' }, status: 500, after: 1, times: 1 });
    const seq = [];
    for (let i = 0; i < 3; i++) seq.push((await api(sut, '/profile', token)).status);
    expect(seq).toEqual([200, 500, 200]);
  });

  it('sends a given body and headers as they are', async () => {
    await addFault({
      match: { path: '/api/v1/instalments/schedule' },
      status: 429,
      body: { error: 'rate_limited', retry_after: 7 },
      headers: { 'Retry-After': '7' },
    });
    const r = await api(sut, '/instalments/schedule', token);
    expect([r.status, r.body, r.headers.get('retry-after')]).toEqual([
      429,
      { error: 'rate_limited', retry_after: 7 },
      '7',
    ]);
  });

  it('cuts a real reply in half with body "malformed"', async () => {
    const whole = (await api(sut, '/history?per_page=50', token)).text;
    await addFault({ match: { path: '/api/v1/history' }, body: 'malformed', times: 1 });
    const r = await api(sut, '/history?per_page=50', token);
    expect(r.status).toBe(200);
    expect(r.text).toBe(whole.slice(0, Math.floor(Buffer.byteLength(whole) / 2)));
    expect(() => JSON.parse(r.text)).toThrow();
  });

  it('sends text as it is (a proxy’s error page)', async () => {
    await addFault({ match: { path: '/api/v1/profile' }, status: 502, text: '<html>Bad Gateway</html>' });
    const r = await api(sut, '/profile', token);
    expect([r.status, r.text, r.headers.get('content-type')]).toEqual([
      502,
      '<html>Bad Gateway</html>',
      'text/plain; charset=utf-8',
    ]);
  });

  it('delays a reply, then serves it normally', async () => {
    await addFault({ match: { path: '/api/v1/auth/otp/request' }, delay_ms: 300, times: 1 });
    const t0 = Date.now();
    const r = await call(sut, 'POST', '/api/v1/auth/otp/request', { json: { msisdn: AYESHA } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(r.status).toBe(202);
  });

  it('drops the connection with reset', async () => {
    await addFault({ match: { path: '/api/v1/profile' }, reset: true, times: 1 });
    const url = new URL(`${sut.url}/api/v1/profile`);
    const error = await new Promise<Error | undefined>((resolve) => {
      const req = httpRequest(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve(undefined));
      });
      req.on('error', resolve);
      req.end();
    });
    expect(error).toBeDefined();
    expect((await api(sut, '/profile', token)).status).toBe(200);
  });

  it('never faults the control API, and rejects bad fault definitions with every problem listed', async () => {
    await addFault({ status: 500 });
    expect((await control(sut, 'GET', '/state')).status).toBe(200);
    expect((await api(sut, '/profile', token)).status).toBe(500);
    const bad = await control(sut, 'POST', '/faults', {
      match: { path: '^(' },
      status: 42,
      times: 0,
      extra: 1,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toHaveLength(5);
    expect((await control(sut, 'DELETE', '/faults')).body).toEqual({ deleted: 1 });
    expect((await api(sut, '/profile', token)).status).toBe(200);
  });
});
