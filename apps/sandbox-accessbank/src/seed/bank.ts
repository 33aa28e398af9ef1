/**
 * The sandbox bank's books, generated day by day from `(seed, size)`.
 *
 * Every (account, day) has its own PRNG stream, so the books are a pure function of the seed, the
 * size and the anchor date; advancing the clock `n` days gives the same books however the advance
 * is split. An entry is created on its entry date (`postedDay`) and then either
 *   - books on `bookDay` (the same day for most entries; 1-3 days later for card payments and
 *     some transfers, which are pending in between), or
 *   - vanishes on `vanishDay` without ever booking (a card authorisation that was released).
 * A pending entry and its booked successor are two different transactions on the wire: the booked
 * one has a NEW `transactionId` and the SAME `entryReference` (some pending entries carry no
 * `entryReference` at all, as card holds often do).
 */
import {
  EMPLOYERS,
  REMITTERS,
  UTILITIES,
  buildCatalog,
  foreignBban,
  type AccountDef,
  type Catalog,
  type Counterparty,
  type Currency,
} from './catalog.js';
import { DAY_S, dayToIso, epochDay, localDayOf, monthPosition, startOfLocalDay } from './dates.js';
import { Prng, hash32, hashString, uuidFrom } from './prng.js';

/** Days of history before (and including) the anchor date: more than 13 months. */
export const HISTORY_DAYS = 400;
/** The longest time an entry stays pending. */
const MAX_PENDING_DAYS = 6;

export type Kind =
  | 'POS'
  | 'ONLINE'
  | 'HOLD'
  | 'ATM'
  | 'UTIL'
  | 'TRF_OUT'
  | 'TRF_IN'
  | 'SALARY'
  | 'FEE'
  | 'INTEREST'
  | 'REMIT_IN'
  | 'XB_OUT'
  | 'DEPOSIT'
  | 'WITHDRAWAL';

/** ISO 20022 bank transaction codes (Domain-Family-SubFamily) and the bank's own short codes. */
export const KIND_CODES: Record<Kind, { btc: string; proprietary: string }> = {
  POS: { btc: 'PMNT-CCRD-POSD', proprietary: 'POS' },
  ONLINE: { btc: 'PMNT-CCRD-POSD', proprietary: 'ECOM' },
  HOLD: { btc: 'PMNT-CCRD-POSD', proprietary: 'POS' },
  ATM: { btc: 'PMNT-CCRD-CWDL', proprietary: 'ATM' },
  UTIL: { btc: 'PMNT-ICDT-DMCT', proprietary: 'UTIL' },
  TRF_OUT: { btc: 'PMNT-ICDT-DMCT', proprietary: 'TRF' },
  TRF_IN: { btc: 'PMNT-RCDT-DMCT', proprietary: 'TRF' },
  SALARY: { btc: 'PMNT-RCDT-SALA', proprietary: 'SAL' },
  FEE: { btc: 'ACMT-MDOP-CHRG', proprietary: 'COM' },
  INTEREST: { btc: 'ACMT-MCOP-INTR', proprietary: 'INT' },
  REMIT_IN: { btc: 'PMNT-RCDT-XBCT', proprietary: 'REMIT' },
  XB_OUT: { btc: 'PMNT-ICDT-XBCT', proprietary: 'SWIFT' },
  DEPOSIT: { btc: 'PMNT-RCDT-BOOK', proprietary: 'DEP' },
  WITHDRAWAL: { btc: 'PMNT-ICDT-BOOK', proprietary: 'WDR' },
};

export interface Entry {
  account: number;
  /** Generation order within the account (also the tie-break of the booking order). */
  seq: number;
  kind: Kind;
  postedDay: number;
  /** The booking day; null when the entry vanishes instead. */
  bookDay: number | null;
  /** The day a never-booked entry disappears from the pending list. */
  vanishDay: number | null;
  amount: number;
  counterparty?: Counterparty;
  /** One line (`remittanceInformationUnstructured`) or several (`…UnstructuredArray`). */
  remittance: string | string[];
  entryReference: string;
  /** False: the pending entry is served without `entryReference` (the booked one always has it). */
  pendingRef: boolean;
  bookedId: string;
  pendingId: string;
}

