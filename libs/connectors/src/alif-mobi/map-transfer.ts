import type { Transfer, TransferRail, TransferStatus } from '#domain/transfer.js';
import { WireShapeError } from '../wire.js';
import { codeOf, obpInstant, obpMoney, required } from './obp-values.js';
import type { ObpCounterparty, ObpTransactionRequest } from './obp.wire.js';

/** OBP transaction-request statuses (§1.4) onto the canonical four. */
const STATUSES: Readonly<Record<string, TransferStatus>> = {
  INITIATED: 'pending',
  PENDING: 'pending',
  NEXT_CHALLENGE_PENDING: 'pending',
  FORWARDED: 'pending',
  CANCELLATION_PENDING: 'pending',
  COMPLETED: 'completed',
  FAILED: 'failed',
  REJECTED: 'failed',
  CANCELLED: 'failed',
  RETURNED: 'returned',
  REFUNDED: 'returned',
};

/** Alif's `details.rail` extension first, then OBP's request type. */
const RAILS: Readonly<Record<string, TransferRail>> = {
  VISA_DIRECT: 'visa_direct',
  CARD_TRANSFER: 'card',
  UNIONPAY: 'card',
  SWIFT: 'swift',
  CROSS_BORDER_CREDIT_TRANSFERS: 'swift',
  TARGET_2_PAYMENTS: 'swift',
  SEPA: 'sepa',
  SEPA_CREDIT_TRANSFERS: 'sepa',
  INSTANT_SEPA_CREDIT_TRANSFERS: 'sepa',
  CARD: 'card',
  TRANSFER_TO_PHONE: 'phone',
  PHONE: 'phone',
  ACCOUNT: 'internal',
  ACCOUNT_OTP: 'internal',
  TRANSFER_TO_ACCOUNT: 'internal',
  INTERNAL: 'internal',
  SANDBOX_TAN: 'internal',
  SIMPLE: 'internal',
  FREE_FORM: 'internal',
  COUNTERPARTY: 'domestic',
  DOMESTIC: 'domestic',
};

const DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/;

function bespoke(cp: ObpCounterparty | undefined, key: string): string | null {
  return cp?.bespoke.find((b) => b.key?.toLowerCase() === key && b.value)?.value ?? null;
}

/**
 * One OBP transaction request (a payment order) as a canonical transfer of `accountId`.
 * - The amount is what leaves the account, positive; `charge.value` is the fee when non-zero.
 * - The beneficiary's name, country and rail come from the request's own details when present,
 *   else from its counterparty: a COUNTERPARTY request only names `counterparty_id` (§1.4), and
 *   OBP keeps extras such as Alif's `country` and `rail` in the counterparty's `bespoke` pairs.
 * - FX fields are read when the request carries them (`destination_value`, `fx_rate`).
 */
export function mapTransfer(
  r: ObpTransactionRequest,
  path: string,
  accountId: string,
  counterparties: ReadonlyMap<string, ObpCounterparty> = new Map(),
): Transfer {
  const id = required(r.id, `${path}.id`, 'a transaction request id');
  const details = required(r.details, `${path}.details`, 'transaction request details');
  const counterparty =
    details.to_counterparty_id === null ? undefined : counterparties.get(details.to_counterparty_id);
  const status = STATUSES[codeOf(r.status)];
  if (status === undefined) {
    throw new WireShapeError(`${path}.status`, 'an OBP transaction request status', r.status);
  }
  const amount = obpMoney(details.value, `${path}.details.value`).abs();
  const fee = r.charge_value?.amount
    ? obpMoney(r.charge_value, `${path}.charge.value`, amount.currency).abs()
    : null;
  const fxRate = details.fx_rate;
  if (fxRate !== null && !DECIMAL.test(fxRate)) {
    throw new WireShapeError(`${path}.details.fx_rate`, 'a decimal string', fxRate);
  }
  const country = (details.destination_country ?? bespoke(counterparty, 'country'))?.toUpperCase() || null;
  if (country !== null && !/^[A-Z]{2}$/.test(country)) {
    throw new WireShapeError(`${path}.details.destination_country`, 'an ISO 3166-1 alpha-2 code', country);
  }
  let rail = RAILS[codeOf(details.rail ?? bespoke(counterparty, 'rail'))] ?? RAILS[codeOf(r.type)] ?? 'other';
  if (rail === 'domestic' && country !== null && country !== 'TJ') rail = 'swift';
  return {
    providerTransferId: id,
    providerAccountId: r.from_account_id ?? accountId,
    amount,
    destinationAmount: details.destination_value?.amount
      ? obpMoney(details.destination_value, `${path}.details.destination_value`).abs()
      : null,
    fxRate,
    fee: fee === null || fee.isZero() ? null : fee,
    destinationCountry: country,
    counterpartyName: details.to_name ?? counterparty?.name ?? null,
    rail,
    status,
    createdAt: obpInstant(r.start_date, `${path}.start_date`).iso,
    completedAt:
      status === 'completed' && r.end_date !== null ? obpInstant(r.end_date, `${path}.end_date`).iso : null,
  };
}
