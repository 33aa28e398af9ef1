/**
 * The sandbox's data: every user's plans (hand-written demo plans plus generated ones), the clock,
 * and the views a client reads at the clock's now.
 *
 * Generation goes day by day (Karachi days) from two years before the first today. Each
 * (user, day) has its own PRNG, and a plan's future is scripted when it is created (plans.ts), so
 * generating a day never changes an earlier one: the data at any instant is the same however the
 * clock was moved there. Days after today are generated when the clock reaches them.
 */
import { USERS, DEVICES, FASHION_BRANDS, FASHION_TENORS, PARTNER_STORES, PARTNER_TENORS } from './catalog.js';
import { addMonths, atLocal, karachiDay } from './calendar.js';
import { basisPoints, splitEvenly } from './money.js';
import {
  buildFashionPlan,
  buildPartnerPlan,
  planAt,
  type PaymentBehaviour,
  type Plan,
  type PlanState,
  type StepType,
} from './plans.js';
import { Prng, hash32, hex64 } from './prng.js';

export const HISTORY_DAYS = 730;
const H = 3600;

export interface HistoryItem {
  id: string;
  type: Exclude<StepType, 'rejection'>;
  amount: number;
  at: number;
  planId: string;
  merchant?: string;
  description: string;
}

export interface PartnerOrder {
  orderId: string;
  store: string;
  deviceModel: string;
  planId: string;
  status: 'pending_approval' | 'approved' | 'rejected';
  appliedAt: number;
  decidedAt?: number;
}

/** A user's data at one instant. */
export interface UserView {
  now: number;
  today: number;
  /** Plans that exist at `now`, newest first. */
  plans: PlanState[];
  /** History items up to `now`, newest first. */
  history: HistoryItem[];
  orders: PartnerOrder[];
  creditLimit: number;
  /** Unpaid instalments of open fashion plans: what the limit is used by. */
  used: number;
  available: number;
}

export interface ShopLedgerOptions {
  seed: number;
  /** Activity multiplier in percent: 100 is the `small` size. */
  sizePercent: number;
  /** The first today (Karachi date, epoch day). */
  anchorDay: number;
  /** The sandbox's now when it starts (epoch seconds). */
  startSec: number;
  /** Live clock: epoch ms (normally `Date.now`); without it the clock stands still at `startSec`. */
  clock?: () => number;
}

export class ShopLedger {
  readonly seed: number;
  readonly sizePercent: number;
  readonly anchorDay: number;
  readonly historyStartDay: number;
  readonly startSec: number;
  readonly live: boolean;
  readonly plans: Plan[][];

  private readonly clock: (() => number) | undefined;
  private offsetSec = 0;
  private generatedThrough: number;
  /** Per user: the limit held back for the demo plans, so generated purchases never crowd them out. */
  private readonly reserve: number[];
  private readonly cache = new Map<number, UserView>();

  constructor(opts: ShopLedgerOptions) {
    this.seed = opts.seed;
    this.sizePercent = opts.sizePercent;
    this.anchorDay = opts.anchorDay;
    this.historyStartDay = opts.anchorDay - HISTORY_DAYS;
    this.startSec = opts.startSec;
    this.clock = opts.clock;
    this.live = opts.clock !== undefined;
    this.plans = USERS.map(() => []);
    this.reserve = USERS.map(() => 0);
    this.addDemoPlans();
    for (const [u, plans] of this.plans.entries())
      this.reserve[u] = plans
        .filter((p) => p.origin === 'fashion')
        .reduce((s, p) => s + p.initialPrincipal, 0);
    this.generatedThrough = this.historyStartDay - 1;
    this.sync();
  }

  /** The sandbox's now, epoch seconds. */
  now(): number {
    const base = this.clock ? Math.floor(this.clock() / 1000) : this.startSec;
    return base + this.offsetSec;
  }

  today(): number {
    return karachiDay(this.now());
  }

  /** Generates the days the clock has reached. */
  sync(): void {
    const today = this.today();
    while (this.generatedThrough < today) this.generateDay(++this.generatedThrough);
  }

  /** Moves the clock forward. */
  advance(seconds: number): void {
    this.offsetSec += seconds;
    this.sync();
  }

  view(userIndex: number): UserView {
    this.sync();
    const now = this.now();
    const cached = this.cache.get(userIndex);
    if (cached && cached.now === now) return cached;
    const v = this.viewAt(userIndex, now);
    this.cache.set(userIndex, v);
    return v;
  }

