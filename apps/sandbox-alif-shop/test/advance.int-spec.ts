import type { RunningSandbox } from '../src/main.js';
import {
  AYESHA,
  BILAL,
  SANA,
  allPages,
  api,
  control,
  decimal,
  login,
  paisa,
  startSandbox,
  sum,
} from './helpers.js';

/**
 * The clock moves: instalments fall due and get paid, some go overdue and are paid late, a
 * prepayment recalculates a plan's open instalments in place, new purchases appear, and partner-store
 * applications are decided. Tokens live on real time, so the sessions outlive the jumps.
 */
describe('Alif Shop sandbox: moving the clock', () => {
  let sut: RunningSandbox;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    sut = await startSandbox({ seed: 42 });
    for (const m of [AYESHA, BILAL, SANA]) tokens[m] = (await login(sut, m)).access_token;
  });
  afterAll(async () => {
    await sut.close();
  });

  const get = (m: string, path: string) => api(sut, path, tokens[m]!);
  const plans = (m: string) => allPages<any>(sut, '/instalments/plans', 'plans', tokens[m]!);
  const schedule = async (m: string, id: string) =>
    (await get(m, `/instalments/plans/${id}/schedule`)).body.instalments as any[];
  const advance = async (body: Record<string, number>) => {
    const r = await control(sut, 'POST', '/advance', body);
    expect(r.status).toBe(200);
    return r.body;
  };

  it('decides the pending partner-store application about a minute after it was made', async () => {
    const before = (await get(BILAL, '/partner-orders')).body.orders.find(
      (o: any) => o.status === 'pending_approval',
    );
    expect(before).toBeDefined();
    const r = await advance({ seconds: 30 });
    expect(r).toMatchObject({
      previous_now: '2026-06-30T18:59:59Z',
      now: '2026-06-30T19:00:29Z',
      orders_decided: 0,
    });
    expect((await get(BILAL, '/partner-orders')).body.orders[0].status).toBe('pending_approval');
    expect((await advance({ seconds: 30 })).orders_decided).toBe(1);
    const order = (await get(BILAL, '/partner-orders')).body.orders.find(
      (o: any) => o.order_id === before.order_id,
    );
    expect(order).toEqual({ ...before, status: 'approved', decided_at: '2026-06-30T19:00:39Z' });
    const plan = (await plans(BILAL)).find((p) => p.plan_id === order.plan_id);
    expect(plan).toMatchObject({
      status: 'current',
      principal_pkr: 80000,
      markup_pct: null,
      tenor_months: 12,
    });
    const inst = await schedule(BILAL, order.plan_id);
    expect(inst).toHaveLength(12);
    expect(inst[0]).toMatchObject({ due_date: '2026-08-01', status: 'upcoming' });
    // 80,000 at the store's 1.25 % a month for 12 months.
    expect(sum(inst.map((i) => i.amount_pkr))).toBe(paisa(92000));
    const history = (await get(BILAL, '/history?per_page=2')).body.items;
    expect(history.map((h: any) => [h.type, h.amount_pkr, h.plan_id, h.date])).toEqual([
      ['fee', 600, order.plan_id, '2026-07-01'],
      ['purchase', 80000, order.plan_id, '2026-07-01'],
    ]);
    expect(history[1].merchant).toBe('Saddar Mobile Mall, Karachi');
  });

  it('pays the instalment that falls due and shows a new purchase with a new fashion plan', async () => {
    const khaadi = (await plans(AYESHA)).find((p) => p.principal_pkr === 24000)!;
    // A minute after midnight in Karachi: the instalment is due today.
    expect((await schedule(AYESHA, khaadi.plan_id))[2]).toEqual({
      seq: 3,
      due_date: '2026-07-01',
      amount_pkr: 6000,
      status: 'due',
    });
    const totalBefore = (await get(AYESHA, '/instalments/plans')).body.total;
    const r = await advance({ days: 1 });
    expect(r).toMatchObject({
      previous_today: '2026-07-01',
      today: '2026-07-02',
      now: '2026-07-01T19:00:59Z',
    });
    expect(r.new_history_items).toBeGreaterThan(0);
    expect((await schedule(AYESHA, khaadi.plan_id))[2]).toEqual({
      seq: 3,
      due_date: '2026-07-01',
      amount_pkr: 6000,
      status: 'paid',
      paid_at: '2026-07-01T04:31:14Z',
    });
    const items = await allPages<any>(
      sut,
      '/history?from=2026-07-01&to=2026-07-01',
      'items',
      tokens[AYESHA]!,
    );
    expect(items).toContainEqual(
      expect.objectContaining({
        type: 'repayment',
        amount_pkr: 6000,
        plan_id: khaadi.plan_id,
        created_at: '2026-07-01T04:31:14Z',
      }),
    );
    const purchase = items.find((i) => i.type === 'purchase' && i.merchant === 'Limelight');
    expect(purchase).toMatchObject({
      amount_pkr: 3499,
      date: '2026-07-01',
      created_at: '2026-07-01T14:45:12Z',
    });
    const all = await plans(AYESHA);
    expect(all.length).toBeGreaterThan(totalBefore);
    expect(all.find((p) => p.plan_id === purchase.plan_id)).toMatchObject({
      origin: 'fashion',
      markup_pct: 0,
      principal_pkr: 3499,
      tenor_months: 3,
      status: 'current',
    });
    expect((await schedule(AYESHA, purchase.plan_id)).map((i) => i.amount_pkr)).toEqual([
      1166.34, 1166.33, 1166.33,
    ]);
  });

  it('recalculates a plan in place after a partial prepayment: same count, new amounts, same total', async () => {
    const gul = (await plans(AYESHA)).find((p) => p.principal_pkr === 18750.75)!;
    const before = await schedule(AYESHA, gul.plan_id);
    expect(before.map((i) => [i.amount_pkr, i.status])).toEqual([
      [3125.13, 'paid'],
      [3125.13, 'upcoming'],
      [3125.13, 'upcoming'],
      [3125.12, 'upcoming'],
      [3125.12, 'upcoming'],
      [3125.12, 'upcoming'],
    ]);
    await advance({ days: 1 }); // 3 July: the instalment due today was paid early on the 2nd, with 5,000.25 more
    const after = await schedule(AYESHA, gul.plan_id);
    expect(after).toHaveLength(6);
    expect(after.map((i) => i.due_date)).toEqual(before.map((i) => i.due_date));
    expect(after.map((i) => [i.amount_pkr, i.status])).toEqual([
      [3125.13, 'paid'],
      [8125.38, 'paid'],
      [1875.06, 'upcoming'],
      [1875.06, 'upcoming'],
      [1875.06, 'upcoming'],
      [1875.06, 'upcoming'],
    ]);
    expect(sum(after.map((i) => i.amount_pkr))).toBe(paisa(18750.75));
    const repayment = (await get(AYESHA, '/history?per_page=50')).body.items.find(
      (i: any) => i.plan_id === gul.plan_id && i.amount_pkr === 8125.38,
    );
    expect(repayment).toMatchObject({ type: 'repayment', date: '2026-07-02' });
    expect(repayment.description).toContain('5,000.25');
  });

  it('pays an overdue instalment late, after a late fee, and decides a new application', async () => {
    const sana = (await get(SANA, '/instalments/schedule')).body.active_plans.find(
      (p: any) => p.principal_pkr === 12000.4,
    );
    expect(sana).toMatchObject({ status: 'overdue', next_due: '2026-06-24' });
    const fee = (await allPages<any>(sut, '/history', 'items', tokens[SANA]!)).find(
      (i) => i.plan_id === sana.plan_id && i.type === 'fee',
    );
    expect(fee).toMatchObject({ amount_pkr: 100, date: '2026-06-27' });
    const orders = (await get(BILAL, '/partner-orders')).body.orders.length;
    await advance({ days: 2 }); // 5 July
    const plan = (await plans(SANA)).find((p) => p.plan_id === sana.plan_id);
    expect(plan.status).toBe('current');
    const inst = await schedule(SANA, sana.plan_id);
    expect(inst[1]).toMatchObject({ status: 'paid', due_date: '2026-06-24', amount_pkr: 3000.1 });
    expect(inst[1].paid_at.slice(0, 10)).toBe('2026-07-04');
    const newOrders = (await get(BILAL, '/partner-orders')).body.orders;
    expect(newOrders).toHaveLength(orders + 1);
    expect(newOrders[0]).toMatchObject({ device_model: 'OPPO A18 4/128GB', status: 'rejected' });
    expect(Date.parse(newOrders[0].decided_at) - Date.parse(newOrders[0].applied_at)).toBe(75_000);
  });

  it('keeps every figure consistent after a long jump', async () => {
    await advance({ days: 200 });
    for (const m of [AYESHA, BILAL, SANA]) {
      const s = (await control(sut, 'GET', `/users/${encodeURIComponent(m)}/summary`)).body;
      expect(s.today).toBe('2027-01-21');
      const limit = (await get(m, '/account/limit')).body;
      expect(decimal(paisa(limit.used_pkr))).toBe(s.used);
      for (const p of s.plans) {
        if (p.origin === 'fashion') expect(p.schedule_sum).toBe(p.principal);
        if (p.instalment_count)
          expect(decimal(paisa(Number(p.paid_sum)) + paisa(Number(p.open_sum)))).toBe(p.schedule_sum);
      }
      expect(s.plans.filter((p: any) => p.status === 'pending_approval')).toEqual([]);
      const history = await allPages<any>(sut, '/history', 'items', tokens[m]!);
      expect(history).toHaveLength(s.history.count);
      expect(history[0].created_at <= s.now).toBe(true);
      expect(history[0].created_at > '2027-01-01').toBe(true);
    }
  });

  it('validates advance requests', async () => {
    for (const body of [{}, { days: 0 }, { days: -1 }, { days: 1.5 }, { seconds: 'x' }]) {
      expect((await control(sut, 'POST', '/advance', body)).status).toBe(400);
    }
  });
});
