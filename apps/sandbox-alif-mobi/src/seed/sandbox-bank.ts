/**
 * The sandbox bank's data: the catalog plus a ledger generated day by day from `(seed, size)`.
 *
 * Each (user, day) gets its own PRNG stream, and a day's posting budget is a pure function of the
 * day index, so generating the history and then advancing the clock `n` days gives the same books
 * however the advance is split. Postings whose settlement falls after "today" stay pending (not
 * served — OBP transactions hold settled entries only) and book when the clock passes them.
 */
import {
  buildCatalog,
  dayToIso,
  epochDay,
  type AccountDef,
  type Catalog,
  type CardDef,
  type CounterpartyDef,
  type Currency,
  type UserDef,
} from './catalog.js';
import {
  FLAG_AMOUNT_STRIPPED,
  FLAG_BALANCE_STRIPPED,
  FLAG_HIDE_BALANCE,
  KIND,
  KIND_INFO,
  Ledger,
  type FxInfo,
  type Kind,
  type Posting,
  type TransferOutcome,
} from './ledger.js';
import { convert } from './money.js';
import { Prng, TransactionIdCodec, hash32, hashString, uuidFrom } from './prng.js';

export const HISTORY_DAYS = 730;
const DAY = 86_400;

export interface SandboxBankOptions {
  seed: number;
  size: number;
  /** The last day of the generated history (UTC date). */
  anchorDate: string;
  /**
   * A live clock (epoch ms, normally `Date.now`): "now" is the real time, today's entries are
   * booked only once their completed second has passed, and the history grows day by day while
   * the sandbox runs. Without it the sandbox's now is the end of `anchorDate` (a fixed clock).
   */
  clock?: () => number;
}

/** Base FX rates in 1/10 000 units, per one unit of the source currency. */
const FX_TO_TJS: Record<Exclude<Currency, 'TJS'>, number> = { USD: 109_500, EUR: 118_500, RUB: 1_205 };
const DEST_RATES: Record<'TJS' | 'USD', Record<string, [string, number]>> = {
  TJS: {
    US: ['USD', 913],
    RU: ['RUB', 83_000],
    CN: ['CNY', 6_600],
    KZ: ['KZT', 465_000],
    TR: ['TRY', 31_000],
    UZ: ['UZS', 11_800_000],
  },
  USD: {
    US: ['USD', 10_000],
    RU: ['RUB', 908_000],
    CN: ['CNY', 72_000],
    KZ: ['KZT', 5_080_000],
    TR: ['TRY', 340_000],
    UZ: ['UZS', 129_000_000],
  },
};

type RandomKind =
  | typeof KIND.CARD_PURCHASE
  | typeof KIND.ATM_WITHDRAWAL
  | typeof KIND.MOBILE
  | typeof KIND.INTERNET
  | typeof KIND.ELECTRICITY
  | typeof KIND.TV
  | typeof KIND.FINES
  | typeof KIND.INTERNATIONAL_TRANSFER
  | typeof KIND.TOP_UP
  | typeof KIND.INCOMING_TRANSFER
  | typeof KIND.OWN_TRANSFER
  | typeof KIND.EXCHANGE;

const RANDOM_KINDS: ReadonlyArray<{ kind: RandomKind; weight: number; postings: number }> = [
  { kind: KIND.CARD_PURCHASE, weight: 34, postings: 1 },
  { kind: KIND.ATM_WITHDRAWAL, weight: 4, postings: 1 },
  { kind: KIND.MOBILE, weight: 12, postings: 1 },
  { kind: KIND.INTERNET, weight: 3, postings: 1 },
  { kind: KIND.ELECTRICITY, weight: 3, postings: 1 },
  { kind: KIND.TV, weight: 2, postings: 1 },
  { kind: KIND.FINES, weight: 1, postings: 1 },
  { kind: KIND.INTERNATIONAL_TRANSFER, weight: 6, postings: 2 },
  { kind: KIND.TOP_UP, weight: 7, postings: 1 },
  { kind: KIND.INCOMING_TRANSFER, weight: 4, postings: 1 },
  { kind: KIND.OWN_TRANSFER, weight: 5, postings: 2 },
  { kind: KIND.EXCHANGE, weight: 5, postings: 2 },
];

