import type { RunningSandbox } from '../src/main.js';
import { PSU_IP, consentBody, control, startSandbox, users, validConsent, xs2a } from './helpers.js';

describe('AccessBank sandbox: frequencyPerDay for accesses without the PSU', () => {
  let sb: RunningSandbox;
  let accounts: string[];

  beforeAll(async () => {
    sb = await startSandbox();
    accounts = (await users(sb)).find((u) => u.psu_id === 'zarina')!.accounts.map((a) => a.account_id);
  });
  afterAll(() => sb.close());

  const read = (consentId: string, path: string, psuIp: string | null = null) =>
    xs2a(sb, 'GET', path, { consentId, psuIp });

  it('allows frequencyPerDay calls per endpoint and account, then 429 ACCESS_EXCEEDED; PSU-present calls are not counted', async () => {
    const id = await validConsent(sb, consentBody({ frequencyPerDay: 2 }), {
      psuId: 'bakhtiyor',
      password: 'Bakhtiyor-2024',
    });
    const own = (await users(sb)).find((u) => u.psu_id === 'bakhtiyor')!.accounts.map((a) => a.account_id);
    const balances = `/v1/accounts/${own[0]}/balances`;
    expect((await read(id, balances)).status).toBe(200);
    expect((await read(id, balances)).status).toBe(200);
    const refused = await read(id, balances);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      tppMessages: [{ category: 'ERROR', code: 'ACCESS_EXCEEDED', text: expect.any(String) }],
    });
    // The PSU present: served, and not counted.
    for (let i = 0; i < 5; i++) expect((await read(id, balances, PSU_IP)).status).toBe(200);
    // Other endpoints and other accounts keep their own allowance.
    expect((await read(id, `/v1/accounts/${own[1]}/balances`)).status).toBe(200);
    expect((await read(id, `/v1/accounts/${own[0]}`)).status).toBe(200);
    expect((await read(id, '/v1/accounts')).status).toBe(200);
    expect((await read(id, '/v1/accounts')).status).toBe(200);
    expect((await read(id, '/v1/accounts')).status).toBe(429);
    const view = (await control(sb, 'GET', `/consents/${id}`)).body;
    expect(view.usage.refused_total).toBe(2);
    expect(view.usage.not_counted_total).toBe(5);
    expect(view.usage.today).toEqual(
      expect.arrayContaining([{ endpoint: 'balances', account_id: own[0], count: 2, remaining: 0 }]),
    );
    // A new bank day (midnight, Asia/Dushanbe) resets the allowance.
    await control(sb, 'POST', '/advance', { days: 1 });
    expect((await read(id, balances)).status).toBe(200);
  });

  it('counts a transaction report once, whatever its pages and bookingStatus', async () => {
    const id = await validConsent(sb, consentBody({ frequencyPerDay: 1 }));
    const first = await read(
      id,
      `/v1/accounts/${accounts[0]}/transactions?bookingStatus=booked&dateFrom=2025-06-01`,
    );
    expect(first.status).toBe(200);
    let next: string | undefined = first.body.transactions._links.next.href;
    let pages = 1;
    while (next) {
      const page = await read(id, next);
      expect(page.status).toBe(200);
      next = page.body.transactions._links.next?.href;
      pages++;
    }
    expect(pages).toBeGreaterThan(3);
    const again = await read(
      id,
      `/v1/accounts/${accounts[0]}/transactions?bookingStatus=pending&dateFrom=2025-06-01`,
    );
    expect(again.status).toBe(429);
    expect(again.body.tppMessages[0].code).toBe('ACCESS_EXCEEDED');
    expect(
      (
        await read(
          id,
          `/v1/accounts/${accounts[0]}/transactions?bookingStatus=both&dateFrom=2026-06-01`,
          PSU_IP,
        )
      ).status,
    ).toBe(200);
  });

  it('a one-off consent counts every access, the PSU present or not', async () => {
    const id = await validConsent(sb, consentBody({ recurringIndicator: false, frequencyPerDay: 1 }));
    expect((await read(id, `/v1/accounts/${accounts[1]}/balances`, PSU_IP)).status).toBe(200);
    expect((await read(id, `/v1/accounts/${accounts[1]}/balances`, PSU_IP)).status).toBe(429);
  });

  it('rejects a PSU-IP-Address that is not an IP address', async () => {
    const id = await validConsent(sb);
    const r = await read(id, '/v1/accounts', 'somewhere');
    expect(r.status).toBe(400);
    expect(r.body.tppMessages[0]).toMatchObject({ code: 'FORMAT_ERROR', path: 'PSU-IP-Address' });
  });
});
