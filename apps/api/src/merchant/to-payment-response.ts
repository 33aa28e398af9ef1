import type { NotificationRow, PaymentRow } from '#persistence/repositories/bepaid.repository.js';
import type { PaymentMatch } from './reconciliation.js';

/** A payment as `payment.updated` carries it (no history, no match: read them with the API). */
export function toPaymentEvent(p: PaymentRow) {
  return {
    tracking_id: p.id,
    id: bepaidIdOf(p),
    account: p.account,
    amount: p.amount,
    currency: p.currency,
    status: p.status,
    result: p.result,
    paid_at: p.paidAt?.toISOString() ?? null,
    test: p.test,
  };
}

/** bePaid's request id with the JSON type it was sent with. */
export const bepaidIdOf = (p: Pick<PaymentRow, 'bepaidId' | 'bepaidIdIsNumber'>): string | number =>
  p.bepaidIdIsNumber ? Number(p.bepaidId) : p.bepaidId;

export interface PaymentHistoryEntry {
  at: string;
  source: 'verification' | 'notification';
  status: string;
  uid: string | null;
  applied: boolean;
}

/** A payment of `GET /v1/merchant/payments`: its answer, status, history and match. */
export function toPaymentResponse(
  p: PaymentRow,
  notifications: readonly NotificationRow[],
  match: PaymentMatch,
) {
  const history: PaymentHistoryEntry[] = [
    {
      at: p.createdAt.toISOString(),
      source: 'verification',
      status: p.result === 0 ? 'verified' : 'refused',
      uid: null,
      applied: true,
    },
    ...notifications.map((n) => ({
      at: n.receivedAt.toISOString(),
      source: 'notification' as const,
      status: n.status,
      uid: n.uid,
      applied: n.applied === true,
    })),
  ];
  return {
    tracking_id: p.id,
    id: bepaidIdOf(p),
    account: p.account,
    amount: p.amount,
    currency: p.currency,
    result: p.result,
    description: p.description,
    status: p.status,
    bepaid_uid: p.bepaidUid,
    paid_at: p.paidAt?.toISOString() ?? null,
    test: p.test,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
    history,
    match_status: match.status,
    matched_transaction_id: match.status === 'matched' ? match.transactionIds[0]! : null,
    candidate_transaction_ids: match.status === 'ambiguous' ? match.transactionIds : [],
  };
}