  /** A user's data at any instant up to the generated days. */
  viewAt(userIndex: number, now: number): UserView {
    const today = karachiDay(now);
    const plans: PlanState[] = [];
    const history: HistoryItem[] = [];
    const orders: PartnerOrder[] = [];
    let used = 0;
    for (const plan of this.plans[userIndex]!) {
      const state = planAt(plan, now, today);
      if (!state) continue;
      plans.push(state);
      for (let i = 0; i < state.stepsDone; i++) {
        const s = plan.steps[i]!;
        if (s.type === 'rejection') continue;
        history.push({
          id: s.id,
          type: s.type,
          amount: s.amount,
          at: s.at,
          planId: plan.id,
          ...(s.merchant === undefined ? {} : { merchant: s.merchant }),
          description: s.description,
        });
      }
      if (plan.origin === 'fashion')
        for (const i of state.instalments) if (i.status !== 'paid') used += i.amount;
      if (plan.origin === 'partner_store') {
        const decided = plan.decisionAt! <= now;
        orders.push({
          orderId: plan.orderId!,
          store: plan.merchant,
          deviceModel: plan.deviceModel!,
          planId: plan.id,
          status: !decided ? 'pending_approval' : plan.approved ? 'approved' : 'rejected',
          appliedAt: plan.createdAt,
          ...(decided ? { decidedAt: plan.decisionAt! } : {}),
        });
      }
    }
    const newestFirst =
      <T>(at: (x: T) => number, id: (x: T) => string) =>
      (a: T, b: T) =>
        at(b) - at(a) || (id(b) < id(a) ? -1 : id(b) > id(a) ? 1 : 0);
    plans.sort(
      newestFirst(
        (p) => p.plan.createdAt,
        (p) => p.plan.id,
      ),
    );
    history.sort(
      newestFirst(
        (h) => h.at,
        (h) => h.id,
      ),
    );
    orders.sort(
      newestFirst(
        (o) => o.appliedAt,
        (o) => o.orderId,
      ),
    );
    return {
      now,
      today,
      plans,
      history,
      orders,
      creditLimit: this.creditLimit(userIndex),
      used,
      available: Math.max(0, this.creditLimit(userIndex) - used),
    };
  }

  creditLimit(userIndex: number): number {
    const base = USERS[userIndex]!.creditLimit;
    // Larger sizes buy more: the limit grows with them so that purchases are not declined.
    return this.sizePercent > 100 ? Math.floor((base * this.sizePercent) / 100) : base;
  }

  // ---------------------------------------------------------------- generation

  private itemIds(...parts: number[]): (n: number) => string {
    return (n) => `txn_${hex64(this.seed, ...parts, n, 0x17e)}`;
  }

  private planId(...parts: number[]): string {
    return `pln_${hex64(this.seed, ...parts, 0x91a)}`;
  }

  private orderId(...parts: number[]): string {
    return `PO-${1_000_000_000 + (hash32(this.seed, ...parts, 0x0d) % 9_000_000_000)}`;
  }

  private generateDay(day: number): void {
    for (const def of USERS) {
      if (day < this.anchorDay - def.openedDaysAgo + 1) continue;
      const r = new Prng(this.seed, 0x5a0b, def.index, day);
      const purchases = this.draws(r, def.purchasesPer1000Days);
      const times = Array.from({ length: purchases }, () =>
        r.chance(6, 100) ? r.int(0, 5 * H - 1) : r.int(10 * H, 24 * H - 1),
      ).sort((a, b) => a - b);
      times.forEach((second, k) => this.randomPurchase(def.index, day, k, atLocal(day, second)));
      const applications = this.draws(r, def.applicationsPer1000Days);
      for (let k = 0; k < applications; k++) this.randomApplication(def.index, day, k);
    }
  }

  /** How many events of a rate (per 1 000 days at the small size) happen on a day. */
  private draws(r: Prng, per1000Days: number): number {
    const x = per1000Days * this.sizePercent; // in 1/100 000 per day
    return Math.floor(x / 100_000) + (r.chance(x % 100_000, 100_000) ? 1 : 0);
  }

  private randomPurchase(u: number, day: number, k: number, at: number): void {
    const r = new Prng(this.seed, 0xfa5, u, day, k);
    const brand = r.pick(FASHION_BRANDS);
    const rupees = r.int(brand.min, brand.max);
    const style = r.below(100);
    const principal =
      style < 55
        ? (Math.floor(rupees / 100) * 100 + 99) * 100
        : style < 80
          ? rupees * 100 + 50
          : rupees * 100 + r.int(1, 99);
    const tenor = r.pick(FASHION_TENORS);
    // The NBFC approves a purchase only within the available limit (the demo plans' share held back).
    if (this.generatedUsed(u, at) + principal > this.creditLimit(u) - this.reserve[u]!) return;
    let refund: { at: number; amount: number } | undefined;
    let afterRefund = principal;
    if (r.chance(8, 100)) {
      let amount = basisPoints(principal, r.int(1_000, 5_000));
      if (r.chance(1, 2)) amount -= amount % 100;
      if (amount > 0 && principal - amount >= tenor) {
        refund = { at: atLocal(day + r.int(2, 20), r.int(11 * H, 20 * H)), amount };
        afterRefund -= amount;
      }
    }
    this.plans[u]!.push(
      buildFashionPlan({
        id: this.planId(u, day, k, 0xf),
        userIndex: u,
        curated: false,
        merchant: brand.name,
        principal,
        tenor,
        createdAt: at,
        createdDay: day,
        refund,
        payments: this.randomPayments(r, afterRefund, tenor),
        itemId: this.itemIds(u, day, k, 0xf),
      }),
    );
  }

