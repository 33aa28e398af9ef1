import type { RunningSandbox } from '../src/main.js';
import { AYESHA, BILAL, SANA, USMAN, api, call, control, login } from './helpers.js';
import { startSandbox } from './helpers.js';

const CUSTOMERS = [AYESHA, BILAL, SANA, USMAN];

describe('Alif Shop sandbox: deterministic data', () => {
  let a: RunningSandbox;
  let b: RunningSandbox;
  let c: RunningSandbox;
  const tokens = new Map<RunningSandbox, string[]>();

  beforeAll(async () => {
    [a, b, c] = await Promise.all([
      startSandbox({ seed: 2024 }),
      startSandbox({ seed: 2024 }),
      startSandbox({ seed: 2025 }),
    ]);
    for (const s of [a, b, c])
      tokens.set(s, await Promise.all(CUSTOMERS.map(async (m) => (await login(s, m)).access_token)));
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  /** Every response a client can read, as text, for every customer. */
  async function everything(s: RunningSandbox): Promise<string[]> {
    const out: string[] = [];
    for (const [k, token] of tokens.get(s)!.entries()) {
      const paths = [
        '/instalments/schedule',
        '/account/limit',
        '/partner-orders',
        '/profile',
        '/history?per_page=50&page=2',
      ];
      const list = await api(s, '/instalments/plans?per_page=50', token);
      for (const p of list.body.plans) paths.push(`/instalments/plans/${p.plan_id}/schedule`);
      for (let page = 1; ; page++) {
        const r = await api(s, `/history?per_page=50&page=${page}`, token);
        out.push(r.text);
        if (r.body.items.length < 50) break;
      }
      out.push(list.text);
      for (const path of paths) out.push(`${k} ${path} ${(await api(s, path, token)).text}`);
      out.push((await control(s, 'GET', `/users/${encodeURIComponent(CUSTOMERS[k]!)}/summary`)).text);
    }
    out.push((await call(s, 'GET', '/__sandbox/users')).text);
    return out;
  }

  it('gives byte-identical responses for the same seed on two instances', async () => {
    const [x, y] = await Promise.all([everything(a), everything(b)]);
    expect(x.length).toBeGreaterThan(50);
    expect(x).toEqual(y);
  });

  it('stays identical after the clock moves, however the moves are split', async () => {
    await control(a, 'POST', '/advance', { days: 9 });
    await control(b, 'POST', '/advance', { days: 2 });
    await control(b, 'POST', '/advance', { seconds: 3 * 86_400 });
    await control(b, 'POST', '/advance', { days: 3, seconds: 86_400 });
    const [x, y] = await Promise.all([everything(a), everything(b)]);
    expect(x).toEqual(y);
  });

  it('gives other data for another seed', async () => {
    const [x, z] = await Promise.all([everything(b), everything(c)]);
    expect(z).not.toEqual(x);
    const plansOf = async (s: RunningSandbox) =>
      (await api(s, '/instalments/plans', tokens.get(s)![0]!)).body.plans[0].plan_id;
    expect(await plansOf(c)).not.toBe(await plansOf(b));
  });
});
