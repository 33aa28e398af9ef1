import type { Card, CardKind, CardScheme, CardStatus } from '#domain/card.js';
import type { IsoDate } from '#domain/dates.js';
import { WireShapeError } from '../wire.js';
import { codeOf, obpInstant } from './obp-values.js';
import type { ObpCard } from './obp.wire.js';

const NETWORKS: Readonly<Record<string, CardScheme>> = {
  VISA: 'visa',
  MASTERCARD: 'mastercard',
  MASTER_CARD: 'mastercard',
  MAESTRO: 'mastercard',
  KORTI_MILLI: 'korti_milli',
  KORTIMILLI: 'korti_milli',
  UNIONPAY: 'unionpay',
  UNION_PAY: 'unionpay',
  CUP: 'unionpay',
  MIR: 'mir',
};

/** The scheme from OBP `networks`, else from the BIN (ISO/IEC 7812 issuer ranges). */
function scheme(networks: readonly string[], digits: string): CardScheme {
  for (const n of networks) {
    const known = NETWORKS[codeOf(n)];
    if (known) return known;
  }
  const bin4 = Number.parseInt(digits.slice(0, 4), 10);
  if (digits.startsWith('4')) return 'visa';
  if (/^5[1-5]/.test(digits) || (bin4 >= 2221 && bin4 <= 2720)) return 'mastercard';
  if (bin4 >= 2200 && bin4 <= 2204) return 'mir';
  if (digits.startsWith('62')) return 'unionpay';
  return 'other';
}

/**
 * First six and last four digits at most (PCI DSS 3.4 display rule); a number the bank already
 * masked keeps its mask, with `*` as the mask character.
 */
export function maskPan(pan: string): string {
  const compact = pan.replace(/[\s-]+/g, '');
  if (/[^0-9]/.test(compact)) return compact.replace(/[^0-9]/g, '*');
  if (compact.length < 10)
    return compact.length <= 4 ? compact : `${'*'.repeat(compact.length - 4)}${compact.slice(-4)}`;
  return `${compact.slice(0, 6)}${'*'.repeat(compact.length - 10)}${compact.slice(-4)}`;
}

function kind(card: ObpCard): CardKind {
  const type = codeOf(card.card_type);
  if (type.includes('VIRTUAL') || codeOf(card.technology).includes('VIRTUAL')) return 'virtual';
  if (type.includes('CREDIT')) return 'credit';
  if (type.includes('DEBIT')) return 'debit';
  const allows = card.allows.map(codeOf);
  return allows.includes('CREDIT') && !allows.includes('DEBIT') ? 'credit' : 'debit';
}

function status(card: ObpCard, expiry: IsoDate | null, today: IsoDate): CardStatus {
  if (card.cancelled === true) return 'cancelled';
  if (card.on_hot_list === true || card.enabled === false) return 'blocked';
  if (expiry !== null && expiry < today) return 'expired';
  return 'active';
}

/**
 * One card of `GET /cards` (PhysicalCardsJSON v1.3.0 or v3.1.0). The full PAN never leaves this
 * function: the id is OBP's `card_id`, or for v1.3.0 (no card id) the masked number with the
 * expiry.
 */
export function mapCard(card: ObpCard, path: string, today: IsoDate): Card {
  const pan = card.card_number ?? card.bank_card_number;
  if (pan === null || pan.trim() === '')
    throw new WireShapeError(`${path}.card_number`, 'a card number', pan);
  const maskedPan = maskPan(pan);
  const expiry =
    card.expires_date === null
      ? null
      : obpInstant(card.expires_date, `${path}.expires_date`).iso.slice(0, 10);
  return {
    providerCardId: card.card_id ?? `masked:${maskedPan}:${expiry ?? ''}`,
    providerAccountId: card.account_id,
    scheme: scheme(card.networks, pan.replace(/\D/g, '')),
    maskedPan,
    nameOnCard: card.name_on_card,
    expiry,
    status: status(card, expiry, today),
    kind: kind(card),
  };
}
