import type { CurrencyCode } from './currency.js';

/** `Account.type` (design/api.md). */
export type AccountType = 'current' | 'wallet' | 'savings' | 'card' | 'credit' | 'loan';

/**
 * `Account.status`. api.md leaves the values open; these three cover OBP and Berlin Group
 * (`enabled`/`blocked`/`deleted`, BG 1.3.11 accountStatus) without inventing states a bank does
 * not report.
 */
export type AccountStatus = 'active' | 'blocked' | 'closed';

/**
 * An account as a connector reports it. Hisob-side fields of the API shape (`id`, `consent_id`,
 * `end_user_id`, `updated_at`) are added by the sync engine, not by the bank.
 */
export interface Account {
  /** The bank's own id for the account, stable across syncs; unique per consent. */
  readonly providerAccountId: string;
  readonly type: AccountType;
  /** Display name (the bank's label, else its product name). */
  readonly name: string;
  readonly currency: CurrencyCode;
  readonly iban: string | null;
  /** The account number with all but the last four characters masked (`****1234`). */
  readonly numberMasked: string | null;
  readonly status: AccountStatus;
}
