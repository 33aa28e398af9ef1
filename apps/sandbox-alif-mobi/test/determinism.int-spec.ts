import type { RunningSandbox } from '../src/main.js';
import { authorize, control, obpGet, request, startSandbox } from './helpers.js';

describe('Alif Mobi sandbox: deterministic data', () => {
  let a: RunningSandbox;
  let b: RunningSandbox;
  let c: RunningSandbox;
  let tokenA: string;
  let tokenB: string;
  let accountIds: string[];

  beforeAll(async () => {
    [a, b, c] = await Promise.all([
      startSandbox({ seed: 2024 }),
      startSandbox({ seed: 2024 }),
      startSandbox({ seed: 2025 }),
    ]);
    tokenA = (await authorize(a)).accessToken;
    tokenB = (await authorize(b)).accessToken;
    const users = (
      await control<{ users: Array<{ accounts: Array<{ account_id: string }> }> }>(a, 'GET', '/users')
    ).body.users;
    accountIds = users[0]!.accounts.map((x) => x.account_id);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  async function bodies(path: string, headers: Record<string, string> = {}): Promise<[string, string]> {
    const [ra, rb] = await Promise.all([obpGet(a, path, tokenA, headers), obpGet(b, path, tokenB, headers)]);
    expect(ra.status).toBe(200);
    return [await ra.text(), await rb.text()];
  }

  it('gives byte-identical responses for the same seed on two instances', async () => {
    const paths = [
      '/banks',
      '/banks/alif.tj',
      '/my/accounts',
      '/cards',
      '/banks/alif.tj/balances',
      ...accountIds.flatMap((id) => [
        `/banks/alif.tj/accounts/${id}/owner/account`,
        `/my/banks/alif.tj/accounts/${id}/account`,
        `/banks/alif.tj/accounts/${id}/balances`,
        `/banks/alif.tj/accounts/${id}/owner/transaction-requests`,
        `/banks/alif.tj/accounts/${id}/owner/counterparties`,
        `/my/banks/alif.tj/accounts/${id}/transactions?limit=300&offset=10`,
      ]),
    ];
    for (const path of paths) {
      const [x, y] = await bodies(path);
      expect(x).toBe(y);
    }
    for (const id of accountIds) {
      const [x, y] = await bodies(`/banks/alif.tj/accounts/${id}/owner/transactions`, { limit: '100000' });
      expect(x.length).toBeGreaterThan(20);
      expect(x).toBe(y);
    }
    const [ua, ub] = await Promise.all([
      request(`${a.url}/__sandbox/users`),
      request(`${b.url}/__sandbox/users`),
    ]);
    expect(await ua.text()).toBe(await ub.text());
  });

  it('stays identical after the clock moves, however the days are split', async () => {
    await control(a, 'POST', '/advance', { days: 4 });
    await control(b, 'POST', '/advance', { days: 1 });
    await control(b, 'POST', '/advance', { days: 3 });
    for (const id of accountIds) {
      const [x, y] = await bodies(`/banks/alif.tj/accounts/${id}/owner/transactions`, { limit: '100000' });
      expect(x).toBe(y);
      const [sa, sb] = await Promise.all([
        request(`${a.url}/__sandbox/accounts/${id}/summary`),
        request(`${b.url}/__sandbox/accounts/${id}/summary`),
      ]);
      expect(await sa.text()).toBe(await sb.text());
    }
  });

  it('gives different data for another seed', async () => {
    const other = (
      await control<{ users: Array<{ accounts: Array<{ account_id: string }> }> }>(c, 'GET', '/users')
    ).body.users;
    expect(other[0]!.accounts[0]!.account_id).not.toBe(accountIds[0]);
  });
});
