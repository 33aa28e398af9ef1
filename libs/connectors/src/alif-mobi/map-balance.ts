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

/**
 * The balances of `GET /banks/B/accounts/A/balances`; one per canonical type, first wins.
 *
 * The `booked` balance is the anchor of every statement: the account's balance after all its
 * booked entries. OBP's own mapped connector answers this call with ONE entry typed
 * `OpeningBooked` whose value is the account's CURRENT balance (LocalMappedConnector.scala:964),
 * and OBP balances carry no reference date. So when the bank sends no current-booked type, a lone
 * balance of a booked type is read as the current booked balance (and kept under its own type as
 * well): the anchor follows whichever types the deployment writes.
 */
export function mapBalances(wire: ObpAccountBalances): Balance[] {
  const byType = new Map<BalanceType, Balance>();
  wire.balances.forEach((b, i) => {
    const type = BALANCE_TYPES[(b.type ?? '').toUpperCase().replace(/[^A-Z]/g, '')];
    if (type === undefined || byType.has(type)) return;
    byType.set(type, { type, amount: obpMoney(b, `$.balances[${i}]`), referenceDate: null });
  });
  if (!byType.has('booked')) {
    const lone = [...byType.values()].filter(
      (b) => b.type === 'opening_booked' || b.type === 'closing_booked',
    );
    if (lone.length === 1 && wire.balances.length === 1)
      byType.set('booked', { ...lone[0]!, type: 'booked' });
  }
  return [...byType.values()];
}
