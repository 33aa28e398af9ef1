import type { Account, AccountStatus, AccountType } from '#domain/account.js';
import type { Balance, BalanceType } from '#domain/balance.js';
import { isCurrencyCode } from '#domain/currency.js';
import { isIsoDate, type IsoDate } from '#domain/dates.js';
import { assignOccurrences, type OccurrenceCounter } from '#domain/fingerprint.js';
import { Money, parseBankAmount } from '#domain/money.js';
import type { Counterparty, Transaction, TransactionType } from '#domain/transaction.js';
import type { SkippedItem } from '../connector.js';
import { maskTail } from '../alif-mobi/obp-values.js';
import { bankDate } from './bank-day.js';
import { WireShapeError, object, optObject, optString, string, type WireObject } from '../wire.js';

/**
 * Berlin Group NextGenPSD2 (1.3.x) bodies → Hisob's canonical model. Amounts are decimal strings
 * with the sign in `amount` (no `creditDebitIndicator` in AIS JSON); dates are the bank's days.
 */

/** `amount {currency, amount}` → Money; exact, refusing surplus precision. */
export function bgAmount(value: unknown, path: string): Money {
  const o = object(value, path);
  const currency = string(o.currency, `${path}.currency`);
  const amount = string(o.amount, `${path}.amount`);
  try {
    return parseBankAmount(amount, currency);
  } catch (err) {
    throw new WireShapeError(path, `an exact amount in a known currency (${(err as Error).message})`, o);
  }
}

function optDate(value: unknown, path: string, timeZone?: string): IsoDate | null {
  const s: string | null = optString(value, path);
  if (s === null) return null;
  if (isIsoDate(s)) return s as IsoDate;
  // Some implementations send a date-time: its day in the bank's zone.
  const text: string = s;
  if (timeZone && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) {
    const zoned = /([zZ]|[+-]\d{2}:?\d{2})$/.test(text);
    const ms = Date.parse(zoned ? text : `${text}Z`);
    if (Number.isFinite(ms)) return zoned ? bankDate(ms, timeZone) : text.slice(0, 10);
  }
  throw new WireShapeError(path, 'an ISO date', s);
}

/** The account number a reference carries: IBAN, BBAN, masked PAN, PAN, MSISDN or `other`. */
export function referenceNumber(ref: WireObject | null): string | null {
  if (!ref) return null;
  for (const k of ['iban', 'bban', 'maskedPan', 'pan', 'msisdn'] as const) {
    if (typeof ref[k] === 'string' && ref[k]) return ref[k];
  }
  const other = ref.other;
  if (other && typeof other === 'object' && typeof (other as WireObject).identification === 'string')
    return (other as WireObject).identification as string;
  return null;
}

const CASH_ACCOUNT_TYPES: Readonly<Record<string, AccountType>> = {
  CACC: 'current',
  CASH: 'current',
  CHAR: 'current',
  TRAN: 'current',
  SVGS: 'savings',
  MOMA: 'savings',
  ONDP: 'savings',
  NFCA: 'savings',
  CARD: 'card',
  LOAN: 'loan',
  MGLD: 'loan',
  ODFT: 'credit',
};

const ACCOUNT_STATUSES: Readonly<Record<string, AccountStatus>> = {
  enabled: 'active',
  blocked: 'blocked',
  deleted: 'closed',
};

/**
 * One `accountDetails`. Its `resourceId` is the id on the API. A multi-currency account
 * (`currency` "XXX") has no one currency: it is reported as skipped by the caller.
 */
export function mapAccount(value: unknown, path: string): Account {
  const a = object(value, path);
  const resourceId = string(a.resourceId, `${path}.resourceId`);
  const currency = string(a.currency, `${path}.currency`);
  if (!isCurrencyCode(currency))
    throw new WireShapeError(`${path}.currency`, 'a single known ISO 4217 currency', currency);
  const iban = optString(a.iban, `${path}.iban`);
  const number = iban ?? referenceNumber(a);
  const cashType = optString(a.cashAccountType, `${path}.cashAccountType`);
  const status = optString(a.status, `${path}.status`) ?? 'enabled';
  if (!(status in ACCOUNT_STATUSES))
    throw new WireShapeError(`${path}.status`, 'enabled, blocked or deleted', status);
  const name =
    optString(a.name, `${path}.name`) ??
    optString(a.displayName, `${path}.displayName`) ??
    optString(a.product, `${path}.product`) ??
    (number ? `${currency} ${maskTail(number)}` : currency);
  return {
    providerAccountId: resourceId,
    type: (cashType && CASH_ACCOUNT_TYPES[cashType.toUpperCase()]) || 'current',
    name,
    currency,
    iban,
    numberMasked: number ? maskTail(number) : null,
    status: ACCOUNT_STATUSES[status]!,
  };
}