interface UserAccounts {
  wallet: AccountDef;
  tjs: AccountDef[];
  fx: AccountDef[];
  withCard: Array<{ account: AccountDef; card: CardDef }>;
  salaryAccount: AccountDef;
  usd: AccountDef | undefined;
  rub: AccountDef | undefined;
}

export class SandboxBank {
  readonly seed: number;
  readonly size: number;
  readonly catalog: Catalog;
  readonly ledger: Ledger;
  readonly ids: TransactionIdCodec;
  readonly historyStartDay: number;
  /** The sandbox's "today" as an epoch day; moves with `advance` (and, on a live clock, with time). */
  todayDay: number;
  readonly peerIds: string[];
  /** True when the clock is the real time (no fixed today). */
  readonly live: boolean;

  private readonly anchorDay: number;
  private readonly clock: (() => number) | undefined;
  /** Days added by `advance` on top of the anchor (fixed clock) or the real time (live clock). */
  private offsetDays = 0;

  private readonly userAccounts: UserAccounts[];
  private readonly userTargets: number[];
  private readonly merchantsByCurrency = new Map<string, CounterpartyDef[]>();
  private readonly descriptions = new Map<string, string>();

  constructor(opts: SandboxBankOptions) {
    this.seed = opts.seed;
    this.size = opts.size;
    const anchorDay = epochDay(opts.anchorDate);
    this.anchorDay = anchorDay;
    this.clock = opts.clock;
    this.live = opts.clock !== undefined;
    this.historyStartDay = anchorDay - HISTORY_DAYS + 1;
    this.todayDay = this.historyStartDay - 1;
    this.catalog = buildCatalog(opts.seed, anchorDay, HISTORY_DAYS);
    this.ledger = new Ledger(this.catalog.accounts.map((a) => a.openingMinor));
    this.ids = new TransactionIdCodec(opts.seed);
    this.peerIds = this.catalog.accounts.map((a) =>
      uuidFrom(opts.seed, hashString('own-counterparty'), a.index),
    );

    this.userAccounts = this.catalog.users.map((u) => {
      const own = this.catalog.accounts.filter((a) => a.userIndex === u.index && a.active);
      const wallet = own.find((a) => a.role === 'wallet')!;
      const tjs = own.filter((a) => a.currency === 'TJS');
      return {
        wallet,
        tjs,
        fx: own.filter((a) => a.currency !== 'TJS'),
        withCard: this.catalog.cards
          .filter((c) => c.userIndex === u.index && own.some((a) => a.index === c.accountIndex))
          .map((card) => ({ card, account: this.catalog.accounts[card.accountIndex]! })),
        salaryAccount: tjs.find((a) => a.role === 'card') ?? wallet,
        usd: own.find((a) => a.currency === 'USD'),
        rub: own.find((a) => a.currency === 'RUB'),
      };
    });

    const totalWeight = this.catalog.users.reduce((s, u) => s + u.weight, 0);
    this.userTargets = this.catalog.users.map((u) => Math.floor((opts.size * u.weight) / totalWeight));
    const rest = opts.size - this.userTargets.reduce((s, n) => s + n, 0);
    this.userTargets[0] = (this.userTargets[0] ?? 0) + rest;

    for (const m of this.catalog.byKind.get('merchant') ?? []) {
      const list = this.merchantsByCurrency.get(m.currency!) ?? [];
      list.push(m);
      this.merchantsByCurrency.set(m.currency!, list);
    }

    this.sync();
  }

  get today(): string {
    return dayToIso(this.todayDay);
  }

  /**
   * The sandbox's now in epoch seconds: the end of "today" on a fixed clock, the real time (plus
   * any `advance`) on a live one. No served entry completed after it.
   */
  get nowSec(): number {
    if (this.clock) return Math.floor(this.clock() / 1000) + this.offsetDays * DAY;
    return (this.anchorDay + this.offsetDays + 1) * DAY - 1;
  }

  /**
   * Moves the clock forward by whole days, generating and booking each new day. Returns the
   * number of newly booked postings.
   */
  advance(days: number): number {
    this.offsetDays += days;
    return this.sync();
  }

