/**
 * The bank's data in NextGenPSD2 JSON shapes (`accountDetails`, `balance`, `transactions`,
 * `accountReference`). Keys are always written in the same order, so that two sandboxes with the
 * same seed answer byte for byte the same.
 */
import { KIND_CODES, type Bank, type Entry } from '../seed/bank.js';
import { BANK_BIC, type AccountDef } from '../seed/catalog.js';
import { dayToIso, formatLocalDateTime } from '../seed/dates.js';
import { formatMinor } from '../seed/money.js';
import type { Grant } from './consents.js';

export const API_PREFIX = '/v1';

export function accountRef(a: AccountDef): Record<string, string> {
  return { bban: a.bban, currency: a.currency };
}

export function amount(a: AccountDef, minor: number): { currency: string; amount: string } {
  return { currency: a.currency, amount: formatMinor(minor) };
}

/**
 * The three balances the bank reports: the booked balance at the end of yesterday
 * (`closingBooked`, dated), the booked balance now (`interimBooked`) and the booked balance less
 * pending debits (`interimAvailable`), both dated today with the time of calculation.
 */
export function balances(bank: Bank, a: AccountDef): Array<Record<string, unknown>> {
  const today = bank.todayDay;
  const now = formatLocalDateTime(bank.nowSec);
  const last = bank.lastBooked(a.index);
  const interimBooked: Record<string, unknown> = {
    balanceAmount: amount(a, bank.balanceThrough(a.index, today)),
    balanceType: 'interimBooked',
    lastChangeDateTime: now,
    referenceDate: dayToIso(today),
  };
  if (last) interimBooked.lastCommittedTransaction = last.entryReference;
  return [
    {
      balanceAmount: amount(a, bank.balanceThrough(a.index, today - 1)),
      balanceType: 'closingBooked',
      referenceDate: dayToIso(today - 1),
    },
    interimBooked,
    {
      balanceAmount: amount(a, bank.availableBalance(a.index)),
      balanceType: 'interimAvailable',
      creditLimitIncluded: false,
      lastChangeDateTime: now,
      referenceDate: dayToIso(today),
    },
  ];
}

export function accountDetails(
  bank: Bank,
  a: AccountDef,
  grant: Grant,
  opts: { withBalance: boolean },
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    resourceId: a.resourceId,
    bban: a.bban,
    currency: a.currency,
    name: a.name,
    product: a.product,
    cashAccountType: a.cashAccountType,
    status: a.status,
    bic: BANK_BIC,
    usage: 'PRIV',
  };
  if (grant.ownerName) out.ownerName = bank.catalog.users[a.userIndex]!.name;
  if (opts.withBalance) out.balances = balances(bank, a);
  const links: Record<string, { href: string }> = {};
  if (!grant.listOnly && grant.balances.has(a.index))
    links.balances = { href: `${API_PREFIX}/accounts/${a.resourceId}/balances` };
  if (!grant.listOnly && grant.transactions.has(a.index))
    links.transactions = { href: `${API_PREFIX}/accounts/${a.resourceId}/transactions` };
  if (Object.keys(links).length) out._links = links;
  return out;
}

const CARD_KINDS = new Set(['POS', 'ONLINE', 'HOLD', 'ATM']);

/**
 * One entry as a booked or a pending transaction. The pending one has its own transactionId, no
 * bookingDate, and the entryReference only when the bank had one at authorisation time; signs
 * follow the account: debits are negative.
 */
export function transaction(a: AccountDef, e: Entry, state: 'booked' | 'pending'): Record<string, unknown> {
  const out: Record<string, unknown> = {
    transactionId: state === 'booked' ? e.bookedId : e.pendingId,
  };
  if (state === 'booked' || e.pendingRef) out.entryReference = e.entryReference;
  if (state === 'booked') out.bookingDate = dayToIso(e.bookDay!);
  out.valueDate = dayToIso(CARD_KINDS.has(e.kind) ? e.postedDay : (e.bookDay ?? e.postedDay));
  out.transactionAmount = amount(a, e.amount);
  const cp = e.counterparty;
  if (cp) {
    if (e.amount < 0) {
      out.creditorName = cp.name;
      if (cp.bban) out.creditorAccount = { bban: cp.bban };
      if (cp.bic) out.creditorAgent = cp.bic;
    } else {
      out.debtorName = cp.name;
      if (cp.bban) out.debtorAccount = { bban: cp.bban };
      if (cp.bic) out.debtorAgent = cp.bic;
    }
  }
  if (Array.isArray(e.remittance)) out.remittanceInformationUnstructuredArray = e.remittance;
  else out.remittanceInformationUnstructured = e.remittance;
  out.bankTransactionCode = KIND_CODES[e.kind].btc;
  out.proprietaryBankTransactionCode = KIND_CODES[e.kind].proprietary;
  return out;
}
