import type { Timestamp } from './dates.js';
import type { Money } from './money.js';

/** `Transfer.status` (design/api.md). */
export type TransferStatus = 'pending' | 'completed' | 'failed' | 'returned';

/** The rail a transfer travels on. api.md leaves it open; these are the ones our banks use. */
export type TransferRail =
  'internal' | 'domestic' | 'card' | 'visa_direct' | 'swift' | 'sepa' | 'phone' | 'other';

/** An outgoing transfer (a payment order), as opposed to its booked transaction(s). */
export interface Transfer {
  readonly providerTransferId: string;
  readonly providerAccountId: string;
  /** What leaves the account, positive, in the account's currency. */
  readonly amount: Money;
  /** What the beneficiary receives, when another currency. */
  readonly destinationAmount: Money | null;
  /** Units of the destination currency per unit of the source currency, as a decimal string. */
  readonly fxRate: string | null;
  readonly fee: Money | null;
  /** ISO 3166-1 alpha-2 country of the beneficiary. */
  readonly destinationCountry: string | null;
  readonly counterpartyName: string | null;
  readonly rail: TransferRail;
  readonly status: TransferStatus;
  readonly createdAt: Timestamp;
  readonly completedAt: Timestamp | null;
}