  /**
   * Brings the books up to `nowSec`: generates the days up to today (each day whole, so the
   * history does not depend on when it is generated) and books every entry completed by now.
   * Cheap when there is nothing to do; the server calls it before each request on a live clock.
   */
  sync(): number {
    const now = this.nowSec;
    const today = Math.floor(now / DAY);
    let booked = 0;
    while (this.todayDay < today) {
      const day = this.todayDay + 1;
      for (const user of this.catalog.users) this.generateDay(user, day);
      this.todayDay = day;
      booked += this.ledger.flushBefore(Math.min((day + 1) * DAY, now + 1));
    }
    return booked + this.ledger.flushBefore(now + 1);
  }

  /** Entries of an account generated and started (posted) by now but not settled yet. */
  pendingFor(acc: number): Posting[] {
    const now = this.nowSec;
    return this.ledger.pendingFor(acc).filter((p) => p.posted <= now);
  }

  transactionId(p: Posting): string {
    return this.ids.encode(p.seq);
  }

  /** A booked posting by its transaction id, or undefined. */
  findPosting(id: string): Posting | undefined {
    const seq = this.ids.decode(id);
    if (seq === undefined) return undefined;
    const p = this.ledger.bySeq[seq];
    return p?.booked ? p : undefined;
  }

  /** Status of a transfer request as seen at the sandbox's now. */
  transferStatus(t: { outcome: TransferOutcome; settleAt: number; start: number }): string {
    if (t.settleAt <= this.nowSec) return t.outcome;
    return Math.floor(t.start / DAY) === this.todayDay ? 'INITIATED' : 'PENDING';
  }

  // ---------------------------------------------------------------------------------------------

  private generateDay(user: UserDef, day: number): void {
    const target = this.userTargets[user.index] ?? 0;
    if (target === 0) return;
    const k = day - this.historyStartDay;
    let budget = Math.floor(((k + 1) * target) / HISTORY_DAYS) - Math.floor((k * target) / HISTORY_DAYS);
    const rng = new Prng(this.seed, 1000 + user.index, day);
    const ua = this.userAccounts[user.index]!;
    const dayStart = day * DAY;
    const dom = new Date(dayStart * 1000).getUTCDate();

    // Monthly items at fixed times of day; they take from the day's budget.
    if (dom === 1) {
      budget -= this.monthlyFees(ua, rng, dayStart + 2 * 3600 + rng.int(0, 3599));
    }
    if (dom === user.salaryDay) {
      const t = dayStart + 9 * 3600 + rng.int(0, 3599);
      const employer = this.catalog.counterparties[user.employer]!;
      this.post(
        ua.salaryAccount,
        KIND.SALARY,
        user.salaryMinor + rng.int(0, 40) * 500,
        t,
        t,
        employer.index,
        `Salary ${employer.name} ${this.monthLabel(day)}`,
        rng,
      );
      budget -= 1;
    }
    // A weekly standing order to family abroad over a slow rail (SWIFT, UnionPay): it settles
    // 3-6 days later, so the books always have transfers in flight (PENDING transaction requests).
    if ((day + user.index * 2) % 7 === 0 && target >= HISTORY_DAYS / 2 && budget >= 2) {
      const slow = this.catalog.byKind
        .get('recipient')!
        .filter((r) => r.rail === 'SWIFT' || r.rail === 'UNIONPAY');
      const recipient = slow[hash32(this.seed, user.index, 0x50) % slow.length]!;
      budget -= this.internationalTransfer(ua, rng, dayStart + 10 * 3600 + rng.int(0, 3599), {
        recipient,
        settleDays: [3, 6],
      });
    }
    if (budget <= 0) return;

    const times: number[] = [];
    for (let i = 0; i < budget; i++) times.push(dayStart + rng.int(6 * 3600, 23 * 3600 + 59 * 60 + 59));
    times.sort((a, b) => a - b);
    // A few entries share their predecessor's exact second (ties are ordered by sequence).
    for (let i = 1; i < times.length; i++) if (rng.chance(3, 100)) times[i] = times[i - 1]!;

    let slot = 0;
    let guard = 0;
    while (slot < times.length && guard++ < budget * 4) {
      const remaining = times.length - slot;
      const t = times[slot]!;
      // An event uses as many slots as it books postings; a rejected transfer books none.
      slot += this.randomEvent(user, ua, rng, t, remaining);
    }
  }

