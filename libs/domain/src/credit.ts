import type { IsoDate, Timestamp } from './dates.js';
import type { Money } from './money.js';

/** A credit limit and what is left of it (Alif Shop's `available_limit_pkr`). */
export interface CreditLine {
  readonly providerAccountId: string;
  readonly limit: Money;
  readonly available: Money;
}

/** `InstalmentPlan.origin` (design/api.md): the two must never be merged. */
export type InstalmentOrigin = 'fashion' | 'partner_store';

/** `InstalmentPlan.status` (design/api.md). */
export type InstalmentPlanStatus = 'current' | 'overdue' | 'pending_approval' | 'rejected' | 'closed';

/** An instalment (BNPL) plan. */
export interface InstalmentPlan {
  readonly providerPlanId: string;
  readonly origin: InstalmentOrigin;
  readonly principal: Money;
  /** Decimal string: `"0"` for fashion plans, null when the store's own terms apply. */
  readonly markupPct: string | null;
  readonly tenorMonths: number | null;
  readonly status: InstalmentPlanStatus;
  readonly nextDueDate: IsoDate | null;
  readonly nextAmount: Money | null;
  readonly store: string | null;
  readonly deviceModel: string | null;
  readonly createdAt: Timestamp | null;
}

/** `Instalment.status` (design/api.md). */
export type InstalmentStatus = 'upcoming' | 'due' | 'paid' | 'overdue';

/** One due instalment of a plan's repayment schedule. */
export interface Instalment {
  readonly providerPlanId: string;
  readonly dueDate: IsoDate;
  readonly amount: Money;
  readonly status: InstalmentStatus;
  readonly paidAt: Timestamp | null;
}
