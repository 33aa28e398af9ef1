import type { RunningSandbox } from '../src/main.js';
import { PSU_IP, control, startSandbox, users, validConsent, xs2a } from './helpers.js';

describe('AccessBank sandbox: deterministic data', () => {
  let a: RunningSandbox;
  let b: RunningSandbox;
  let c: RunningSandbox;
  let consentA: string;
  let consentB: string;
  let accountIds: string[];

  beforeAll(async () => {
    [a, b, c] = await Promise.all([
      startSandbox({ seed: 2024 }),
      startSandbox({ seed: 2024 }),
      startSandbox({ seed: 2025 }),
    ]);
    consentA = await validConsent(a);
    consentB = await validConsent(b);
    accountIds = (await users(a))[0]!.accounts.map((x) => x.account_id);
  });
  afterAll(() => Promise.all([a.close(), b.close(), c.close()]));

  async function bodies(path: string): Promise<[string, string]> {
    const [ra, rb] = await Promise.all([
      xs2a(a, 'GET', path, { consentId: consentA, psuIp: PSU_IP }),
      xs2a(b, 'GET', path, { consentId: consentB, psuIp: PSU_IP }),
    ]);
    expect(ra.status).toBe(200);
    return [ra.text, rb.text];
  }

  async function sameEverywhere(): Promise<void> {
    const paths = [
      '/v1/accounts?withBalance=true',
      ...accountIds.flatMap((id) => [
        `/v1/accounts/${id}`,
        `/v1/accounts/${id}/balances`,
        `/v1/accounts/${id}/transactions?bookingStatus=both&dateFrom=2025-01-01`,
        `/v1/accounts/${id}/transactions?bookingStatus=both&dateFrom=2025-01-01&page=3`,
      ]),
    ];
    for (const path of paths) {
      const [x, y] = await bodies(path);
      expect(x).toBe(y);
    }
    for (const id of accountIds) {
      const [sa, sb] = await Promise.all([
        fetch(`${a.url}/__sandbox/accounts/${id}/summary`).then((r) => r.text()),
        fetch(`${b.url}/__sandbox/accounts/${id}/summary`).then((r) => r.text()),
      ]);
      expect(sa).toBe(sb);
    }
  }

  it('gives byte-identical responses for the same seed on two instances', async () => {
    await sameEverywhere();
    const [ua, ub] = await Promise.all([
      fetch(`${a.url}/__sandbox/users`).then((r) => r.text()),
      fetch(`${b.url}/__sandbox/users`).then((r) => r.text()),
    ]);
    expect(ua).toBe(ub);
  });

  it('stays identical after the clock moves, however the days are split', async () => {
    await control(a, 'POST', '/advance', { days: 4 });
    await control(b, 'POST', '/advance', { days: 1 });
    await control(b, 'POST', '/advance', { days: 3 });
    await sameEverywhere();
  });

  it('gives different data for another seed', async () => {
    const other = (await users(c))[0]!.accounts;
    expect(other[0]!.account_id).not.toBe(accountIds[0]);
    expect(other[0]!.bban).not.toBe((await users(a))[0]!.accounts[0]!.bban);
  });
});