  private randomEvent(user: UserDef, ua: UserAccounts, rng: Prng, t: number, remaining: number): number {
    const eligible = RANDOM_KINDS.filter((k) => {
      if (k.postings > remaining) return false;
      switch (k.kind) {
        case KIND.CARD_PURCHASE:
        case KIND.ATM_WITHDRAWAL:
          return ua.withCard.length > 0;
        case KIND.OWN_TRANSFER:
          return ua.tjs.length >= 2;
        case KIND.EXCHANGE:
          return ua.fx.length > 0;
        default:
          return true;
      }
    });
    const kind = eligible[rng.weighted(eligible.map((k) => k.weight))]!.kind;
    switch (kind) {
      case KIND.CARD_PURCHASE:
        return this.cardPurchase(ua, rng, t);
      case KIND.ATM_WITHDRAWAL:
        return this.atmWithdrawal(ua, rng, t);
      case KIND.MOBILE:
      case KIND.INTERNET:
      case KIND.ELECTRICITY:
      case KIND.TV:
      case KIND.FINES:
        return this.servicePayment(user, ua, rng, t, kind);
      case KIND.INTERNATIONAL_TRANSFER:
        return this.internationalTransfer(ua, rng, t);
      case KIND.TOP_UP:
        return this.topUp(rng.chance(7, 10) ? ua.wallet : rng.pick(ua.tjs), rng, t, rng.int(50, 1500) * 100);
      case KIND.INCOMING_TRANSFER:
        return this.incomingTransfer(ua, rng, t);
      case KIND.OWN_TRANSFER:
        return this.ownTransfer(ua, rng, t);
      case KIND.EXCHANGE:
        return this.exchange(ua, rng, t);
    }
  }

  private cardPurchase(ua: UserAccounts, rng: Prng, t: number): number {
    const { card, account } = rng.pick(ua.withCard);
    const merchants = this.merchantsByCurrency.get(account.currency) ?? this.merchantsByCurrency.get('TJS')!;
    const m = rng.pick(merchants);
    const range: Record<Currency, [number, number]> = {
      TJS: [5_00, 850_00],
      USD: [1_99, 250_00],
      EUR: [5_00, 300_00],
      RUB: [150_00, 9_000_00],
    };
    const [lo, hi] = range[account.currency];
    let amount = rng.int(lo, hi);
    if (rng.chance(1, 4)) amount = Math.max(100, Math.round(amount / 100) * 100);
    const used = this.ensureFunds(account, amount, rng, t);
    // Card purchases settle up to two days after the authorisation: posted < completed.
    const completed = rng.chance(3, 10) ? t : t + rng.int(3600, 52 * 3600);
    const description = rng.chance(4, 100)
      ? null
      : this.intern(
          `${m.name} ${account.currency === 'TJS' ? 'TJ' : 'INT'} / card ${card.maskedNumber.slice(-4)}`,
        );
    this.post(account, KIND.CARD_PURCHASE, -amount, t, completed, m.index, description, rng, {
      card: card.index,
      category: m.category!,
    });
    if (account.currency === 'TJS' || account.currency === 'USD')
      this.ledger.books[account.index]!.monthSpend += amount;
    return used + 1;
  }

  private atmWithdrawal(ua: UserAccounts, rng: Prng, t: number): number {
    const options = ua.withCard.filter(
      (w) => allowsCash(w.card) && (w.account.currency === 'TJS' || w.account.currency === 'USD'),
    );
    if (!options.length) return this.topUp(ua.wallet, rng, t, rng.int(50, 500) * 100);
    const { card, account } = rng.pick(options);
    const amount =
      account.currency === 'TJS'
        ? rng.pick([100, 200, 300, 500, 1000]) * 100
        : rng.pick([20, 50, 100, 200]) * 100;
    const used = this.ensureFunds(account, amount, rng, t);
    const atm = rng.pick(this.catalog.byKind.get('atm')!);
    this.post(
      account,
      KIND.ATM_WITHDRAWAL,
      -amount,
      t,
      t,
      atm.index,
      this.intern(`Cash withdrawal ${atm.name}`),
      rng,
      { card: card.index },
    );
    return used + 1;
  }

