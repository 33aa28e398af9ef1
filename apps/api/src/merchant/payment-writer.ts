import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Notification, VerificationRequest } from '#connectors/bepaid/bepaid.wire.js';
import {
  BepaidRepository,
  type PaymentRow,
  type PaymentStatus,
} from '#persistence/repositories/bepaid.repository.js';
import { WebhookPublisher } from '#webhooks/webhook-publisher.js';
import { applies } from './payment-status.js';
import { toPaymentEvent } from './to-payment-response.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A notification as it is applied to a payment. */
interface Applicable {
  id: string;
  uid: string;
  status: string;
  amountMinor: bigint;
  currency: string;
  paidAt: Date | null;
  receivedAt: Date;
  test: boolean;
}

/**
 * The one writer of bePaid payments: the first answer to a request id, and every notification
 * applied to a payment, each in one transaction with the `payment.updated` event it announces.
 * Writers of one request id are serialised (an advisory lock on client and id, then the payment's
 * row lock), so a verification and a notification that arrives before it never miss each other.
 */
@Injectable()
export class PaymentWriter {
  constructor(
    private readonly ds: DataSource,
    private readonly repo: BepaidRepository,
    private readonly webhooks: WebhookPublisher,
  ) {}

  /**
   * Records the answer to a request id, or returns the one recorded first (`first: false`):
   * concurrent duplicates make one payment. One round trip in the common case; notifications
   * stored before the payment are applied right after, under the same lock (and again by any later
   * verification of the id, should that step have failed).
   */
  async verify(
    clientId: string,
    req: VerificationRequest,
    answer: { amount: string; result: number; description: string },
  ): Promise<{ payment: PaymentRow; first: boolean }> {
    const r = await this.repo.recordVerification({
      clientId,
      bepaidId: req.idKey,
      bepaidIdIsNumber: typeof req.id === 'number',
      account: req.account,
      amount: answer.amount,
      amountMinor: req.amountMinor,
      currency: req.currency,
      methodType: req.methodType,
      result: answer.result,
      description: answer.description,
      status: answer.result === 0 ? 'verified' : 'refused',
    });
    if (!r.waiting) return { payment: r.payment, first: r.first };
    const payment = await this.ds.transaction(async (em) => {
      await this.repo.lockRequest(em, clientId, req.idKey);
      let p = await this.repo.lockPayment(em, clientId, { bepaidId: req.idKey });
      if (!p) throw new Error('bePaid payment vanished after it was recorded');
      for (const n of await this.repo.waitingNotifications(em, clientId, req.idKey))
        p = await this.apply(em, p, n);
      return p;
    });
    // The answer is the first one recorded, whatever the notifications did to the status.
    return {
      payment: { ...payment, result: r.payment.result, description: r.payment.description },
      first: r.first,
    };
  }

  /**
   * Stores a notification once per `uid` (`duplicate` when it was stored before) and applies it
   * to its payment: found by `tracking_id`, else by `order_id` (bePaid's request id). A
   * notification whose payment is not known yet waits in the inbox for its verification.
   */
  notify(
    clientId: string,
    n: Notification,
    rawBody: Buffer,
    signatureVerified: boolean,
  ): Promise<'stored' | 'linked' | 'duplicate'> {
    return this.ds.transaction(async (em) => {
      let payment: PaymentRow | null = null;
      if (n.trackingId && UUID.test(n.trackingId))
        payment = await this.repo.lockPayment(em, clientId, { trackingId: n.trackingId });
      if (!payment && n.orderId) {
        await this.repo.lockRequest(em, clientId, n.orderId);
        payment = await this.repo.lockPayment(em, clientId, { bepaidId: n.orderId });
      }
      const id = await this.repo.insertNotification(em, {
        clientId,
        uid: n.uid,
        trackingId: n.trackingId,
        orderId: n.orderId,
        status: n.status,
        amountMinor: n.amountMinor,
        currency: n.currency,
        paidAt: n.paidAt,
        rawBody,
        signatureVerified,
        test: n.test,
      });
      if (id === null) return 'duplicate';
      if (!payment) return 'stored';
      await this.apply(em, payment, { ...n, id, receivedAt: new Date() });
      return 'linked';
    });
  }

  /**
   * Links a notification to its payment and applies its status when it may (payment-status.ts),
   * and when it names the payment's own amount and currency; either way it stays in the history.
   */
  private async apply(em: EntityManager, payment: PaymentRow, n: Applicable): Promise<PaymentRow> {
    const next = n.status as PaymentStatus;
    const sameMoney = n.amountMinor === payment.amountMinor && n.currency === payment.currency;
    const applied = sameMoney && applies(payment.status, next);
    let updated = payment;
    if (applied) {
      updated = await this.repo.updatePaymentStatus(em, payment.id, {
        status: next,
        bepaidUid: n.uid,
        paidAt: n.paidAt ?? n.receivedAt,
        test: n.test,
      });
    }
    await this.repo.linkNotification(em, n.id, payment.id, applied);
    await this.webhooks.publish(
      payment.clientId,
      'payment.updated',
      {
        ...toPaymentEvent(updated),
        previous_status: payment.status,
        notification: { uid: n.uid, status: n.status, applied },
      },
      em,
    );
    return updated;
  }
}
