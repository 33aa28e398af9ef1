import type { PaymentStatus } from '#persistence/repositories/bepaid.repository.js';

/** bePaid's final statuses: once a payment holds one, no notification changes it. */
export const FINAL_STATUSES: readonly PaymentStatus[] = ['successful', 'failed', 'expired', 'error'];

/**
 * Whether a notification's status becomes the payment's status. A payment moves from
 * `verified`/`refused`/`pending` to any status bePaid reports; a final status is never replaced
 * (a late `failed` after `successful`, or a `pending` arriving after the result, is kept in the
 * payment's history with `applied: false`). A repeated status changes nothing.
 */
export function applies(current: PaymentStatus, next: PaymentStatus): boolean {
  if (FINAL_STATUSES.includes(current)) return false;
  return current !== next;
}