  private servicePayment(user: UserDef, ua: UserAccounts, rng: Prng, t: number, kind: Kind): number {
    const account = rng.chance(8, 10) ? ua.wallet : rng.pick(ua.tjs);
    let amount: number;
    let cpKind: 'mobile' | 'internet' | 'electricity' | 'tv' | 'fines';
    let description: string;
    const ref = String(hash32(this.seed, user.index, kind) % 1_000_000).padStart(6, '0');
    switch (kind) {
      case KIND.MOBILE: {
        cpKind = 'mobile';
        amount = rng.pick([5, 10, 15, 20, 25, 30, 50, 100]) * 100;
        const self = rng.chance(7, 10);
        const phone = self
          ? user.phone
          : `+992 ${rng.pick(['93', '92', '90', '98'])} ${String(hash32(this.seed, user.index, 5, rng.below(4)) % 1000).padStart(3, '0')} ** **`;
        description = `Mobile top-up ${phone}`;
        break;
      }
      case KIND.INTERNET:
        cpKind = 'internet';
        amount = rng.pick([99, 120, 150, 199, 250, 350]) * 100;
        description = `Internet, contract ${ref}`;
        break;
      case KIND.ELECTRICITY:
        cpKind = 'electricity';
        amount = rng.int(40_00, 650_00);
        description = `Electricity, personal account ${ref}`;
        break;
      case KIND.TV:
        cpKind = 'tv';
        amount = rng.pick([35_00, 45_00, 60_00, 89_90, 120_00]);
        description = `TV subscription ${ref}`;
        break;
      default:
        cpKind = 'fines';
        amount = rng.pick([100, 150, 250, 500, 1000]) * 100;
        description = `Fine, resolution No. ${String(rng.int(100_000, 999_999))}`;
        break;
    }
    const cps = this.catalog.byKind.get(cpKind)!;
    // Users stay with "their" operator/provider most of the time.
    const cp = rng.chance(85, 100) ? cps[hash32(this.seed, user.index, kind) % cps.length]! : rng.pick(cps);
    const used = this.ensureFunds(account, amount, rng, t);
    const desc = rng.chance(3, 100)
      ? null
      : cpKind === 'fines'
        ? description
        : this.intern(`${cp.name}: ${description}`);
    this.post(account, kind, -amount, t, t, cp.index, desc, rng);
    return used + 1;
  }

  private internationalTransfer(
    ua: UserAccounts,
    rng: Prng,
    t: number,
    standing?: { recipient: CounterpartyDef; settleDays: [number, number] },
  ): number {
    const account = !standing && ua.usd && rng.chance(3, 10) ? ua.usd : ua.wallet;
    const src = account.currency === 'USD' ? 'USD' : 'TJS';
    const recipient = standing?.recipient ?? rng.pick(this.catalog.byKind.get('recipient')!);
    const amount =
      src === 'TJS'
        ? rng.chance(6, 10)
          ? rng.int(1, 60) * 100_00
          : rng.int(100_00, 6_000_00)
        : rng.chance(6, 10)
          ? rng.int(2, 150) * 10_00
          : rng.int(20_00, 1_500_00);
    const minFee = src === 'TJS' ? 3_00 : 1_00;
    const fee = Math.max(minFee, Math.floor(amount / 100));
    const [dstCurrency, baseRate] = DEST_RATES[src][recipient.country!]!;
    const rate4 = this.driftRate(baseRate, Math.floor(t / DAY), recipient.index);
    const fx: FxInfo = { rate4, dstAmount: convert(amount, rate4), dstCurrency };
    const roll = rng.below(100);
    const outcome: TransferOutcome = standing || roll < 90 ? 'COMPLETED' : roll < 95 ? 'REJECTED' : 'FAILED';
    let settleAt: number;
    if (standing) settleAt = t + rng.int(standing.settleDays[0] * 86_400, standing.settleDays[1] * 86_400);
    else if (outcome === 'COMPLETED') settleAt = rng.chance(4, 10) ? t : t + rng.int(60, 36 * 3600);
    else settleAt = t + rng.int(60, 4 * 3600);
    const country =
      { US: 'the USA', RU: 'Russia', CN: 'China', KZ: 'Kazakhstan', TR: 'Turkey', UZ: 'Uzbekistan' }[
        recipient.country!
      ] ?? recipient.country!;
    const description = this.intern(
      recipient.rail === 'VISA_DIRECT'
        ? `Visa Direct transfer to ${country}`
        : `Transfer to ${country} (${recipient.name})`,
    );
    let used = 0;
    if (outcome === 'COMPLETED') used += this.ensureFunds(account, amount + fee, rng, t);
    const index = this.ledger.transfers.length;
    const tr = {
      index,
      id: uuidFrom(this.seed, hashString('transaction-request'), index),
      acc: account.index,
      cp: recipient.index,
      currency: account.currency,
      amount,
      fee,
      description,
      outcome,
      start: t,
      settleAt,
      postingSeq: -1,
      feeSeq: -1,
      country: recipient.country!,
      rail: recipient.rail!,
      fx,
    };
    if (outcome === 'COMPLETED') {
      // The transfer and its fee settle at the same second: the fee shares the completed timestamp.
      tr.postingSeq = this.post(
        account,
        KIND.INTERNATIONAL_TRANSFER,
        -amount,
        t,
        settleAt,
        recipient.index,
        description,
        rng,
        { tr: index, fx },
      ).seq;
      tr.feeSeq = this.post(
        account,
        KIND.FEE,
        -fee,
        t,
        settleAt,
        -1,
        this.intern(`Transfer fee: ${description}`),
        rng,
        { tr: index },
      ).seq;
      used += 2;
    }
    this.ledger.addTransfer(tr);
    return used;
  }

