import type { RunningSandbox } from '../src/main.js';
import {
  AYESHA,
  BILAL,
  PINNED_TODAY,
  SANA,
  USMAN,
  allPages,
  api,
  call,
  control,
  decimal,
  login,
  paisa,
  sleep,
  startSandbox,
  sum,
} from './helpers.js';

/** The Karachi (UTC+05:00) calendar date of an instant. */
const karachiDate = (iso: string) => new Date(Date.parse(iso) + 5 * 3600_000).toISOString().slice(0, 10);

describe('Alif Shop sandbox: the customer API', () => {
  let sut: RunningSandbox;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    sut = await startSandbox();
    for (const m of [AYESHA, BILAL, SANA, USMAN]) tokens[m] = (await login(sut, m)).access_token;
  });
  afterAll(async () => {
    await sut.close();
  });

  const get = (msisdn: string, path: string) => api(sut, path, tokens[msisdn]!);
  const summary = async (msisdn: string) =>
    (await control(sut, 'GET', `/users/${encodeURIComponent(msisdn)}/summary`)).body;

  describe('GET /instalments/schedule', () => {
    it('lists the active plans in the seed’s shape: the 24,000 Khaadi plan due tomorrow', async () => {
      const r = await get(AYESHA, '/instalments/schedule');
      expect(r.status).toBe(200);
      expect(Object.keys(r.body)).toEqual(['available_limit_pkr', 'active_plans']);
      expect(r.body.active_plans).toContainEqual({
        plan_id: expect.stringMatching(/^pln_[0-9a-f]{16}$/),
        principal_pkr: 24000,
        markup_pct: 0,
        tenor_months: 4,
        origin: 'fashion',
        next_due: '2026-07-01',
        next_amount_pkr: 6000,
        status: 'current',
      });
      for (const p of r.body.active_plans) {
        expect(Object.keys(p)).toEqual([
          'plan_id',
          'principal_pkr',
          'markup_pct',
          'tenor_months',
          'origin',
          'next_due',
          'next_amount_pkr',
          'status',
        ]);
        expect(p.markup_pct).toBe(p.origin === 'fashion' ? 0 : null);
        expect(['current', 'overdue']).toContain(p.status);
      }
      expect(r.body.active_plans.some((p: any) => p.origin === 'partner_store')).toBe(true);
    });

    it('shows a partner-store application awaiting approval without terms or dates', async () => {
      const r = await get(BILAL, '/instalments/schedule');
      const pending = r.body.active_plans.filter((p: any) => p.status === 'pending_approval');
      expect(pending).toEqual([
        {
          plan_id: expect.stringMatching(/^pln_/),
          principal_pkr: 80000,
          markup_pct: null,
          origin: 'partner_store',
          status: 'pending_approval',
        },
      ]);
    });

    it('shows an overdue plan with its overdue instalment as the next one', async () => {
      const r = await get(SANA, '/instalments/schedule');
      expect(r.body.active_plans).toContainEqual(
        expect.objectContaining({
          principal_pkr: 12000.4,
          status: 'overdue',
          next_due: '2026-06-24',
          next_amount_pkr: 3000.1,
        }),
      );
    });
  });

  describe('GET /account/limit', () => {
    it('gives limit = available + used, to the paisa, as the sandbox counts it', async () => {
      for (const m of [AYESHA, BILAL, SANA]) {
        const r = await get(m, '/account/limit');
        expect(Object.keys(r.body)).toEqual([
          'credit_limit_pkr',
          'available_limit_pkr',
          'used_pkr',
          'currency',
          'as_of',
        ]);
        expect(r.body.currency).toBe('PKR');
        expect(r.body.as_of).toBe('2026-06-30T18:59:59Z');
        expect(paisa(r.body.credit_limit_pkr)).toBe(
          paisa(r.body.available_limit_pkr) + paisa(r.body.used_pkr),
        );
        const s = await summary(m);
        expect([s.credit_limit, s.available_limit, s.used]).toEqual(
          [r.body.credit_limit_pkr, r.body.available_limit_pkr, r.body.used_pkr].map((x) =>
            decimal(paisa(x)),
          ),
        );
        expect((await get(m, '/instalments/schedule')).body.available_limit_pkr).toBe(
          r.body.available_limit_pkr,
        );
      }
      expect((await get(AYESHA, '/account/limit')).body.credit_limit_pkr).toBe(150000);
    });
  });

  describe('GET /instalments/plans', () => {
    it('pages every plan the customer ever had, newest first, with per_page capped at 50', async () => {
      const first = await get(AYESHA, '/instalments/plans?per_page=500');
      expect(first.body.per_page).toBe(50);
      expect(first.body.page).toBe(1);
      expect(first.body.plans).toHaveLength(50);
      expect(first.body.total).toBeGreaterThan(50);
      const plans = await allPages<any>(sut, '/instalments/plans', 'plans', tokens[AYESHA]!);
      expect(plans).toHaveLength(first.body.total);
      expect(new Set(plans.map((p) => p.plan_id)).size).toBe(plans.length);
      const created = plans.map((p) => p.created_at);
      expect([...created].sort().reverse()).toEqual(created);
      expect(new Set(plans.map((p) => p.status))).toEqual(new Set(['current', 'closed']));
      const beyond = await get(AYESHA, `/instalments/plans?page=${Math.ceil(first.body.total / 20) + 1}`);
      expect(beyond.body).toEqual({
        plans: [],
        page: beyond.body.page,
        per_page: 20,
        total: first.body.total,
      });
    });

    it('keeps fashion plans (0 %) and partner-store plans (store terms, store and device) apart', async () => {
      const plans = await allPages<any>(sut, '/instalments/plans', 'plans', tokens[BILAL]!);
      expect(new Set(plans.map((p) => p.status))).toEqual(
        new Set(['current', 'closed', 'pending_approval', 'rejected']),
      );
      for (const p of plans) {
        if (p.origin === 'fashion') {
          expect(Object.keys(p)).toEqual([
            'plan_id',
            'origin',
            'principal_pkr',
            'markup_pct',
            'tenor_months',
            'status',
            'created_at',
          ]);
          expect(p.markup_pct).toBe(0);
        } else {
          expect(p.origin).toBe('partner_store');
          expect(p.markup_pct).toBeNull();
          expect(p).toEqual(
            expect.objectContaining({
              store: expect.any(String),
              device_model: expect.any(String),
              order_id: expect.stringMatching(/^PO-\d{10}$/),
            }),
          );
        }
      }
      expect(plans).toContainEqual(
        expect.objectContaining({
          status: 'rejected',
          device_model: 'iPhone 15 128GB',
          principal_pkr: 329999,
        }),
      );
    });

    it('refuses malformed paging with 400', async () => {
      for (const q of ['page=0', 'page=-1', 'per_page=abc', 'per_page=0', 'page=1.5']) {
        const r = await get(AYESHA, `/instalments/plans?${q}`);
        expect(r.status).toBe(400);
        expect(r.body.error).toBe('invalid_request');
      }
    });
  });

  describe('GET /instalments/plans/{id}/schedule', () => {
    it('sums every fashion plan to its principal and every phone plan to principal + the store’s markup, to the paisa', async () => {
      for (const m of [AYESHA, BILAL, SANA]) {
        const plans = await allPages<any>(sut, '/instalments/plans', 'plans', tokens[m]!);
        const figures = new Map<string, any>((await summary(m)).plans.map((p: any) => [p.plan_id, p]));
        for (const p of plans) {
          const r = await get(m, `/instalments/plans/${p.plan_id}/schedule`);
          expect(r.status).toBe(200);
          expect(r.body.plan_id).toBe(p.plan_id);
          const inst = r.body.instalments as any[];
          if (p.status === 'pending_approval' || p.status === 'rejected') {
            expect(inst).toEqual([]);
            continue;
          }
          expect(inst.map((i) => i.seq)).toEqual(Array.from({ length: p.tenor_months }, (_, i) => i + 1));
          const total = sum(inst.map((i) => i.amount_pkr));
          const markup = p.origin === 'fashion' ? 0n : paisa(Number(figures.get(p.plan_id).markup));
          expect(total).toBe(paisa(p.principal_pkr) + markup);
          if (p.origin === 'partner_store') expect(markup).toBeGreaterThan(0n);
          expect(decimal(total)).toBe(figures.get(p.plan_id).schedule_sum);
          for (const i of inst) {
            expect(Object.keys(i)).toEqual(
              i.status === 'paid'
                ? ['seq', 'due_date', 'amount_pkr', 'status', 'paid_at']
                : ['seq', 'due_date', 'amount_pkr', 'status'],
            );
            if (i.status === 'upcoming') expect(i.due_date > PINNED_TODAY).toBe(true);
            if (i.status === 'overdue') expect(i.due_date < PINNED_TODAY).toBe(true);
            if (i.status === 'due') expect(i.due_date).toBe(PINNED_TODAY);
            if (i.status === 'paid') expect(i.paid_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
          }
          expect(p.status === 'closed').toBe(inst.every((i) => i.status === 'paid'));
        }
      }
    });

    it('splits 1,999.50 in 4 as 499.88, 499.88, 499.87, 499.87', async () => {
      const plans = await allPages<any>(sut, '/instalments/plans', 'plans', tokens[AYESHA]!);
      const plan = plans.find((p) => p.principal_pkr === 1999.5)!;
      const r = await get(AYESHA, `/instalments/plans/${plan.plan_id}/schedule`);
      expect(r.body.instalments.map((i: any) => [i.amount_pkr, i.status])).toEqual([
        [499.88, 'upcoming'],
        [499.88, 'upcoming'],
        [499.87, 'upcoming'],
        [499.87, 'upcoming'],
      ]);
      expect(r.text).toContain('"amount_pkr":499.88');
    });

    it('answers 404 for another customer’s plan and for an unknown id', async () => {
      const bilals = (await get(BILAL, '/instalments/plans')).body.plans[0].plan_id;
      for (const id of [bilals, 'pln_0000000000000000']) {
        const r = await get(AYESHA, `/instalments/plans/${id}/schedule`);
        expect(r.status).toBe(404);
        expect(r.body).toEqual({ error: 'not_found' });
      }
    });
  });

  describe('GET /history', () => {
    it('pages several pages of purchases, repayments, refunds and fees, newest first, per_page capped', async () => {
      const first = await get(AYESHA, '/history?per_page=1000');
      expect(first.body.per_page).toBe(50);
      expect(first.body.total).toBeGreaterThan(150);
      expect((await get(AYESHA, '/history')).body.per_page).toBe(20);
      const items = await allPages<any>(sut, '/history', 'items', tokens[AYESHA]!);
      expect(items).toHaveLength(first.body.total);
      expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
      for (let k = 1; k < items.length; k++)
        expect(items[k - 1].created_at >= items[k].created_at).toBe(true);
      expect(items[0].created_at <= '2026-06-30T18:59:59Z').toBe(true);
      for (const i of items) {
        expect(['purchase', 'repayment', 'refund', 'fee']).toContain(i.type);
        expect(paisa(i.amount_pkr)).toBeGreaterThan(0n);
        expect(i.date).toBe(karachiDate(i.created_at));
        expect(i.plan_id).toMatch(/^pln_/);
        expect(typeof i.description).toBe('string');
      }
      // Bought after midnight in Karachi: its date is a day after the UTC date of its instant.
      expect(items.some((i) => i.date !== i.created_at.slice(0, 10))).toBe(true);
      // Amounts carry paisa on the wire as plain numbers with at most two decimals.
      const literals = [...first.text.matchAll(/"amount_pkr":([^,}]+)/g)].map((m) => m[1]!);
      expect(literals.every((l) => /^\d+(\.\d?[1-9])?$/.test(l))).toBe(true);
    });

    it('matches the sandbox’s own counts and sums by type, and each plan’s schedule', async () => {
      for (const m of [AYESHA, BILAL, SANA]) {
        const items = await allPages<any>(sut, '/history', 'items', tokens[m]!);
        const s = await summary(m);
        expect(s.history.count).toBe(items.length);
        for (const type of ['purchase', 'repayment', 'refund', 'fee']) {
          const of = items.filter((i) => i.type === type);
          expect(s.history.by_type[type]).toEqual({
            count: of.length,
            sum: decimal(sum(of.map((i) => i.amount_pkr))),
          });
          if (m === BILAL) expect(of.length).toBeGreaterThan(0);
        }
        for (const p of s.plans) {
          const of = (t: string) =>
            sum(items.filter((i) => i.plan_id === p.plan_id && i.type === t).map((i) => i.amount_pkr));
          expect(decimal(of('repayment'))).toBe(p.paid_sum);
          if (p.origin === 'fashion') expect(decimal(of('purchase') - of('refund'))).toBe(p.principal);
        }
      }
    });

    it('filters on the Karachi date, both bounds inclusive', async () => {
      const all = await allPages<any>(sut, '/history', 'items', tokens[AYESHA]!);
      const want = all.filter((i) => i.date >= '2026-05-01' && i.date <= '2026-05-31');
      const got = await allPages<any>(
        sut,
        '/history?from=2026-05-01&to=2026-05-31',
        'items',
        tokens[AYESHA]!,
      );
      expect(got).toEqual(want);
      expect(got.length).toBeGreaterThan(0);
      const one = await get(AYESHA, `/history?from=${want[0].date}&to=${want[0].date}`);
      expect(one.body.items.every((i: any) => i.date === want[0].date)).toBe(true);
    });

    it('refuses bad dates with 400', async () => {
      for (const q of ['from=2026-02-30', 'to=yesterday', 'from=2026-06-02&to=2026-06-01']) {
        const r = await get(AYESHA, `/history?${q}`);
        expect([r.status, r.body.error]).toEqual([400, 'invalid_request']);
      }
    });
  });

  describe('GET /partner-orders and /profile', () => {
    it('lists partner-store orders with their approval state', async () => {
      const r = await get(BILAL, '/partner-orders');
      const orders = r.body.orders as any[];
      const pending = orders.find((o) => o.status === 'pending_approval');
      expect(pending).toEqual({
        order_id: expect.stringMatching(/^PO-\d{10}$/),
        store: 'Saddar Mobile Mall, Karachi',
        device_model: 'Infinix Note 40 Pro 8/256GB',
        plan_id: expect.stringMatching(/^pln_/),
        status: 'pending_approval',
        applied_at: '2026-06-30T18:59:39Z',
      });
      const rejected = orders.find((o) => o.device_model === 'iPhone 15 128GB');
      expect(rejected.status).toBe('rejected');
      expect(Date.parse(rejected.decided_at) - Date.parse(rejected.applied_at)).toBe(71_000);
      expect(orders.some((o) => o.status === 'approved')).toBe(true);
      const plans = await allPages<any>(sut, '/instalments/plans', 'plans', tokens[BILAL]!);
      for (const o of orders)
        expect(plans.find((p) => p.plan_id === o.plan_id)).toMatchObject({
          order_id: o.order_id,
          store: o.store,
        });
    });

    it('gives the profile and the application status', async () => {
      expect((await get(AYESHA, '/profile')).body).toEqual({
        msisdn: AYESHA,
        name: 'Ayesha Khan',
        cnic_masked: '35202-*****67-4',
        application_status: 'approved',
        created_at: '2024-05-01T06:42:07Z',
      });
      expect((await get(USMAN, '/profile')).body.application_status).toBe('pending');
    });

    it('serves a customer whose application is pending: no limit, no plans, no history', async () => {
      expect((await get(USMAN, '/instalments/schedule')).body).toEqual({
        available_limit_pkr: 0,
        active_plans: [],
      });
      expect((await get(USMAN, '/account/limit')).body).toMatchObject({ credit_limit_pkr: 0, used_pkr: 0 });
      expect((await get(USMAN, '/history')).body).toEqual({ items: [], page: 1, per_page: 20, total: 0 });
      expect((await get(USMAN, '/partner-orders')).body).toEqual({ orders: [] });
    });
  });

  describe('3-D Secure gate', () => {
    const DATA = [
      '/instalments/schedule',
      '/account/limit',
      '/instalments/plans',
      '/history',
      '/partner-orders',
      '/profile',
    ];

    it('answers 423 with retry_after on every data endpoint while a challenge is pending, for that customer only', async () => {
      const opened = await control(sut, 'POST', '/challenge', { msisdn: AYESHA, seconds: 30 });
      expect(opened.status).toBe(201);
      for (const path of DATA) {
        const r = await get(AYESHA, path);
        expect(r.status).toBe(423);
        expect(r.body).toEqual({ error: '3ds_challenge_pending', retry_after: expect.any(Number) });
        expect(r.body.retry_after).toBeGreaterThanOrEqual(29);
        expect(r.body.retry_after).toBeLessThanOrEqual(30);
        expect(r.headers.get('retry-after')).toBeNull();
      }
      expect((await get(BILAL, '/account/limit')).status).toBe(200);
      // Authentication comes first: a bad token is still a 401.
      expect((await api(sut, '/account/limit', 'nope')).status).toBe(401);
      // Logging in and refreshing are not data reads.
      const s = await login(sut, AYESHA);
      expect(s.access_token).toBeTruthy();
      expect((await control(sut, 'DELETE', `/challenge/${encodeURIComponent(AYESHA)}`)).body).toEqual({
        closed: 1,
      });
      expect((await get(AYESHA, '/account/limit')).status).toBe(200);
    });

    it('resolves a challenge by itself after its seconds', async () => {
      await control(sut, 'POST', '/challenge', { msisdn: SANA, seconds: 1 });
      const r = await get(SANA, '/history');
      expect([r.status, r.body.retry_after]).toEqual([423, 1]);
      await sleep(1_050);
      expect((await get(SANA, '/history')).status).toBe(200);
    });

    it('validates challenge requests', async () => {
      expect((await control(sut, 'POST', '/challenge', { msisdn: '+923000000000', seconds: 5 })).status).toBe(
        404,
      );
      expect((await control(sut, 'POST', '/challenge', { msisdn: AYESHA, seconds: 0 })).status).toBe(400);
    });
  });

  it('answers 404 for unknown paths and 405 for wrong methods', async () => {
    expect((await get(AYESHA, '/nope')).body).toEqual({ error: 'not_found' });
    expect((await call(sut, 'GET', '/')).status).toBe(404);
    const r = await call(sut, 'DELETE', '/api/v1/profile', { token: tokens[AYESHA] });
    expect([r.status, r.headers.get('allow')]).toEqual([405, 'GET']);
  });
});