  private randomApplication(u: number, day: number, k: number): void {
    const r = new Prng(this.seed, 0xa991, u, day, k);
    const device = r.pick(DEVICES);
    const store = r.pick(PARTNER_STORES);
    const tenor = r.pick(PARTNER_TENORS);
    const appliedAt = atLocal(day, r.int(11 * H, 21 * H));
    // Partner stores answer about a minute after the application.
    const decisionAt = appliedAt + r.int(45, 90);
    const approved = r.chance(65, 100);
    const principal = device.price * 100;
    const markup = basisPoints(principal, store.monthlyMarkupBp * tenor);
    this.plans[u]!.push(
      buildPartnerPlan({
        id: this.planId(u, day, k, 0xa),
        orderId: this.orderId(u, day, k),
        userIndex: u,
        curated: false,
        store: store.name,
        monthlyMarkupBp: store.monthlyMarkupBp,
        deviceModel: device.model,
        principal,
        tenor,
        appliedAt,
        decisionAt,
        decisionDay: karachiDay(decisionAt),
        approved,
        payments: approved ? this.randomPayments(r, principal + markup, tenor) : [],
        itemId: this.itemIds(u, day, k, 0xa),
      }),
    );
  }

  /** Most instalments are collected on the due date; some early, some late; now and then a prepayment. */
  private randomPayments(r: Prng, total: number, tenor: number): PaymentBehaviour[] {
    const payments: PaymentBehaviour[] = [];
    for (let k = 0; k < tenor; k++) {
      const roll = r.below(100);
      if (roll < 85) payments.push({ dayOffset: 0, second: r.int(9 * H, 12 * H - 1) });
      else if (roll < 93) payments.push({ dayOffset: -r.int(1, 5), second: r.int(10 * H, 23 * H) });
      else payments.push({ dayOffset: r.int(1, 12), second: r.int(8 * H, 23 * H) });
    }
    if (tenor >= 3 && r.chance(12, 100)) {
      const k = r.int(0, tenor - 2);
      const amounts = splitEvenly(total, tenor);
      const open = amounts.slice(k + 1).reduce((a, b) => a + b, 0);
      let prepay = basisPoints(open, r.int(1_000, 5_000));
      if (r.chance(7, 10)) prepay -= prepay % 100;
      if (prepay >= 100 && open - prepay >= tenor) payments[k] = { ...payments[k]!, prepay };
    }
    return payments;
  }

  /** Unpaid instalments of the generated fashion plans at `t`. */
  private generatedUsed(u: number, t: number): number {
    const today = karachiDay(t);
    let used = 0;
    for (const plan of this.plans[u]!) {
      if (plan.curated || plan.origin !== 'fashion' || plan.createdAt > t) continue;
      if (plan.steps[plan.steps.length - 1]!.at <= t) continue; // fully paid
      const state = planAt(plan, t, today)!;
      for (const i of state.instalments) if (i.status !== 'paid') used += i.amount;
    }
    return used;
  }

  // ---------------------------------------------------------------- the demo plans (README)