  private incomingTransfer(ua: UserAccounts, rng: Prng, t: number): number {
    const sender = rng.pick(this.catalog.byKind.get('sender')!);
    const account = ua.rub && rng.chance(6, 10) ? ua.rub : ua.wallet;
    const amount = account.currency === 'RUB' ? rng.int(30, 400) * 100_00 : rng.int(300, 3000) * 100;
    this.post(
      account,
      KIND.INCOMING_TRANSFER,
      amount,
      t,
      t,
      sender.index,
      this.intern(`Transfer from ${sender.country === 'RU' ? 'Russia' : 'Kazakhstan'}: ${sender.name}`),
      rng,
    );
    return 1;
  }

  private ownTransfer(ua: UserAccounts, rng: Prng, t: number): number {
    const i = rng.below(ua.tjs.length);
    const from = ua.tjs[i]!;
    const to = ua.tjs[(i + 1 + rng.below(ua.tjs.length - 1)) % ua.tjs.length]!;
    const amount = rng.int(5, 200) * 10_00;
    const used = this.ensureFunds(from, amount, rng, t);
    // Double entry (research notes §1.4): the same transfer appears on both accounts with opposite signs.
    const description = this.intern(`Transfer between own accounts: ${from.label} -> ${to.label}`);
    this.post(from, KIND.OWN_TRANSFER, -amount, t, t, -2, description, rng, { peer: to.index });
    this.post(to, KIND.OWN_TRANSFER, amount, t, t, -2, description, rng, { peer: from.index });
    return used + 2;
  }

  private exchange(ua: UserAccounts, rng: Prng, t: number): number {
    const fxAccount = rng.pick(ua.fx);
    const ccy = fxAccount.currency as Exclude<Currency, 'TJS'>;
    const buy = rng.chance(7, 10);
    const base = this.driftRate(FX_TO_TJS[ccy], Math.floor(t / DAY), 0);
    // The bank sells currency 1% above and buys 1% below its mid rate.
    const rate4 = buy ? base + Math.floor(base / 100) : base - Math.floor(base / 100);
    const fxMinor = ccy === 'RUB' ? rng.int(10, 300) * 100_00 : rng.int(10, 500) * 100;
    const tjsMinor = convert(fxMinor, rate4);
    const from = buy ? ua.wallet : fxAccount;
    const to = buy ? fxAccount : ua.wallet;
    const debit = buy ? tjsMinor : fxMinor;
    const credit = buy ? fxMinor : tjsMinor;
    const used = this.ensureFunds(from, debit, rng, t);
    const description = this.intern(buy ? `Currency exchange: buy ${ccy}` : `Currency exchange: sell ${ccy}`);
    this.post(from, KIND.EXCHANGE, -debit, t, t, -2, description, rng, {
      peer: to.index,
      fx: { rate4, dstAmount: credit, dstCurrency: to.currency },
    });
    this.post(to, KIND.EXCHANGE, credit, t, t, -2, description, rng, {
      peer: from.index,
      fx: { rate4, dstAmount: credit, dstCurrency: to.currency },
    });
    return used + 2;
  }