/**
 * Berlin Group balance types → Hisob's, by preference where several map to one (a Hisob account
 * holds one balance per type). `booked` is the booked balance now (`interimBooked`); a bank that
 * reports only `closingBooked` (dated) gets its statements anchored on that one, carried forward
 * through the entries booked after its date.
 */
const BALANCE_PREFERENCE: ReadonlyArray<readonly [BalanceType, readonly string[]]> = [
  ['booked', ['interimBooked']],
  ['available', ['interimAvailable', 'closingAvailable', 'openingAvailable']],
  ['closing_booked', ['closingBooked']],
  ['opening_booked', ['openingBooked']],
  ['expected', ['expected']],
];

/** The `balances` array: every type Hisob has a place for, one balance per Hisob type. */
export function mapBalances(list: unknown, path: string): Balance[] {
  if (!Array.isArray(list)) throw new WireShapeError(path, 'an array', list);
  const byType = new Map<string, { amount: Money; referenceDate: IsoDate | null }>();
  list.forEach((v, i) => {
    const at = `${path}[${i}]`;
    const b = object(v, at);
    const type = string(b.balanceType, `${at}.balanceType`);
    if (byType.has(type)) return; // the first of a type, as the bank lists it
    byType.set(type, {
      amount: bgAmount(b.balanceAmount, `${at}.balanceAmount`),
      referenceDate: optDate(b.referenceDate, `${at}.referenceDate`),
    });
  });
  const out: Balance[] = [];
  for (const [type, sources] of BALANCE_PREFERENCE) {
    const src = sources.map((s) => byType.get(s)).find((b) => b !== undefined);
    if (src) out.push({ type, amount: src.amount, referenceDate: src.referenceDate });
  }
  return out;
}

/** ISO 20022 bank transaction code (`Domain-Family-SubFamily`) or the bank's own code → type. */
export function transactionType(btc: string | null, proprietary: string | null): TransactionType {
  const [domain = '', family = '', sub = ''] = (btc ?? '').toUpperCase().split('-');
  if (['CHRG', 'FEES', 'COMM', 'COMI', 'TAXE'].includes(sub) || family === 'CHRG') return 'fee';
  if (family === 'CCRD' || family === 'DCRD' || family === 'MCRD' || family === 'POSD') return 'card';
  if (domain === 'FORX' || sub === 'FEXC') return 'exchange';
  if (family === 'ICDT' || family === 'RCDT' || family === 'ICHQ' || family === 'RRCT') return 'transfer';
  if (family === 'IDDT' || family === 'RDDT') return 'utility';
  if (family === 'CNTR' || family === 'CASH') return 'card';
  const p = (proprietary ?? '').toUpperCase();
  if (['POS', 'ECOM', 'ATM', 'CARD'].includes(p)) return 'card';
  if (['TRF', 'SAL', 'REMIT', 'SWIFT', 'DEP', 'WDR'].includes(p)) return 'transfer';
  if (p === 'UTIL') return 'utility';
  if (['COM', 'FEE'].includes(p)) return 'fee';
  return 'other';
}

/** A transaction as the bank sent it, before its id is settled. */
export interface BgEntry {
  readonly transactionId: string | null;
  readonly entryReference: string | null;
  readonly status: 'booked' | 'pending';
  readonly date: IsoDate;
  readonly valueDate: IsoDate | null;
  readonly amount: Money;
  readonly description: string;
  readonly counterparty: Counterparty | null;
  readonly balanceAfter: Money | null;
  readonly type: TransactionType;
  readonly category: string | null;
}

/** How to read entries of one bank. */
export interface EntryOptions {
  /** The bank's zone, for date-times sent where dates belong. */
  readonly timeZone?: string;
  /** The bank sends unsigned amounts: the direction comes from the parties. */
  readonly signByParty?: boolean;
}

/**
 * One `transactionDetails`. A pending entry has no `bookingDate`: it is dated by its
 * `valueDate` (else `transactionDate`/`entryDate`, else the report's last day).
 */
