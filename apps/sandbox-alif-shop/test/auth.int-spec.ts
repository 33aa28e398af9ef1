import type { RunningSandbox } from '../src/main.js';
import {
  AYESHA,
  BILAL,
  OTP,
  api,
  call,
  control,
  login,
  sleep,
  startSandbox,
  type Tokens,
} from './helpers.js';

const request = (sut: RunningSandbox, msisdn: unknown) =>
  call(sut, 'POST', '/api/v1/auth/otp/request', { json: { msisdn } });
const verify = (sut: RunningSandbox, msisdn: string, otp: string) =>
  call(sut, 'POST', '/api/v1/auth/otp/verify', { json: { msisdn, otp } });
const refresh = (sut: RunningSandbox, token: string) =>
  call<Tokens>(sut, 'POST', '/api/v1/auth/token/refresh', { json: { refresh_token: token } });

describe('Alif Shop sandbox: OTP login and sessions', () => {
  let sut: RunningSandbox;

  beforeAll(async () => {
    sut = await startSandbox({ seed: 5 });
  });
  afterAll(async () => {
    await sut.close();
  });

  describe('one-time codes', () => {
    it('answers a request 202 {} and a right code with a Bearer session', async () => {
      const r = await request(sut, AYESHA);
      expect(r.status).toBe(202);
      expect(r.text).toBe('{}');
      const v = await verify(sut, AYESHA, OTP);
      expect(v.status).toBe(200);
      expect(v.body).toEqual({
        access_token: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
        expires_in: 1800,
        token_type: 'Bearer',
      });
      expect(Object.keys(v.body)).toEqual(['access_token', 'refresh_token', 'expires_in', 'token_type']);
      expect(v.headers.get('cache-control')).toBe('no-store');
      expect((await api(sut, '/profile', v.body.access_token)).body.msisdn).toBe(AYESHA);
    });

    it('counts wrong codes down, then locks the code until a new request (429 otp_locked)', async () => {
      await request(sut, BILAL);
      expect((await verify(sut, BILAL, '000000')).body).toEqual({ error: 'otp_invalid', attempts_left: 2 });
      const second = await verify(sut, BILAL, '111111');
      expect(second.status).toBe(401);
      expect(second.body).toEqual({ error: 'otp_invalid', attempts_left: 1 });
      expect((await verify(sut, BILAL, '222222')).body).toEqual({ error: 'otp_invalid', attempts_left: 0 });
      const locked = await verify(sut, BILAL, OTP);
      expect(locked.status).toBe(429);
      expect(locked.body).toEqual({ error: 'otp_locked' });
      // A new request gives a fresh code with fresh attempts.
      await request(sut, BILAL);
      expect((await verify(sut, BILAL, '000000')).body).toEqual({ error: 'otp_invalid', attempts_left: 2 });
      expect((await verify(sut, BILAL, OTP)).status).toBe(200);
    });

    it('makes a code single use', async () => {
      await request(sut, AYESHA);
      expect((await verify(sut, AYESHA, OTP)).status).toBe(200);
      const again = await verify(sut, AYESHA, OTP);
      expect(again.status).toBe(401);
      expect(again.body).toEqual({ error: 'otp_expired' });
    });

    it('treats a code never requested as expired', async () => {
      const r = await verify(sut, '+923009999999', OTP);
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: 'otp_expired' });
    });

    it('does not tell an unknown number from a customer', async () => {
      const unknown = '+923119876543';
      const req = await request(sut, unknown);
      expect([req.status, req.text]).toEqual([202, '{}']);
      await request(sut, AYESHA);
      // The right code does not work for a number that is no customer; it counts as a wrong one.
      const replies = [];
      for (const code of [OTP, '000000', '000000', OTP])
        replies.push([
          await verify(sut, unknown, code),
          await verify(sut, AYESHA, code === OTP ? '999999' : code),
        ]);
      for (const [u, k] of replies) {
        expect(u!.status).toBe(k!.status);
        expect(u!.text).toBe(k!.text);
      }
      expect(replies.map(([u]) => u!.body)).toEqual([
        { error: 'otp_invalid', attempts_left: 2 },
        { error: 'otp_invalid', attempts_left: 1 },
        { error: 'otp_invalid', attempts_left: 0 },
        { error: 'otp_locked' },
      ]);
    });

    it('validates the msisdn and the code format without spending an attempt', async () => {
      for (const bad of ['03001234567', '+92300123456', '+9230012345678', 923001234567, undefined]) {
        const r = await request(sut, bad);
        expect(r.status).toBe(400);
        expect(r.body.error).toBe('invalid_msisdn');
      }
      await request(sut, AYESHA);
      expect((await verify(sut, AYESHA, '12345')).body.error).toBe('invalid_request');
      expect((await verify(sut, AYESHA, 'abcdef')).status).toBe(400);
      const bad = await call(sut, 'POST', '/api/v1/auth/otp/verify', { raw: '{"msisdn":' });
      expect([bad.status, bad.body.error]).toEqual([400, 'invalid_request']);
      expect((await verify(sut, AYESHA, '000000')).body).toEqual({ error: 'otp_invalid', attempts_left: 2 });
      expect((await call(sut, 'GET', '/api/v1/auth/otp/request')).status).toBe(405);
    });

    it('locks a code on request of the control API', async () => {
      await request(sut, AYESHA);
      expect((await control(sut, 'POST', '/otp-lock', { msisdn: AYESHA })).status).toBe(200);
      expect((await verify(sut, AYESHA, OTP)).status).toBe(429);
    });
  });

  describe('refresh tokens', () => {
    it('rotate: each works once and gives a new pair', async () => {
      const first = await login(sut);
      const second = await refresh(sut, first.refresh_token);
      expect(second.status).toBe(200);
      expect(Object.keys(second.body)).toEqual(['access_token', 'refresh_token', 'expires_in', 'token_type']);
      expect(second.body.refresh_token).not.toBe(first.refresh_token);
      expect(second.body.access_token).not.toBe(first.access_token);
      const third = await refresh(sut, second.body.refresh_token);
      expect(third.status).toBe(200);
      expect((await api(sut, '/profile', third.body.access_token)).status).toBe(200);
      // Access tokens issued before a rotation live until they expire.
      expect((await api(sut, '/profile', first.access_token)).status).toBe(200);
    });

    it('revoke the whole session family when a used one is presented again', async () => {
      const first = await login(sut);
      const second = (await refresh(sut, first.refresh_token)).body;
      const reuse = await refresh(sut, first.refresh_token);
      expect(reuse.status).toBe(401);
      expect(reuse.body).toEqual({ error: 'invalid_grant' });
      // Every token of the family is gone: the rotated refresh token and every access token.
      expect((await refresh(sut, second.refresh_token)).body).toEqual({ error: 'invalid_grant' });
      for (const t of [first.access_token, second.access_token]) {
        const r = await api(sut, '/profile', t);
        expect(r.status).toBe(401);
        expect(r.body).toEqual({ error: 'invalid_token' });
      }
      // Another login of the same customer is another family, untouched.
      const other = await login(sut);
      expect((await api(sut, '/profile', other.access_token)).status).toBe(200);
    });

    it('answer 401 invalid_grant for an unknown token and 400 without one', async () => {
      expect((await refresh(sut, 'nope')).body).toEqual({ error: 'invalid_grant' });
      const r = await call(sut, 'POST', '/api/v1/auth/token/refresh', { json: {} });
      expect([r.status, r.body.error]).toEqual([400, 'invalid_request']);
    });
  });

  describe('access tokens', () => {
    it('are refused when missing, unknown or malformed: 401 invalid_token', async () => {
      for (const token of [undefined, 'x', 'Bearer']) {
        const r = await call(
          sut,
          'GET',
          '/api/v1/instalments/schedule',
          token === undefined ? {} : { token },
        );
        expect(r.status).toBe(401);
        expect(r.body).toEqual({ error: 'invalid_token' });
        expect(r.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      }
    });

    it('logout revokes the session family: 204, then 401 for its tokens', async () => {
      const s = await login(sut);
      const r = await call(sut, 'POST', '/api/v1/auth/logout', { token: s.access_token });
      expect(r.status).toBe(204);
      expect(r.text).toBe('');
      expect((await api(sut, '/profile', s.access_token)).body).toEqual({ error: 'invalid_token' });
      expect((await refresh(sut, s.refresh_token)).body).toEqual({ error: 'invalid_grant' });
    });

    it('control: expire a customer’s access tokens now, or revoke their sessions', async () => {
      const s = await login(sut, BILAL);
      expect((await control(sut, 'POST', '/tokens/expire', { msisdn: BILAL })).body.expired).toBeGreaterThan(
        0,
      );
      expect((await api(sut, '/profile', s.access_token)).body).toEqual({ error: 'token_expired' });
      const renewed = (await refresh(sut, s.refresh_token)).body;
      expect((await api(sut, '/profile', renewed.access_token)).status).toBe(200);
      expect(
        (await control(sut, 'POST', '/sessions/revoke', { msisdn: BILAL })).body.revoked,
      ).toBeGreaterThan(0);
      expect((await api(sut, '/profile', renewed.access_token)).body).toEqual({ error: 'invalid_token' });
    });
  });
});

describe('Alif Shop sandbox: lifetimes', () => {
  let sut: RunningSandbox;

  beforeAll(async () => {
    sut = await startSandbox({ accessTokenTtlS: 1, otpTtlS: 1 });
  });
  afterAll(async () => {
    await sut.close();
  });

  it('answers 401 token_expired after expires_in, and the refresh token still renews', async () => {
    const s = await login(sut);
    expect(s.expires_in).toBe(1);
    expect((await api(sut, '/account/limit', s.access_token)).status).toBe(200);
    await sleep(1_100);
    const r = await api(sut, '/account/limit', s.access_token);
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'token_expired' });
    expect(r.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const renewed = await refresh(sut, s.refresh_token);
    expect(renewed.status).toBe(200);
    expect((await api(sut, '/account/limit', renewed.body.access_token)).status).toBe(200);
  });

  it('expires a code after its lifetime: 401 otp_expired', async () => {
    await request(sut, AYESHA);
    await sleep(1_100);
    const r = await verify(sut, AYESHA, OTP);
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'otp_expired' });
  });
});
