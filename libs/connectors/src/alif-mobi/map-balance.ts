import type { Balance, BalanceType } from '#domain/balance.js';
import { obpMoney } from './obp-values.js';
import type { ObpAccountBalances } from './obp.wire.js';

/**
 * OBP balance `type` is whatever core banking returns (§1.4: the swagger example is `""`; the
 * per-bank form writes `OpeningBooked`). Berlin Group names and common variants are recognised
 * (case and separators ignored); an empty or null type is the account's current booked balance.
 * Other types are dropped rather than guessed: the canonical set is closed (api.md).
 */
const BALANCE_TYPES: Readonly<Record<string, BalanceType>> = {
  '': 'booked',
  BOOKED: 'booked',
  INTERIMBOOKED: 'booked',
  CURRENT: 'booked',
  LEDGER: 'booked',
  OPENINGBOOKED: 'opening_booked',
  CLOSINGBOOKED: 'closing_booked',
  AVAILABLE: 'available',
  INTERIMAVAILABLE: 'available',
  CLOSINGAVAILABLE: 'available',
  EXPECTED: 'expected',
  FORWARDAVAILABLE: 'expected',
  CREDITLIMIT: 'credit_limit',
};

/** The balances of `GET /banks/B/accounts/A/balances`; one per canonical type, first wins. */
export function mapBalances(wire: ObpAccountBalances): Balance[] {
  const byType = new Map<BalanceType, Balance>();
  wire.balances.forEach((b, i) => {
    const type = BALANCE_TYPES[(b.type ?? '').toUpperCase().replace(/[^A-Z]/g, '')];
    if (type === undefined || byType.has(type)) return;
    byType.set(type, { type, amount: obpMoney(b, `$.balances[${i}]`), referenceDate: null });
  });
  return [...byType.values()];
}
