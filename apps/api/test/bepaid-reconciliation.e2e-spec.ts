import { Money } from '#domain/money.js';
import { addDays } from '#domain/dates.js';
import { bearer, json } from './harness.js';
import { startStack, until, type Stack } from './stack.js';

/**
 * Reconciliation of bePaid payments with the merchant's own Alif Mobi account, synced from the
 * sandbox bank through the real API and worker: a payment whose credit is the only one of its
 * amount around its paid date is matched; two payments that could both be paid by one credit are
 * both ambiguous (the candidates reported, none guessed); a payment with no such credit is
 * unmatched; and the daily summary counts the same, with the credits no payment matched.
 */
let s: Stack;
beforeAll(async () => {
  s = await startStack();
}, 120_000);
afterAll(() => s?.close());

const SHOP = { shop_id: 'recon-shop', secret_key: 'recon-secret-key-0123456789' };
const auth = `Basic ${Buffer.from(`${SHOP.shop_id}:${SHOP.secret_key}`).toString('base64')}`;

async function send(path: string, body: unknown, method = 'POST', headers: Record<string, string> = {}) {
  const res = await fetch(`${s.api.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await json(res) };
}

interface Credit {
  id: string;
  d: string;
  amount: string;
  currency: string;
}

/** A successful bePaid payment of `amount`, paid at noon UTC on `date`. */
async function pay(id: string, amount: string, currency: string, date: string): Promise<string> {
  const minor = Number(Money.parse(amount, currency).minor);
  const v = await send(
    `/bepaid/${s.client.id}/account_verification`,
    { request: { id, account: 'shop-customer', amount: minor, currency, method: { type: 'alif_mobi' } } },
    'POST',
    { authorization: auth },
  );
  expect(v.body.response.result).toBe(0);
  const n = await send(
    `/bepaid/${s.client.id}/notifications`,
    {
      transaction: {
        uid: `uid-${id}`,
        type: 'payment',
        status: 'successful',
        amount: minor,
        currency,
        description: 'payment',
        created_at: `${date}T11:59:00Z`,
        updated_at: `${date}T12:00:00Z`,
        paid_at: `${date}T12:00:00Z`,
        method_type: 'alif_mobi',
        payment_method_type: 'alternative',
        tracking_id: v.body.response.tracking_id,
        order_id: id,
        message: 'ok',
        test: true,
        payment: { status: 'successful', gateway_id: 1, ref_id: id },
      },
    },
    'POST',
    { authorization: auth },
  );
  expect(n.status).toBe(200);
  return v.body.response.tracking_id;
}

describe('reconciliation against a synced Alif Mobi account', () => {
  it('matches one-to-one, reports ambiguity and unmatched both ways', async () => {
    const consentId = await s.activeConsent('merchant-owner');
    await until(
      () =>
        s.db<{ state: string }>(
          `SELECT state FROM syncs WHERE consent_id = $1 ORDER BY created_at DESC LIMIT 1`,
          [consentId],
        ),
      (rows) => rows[0]?.state === 'succeeded',
      90_000,
    );
    const credits = await s.db<Credit>(
      `SELECT t.id, t.booking_date::text AS d, t.amount::text AS amount, t.currency
         FROM transactions t JOIN accounts a ON a.id = t.account_id
        WHERE a.consent_id = $1 AND a.provider = 'alif-mobi' AND t.status = 'booked' AND t.amount > 0
        ORDER BY t.booking_date DESC, t.id`,
      [consentId],
    );
    expect(credits.length).toBeGreaterThan(3);
    // The merchant takes the currency most of its credits are in.
    const byCcy = new Map<string, number>();
    for (const c of credits) byCcy.set(c.currency, (byCcy.get(c.currency) ?? 0) + 1);
    const currency = [...byCcy].sort((a, b) => b[1] - a[1])[0]![0];
    const mine = credits.filter((c) => c.currency === currency);
    /** No other credit of the same amount within 8 days: only this one can pay a payment of it. */
    const alone = (c: Credit) =>
      !mine.some(
        (o) => o.id !== c.id && o.amount === c.amount && o.d >= addDays(c.d, -8) && o.d <= addDays(c.d, 8),
      );
    const lonely = mine.filter(alone);
    expect(lonely.length).toBeGreaterThanOrEqual(2);
    const [matchedCredit, sharedCredit] = [
      lonely[0]!,
      lonely.find((c) => c.d !== lonely[0]!.d) ?? lonely[1]!,
    ];

    expect(
      (await send('/v1/merchant/bepaid', { ...SHOP, currency }, 'PUT', bearer(s.client.apiKey))).status,
    ).toBe(200);
    expect(
      (
        await send(
          '/v1/merchant/customers/shop-customer',
          { status: 'active' },
          'PUT',
          bearer(s.client.apiKey),
        )
      ).status,
    ).toBe(201);

    // Paid the day before the credit was booked: inside the window.
    const matched = await pay('recon-matched', matchedCredit.amount, currency, addDays(matchedCredit.d, -1));
    // Two payments the same credit could pay.
    const ambiguousA = await pay('recon-amb-a', sharedCredit.amount, currency, sharedCredit.d);
    const ambiguousB = await pay('recon-amb-b', sharedCredit.amount, currency, addDays(sharedCredit.d, -2));
    // An amount no credit has.
    const unmatchedDate = matchedCredit.d;
    const unmatched = await pay('recon-unmatched', '0.07', currency, unmatchedDate);

    const list = (await s.get('/v1/merchant/payments?status=successful&limit=50')).payments as Array<
      Record<string, any>
    >;
    const by = (t: string) => list.find((p) => p.tracking_id === t)!;
    expect(by(matched)).toMatchObject({
      match_status: 'matched',
      matched_transaction_id: matchedCredit.id,
      candidate_transaction_ids: [],
    });
    for (const t of [ambiguousA, ambiguousB])
      expect(by(t)).toMatchObject({
        match_status: 'ambiguous',
        matched_transaction_id: null,
        candidate_transaction_ids: [sharedCredit.id],
      });
    expect(by(unmatched)).toMatchObject({
      match_status: 'unmatched',
      matched_transaction_id: null,
      candidate_transaction_ids: [],
    });
    // Outside the window (paid 2 days after the credit): no candidate.
    const late = await pay('recon-late', matchedCredit.amount, currency, addDays(matchedCredit.d, 2));
    const again = (await s.get('/v1/merchant/payments?status=successful&limit=50')).payments as Array<
      Record<string, any>
    >;
    expect(again.find((p) => p.tracking_id === late)).toMatchObject({ match_status: 'unmatched' });
    expect(again.find((p) => p.tracking_id === matched)).toMatchObject({ match_status: 'matched' });

    // The daily summary, against an oracle built from the payments listed and the synced credits.
    const from = addDays(matchedCredit.d < sharedCredit.d ? matchedCredit.d : sharedCredit.d, -3);
    const to = addDays(matchedCredit.d > sharedCredit.d ? matchedCredit.d : sharedCredit.d, 3);
    const summary = await s.get(`/v1/merchant/reconciliation?from_date=${from}&to_date=${to}`);
    const matchedIds = new Set(
      again.filter((p) => p.match_status === 'matched').map((p) => p.matched_transaction_id),
    );
    const expected = new Map<string, Record<string, { count: number; amount: Money }>>();
    const bucket = (d: string) => {
      if (!expected.has(d)) {
        const z = () => ({ count: 0, amount: Money.zero(currency) });
        expected.set(d, {
          paid: z(),
          matched: z(),
          ambiguous: z(),
          unmatched_payments: z(),
          unmatched_credits: z(),
        });
      }
      return expected.get(d)!;
    };
    const add = (d: string, k: string, amount: string) => {
      const b = bucket(d)[k]!;
      b.count++;
      b.amount = b.amount.add(Money.parse(amount, currency));
    };
    for (const p of again) {
      const d = (p.paid_at as string).slice(0, 10);
      if (d < from || d > to) continue;
      add(d, 'paid', p.amount);
      add(
        d,
        { matched: 'matched', ambiguous: 'ambiguous', unmatched: 'unmatched_payments' }[
          p.match_status as string
        ]!,
        p.amount,
      );
    }
    for (const c of mine)
      if (c.d >= from && c.d <= to && !matchedIds.has(c.id)) add(c.d, 'unmatched_credits', c.amount);
    const oracle = [...expected.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([date, b]) => ({
        date,
        currency,
        ...Object.fromEntries(
          Object.entries(b).map(([k, v]) => [k, { count: v.count, amount: v.amount.toString() }]),
        ),
      }));
    expect(summary.days).toEqual(oracle);
    expect(oracle.some((d: any) => d.matched.count === 1)).toBe(true);
    expect(oracle.some((d: any) => d.ambiguous.count >= 1)).toBe(true);
    expect(oracle.some((d: any) => d.unmatched_payments.count >= 1)).toBe(true);
  }, 180_000);
});
