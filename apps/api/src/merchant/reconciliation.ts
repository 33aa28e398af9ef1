import type { CandidateRow } from '#persistence/repositories/bepaid.repository.js';

/**
 * A successful payment's match with the credits of the merchant's own Alif Mobi accounts
 * (docs/providers/bepaid.md "Reconciliation"):
 * - `matched`: exactly one candidate credit, and that credit is a candidate of no other successful
 *   payment (one-to-one, decided by the data alone, whatever order things arrived in);
 * - `ambiguous`: two or more candidates, or one candidate another payment could equally claim —
 *   the candidates are reported, never guessed between;
 * - `unmatched`: no candidate;
 * - `not_applicable`: the payment is not successful (nothing was paid).
 */
export type PaymentMatch =
  | { status: 'matched' | 'ambiguous'; transactionIds: string[] }
  | { status: 'unmatched' | 'not_applicable'; transactionIds: [] };

export function matchPayments(
  payments: ReadonlyArray<{ id: string; status: string }>,
  candidates: readonly CandidateRow[],
): Map<string, PaymentMatch> {
  const byPayment = new Map<string, CandidateRow[]>();
  for (const c of candidates) {
    const list = byPayment.get(c.paymentId) ?? [];
    list.push(c);
    byPayment.set(c.paymentId, list);
  }
  const out = new Map<string, PaymentMatch>();
  for (const p of payments) {
    if (p.status !== 'successful') {
      out.set(p.id, { status: 'not_applicable', transactionIds: [] });
      continue;
    }
    const list = byPayment.get(p.id) ?? [];
    if (list.length === 0) out.set(p.id, { status: 'unmatched', transactionIds: [] });
    else if (list.length === 1 && list[0]!.competitors === 1)
      out.set(p.id, { status: 'matched', transactionIds: [list[0]!.transactionId] });
    else out.set(p.id, { status: 'ambiguous', transactionIds: list.map((c) => c.transactionId) });
  }
  return out;
}
