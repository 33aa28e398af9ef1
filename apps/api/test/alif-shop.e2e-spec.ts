import { bearer, json } from './harness.js';
import { startStack, until, type Stack } from './stack.js';

/**
 * Alif Shop end to end: a consent by one-time code (right, wrong, locked; local and malformed
 * numbers), the first sync of the credit line through a 3-D Secure gate and a 503, its limit and
 * history equal to the backend's own figures, tokens that expire during a sync, another client's
 * consent a 404.
 */
const AYESHA = '+923001234567';
const SANA = '+923337654321';
let s: Stack;
/** The consent the sync tests follow. */
let synced = '';

beforeAll(async () => {
  s = await startStack();
}, 60_000);
afterAll(() => s?.close());

async function post(path: string, body: unknown, key = s.client.apiKey) {
  const res = await fetch(`${s.api.url}${path}`, {
    method: 'POST',
    headers: { ...bearer(key), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await json(res) };
}

const normal = (d: string) => {
  const [i, f = ''] = d.split('.');
  const v = `${i}.${f.padEnd(2, '0').slice(0, 2)}`;
  return v === '-0.00' ? '0.00' : v;
};
const centsToDecimal = (c: bigint) => {
  const neg = c < 0n;
  const a = (neg ? -c : c).toString().padStart(3, '0');
  return `${neg ? '-' : ''}${a.slice(0, -2)}.${a.slice(-2)}`;
};
const negate = (d: string) => (d.startsWith('-') ? d.slice(1) : `-${d}`);

const count = async (table: string) =>
  (await s.db<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

describe('Alif Shop consent by one-time code', () => {
  it('asks the backend to text a code, then activates on the right one (a local 03… number is read as +92)', async () => {
    const created = await post('/v1/consents', {
      provider: 'alif-shop',
      end_user_id: 'ayesha',
      msisdn: '0300 1234567',
    });
    expect([created.status, created.body.errors]).toEqual([201, undefined]);
    expect(created.body).toMatchObject({ provider: 'alif-shop', status: 'awaiting_otp' });
    expect(created.body).not.toHaveProperty('authorisation_url');
    const wrong = await post(`/v1/consents/${created.body.id}/otp`, { otp: '000000' });
    expect(wrong).toMatchObject({ status: 400, body: { code: 'otp_invalid' } });
    expect((await s.get(`/v1/consents/${created.body.id}`)).status).toBe('awaiting_otp');
    const right = await post(`/v1/consents/${created.body.id}/otp`, { otp: '123456' });
    expect(right).toMatchObject({ status: 200, body: { status: 'active' } });
    const [row] = await s.db<{ msisdn: string }>(`SELECT msisdn FROM consents WHERE id = $1`, [
      created.body.id,
    ]);
    expect(row!.msisdn).toBe(AYESHA);
  });

  it('rejects the consent once the backend locks the code after three wrong ones', async () => {
    const created = await post('/v1/consents', { provider: 'alif-shop', end_user_id: 'sana', msisdn: SANA });
    for (let i = 0; i < 3; i++) {
      expect((await post(`/v1/consents/${created.body.id}/otp`, { otp: '999999' })).body.code).toBe(
        'otp_invalid',
      );
    }
    const locked = await post(`/v1/consents/${created.body.id}/otp`, { otp: '123456' });
    expect(locked).toMatchObject({ status: 400, body: { code: 'otp_invalid' } });
    expect((await s.get(`/v1/consents/${created.body.id}`)).status).toBe('rejected');
    const again = await post(`/v1/consents/${created.body.id}/otp`, { otp: '123456' });
    expect(again).toMatchObject({ status: 409, body: { code: 'consent_not_active' } });
  });

  it.each([
    [{ msisdn: '+9230012345' }, 'msisdn'],
    [{ msisdn: '+15551234567' }, 'msisdn'],
    [{ msisdn: 923001234567 }, 'msisdn'],
    [{ msisdn: ['+923001234567'] }, 'msisdn'],
    [{}, 'msisdn'],
  ])('refuses %j with 400, writing nothing', async (extra, field) => {
    const before = await count('consents');
    const res = await post('/v1/consents', { provider: 'alif-shop', end_user_id: 'x', ...extra });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await count('consents')).toBe(before);
  });

  it.each([[{}], [{ otp: '' }], [{ otp: '1'.repeat(50) }], [{ otp: 123456 }]])(
    'refuses an OTP body %j with 400, the consent unchanged',
    async (body) => {
      const created = await post('/v1/consents', { provider: 'alif-shop', end_user_id: 'y', msisdn: AYESHA });
      const res = await post(`/v1/consents/${created.body.id}/otp`, body);
      expect(res.status).toBe(400);
      expect((await s.get(`/v1/consents/${created.body.id}`)).status).toBe('awaiting_otp');
    },
  );

  it("answers 404 for another client's consent", async () => {
    const created = await post('/v1/consents', { provider: 'alif-shop', end_user_id: 'z', msisdn: AYESHA });
    const res = await post(`/v1/consents/${created.body.id}/otp`, { otp: '123456' }, s.other.apiKey);
    expect(res).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });
});

async function syncAndWait(consentId: string) {
  const { body } = await post(`/v1/consents/${consentId}/sync`, {});
  return until(
    () => s.get(`/v1/syncs/${body.sync_id}`),
    (v) => v.state === 'succeeded' || v.state === 'failed',
    60_000,
  );
}

/** Hisob's copy of the ledger against the backend's own figures, plan by plan. */
async function expectLedgerEqual(consentId: string) {
  const summary = await s.shopControl('GET', `/users/${encodeURIComponent(AYESHA)}/summary`);
  const plans = (await s.get(`/v1/instalment-plans?consent_id=${consentId}`)).plans;
  const schedule = (await s.get(`/v1/repayment-schedule?consent_id=${consentId}`)).instalments;
  expect(plans).toHaveLength(summary.plans.length);
  for (const b of summary.plans as Array<{
    plan_id: string;
    instalment_count: number;
    schedule_sum: string;
    paid_count: number;
  }>) {
    const plan = plans.find((p: { provider_plan_id: string }) => p.provider_plan_id === b.plan_id);
    const mine = schedule.filter((i: { plan_id: string }) => i.plan_id === plan.id);
    const cents = mine.reduce(
      (sum: bigint, i: { amount: string }) => sum + BigInt(i.amount.replace('.', '')),
      0n,
    );
    expect({
      plan: b.plan_id,
      n: mine.length,
      sum: normal(centsToDecimal(cents)),
      paid: mine.filter((i: { status: string }) => i.status === 'paid').length,
    }).toEqual({
      plan: b.plan_id,
      n: b.instalment_count,
      sum: normal(b.schedule_sum),
      paid: b.paid_count,
    });
    for (const i of mine) if (i.status === 'paid') expect(i.paid_at).toEqual(expect.any(String));
  }
  const [account] = (await s.get(`/v1/accounts?consent_id=${consentId}`)).accounts;
  const [copy] = await s.db<{ n: number; sum: string; ids: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT provider_transaction_id)::int AS ids, coalesce(sum(amount), 0)::text AS sum
       FROM transactions WHERE account_id = $1`,
    [account.id],
  );
  expect({ n: copy!.n, ids: copy!.ids, sum: normal(copy!.sum) }).toEqual({
    n: summary.history.count,
    ids: summary.history.count,
    sum: normal(negate(summary.history.net)),
  });
}

describe('Alif Shop sync', () => {
  it("copies the credit line: limit, available and the whole history equal to the backend's, through a 3DS gate and a 503", async () => {
    await s.shopControl('POST', '/challenge', { msisdn: AYESHA, seconds: 2 });
    await s.shopControl('POST', '/faults', { match: { path: '/api/v1/history' }, status: 503, times: 1 });
    const created = await post('/v1/consents', {
      provider: 'alif-shop',
      end_user_id: 'ayesha-sync',
      msisdn: AYESHA,
    });
    synced = created.body.id;
    await post(`/v1/consents/${created.body.id}/otp`, { otp: '123456' });
    const [sync] = await s.db<{ id: string }>(`SELECT id FROM syncs WHERE consent_id = $1`, [
      created.body.id,
    ]);
    const done = await until(
      () => s.get(`/v1/syncs/${sync!.id}`),
      (v) => v.state === 'succeeded' || v.state === 'failed',
      60_000,
    );
    expect(done.state).toBe('succeeded');
    const summary = await s.shopControl('GET', `/users/${encodeURIComponent(AYESHA)}/summary`);
    const [account] = (await s.get(`/v1/accounts?consent_id=${created.body.id}`)).accounts;
    expect(account).toMatchObject({ type: 'credit', currency: 'PKR' });
    const balances = (await s.get(`/v1/accounts/${account.id}/balances`)).balances;
    const by = Object.fromEntries(balances.map((b: { type: string; amount: string }) => [b.type, b.amount]));
    expect(by).toMatchObject({ credit_limit: summary.credit_limit, available: summary.available_limit });
    const [copy] = await s.db<{ n: number; sum: string }>(
      `SELECT count(*)::int AS n, coalesce(sum(amount), 0)::text AS sum FROM transactions WHERE account_id = $1`,
      [account.id],
    );
    expect(copy!.n).toBe(summary.history.count);
    // The backend's net is what the person owes from this history (purchases and fees less
    // repayments and refunds); Hisob's copy signs it from the credit line's side.
    expect(normal(copy!.sum)).toBe(normal(negate(summary.history.net)));

    // The credit ledger: the line, every plan (fashion at 0 %, partner-store plans on the store's
    // own terms, never merged), each plan's schedule summing to the backend's figure.
    const lines = (await s.get(`/v1/credit-lines?consent_id=${created.body.id}`)).credit_lines;
    expect(lines).toEqual([
      expect.objectContaining({
        account_id: account.id,
        limit: normal(summary.credit_limit),
        available: normal(summary.available_limit),
        currency: 'PKR',
      }),
    ]);
    const plans = (await s.get(`/v1/instalment-plans?consent_id=${created.body.id}`)).plans;
    const bankPlans: Array<{
      plan_id: string;
      principal: string;
      schedule_sum: string;
      instalment_count: number;
      status: string;
    }> = summary.plans;
    expect(plans).toHaveLength(bankPlans.length);
    for (const p of plans) {
      if (p.origin === 'fashion') expect(p.markup_pct).toBe('0');
      else expect([p.origin, p.markup_pct]).toEqual(['partner_store', null]);
      const bank = bankPlans.find((b) => b.plan_id === p.provider_plan_id)!;
      expect(normal(p.principal)).toBe(normal(bank.principal));
    }
    const fashion = (await s.get(`/v1/instalment-plans?consent_id=${created.body.id}&origin=fashion`)).plans;
    expect(fashion.every((p: { origin: string }) => p.origin === 'fashion')).toBe(true);
    const schedule = (await s.get(`/v1/repayment-schedule?consent_id=${created.body.id}`)).instalments;
    for (const b of bankPlans) {
      const plan = plans.find((p: { provider_plan_id: string }) => p.provider_plan_id === b.plan_id);
      const mine = schedule.filter((i: { plan_id: string }) => i.plan_id === plan.id);
      expect([b.plan_id, mine.length]).toEqual([b.plan_id, b.instalment_count]);
      const cents = mine.reduce(
        (sum: bigint, i: { amount: string }) => sum + BigInt(i.amount.replace('.', '')),
        0n,
      );
      expect([b.plan_id, normal(centsToDecimal(cents))]).toEqual([b.plan_id, normal(b.schedule_sum)]);
    }
    await expectLedgerEqual(created.body.id);
    // Another client's consent: 404, never a 403.
    const other = await fetch(`${s.api.url}/v1/instalment-plans?consent_id=${created.body.id}`, {
      headers: bearer(s.other.apiKey),
    });
    expect(other.status).toBe(404);
  });

  it('refreshes an access token that expires during a sync, spending each rotating refresh token once', async () => {
    const sessionOf = async () =>
      (await s.db<{ session_enc: string }>(`SELECT session_enc FROM consents WHERE id = $1`, [synced]))[0]!
        .session_enc;
    const before = await sessionOf();
    await s.shopControl('POST', '/tokens/expire', { msisdn: AYESHA });
    expect((await syncAndWait(synced)).state).toBe('succeeded');
    expect((await s.get(`/v1/consents/${synced}`)).status).toBe('active');
    // A new session was stored (the refresh rotated the refresh token); a second sync still works,
    // so the rotated token was kept and the used one never presented again (that would revoke all).
    expect(await sessionOf()).not.toBe(before);
    await s.shopControl('POST', '/tokens/expire', { msisdn: AYESHA });
    expect((await syncAndWait(synced)).state).toBe('succeeded');
    expect((await s.get(`/v1/consents/${synced}`)).status).toBe('active');
  });

  it('follows the ledger as it moves: instalments paid, a plan recalculated in place, a new purchase, nothing doubled', async () => {
    const before = await s.db<{ id: string; plan_id: string; due_date: string }>(
      `SELECT id, plan_id, due_date::text FROM instalments WHERE consent_id = $1`,
      [synced],
    );
    // A client following the schedule's change feed, before and after the ledger moves.
    const replica = new Map<string, { amount: string; status: string; paid_at?: string }>();
    const follow = async (cursor: string | null) => {
      let counts = { added: 0, modified: 0, removed: 0 };
      for (;;) {
        const page = await s.get(
          `/v1/repayment-schedule/sync?consent_id=${synced}&count=7${cursor ? `&cursor=${cursor}` : ''}`,
        );
        for (const i of [...page.added, ...page.modified]) replica.set(i.id, i);
        for (const id of page.removed) replica.delete(id);
        counts = {
          added: counts.added + page.added.length,
          modified: counts.modified + page.modified.length,
          removed: counts.removed + page.removed.length,
        };
        cursor = page.next_cursor;
        if (!page.has_more) return { cursor, counts };
      }
    };
    const first = await follow(null);
    expect(first.counts.added).toBe(before.length);
    await s.shopControl('POST', '/advance', { days: 3 });
    expect((await syncAndWait(synced)).state).toBe('succeeded');
    await expectLedgerEqual(synced);
    const second = await follow(first.cursor);
    expect(second.counts.modified).toBeGreaterThan(0);
    const schedule = (await s.get(`/v1/repayment-schedule?consent_id=${synced}`)).instalments;
    expect(new Map(schedule.map((i: { id: string }) => [i.id, i]))).toEqual(replica);
    // Recalculated instalments kept their rows (an instalment is its plan plus its due date).
    const after = await s.db<{ id: string; plan_id: string; due_date: string }>(
      `SELECT id, plan_id, due_date::text FROM instalments WHERE consent_id = $1`,
      [synced],
    );
    const key = (r: { plan_id: string; due_date: string }) => `${r.plan_id}/${r.due_date}`;
    const ids = new Map(after.map((r) => [key(r), r.id]));
    for (const r of before) if (ids.has(key(r))) expect(ids.get(key(r))).toBe(r.id);
  });
});