export interface BankOptions {
  seed: number;
  size: number;
  /** The anchor "today" (bank-local date); the history is the HISTORY_DAYS days ending on it. */
  anchorDate: string;
  /** A live clock (epoch ms, normally Date.now); without it the clock is fixed at the end of the day. */
  clock?: () => number;
}

type Weighted = ReadonlyArray<readonly [Kind, number]>;
const ROLE_KINDS: Record<AccountDef['role'], Weighted> = {
  current: [
    ['POS', 38],
    ['ATM', 8],
    ['UTIL', 14],
    ['TRF_OUT', 10],
    ['TRF_IN', 24],
    ['HOLD', 2],
  ],
  'salary-card': [
    ['POS', 45],
    ['ATM', 8],
    ['UTIL', 12],
    ['TRF_OUT', 6],
    ['TRF_IN', 26],
    ['HOLD', 3],
  ],
  'fx-current': [
    ['ONLINE', 45],
    ['ATM', 10],
    ['REMIT_IN', 30],
    ['XB_OUT', 10],
  ],
  savings: [
    ['DEPOSIT', 60],
    ['WITHDRAWAL', 40],
  ],
};

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export class Bank {
  readonly seed: number;
  readonly size: number;
  readonly catalog: Catalog;
  readonly anchorDay: number;
  readonly historyStartDay: number;
  readonly live: boolean;
  /** Generated through this bank-local day (the sandbox's today). */
  todayDay: number;

  /** Per account, every generated entry in generation (entry-date) order. */
  private readonly entries: Entry[][];
  /** Per account, the booked entries in booking order (bookDay, seq), and balances after each. */
  private booked: Entry[][] = [];
  private balanceAfter: number[][] = [];
  private readonly byId = new Map<string, Entry>();
  private readonly byReference: Array<Map<string, Entry>>;
  private readonly perDayMilli: number[];
  private readonly running: number[];
  private readonly cardMask: string[];
  private readonly clock: (() => number) | undefined;
  private offsetDays = 0;

  constructor(opts: BankOptions) {
    this.seed = opts.seed;
    this.size = opts.size;
    this.anchorDay = epochDay(opts.anchorDate);
    this.historyStartDay = this.anchorDay - HISTORY_DAYS + 1;
    this.clock = opts.clock;
    this.live = opts.clock !== undefined;
    this.catalog = buildCatalog(opts.seed);
    const accounts = this.catalog.accounts;
    this.entries = accounts.map(() => []);
    this.byReference = accounts.map(() => new Map());
    this.running = accounts.map((a) => a.openingMinor);
    const totalWeight = accounts.reduce((s, a) => s + (a.quiet ? 0 : a.weight), 0);
    this.perDayMilli = accounts.map((a) =>
      a.quiet || totalWeight === 0
        ? 0
        : Math.round((opts.size * a.weight * 1000) / totalWeight / HISTORY_DAYS),
    );
    this.cardMask = accounts.map((a) => String(1000 + (hash32(opts.seed, 0xca4d, a.index) % 9000)));
    this.todayDay = this.historyStartDay - 1;
    this.sync();
  }

  get today(): string {
    return dayToIso(this.todayDay);
  }

  /** The sandbox's now (epoch seconds): the end of the bank day on a fixed clock, else real time. */
  get nowSec(): number {
    if (this.clock) return Math.floor(this.clock() / 1000) + this.offsetDays * DAY_S;
    return startOfLocalDay(this.anchorDay + this.offsetDays + 1) - 1;
  }

  /** Moves the clock forward by whole days; returns the number of entries booked on the way. */
  advance(days: number): number {
    const before = this.bookedCount;
    this.offsetDays += days;
    this.sync();
    return this.bookedCount - before;
  }

  /** Generates the days up to today; cheap when the date has not changed. */
  sync(): void {
    const today = localDayOf(this.nowSec);
    if (today <= this.todayDay) return;
    for (let day = this.todayDay + 1; day <= today; day++) {
      for (const account of this.catalog.accounts) this.generateDay(account, day);
    }
    this.todayDay = today;
    this.rebuildBooked();
  }

  get bookedCount(): number {
    return this.booked.reduce((s, b) => s + b.length, 0);
  }

  get pendingCount(): number {
    return this.catalog.accounts.reduce((s, a) => s + this.pendingFor(a.index).length, 0);
  }

  /** Booked entries of an account in booking order (oldest first). */
  bookedFor(account: number): readonly Entry[] {
    return this.booked[account]!;
  }

  /** Entries pending today (entry date ≤ today, not booked, not vanished), oldest first. */
  pendingFor(account: number): Entry[] {
    const list = this.entries[account]!;
    const out: Entry[] = [];
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i]!;
      if (e.postedDay < this.todayDay - MAX_PENDING_DAYS) break;
      if (this.isPending(e)) out.push(e);
    }
    return out.reverse();
  }

  isBooked(e: Entry): boolean {
    return e.bookDay !== null && e.bookDay <= this.todayDay;
  }

  isPending(e: Entry): boolean {
    if (e.postedDay > this.todayDay || this.isBooked(e)) return false;
    return e.bookDay !== null || (e.vanishDay !== null && e.vanishDay > this.todayDay);
  }

  /** An entry by its booked or pending transaction id, with the state that id stands for now. */
  findTransaction(account: number, id: string): { entry: Entry; state: 'booked' | 'pending' } | undefined {
    const e = this.byId.get(id);
    if (!e || e.account !== account) return undefined;
    if (id === e.bookedId && this.isBooked(e)) return { entry: e, state: 'booked' };
    if (id === e.pendingId && this.isPending(e)) return { entry: e, state: 'pending' };
    return undefined;
  }

  /** The booked entry with this entryReference, if any. */
  findBookedByReference(account: number, ref: string): Entry | undefined {
    const e = this.byReference[account]!.get(ref);
    return e && this.isBooked(e) ? e : undefined;
  }

  /** Index range [lo, hi) of booked entries with booking day in [fromDay, toDay]. */
  bookedRange(account: number, fromDay: number, toDay: number): [number, number] {
    const list = this.booked[account]!;
    return [lowerBound(list, fromDay), lowerBound(list, toDay + 1)];
  }

  /** The position of a booked entry in the booking order. */
  bookedIndex(account: number, e: Entry): number {
    const list = this.booked[account]!;
    let i = lowerBound(list, e.bookDay!);
    while (i < list.length && list[i] !== e) i++;
    return i < list.length ? i : -1;
  }

  /** Booked balance at the end of `day` (minor units). */
  balanceThrough(account: number, day: number): number {
    const i = lowerBound(this.booked[account]!, day + 1);
    return i === 0 ? this.catalog.accounts[account]!.openingMinor : this.balanceAfter[account]![i - 1]!;
  }

  /** Booked balance just before booked entry i. */
  balanceBefore(account: number, i: number): number {
    return i === 0 ? this.catalog.accounts[account]!.openingMinor : this.balanceAfter[account]![i - 1]!;
  }

  /** Booked balance after booked entry i. */
  balanceAt(account: number, i: number): number {
    return this.balanceAfter[account]![i]!;
  }

  /** Today's booked balance less the pending debits (pending credits are not available yet). */
  availableBalance(account: number): number {
    let v = this.balanceThrough(account, this.todayDay);
    for (const p of this.pendingFor(account)) if (p.amount < 0) v += p.amount;
    return v;
  }

  /** The last booked entry of an account, if any. */
  lastBooked(account: number): Entry | undefined {
    const list = this.booked[account]!;
    return list[list.length - 1];
  }

  cardMaskOf(account: number): string {
    return this.cardMask[account]!;
  }

  // ---------------------------------------------------------------------------------------------

  private rebuildBooked(): void {
    this.booked = this.entries.map((list) =>
      list.filter((e) => this.isBooked(e)).sort((a, b) => a.bookDay! - b.bookDay! || a.seq - b.seq),
    );
    this.balanceAfter = this.booked.map((list, acc) => {
      let bal = this.catalog.accounts[acc]!.openingMinor;
      return list.map((e) => (bal += e.amount));
    });
  }

  private openedDay(a: AccountDef): number {
    return a.openedDaysAgo === undefined ? this.historyStartDay : this.anchorDay - a.openedDaysAgo;
  }

  private generateDay(a: AccountDef, day: number): void {
    if (day < this.openedDay(a)) return;
    const prng = new Prng(this.seed, hashString('day'), a.index, day);
    const { dom, daysInMonth } = monthPosition(day);
    if (!a.quiet) {
      // Fixed monthly events first.
      if ((a.role === 'current' || a.role === 'salary-card') && dom === 5) this.add(a, day, 'SALARY', prng);
      if (a.role !== 'savings' && dom === 1) this.add(a, day, 'FEE', prng);
      if (a.role === 'savings' && dom === daysInMonth) this.add(a, day, 'INTEREST', prng);
      const milli = this.perDayMilli[a.index]!;
      let n = Math.floor(milli / 1000) + (prng.below(1000) < milli % 1000 ? 1 : 0);
      // Some spread around the mean, same expectation.
      if (n > 0) n = prng.int(0, 2 * n);
      const kinds = ROLE_KINDS[a.role];
      const weights = kinds.map(([, w]) => w);
      for (let i = 0; i < n; i++) this.add(a, day, kinds[prng.weighted(weights)]![0], prng);
    }
    // Scripted on the anchor day, so that every fresh sandbox shows each pending behaviour on
    // each user's main account: one card payment that books in two days, one authorisation that
    // is released tomorrow, and one hold without entryReference that books tomorrow.
    if (day === this.anchorDay && this.isMainAccount(a)) {
      this.add(a, day, a.currency === 'TJS' ? 'POS' : 'ONLINE', prng, { lag: 2, pendingRef: true });
      this.add(a, day, a.currency === 'TJS' ? 'POS' : 'ONLINE', prng, { vanishIn: 1, pendingRef: true });
      this.add(a, day, 'HOLD', prng, { lag: 1, pendingRef: false });
    }
  }

  private isMainAccount(a: AccountDef): boolean {
    return this.catalog.accounts.find((x) => x.userIndex === a.userIndex && !x.quiet) === a;
  }

  private add(
    a: AccountDef,
    day: number,
    kind: Kind,
    prng: Prng,
    force: { lag?: number; vanishIn?: number; pendingRef?: boolean } = {},
  ): void {
    const list = this.entries[a.index]!;
    const seq = list.length;
    const { amount, counterparty, remittance } = this.describe(a, day, kind, prng);
    let lag = 0;
    let vanishIn: number | undefined;
    let pendingRef = true;
    if (kind === 'POS' || kind === 'ONLINE') {
      lag = prng.int(1, 3);
      if (prng.chance(4, 100)) vanishIn = prng.int(1, 3);
      pendingRef = !prng.chance(6, 100);
    } else if (kind === 'HOLD') {
      lag = prng.int(2, 5);
      if (prng.chance(30, 100)) vanishIn = prng.int(1, 4);
      pendingRef = false;
    } else if (kind === 'TRF_OUT' || kind === 'XB_OUT') {
      lag = prng.chance(30, 100) ? 1 : 0;
    }
    if (force.lag !== undefined) {
      lag = force.lag;
      vanishIn = undefined;
    }
    if (force.vanishIn !== undefined) vanishIn = force.vanishIn;
    if (force.pendingRef !== undefined) pendingRef = force.pendingRef;

    const entry: Entry = {
      account: a.index,
      seq,
      kind,
      postedDay: day,
      bookDay: vanishIn === undefined ? day + lag : null,
      vanishDay: vanishIn === undefined ? null : day + vanishIn,
      amount,
      counterparty,
      remittance,
      entryReference: `AB${dayToIso(day).replace(/-/g, '')}${String(a.index).padStart(2, '0')}${seq.toString(36).toUpperCase().padStart(7, '0')}`,
      pendingRef,
      bookedId: uuidFrom(this.seed, hashString('booked'), a.index, seq),
      pendingId: uuidFrom(this.seed, hashString('pending'), a.index, seq),
    };
    list.push(entry);
    this.byId.set(entry.bookedId, entry);
    this.byId.set(entry.pendingId, entry);
    this.byReference[a.index]!.set(entry.entryReference, entry);
    if (entry.bookDay !== null) this.running[a.index]! += amount;
  }

  private describe(
    a: AccountDef,
    day: number,
    kind: Kind,
    prng: Prng,
  ): { amount: number; counterparty?: Counterparty; remittance: string | string[] } {
    const c = this.catalog;
    const card = this.cardMask[a.index]!;
    const cur: Currency = a.currency;
    switch (kind) {
      case 'POS': {
        const m = prng.pick(c.merchants.local);
        return {
          amount: -prng.int(1_500, 90_000),
          counterparty: { name: m },
          remittance: `Card *${card} purchase ${m}, Dushanbe`,
        };
      }
      case 'ONLINE': {
        const m = prng.pick(c.merchants.online);
        return {
          amount: -prng.int(500, cur === 'TJS' ? 400_000 : 40_000),
          counterparty: { name: m },
          remittance: `Card *${card} ${m}`,
        };
      }
      case 'HOLD': {
        const m = prng.pick(['Hyatt Regency Dushanbe', 'Gazprom Neft AZS 12', 'Serena Hotel Khorog']);
        return {
          amount: -prng.int(20_000, cur === 'TJS' ? 150_000 : 30_000),
          counterparty: { name: m },
          remittance: `Card *${card} pre-authorisation ${m}`,
        };
      }
      case 'ATM':
        return {
          amount: -(cur === 'TJS' ? prng.int(1, 20) * 10_000 : prng.int(1, 25) * 2_000),
          remittance: `ATM withdrawal, card *${card}, ${prng.pick(['Rudaki Ave 105', 'Ismoili Somoni 47', 'Airport DYU'])}`,
        };
      case 'UTIL': {
        const u = prng.pick(UTILITIES);
        return {
          amount: -prng.int(2_000, 45_000),
          counterparty: { name: u.name, bban: foreignBban(prng, 'TJS') },
          remittance: `${u.what}, contract ${prng.int(100_000, 999_999)}`,
        };
      }
      case 'TRF_OUT': {
        const p = prng.pick(c.persons);
        const amount = -prng.int(10_000, 300_000);
        const counterparty = { name: p, bban: foreignBban(prng, cur) };
        return prng.chance(1, 4)
          ? {
              amount,
              counterparty,
              remittance: [`Transfer to ${p}`, prng.pick(['Rent', 'Family support', 'Loan repayment'])],
            }
          : { amount, counterparty, remittance: `Transfer to ${p}` };
      }
      case 'TRF_IN': {
        const p = prng.pick(c.persons);
        return {
          amount: prng.int(10_000, 350_000),
          counterparty: { name: p, bban: foreignBban(prng, cur) },
          remittance: `Transfer from ${p}`,
        };
      }
      case 'SALARY': {
        const employer = EMPLOYERS[a.userIndex % EMPLOYERS.length]!;
        const prev = new Date(day * 86_400_000);
        prev.setUTCMonth(prev.getUTCMonth() - 1);
        return {
          amount: prng.int(520_000, 880_000),
          counterparty: employer,
          remittance: `Salary for ${MONTHS[prev.getUTCMonth()]} ${prev.getUTCFullYear()}`,
        };
      }
      case 'FEE':
        return { amount: cur === 'TJS' ? -1_000 : -200, remittance: 'Monthly account maintenance fee' };
      case 'INTEREST': {
        const base = Math.max(0, this.running[a.index]!);
        return {
          amount: Math.max(1, Math.floor((base * 35) / 12_000)),
          remittance: 'Interest on deposit, 3.5% p.a.',
        };
      }
      case 'REMIT_IN': {
        const r = prng.pick(REMITTERS);
        return {
          amount: prng.int(15_000, 150_000),
          counterparty: { name: r.name, bic: r.bic },
          remittance: ['Money transfer', `Sender ${r.name}, ${r.country}`],
        };
      }
      case 'XB_OUT': {
        const p = prng.pick(['Moscow State University', 'Istanbul Aydin University', 'Ozon Holdings']);
        return {
          amount: -prng.int(10_000, 120_000),
          counterparty: { name: p, bic: prng.pick(['SABRRUMMXXX', 'TGBATRISXXX']) },
          remittance: ['SWIFT transfer', prng.pick(['Tuition fee', 'Invoice payment', 'Services'])],
        };
      }
      case 'DEPOSIT':
        return { amount: prng.int(5_000, 60_000), remittance: 'Top-up of savings deposit' };
      case 'WITHDRAWAL':
        return { amount: -prng.int(5_000, 30_000), remittance: 'Partial withdrawal from savings deposit' };
    }
  }
}

/** First index whose booking day is ≥ day. */
function lowerBound(list: readonly Entry[], day: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.bookDay! < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
