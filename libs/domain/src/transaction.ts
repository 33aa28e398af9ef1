import type { IsoDate, Timestamp } from './dates.js';
import type { Money } from './money.js';

/** `Transaction.type` (design/api.md). */
export const TRANSACTION_TYPES = [
  'transfer',
  'card',
  'utility',
  'service',
  'cashback',
  'fee',
  'topup',
  'purchase',
  'instalment',
  'repayment',
  'exchange',
  'other',
] as const;

/** One of {@link TRANSACTION_TYPES}. */
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

/** True when `value` is one of {@link TRANSACTION_TYPES}. */
export function isTransactionType(value: unknown): value is TransactionType {
  return typeof value === 'string' && (TRANSACTION_TYPES as readonly string[]).includes(value);
}

/** `Transaction.status` (design/api.md). */
export type TransactionStatus = 'booked' | 'pending';

/** The other party of a transaction. */
export interface Counterparty {
  readonly name: string;
  /** Their IBAN or account number when the bank shows it. */
  readonly account: string | null;
}

/**
 * A transaction as a connector reports it. Identity in the database is
 * `(account_id, providerTransactionId)` (architecture.md, "Sync engine").
 */
export interface Transaction {
  /** The bank's stable id, or a fingerprint id (see fingerprint.ts) where the bank has none. */
  readonly providerTransactionId: string;
  readonly status: TransactionStatus;
  /** Booking date. */
  readonly date: IsoDate;
  readonly valueDate: IsoDate | null;
  /** When the bank booked it, to the second, where the bank says (ordering within a day). */
  readonly bookedAt: Timestamp | null;
  /** Signed from the account's point of view: credits positive, debits negative. */
  readonly amount: Money;
  readonly type: TransactionType;
  /** Free text from the bank; empty when the bank hides it. */
  readonly description: string;
  readonly counterparty: Counterparty | null;
  /** The account balance right after this entry, when the bank reports it. */
  readonly balanceAfter: Money | null;
  /** Lower-case snake_case category (`electricity`, `mobile`, …) when the bank gives one. */
  readonly category: string | null;
  /** The card a card payment was made with (provider's card id), when the provider says. */
  readonly providerCardId?: string | null;
  /**
   * The bank's reference that stays with an entry while its id changes (Berlin Group
   * `entryReference`): a pending entry that books under a new `providerTransactionId` keeps it,
   * which is how the booked entry is known to supersede the pending one.
   */
  readonly entryReference?: string | null;
}