export function readEntry(
  value: unknown,
  path: string,
  status: 'booked' | 'pending',
  reportDay: IsoDate,
  opts: EntryOptions = {},
): BgEntry {
  const t = object(value, path);
  const tz = opts.timeZone;
  let amount = bgAmount(t.transactionAmount, `${path}.transactionAmount`);
  // A bank that strips signs (`ACCESSBANK_AMOUNT_SIGN=by-party`): a creditor and no debtor is a debit.
  if (
    opts.signByParty &&
    amount.minor > 0n &&
    (t.creditorName || t.creditorAccount) &&
    !(t.debtorName || t.debtorAccount)
  )
    amount = Money.fromMinor(-amount.minor, amount.currency);
  const bookingDate = optDate(t.bookingDate, `${path}.bookingDate`, tz);
  const valueDate = optDate(t.valueDate, `${path}.valueDate`, tz);
  const other =
    optDate(t.transactionDate, `${path}.transactionDate`, tz) ??
    optDate(t.entryDate, `${path}.entryDate`, tz);
  if (status === 'booked' && bookingDate === null)
    throw new WireShapeError(`${path}.bookingDate`, 'the booking date of a booked entry', null);
  const date = status === 'booked' ? bookingDate! : (bookingDate ?? valueDate ?? other ?? reportDay);
  const debit = amount.minor < 0n;
  const name = optString(
    debit ? t.creditorName : t.debtorName,
    `${path}.${debit ? 'creditor' : 'debtor'}Name`,
  );
  const account = referenceNumber(
    optObject(debit ? t.creditorAccount : t.debtorAccount, `${path}.${debit ? 'creditor' : 'debtor'}Account`),
  );
  const lines = Array.isArray(t.remittanceInformationUnstructuredArray)
    ? t.remittanceInformationUnstructuredArray.filter((l): l is string => typeof l === 'string')
    : [];
  const description =
    optString(t.remittanceInformationUnstructured, `${path}.remittanceInformationUnstructured`) ??
    (lines.length ? lines.join(' ') : null) ??
    optString(t.additionalInformation, `${path}.additionalInformation`) ??
    '';
  let balanceAfter: Money | null = null;
  const bat = optObject(t.balanceAfterTransaction, `${path}.balanceAfterTransaction`);
  if (bat) balanceAfter = bgAmount(bat.balanceAmount, `${path}.balanceAfterTransaction.balanceAmount`);
  const btc = optString(t.bankTransactionCode, `${path}.bankTransactionCode`);
  const proprietary = optString(t.proprietaryBankTransactionCode, `${path}.proprietaryBankTransactionCode`);
  return {
    transactionId: optString(t.transactionId, `${path}.transactionId`) || null,
    entryReference: optString(t.entryReference, `${path}.entryReference`) || null,
    status,
    date,
    valueDate,
    amount,
    description,
    counterparty: name ? { name, account } : null,
    balanceAfter,
    type: transactionType(btc, proprietary),
    category: null,
  };
}

/**
 * Settles ids: the bank's `transactionId`, else its `entryReference`, else a fingerprint id
 * (date, amount, counterparty, text, occurrence number — the counter travels in the checkpoint,
 * so equal entries on different pages stay two). Pending fingerprints have their own prefix: a
 * pending entry and its booked successor are two entries.
 */
export function settleIds(
  entries: readonly BgEntry[],
  counters: { booked: OccurrenceCounter; pending: OccurrenceCounter },
): Transaction[] {
  const out = new Array<Transaction>(entries.length);
  for (const status of ['booked', 'pending'] as const) {
    const idx = entries.flatMap((e, i) =>
      e.status === status && !e.transactionId && !e.entryReference ? [i] : [],
    );
    const printed = assignOccurrences(
      idx.map((i) => entries[i]!),
      (e) => ({
        bookingDate: e.date,
        amount: e.amount,
        counterparty: e.counterparty?.name ?? null,
        description: e.description,
      }),
      { counter: counters[status], tiebreak: (e) => e.valueDate ?? '' },
    );
    idx.forEach((i, k) => {
      const id = printed[k]!.id;
      out[i] = toTransaction(entries[i]!, status === 'pending' ? `pending:${id}` : id);
    });
  }
  entries.forEach((e, i) => {
    if (!out[i]) out[i] = toTransaction(e, (e.transactionId ?? e.entryReference)!);
  });
  return out;
}

function toTransaction(e: BgEntry, id: string): Transaction {
  return {
    providerTransactionId: id,
    status: e.status,
    date: e.date,
    valueDate: e.valueDate,
    bookedAt: null,
    amount: e.amount,
    type: e.type,
    description: e.description,
    counterparty: e.counterparty,
    balanceAfter: e.balanceAfter,
    category: e.category,
    entryReference: e.entryReference,
  };
}

/** Accounts of `GET /v1/accounts`, one unreadable account reported rather than failing the list. */
export function mapAccounts(list: unknown, path: string): { items: Account[]; skipped: SkippedItem[] } {
  if (!Array.isArray(list)) throw new WireShapeError(path, 'an array', list);
  const items: Account[] = [];
  const skipped: SkippedItem[] = [];
  list.forEach((v, i) => {
    try {
      items.push(mapAccount(v, `${path}[${i}]`));
    } catch (err) {
      if (!(err instanceof WireShapeError)) throw err;
      skipped.push({ path: `${path}[${i}]`, reason: err.message });
    }
  });
  return { items, skipped };
}