  private addDemoPlans(): void {
    const A = this.anchorDay;
    const S = this.startSec;
    const onDue = (second: number): PaymentBehaviour => ({ dayOffset: 0, second });
    const fashion = (
      u: number,
      n: number,
      merchant: string,
      principal: number,
      tenor: number,
      createdAt: number,
      extra: Partial<Parameters<typeof buildFashionPlan>[0]> = {},
    ) =>
      this.plans[u]!.push(
        buildFashionPlan({
          id: this.planId(u, n, 0xde40),
          userIndex: u,
          curated: true,
          merchant,
          principal,
          tenor,
          createdAt,
          createdDay: karachiDay(createdAt),
          payments: Array.from({ length: tenor }, (_, k) => onDue(9 * H + 31 * 60 + 7 * k)),
          itemId: this.itemIds(u, n, 0xde40),
          ...extra,
        }),
      );
    const partner = (
      u: number,
      n: number,
      storeIndex: number,
      deviceModel: string,
      principal: number,
      tenor: number,
      appliedAt: number,
      after: number,
      approved: boolean,
      payments?: PaymentBehaviour[],
    ) => {
      const store = PARTNER_STORES[storeIndex]!;
      this.plans[u]!.push(
        buildPartnerPlan({
          id: this.planId(u, n, 0xde40),
          orderId: this.orderId(u, n, 0xde40),
          userIndex: u,
          curated: true,
          store: store.name,
          monthlyMarkupBp: store.monthlyMarkupBp,
          deviceModel,
          principal,
          tenor,
          appliedAt,
          decisionAt: appliedAt + after,
          decisionDay: karachiDay(appliedAt + after),
          approved,
          payments: payments ?? (approved ? Array.from({ length: tenor }, () => onDue(10 * H + 2 * 60)) : []),
          itemId: this.itemIds(u, n, 0xde40),
        }),
      );
    };
    const months = (from: number, offsets: number[]) => offsets.map((m) => addMonths(from, m));

    // Ayesha: a closed plan bought after midnight (its UTC date is the day before), the
    // 24,000 Khaadi plan due tomorrow, the 1,999.50 split, a plan prepaid in two days, a phone.
    fashion(0, 0, 'Outfitters', 749_900, 3, atLocal(A - 200, 40 * 60 + 9));
    fashion(0, 1, 'Khaadi', 2_400_000, 4, atLocal(addMonths(A + 1, -3), 13 * H + 20 * 60 + 41), {
      dueDays: months(A + 1, [-2, -1, 0, 1]),
    });
    fashion(0, 2, 'Sapphire', 199_950, 4, atLocal(A - 10, 21 * H + 47 * 60 + 3));
    fashion(0, 3, 'Gul Ahmed', 1_875_075, 6, atLocal(addMonths(A + 3, -2), 12 * H + 5 * 60 + 55), {
      dueDays: months(A + 3, [-1, 0, 1, 2, 3, 4]),
      payments: [
        onDue(9 * H + 40 * 60),
        { dayOffset: -1, second: 10 * H + 15 * 60 + 20, prepay: 500_025 },
        ...Array.from({ length: 4 }, () => onDue(9 * H + 12 * 60)),
      ],
    });
    partner(
      0,
      4,
      0,
      'Samsung Galaxy A55 5G 8/256GB',
      12_999_900,
      12,
      atLocal(A - 120, 14 * H + 22 * 60 + 10),
      63,
      true,
    );
    fashion(0, 5, 'Limelight', 349_900, 3, atLocal(A + 1, 19 * H + 45 * 60 + 12));

    // Bilal: a rejected iPhone, a current phone plan with a late instalment, a refunded fashion
    // purchase, the application that is pending now and approved 40 s later, one rejected in 3 days.
    partner(1, 0, 3, 'iPhone 15 128GB', 32_999_900, 12, atLocal(A - 35, 18 * H + 2 * 60 + 44), 71, false);
    partner(
      1,
      1,
      1,
      'Tecno Camon 30 12/256GB',
      6_249_900,
      6,
      atLocal(A - 75, 12 * H + 40 * 60 + 3),
      52,
      true,
      [
        onDue(10 * H + 5 * 60),
        { dayOffset: 4, second: 18 * H + 30 * 60 },
        ...Array.from({ length: 4 }, () => onDue(10 * H + 5 * 60)),
      ],
    );
    fashion(1, 2, 'J.', 985_000, 4, atLocal(A - 15, 21 * H + 10 * 60 + 40), {
      refund: { at: atLocal(A - 8, 17 * H + 25 * 60 + 2), amount: 245_000 },
    });
    partner(1, 3, 2, 'Infinix Note 40 Pro 8/256GB', 8_000_000, 12, S - 20, 60, true);
    partner(1, 4, 4, 'OPPO A18 4/128GB', 3_149_900, 6, atLocal(A + 3, 14 * H + 5 * 60 + 31), 75, false);

    // Sana: an instalment 6 days overdue (paid in 4 days, late fee charged), a closed phone plan.
    fashion(2, 0, 'Bonanza Satrangi', 1_200_040, 4, atLocal(addMonths(A - 6, -2), 19 * H + 55 * 60 + 16), {
      dueDays: months(A - 6, [-1, 0, 1, 2]),
      payments: [
        onDue(9 * H + 3 * 60),
        { dayOffset: 10, second: 13 * H + 48 * 60 + 30 },
        onDue(9 * H + 3 * 60),
        onDue(9 * H + 3 * 60),
      ],
    });
    partner(2, 1, 2, 'vivo Y17s 6/128GB', 3_799_900, 6, atLocal(A - 260, 15 * H + 33 * 60 + 21), 48, true);
  }
}