  private monthlyFees(ua: UserAccounts, rng: Prng, t: number): number {
    let used = 0;
    const fee = 3_00;
    used += this.ensureFunds(ua.wallet, fee, rng, t);
    this.post(ua.wallet, KIND.FEE, -fee, t, t, -1, 'SMS notifications, monthly fee', rng);
    used += 1;
    for (const { account } of ua.withCard) {
      const book = this.ledger.books[account.index]!;
      const cashback = Math.floor(book.monthSpend / 100);
      book.monthSpend = 0;
      if (cashback > 0) {
        const bank = this.catalog.byKind.get('bank')![0]!;
        this.post(
          account,
          KIND.CASHBACK,
          cashback,
          t + 60,
          t + 60,
          bank.index,
          `Cashback 1% for ${this.monthLabel(Math.floor(t / DAY) - 1)}`,
          rng,
        );
        used += 1;
      }
    }
    return used;
  }

  private topUp(account: AccountDef, rng: Prng, t: number, amount: number): number {
    const sources = this.catalog.byKind.get('topup')!;
    const src = account.currency === 'TJS' ? rng.pick(sources) : sources[0]!;
    const description =
      src.name === null
        ? account.currency === 'TJS'
          ? 'Cash-in terminal top-up'
          : `Cash deposit ${account.currency}`
        : this.intern(`Top-up: ${src.name}`);
    this.post(account, KIND.TOP_UP, amount, t, t, src.index, rng.chance(4, 100) ? null : description, rng);
    return 1;
  }

  /** Adds a top-up before a debit that the account could not cover (wallets never go negative). */
  private ensureFunds(account: AccountDef, debit: number, rng: Prng, t: number): number {
    const book = this.ledger.books[account.index]!;
    if (book.projected - debit >= 0) return 0;
    const unit = account.currency === 'RUB' ? 1000_00 : 100_00;
    const shortfall = debit - book.projected;
    const amount = (Math.ceil(shortfall / unit) + rng.int(1, 5)) * unit;
    return this.topUp(account, rng, t, amount);
  }

  private post(
    account: AccountDef,
    kind: Kind,
    amount: number,
    posted: number,
    completed: number,
    cp: number,
    description: string | null,
    rng: Prng,
    extra: { card?: number; tr?: number; peer?: number; fx?: FxInfo; category?: string } = {},
  ): Posting {
    const h = rng.u32();
    let flags = 0;
    if (h % 50 === 7) flags |= FLAG_HIDE_BALANCE;
    if ((h >>> 8) & 1) flags |= FLAG_AMOUNT_STRIPPED;
    if ((h >>> 9) & 1) flags |= FLAG_BALANCE_STRIPPED;
    return this.ledger.add({
      acc: account.index,
      posted,
      completed,
      amount,
      kind,
      category: extra.category ?? KIND_INFO[kind]!.category,
      cp,
      description,
      card: extra.card ?? -1,
      tr: extra.tr ?? -1,
      peer: extra.peer ?? -1,
      fx: extra.fx ?? null,
      flags,
    });
  }

  /** Daily rates drift deterministically within ±1% of the base. */
  private driftRate(base: number, day: number, salt: number): number {
    const drift = (hash32(this.seed, 0xf0, day, salt) % 201) - 100;
    return base + Math.trunc((base * drift) / 10_000);
  }

  private monthLabel(day: number): string {
    return dayToIso(day).slice(0, 7);
  }

  /** Shares description strings between postings (a million postings, a few thousand texts). */
  private intern(s: string): string {
    const hit = this.descriptions.get(s);
    if (hit !== undefined) return hit;
    this.descriptions.set(s, s);
    return s;
  }
}

function allowsCash(card: CardDef): boolean {
  return card.allows.includes('cash_withdrawal');
}
