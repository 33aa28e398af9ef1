import type { IsoDate } from './dates.js';

/** Card network. `korti_milli` is Tajikistan's national card scheme. */
export type CardScheme = 'visa' | 'mastercard' | 'korti_milli' | 'unionpay' | 'mir' | 'other';

/** `Card.kind` (design/api.md). */
export type CardKind = 'debit' | 'credit' | 'virtual';

/** Card state; api.md leaves it open. */
export type CardStatus = 'active' | 'blocked' | 'expired' | 'cancelled';

/** A payment card. Never carries a full PAN: connectors mask it before it leaves them. */
export interface Card {
  readonly providerCardId: string;
  /** The account the card draws on, when the bank links it. */
  readonly providerAccountId: string | null;
  readonly scheme: CardScheme;
  /** First six and last four digits at most, e.g. `444433******1111`. */
  readonly maskedPan: string;
  readonly nameOnCard: string | null;
  /** Last day the card is valid. */
  readonly expiry: IsoDate | null;
  readonly status: CardStatus;
  readonly kind: CardKind;
}
