import type { RunningSandbox } from '../src/main.js';
import { PSU_IP, control, startSandbox, users, validConsent, xs2a } from './helpers.js';

describe('AccessBank sandbox: control API and faults', () => {
  let sb: RunningSandbox;
  let consentId: string;
  let account: string;

  beforeAll(async () => {
    sb = await startSandbox();
    consentId = await validConsent(sb);
    account = (await users(sb))[0]!.accounts[0]!.account_id;
  });
  afterAll(() => sb.close());
  afterEach(() => control(sb, 'DELETE', '/faults'));

  it('lists users with passwords, the OTP and accounts', async () => {
    const body = (await control(sb, 'GET', '/users')).body;
    expect(body.otp).toBe('123456');
    expect(body.users.map((u: any) => [u.psu_id, u.password, u.otp])).toEqual([
      ['zarina', 'Zarina-2024', '123456'],
      ['bakhtiyor', 'Bakhtiyor-2024', '123456'],
      ['nigora', 'Nigora-2024', '123456'],
    ]);
    expect(body.users[0].accounts.map((a: any) => a.currency)).toEqual(['TJS', 'USD', 'EUR']);
    expect(body.users[0].accounts[0].bban).toMatch(/^\d{20}$/);
  });

  it('reports its state, pinned clock included', async () => {
    const s = (await control(sb, 'GET', '/state')).body;
    expect(s).toMatchObject({
      today: '2026-06-30',
      clock: 'fixed',
      time_zone: 'Asia/Dushanbe',
      now: '2026-06-30T23:59:59+05:00',
      history_start: '2025-05-27',
      page_size: 50,
    });
    expect(s.transactions_booked).toBeGreaterThan(2500);
  });

  it('validates advance and summary input', async () => {
    expect((await control(sb, 'POST', '/advance', { days: 0 })).status).toBe(400);
    expect((await control(sb, 'GET', `/accounts/${account}/summary?from_date=2026-13-01`)).status).toBe(400);
    expect((await control(sb, 'GET', '/accounts/nope/summary')).status).toBe(404);
    expect((await control(sb, 'GET', '/consents/nope')).status).toBe(404);
    expect((await control(sb, 'POST', '/faults', { match: {}, status: 'x' })).status).toBe(400);
  });

  it('a status fault answers with the standard error body (429 ACCESS_EXCEEDED), after N and for M times', async () => {
    const path = `/v1/accounts/${account}/balances`;
    const f = await control(sb, 'POST', '/faults', {
      match: { method: 'GET', path },
      status: 429,
      after: 1,
      times: 2,
    });
    expect(f.status).toBe(201);
    expect((await xs2a(sb, 'GET', path, { consentId, psuIp: PSU_IP })).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const r = await xs2a(sb, 'GET', path, { consentId, psuIp: PSU_IP });
      expect(r.status).toBe(429);
      expect(r.body.tppMessages[0].code).toBe('ACCESS_EXCEEDED');
    }
    expect((await xs2a(sb, 'GET', path, { consentId, psuIp: PSU_IP })).status).toBe(200);
    const list = (await control(sb, 'GET', '/faults')).body.faults;
    // The fault stops counting once it has expired.
    expect(list[0]).toMatchObject({ hits: 3, fired: 2, active: false });
  });

  it('500 and 503 faults have no body, as the standard defines none', async () => {
    await control(sb, 'POST', '/faults', { match: { path: '/v1/accounts' }, status: 503, times: 1 });
    const r = await xs2a(sb, 'GET', '/v1/accounts', { consentId, psuIp: PSU_IP });
    expect(r.status).toBe(503);
    expect(r.text).toBe('');
  });

  it('a malformed body is cut in half; a delay holds the answer; text replaces it', async () => {
    await control(sb, 'POST', '/faults', { match: { path: '^/v1/accounts$' }, body: 'malformed', times: 1 });
    const res = await fetch(`${sb.url}/v1/accounts`, {
      headers: { 'x-request-id': crypto.randomUUID(), 'consent-id': consentId, 'psu-ip-address': PSU_IP },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(() => JSON.parse(text)).toThrow();

    await control(sb, 'POST', '/faults', { match: { path: '/v1/consents' }, delay_ms: 300, times: 1 });
    const t0 = Date.now();
    await fetch(`${sb.url}/v1/consents/${consentId}/status`, {
      headers: { 'x-request-id': crypto.randomUUID() },
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);

    await control(sb, 'POST', '/faults', {
      match: {},
      status: 502,
      text: '<html>Bad gateway</html>',
      times: 1,
    });
    const proxy = await fetch(`${sb.url}/v1/accounts`);
    expect(proxy.status).toBe(502);
    expect(await proxy.text()).toBe('<html>Bad gateway</html>');
  });

  it('never faults the control API', async () => {
    await control(sb, 'POST', '/faults', { match: {}, status: 500 });
    expect((await control(sb, 'GET', '/state')).status).toBe(200);
  });
});
