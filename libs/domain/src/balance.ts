import type { IsoDate } from './dates.js';
import type { Money } from './money.js';

/** `Balance.type` (design/api.md), the Berlin Group balance types plus `credit_limit`. */
export type BalanceType =
  'booked' | 'available' | 'opening_booked' | 'closing_booked' | 'expected' | 'credit_limit';

/** One balance of an account; the currency is the amount's. */
export interface Balance {
  readonly type: BalanceType;
  readonly amount: Money;
  /** The date the bank says the balance refers to; null when it does not say. */
  readonly referenceDate: IsoDate | null;
}
