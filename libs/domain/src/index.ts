export { CURRENCY_EXPONENTS, currencyExponent, isCurrencyCode, type CurrencyCode } from './currency.js';
export { MoneyError, type MoneyErrorCode } from './money-errors.js';
export { Money, convertMoney, parseBankAmount, parseCurrencyCode, type FxRounding } from './money.js';
export { isProviderIdShape, type ProviderId } from './provider.js';
export {
  CAPABILITIES,
  PERMISSIONS,
  bankReads,
  isPermission,
  permissionsOffered,
  reads,
  SERVED_BY,
  type Capability,
  type Permission,
} from './permissions.js';
export { isIsoDate, type IsoDate, type Timestamp } from './dates.js';
export type { Account, AccountStatus, AccountType } from './account.js';
export type { Balance, BalanceType } from './balance.js';
export {
  TRANSACTION_TYPES,
  isTransactionType,
  type Counterparty,
  type Transaction,
  type TransactionStatus,
  type TransactionType,
} from './transaction.js';
export type { Card, CardKind, CardScheme, CardStatus } from './card.js';
export type { Transfer, TransferRail, TransferStatus } from './transfer.js';
export type {
  CreditLine,
  Instalment,
  InstalmentOrigin,
  InstalmentPlan,
  InstalmentPlanStatus,
  InstalmentStatus,
} from './credit.js';
export {
  OccurrenceCounter,
  assignOccurrences,
  fingerprintId,
  normaliseFingerprintText,
  transactionFingerprint,
  type FingerprintInput,
  type Fingerprinted,
} from './fingerprint.js';
