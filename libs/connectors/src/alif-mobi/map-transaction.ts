import { isTransactionType, type Transaction, type TransactionType } from '#domain/transaction.js';
import { codeOf, instantDate, obpInstant, obpMoney, required } from './obp-values.js';
import type { ObpAttribute, ObpTransaction } from './obp.wire.js';

/**
 * OBP `details.type` is a free-text code (§1.4); OBP's own transaction-request types (§1.4
 * "Transaction requests") and Alif Mobi's operation codes map onto the canonical `type`
 * (api.md). Keys are {@link codeOf} forms.
 */
const TYPE_CODES: Readonly<Record<string, TransactionType>> = {
  // OBP transaction-request types and transfer rails.
  TRANSFER: 'transfer',
  ACCOUNT: 'transfer',
  ACCOUNT_OTP: 'transfer',
  COUNTERPARTY: 'transfer',
  SEPA: 'transfer',
  SEPA_CREDIT_TRANSFERS: 'transfer',
  INSTANT_SEPA_CREDIT_TRANSFERS: 'transfer',
  TARGET_2_PAYMENTS: 'transfer',
  CROSS_BORDER_CREDIT_TRANSFERS: 'transfer',
  TRANSFER_TO_ACCOUNT: 'transfer',
  TRANSFER_TO_PHONE: 'transfer',
  TRANSFER_TO_REFERENCE_ACCOUNT: 'transfer',
  FREE_FORM: 'transfer',
  SANDBOX_TAN: 'transfer',
  SIMPLE: 'transfer',
  P2P: 'transfer',
  INTERNATIONAL_TRANSFER: 'transfer',
  INCOMING_TRANSFER: 'transfer',
  OWN_ACCOUNT_TRANSFER: 'transfer',
  SALARY: 'transfer',
  VISA_DIRECT: 'transfer',
  REMITTANCE: 'transfer',
  // Card use, including cash at an ATM.
  CARD: 'card',
  CARD_PAYMENT: 'card',
  POS: 'card',
  ECOM: 'card',
  ATM: 'card',
  ATM_WITHDRAWAL: 'card',
  TRANSFER_TO_ATM: 'card',
  CASH_WITHDRAWAL: 'card',
  UTILITY: 'utility',
  UTILITIES: 'utility',
  UTILITY_PAYMENT: 'utility',
  BILL_PAYMENT: 'utility',
  SERVICE: 'service',
  SERVICE_PAYMENT: 'service',
  MOBILE_PAYMENT: 'service',
  FINE_PAYMENT: 'service',
  CASHBACK: 'cashback',
  CASH_BACK: 'cashback',
  FEE: 'fee',
  CHARGE: 'fee',
  COMMISSION: 'fee',
  TOPUP: 'topup',
  TOP_UP: 'topup',
  DEPOSIT: 'topup',
  CASH_IN: 'topup',
  PURCHASE: 'purchase',
  INSTALMENT: 'instalment',
  INSTALLMENT: 'instalment',
  REPAYMENT: 'repayment',
  LOAN_REPAYMENT: 'repayment',
  EXCHANGE: 'exchange',
  FX: 'exchange',
  CURRENCY_EXCHANGE: 'exchange',
  CONVERSION: 'exchange',
};

/** Categories that identify the type when the type code does not (e.g. a bare category attribute). */
const CATEGORY_TYPES: Readonly<Record<string, TransactionType>> = {
  electricity: 'utility',
  water: 'utility',
  gas: 'utility',
  heating: 'utility',
  utilities: 'utility',
  mobile: 'service',
  internet: 'service',
  tv: 'service',
  fines: 'service',
  taxes: 'service',
};

/** Card payments name their card in an attribute (the sandbox: `card_id`). */
const CARD_ATTRIBUTES = new Set(['CARD_ID']);
const TYPE_ATTRIBUTES = new Set(['TYPE', 'TRANSACTION_TYPE', 'OPERATION_TYPE']);
const CATEGORY_ATTRIBUTES = new Set([
  'CATEGORY',
  'SERVICE_CATEGORY',
  'PAYMENT_CATEGORY',
  'MERCHANT_CATEGORY',
]);

function attribute(attributes: readonly ObpAttribute[], names: ReadonlySet<string>): string | null {
  return attributes.find((a) => names.has(codeOf(a.name)) && a.value)?.value ?? null;
}

function typeOf(code: string | null): TransactionType | null {
  const lower = (code ?? '').trim().toLowerCase();
  if (isTransactionType(lower)) return lower;
  return TYPE_CODES[codeOf(code)] ?? null;
}

/**
 * The canonical `type` and `category`: a transaction attribute (`TYPE`, `CATEGORY`…) wins over
 * `details.type`, since attributes are where OBP banks put their own classification; a known
 * category decides a type nothing else gave; otherwise `other`.
 */
export function classify(
  detailsType: string | null,
  attributes: readonly ObpAttribute[],
): {
  type: TransactionType;
  category: string | null;
} {
  const rawCategory = attribute(attributes, CATEGORY_ATTRIBUTES);
  const category = rawCategory === null ? null : codeOf(rawCategory).toLowerCase() || null;
  const type =
    typeOf(attribute(attributes, TYPE_ATTRIBUTES)) ??
    typeOf(detailsType) ??
    (category === null ? null : (CATEGORY_TYPES[category] ?? null)) ??
    'other';
  return { type, category };
}

/** Options of {@link mapTransaction}. */
export interface TransactionMappingOptions {
  /** IANA zone the booking date is taken in (the bank's local date). */
  readonly timeZone: string;
}

/**
 * One OBP transaction (TransactionJsonV300) as a canonical transaction.
 *
 * - id: OBP `id`, stable per entry; double-entry means an own-account transfer is two entries
 *   with two ids, one per account, each kept by its own account.
 * - status `booked`: OBP transactions are settled entries only (§1.4).
 * - date: `details.completed` (the finish date, which OBP filters and sorts on), in the bank's
 *   zone; `bookedAt` keeps the instant.
 * - amount: `details.value`, signed from the account's side (§1.4).
 * - balanceAfter: `details.new_balance` when the view shows it.
 */
export function mapTransaction(
  t: ObpTransaction,
  path: string,
  options: TransactionMappingOptions,
): Transaction {
  const id = required(t.id, `${path}.id`, 'a transaction id');
  const details = required(t.details, `${path}.details`, 'transaction details');
  const completed = obpInstant(details.completed, `${path}.details.completed`);
  const amount = obpMoney(details.value, `${path}.details.value`);
  const newBalance = details.new_balance?.amount ?? null;
  const holder = t.other_account?.holder?.name?.trim() || null;
  const routings = t.other_account?.account_routings ?? [];
  const { type, category } = classify(details.type, t.transaction_attributes);
  return {
    providerTransactionId: id,
    status: 'booked',
    date: instantDate(completed, options.timeZone),
    valueDate: null,
    bookedAt: completed.iso,
    amount,
    type,
    description: details.description ?? t.metadata?.narrative ?? '',
    counterparty:
      holder === null ? null : { name: holder, account: routings.find((r) => r.address)?.address ?? null },
    balanceAfter:
      newBalance === null
        ? null
        : obpMoney(details.new_balance, `${path}.details.new_balance`, amount.currency),
    category,
    providerCardId: attribute(t.transaction_attributes, CARD_ATTRIBUTES),
  };
}
