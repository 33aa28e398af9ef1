import { USERS } from './catalog.js';
import { DAY_S, dayStart, isoToDay, karachiDay } from './calendar.js';
import { sumMinor } from './money.js';
import { buildFashionPlan, planAt } from './plans.js';
import { ShopLedger } from './shop-ledger.js';

const ANCHOR = isoToDay('2026-06-30')!;

function ledger(seed: number, size = 1): ShopLedger {
  return new ShopLedger({
    seed,
    sizePercent: size * 100,
    anchorDay: ANCHOR,
    startSec: dayStart(ANCHOR + 1) - 1,
  });
}

describe('instalment plans', () => {
  const day = isoToDay('2026-01-31')!;
  const at = dayStart(day) + 12 * 3600;
  const onDue = { dayOffset: 0, second: 10 * 3600 };
  const sut = buildFashionPlan({
    id: 'p',
    userIndex: 0,
    curated: false,
    merchant: 'Khaadi',
    principal: 1_000_000,
    tenor: 4,
    createdAt: at,
    createdDay: day,
    refund: { at: at + 3 * DAY_S, amount: 100_001 },
    payments: [onDue, { dayOffset: 5, second: 9 * 3600, prepay: 200_000 }, onDue, onDue],
    itemId: (n) => `i${n}`,
  });

  it('dates instalments monthly, clamped to the end of the month', () => {
    expect(sut.dueDays).toEqual(
      ['2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31'].map((d) => isoToDay(d)),
    );
  });

  it('re-spreads after a refund and after a prepayment, keeping the count and the total', () => {
    const view = (iso: string, hour = 23) =>
      planAt(sut, dayStart(isoToDay(iso)!) + hour * 3600, isoToDay(iso)!)!;
    expect(view('2026-02-01').instalments.map((i) => i.amount)).toEqual([250_000, 250_000, 250_000, 250_000]);
    const refunded = view('2026-02-03');
    expect(refunded.principal).toBe(899_999);
    expect(refunded.instalments.map((i) => i.amount)).toEqual([225_000, 225_000, 225_000, 224_999]);
    // 31 March is due, paid on 5 April with 2,000 more: overdue in between, a late fee on the 3rd.
    expect(view('2026-04-02').status).toBe('overdue');
    expect(view('2026-04-02').instalments[1]!.status).toBe('overdue');
    expect(sut.steps.find((s) => s.type === 'fee')).toMatchObject({ amount: 10_000, seq: 2 });
    const after = view('2026-04-05');
    expect(after.status).toBe('current');
    expect(after.instalments.map((i) => [i.amount, i.status])).toEqual([
      [225_000, 'paid'],
      [425_000, 'paid'],
      [125_000, 'upcoming'],
      [124_999, 'upcoming'],
    ]);
    expect(sumMinor(after.instalments.map((i) => i.amount))).toBe(899_999n);
    expect(view('2026-05-31', 9).instalments[3]!.status).toBe('due');
    expect(view('2026-05-31').status).toBe('closed');
  });

  it('refuses a prepayment that leaves nothing to re-spread', () => {
    expect(() =>
      buildFashionPlan({
        id: 'q',
        userIndex: 0,
        curated: false,
        merchant: 'J.',
        principal: 400,
        tenor: 2,
        createdAt: at,
        createdDay: day,
        payments: [{ dayOffset: 0, second: 1, prepay: 200 }, onDue],
        itemId: (n) => `j${n}`,
      }),
    ).toThrow(RangeError);
  });
});

describe('the generated ledger', () => {
  it.each([1, 2, 3, 42, 4_000_000_000])(
    'holds its invariants for seed %i at every week of two years and a half',
    (seed) => {
      const sut = ledger(seed);
      sut.advance(180 * DAY_S);
      // Plain checks, one expect at the end: millions of expect() calls would take a minute.
      const problems: string[] = [];
      const check = (ok: boolean, what: string) => {
        if (!ok && problems.length < 10) problems.push(what);
      };
      let views = 0;
      for (let t = dayStart(ANCHOR - 730); t <= sut.now(); t += 7 * DAY_S + 3_599) {
        for (const u of USERS) {
          const v = sut.viewAt(u.index, t);
          views++;
          check(v.used <= v.creditLimit, `${u.msisdn} at ${t}: used ${v.used} over the limit`);
          check(v.available === v.creditLimit - v.used, `${u.msisdn} at ${t}: available`);
          check(karachiDay(t) === v.today, `today at ${t}`);
          for (const p of v.plans) {
            const total = sumMinor(p.instalments.map((i) => i.amount));
            if (p.instalments.length === 0)
              check(
                p.status === 'pending_approval' || p.status === 'rejected',
                `${p.plan.id}: no instalments`,
              );
            else check(total === BigInt(p.principal + p.plan.markup), `${p.plan.id} at ${t}: sum ${total}`);
            check(p.plan.origin !== 'fashion' || p.plan.markup === 0, `${p.plan.id}: fashion markup`);
            check(
              p.instalments.every((i) => i.amount > 0),
              `${p.plan.id}: empty instalment`,
            );
          }
          for (const h of v.history)
            check(h.amount > 0 && Number.isSafeInteger(h.amount) && h.at <= t, `${h.id} at ${t}`);
        }
      }
      expect(problems).toEqual([]);
      expect(views).toBeGreaterThan(500);
    },
  );

  it('is the same whatever the split of the advances', () => {
    const a = ledger(9);
    const b = ledger(9);
    a.advance(40 * DAY_S);
    for (let i = 0; i < 40; i++) b.advance(DAY_S);
    for (const u of USERS) expect(JSON.stringify(b.view(u.index))).toBe(JSON.stringify(a.view(u.index)));
  });

  it('scales with the size', () => {
    const small = ledger(5).plans.flat().length;
    const medium = ledger(5, 10).plans.flat().length;
    expect(medium).toBeGreaterThan(small * 6);
  });
});
