/**
 * The sandbox's books: postings per account, pre-sorted by (completed, seq) so that a page is a
 * binary search plus a slice, never a sort of the history (OBP orders and filters on the
 * completed date — research notes §1.4, LocalMappedConnector). Money is in safe-integer minor units.
 */
import { assertSafe } from './money.js';
import type { Currency } from './catalog.js';

export const KIND = {
  CARD_PURCHASE: 0,
  ATM_WITHDRAWAL: 1,
  MOBILE: 2,
  INTERNET: 3,
  ELECTRICITY: 4,
  TV: 5,
  FINES: 6,
  INTERNATIONAL_TRANSFER: 7,
  FEE: 8,
  TOP_UP: 9,
  INCOMING_TRANSFER: 10,
  OWN_TRANSFER: 11,
  EXCHANGE: 12,
  CASHBACK: 13,
  SALARY: 14,
} as const;
export type Kind = (typeof KIND)[keyof typeof KIND];

/** `details.type` code and default category per kind (card purchases take the merchant's). */
export const KIND_INFO: ReadonlyArray<{ code: string; category: string }> = [
  { code: 'CARD_PAYMENT', category: 'card_purchase' },
  { code: 'ATM_WITHDRAWAL', category: 'cash' },
  { code: 'MOBILE_PAYMENT', category: 'mobile' },
  { code: 'SERVICE_PAYMENT', category: 'internet' },
  { code: 'UTILITY_PAYMENT', category: 'electricity' },
  { code: 'SERVICE_PAYMENT', category: 'tv' },
  { code: 'FINE_PAYMENT', category: 'fines' },
  { code: 'INTERNATIONAL_TRANSFER', category: 'transfer_international' },
  { code: 'FEE', category: 'fee' },
  { code: 'TOP_UP', category: 'topup' },
  { code: 'INCOMING_TRANSFER', category: 'transfer_incoming' },
  { code: 'OWN_ACCOUNT_TRANSFER', category: 'own_transfer' },
  { code: 'CURRENCY_EXCHANGE', category: 'exchange' },
  { code: 'CASHBACK', category: 'cashback' },
  { code: 'SALARY', category: 'salary' },
];

export const FLAG_HIDE_BALANCE = 1;
export const FLAG_AMOUNT_STRIPPED = 2;
export const FLAG_BALANCE_STRIPPED = 4;

export interface FxInfo {
  /** Rate in 1/10 000 units. */
  rate4: number;
  dstAmount: number;
  dstCurrency: string;
}

export interface Posting {
  seq: number;
  acc: number;
  /** Epoch seconds: when the entry started (OBP `posted`, the transaction start date). */
  posted: number;
  /** Epoch seconds: when it settled (OBP `completed`, the finish date; filters and order use it). */
  completed: number;
  /** Signed minor units from the account's point of view. */
  amount: number;
  /** Balance after this posting, minor units; valid once booked. */
  balance: number;
  booked: boolean;
  kind: Kind;
  category: string;
  /** Counterparty index, -1 when there is none (`other_account` null), -2 for an own account (see `peer`). */
  cp: number;
  description: string | null;
  card: number;
  tr: number;
  peer: number;
  fx: FxInfo | null;
  flags: number;
}

export type TransferOutcome = 'COMPLETED' | 'REJECTED' | 'FAILED';

export interface TransferRequest {
  index: number;
  id: string;
  acc: number;
  cp: number;
  currency: Currency;
  /** Positive minor units. */
  amount: number;
  fee: number;
  description: string;
  outcome: TransferOutcome;
  /** Epoch seconds. */
  start: number;
  /** Epoch seconds at which the outcome is reached (booking time for completed transfers). */
  settleAt: number;
  postingSeq: number;
  feeSeq: number;
  country: string;
  rail: string;
  fx: FxInfo;
}

export interface AccountBook {
  /** Booked postings, ascending by (completed, seq). */
  postings: Posting[];
  opening: number;
  balance: number;
  /** Booked balance plus everything generated but not yet booked; used to avoid overdrafts. */
  projected: number;
  /** Card spending of the current month (cashback base). */
  monthSpend: number;
  transfers: TransferRequest[];
}

export class Ledger {
  readonly books: AccountBook[];
  readonly bySeq: Posting[] = [];
  readonly transfers: TransferRequest[] = [];
  readonly transferById = new Map<string, TransferRequest>();
  private pending: Posting[] = [];
  /** The earliest completed time among pending postings (Infinity when none): flushes before it book nothing. */
  private nextDueSec = Number.POSITIVE_INFINITY;

  constructor(openings: readonly number[]) {
    this.books = openings.map((opening) => ({
      postings: [],
      opening,
      balance: opening,
      projected: opening,
      monthSpend: 0,
      transfers: [],
    }));
  }

  /** Registers a generated posting (not yet booked) and returns its sequence number. */
  add(p: Omit<Posting, 'seq' | 'balance' | 'booked'>): Posting {
    const posting = p as Posting;
    posting.seq = this.bySeq.length;
    posting.balance = 0;
    posting.booked = false;
    this.bySeq.push(posting);
    this.pending.push(posting);
    if (posting.completed < this.nextDueSec) this.nextDueSec = posting.completed;
    const book = this.books[posting.acc]!;
    book.projected = assertSafe(book.projected + posting.amount, 'projected balance');
    return posting;
  }

  addTransfer(t: TransferRequest): void {
    this.transfers.push(t);
    this.transferById.set(t.id, t);
    this.books[t.acc]!.transfers.push(t);
  }

  /** Books every pending posting completed before `endSec`, in (completed, seq) order. */
  flushBefore(endSec: number): number {
    if (endSec <= this.nextDueSec) return 0;
    const due: Posting[] = [];
    const rest: Posting[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const p of this.pending) {
      if (p.completed < endSec) due.push(p);
      else {
        rest.push(p);
        if (p.completed < next) next = p.completed;
      }
    }
    this.pending = rest;
    this.nextDueSec = next;
    due.sort((a, b) => a.completed - b.completed || a.seq - b.seq);
    for (const p of due) {
      const book = this.books[p.acc]!;
      book.balance = assertSafe(book.balance + p.amount, 'balance');
      p.balance = book.balance;
      p.booked = true;
      book.postings.push(p);
    }
    return due.length;
  }

  pendingFor(acc: number): Posting[] {
    return this.pending.filter((p) => p.acc === acc);
  }

  get bookedCount(): number {
    return this.bySeq.length - this.pending.length;
  }

  /** Index range [lo, hi) of booked postings with fromSec <= completed <= toSec. */
  range(acc: number, fromSec: number, toSec: number): [number, number] {
    const list = this.books[acc]!.postings;
    return [lowerBound(list, fromSec), lowerBound(list, toSec + 1)];
  }
}

/** First index whose `completed` is >= sec. */
function lowerBound(list: readonly Posting[], sec: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.completed < sec) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
