/**
 * bePaid's side of an Alif Mobi payment toward one merchant (docs.bepaid.by
 * /en/payment_methods/apms/alif/, /en/integration/apm_api/webhooks/):
 *
 * 1. the customer pays in the Alif Mobi app; bePaid asks the merchant
 *    `POST <verification_url>` `{"request":{account,id,amount,currency,info?,method}}` with the
 *    merchant's own Basic credentials, and gives it 14 s;
 * 2. `result` 0 lets the payment proceed, any other code (or no answer in time) fails it;
 * 3. bePaid notifies the result: `POST <notification_url>` `{"transaction":{…}}`, Basic auth
 *    and `Content-Signature`, again until the merchant answers 2xx or the attempts run out.
 *
 * Everything sent and answered is recorded, in memory, for the control API to show.
 */
import { randomUUID } from 'node:crypto';

import { hex64 } from '../../../sandbox-kit/src/prng.js';
import { resultMeaning } from './result-codes.js';
import type { Exchange, OutboundScope } from './outbound.js';
import type { Signer } from './signer.js';

export type TransactionStatus = 'successful' | 'failed' | 'pending' | 'expired' | 'error';
export const TRANSACTION_STATUSES: readonly TransactionStatus[] = [
  'successful',
  'failed',
  'pending',
  'expired',
  'error',
];

export interface Merchant {
  id: string;
  name: string | undefined;
  shopId: string;
  secretKey: string;
  verificationUrl: string;
  notificationUrl: string;
  createdAt: string;
}

export interface VerificationAttempt {
  http_status: number | null;
  /** The answer: parsed JSON when it is JSON, else its text; null without an answer. */
  body: unknown;
  elapsed_ms: number;
  timed_out: boolean;
  /** How the answer typed `response.result`; null when it has none. */
  result_type: 'number' | 'string' | null;
  error?: string;
}

export interface NotificationAttempt {
  http_status: number | null;
  elapsed_ms: number;
  error?: string;
  /** The merchant's answer (first 2,000 characters). */
  body?: string;
}

export interface NotificationDelivery {
  status: TransactionStatus;
  /** The exact body sent. */
  body: string;
  /** The `Content-Signature` sent; null when none was. */
  signature: string | null;
  delivered: boolean;
  attempts: NotificationAttempt[];
}

export interface Payment {
  id: string;
  uid: string;
  /** Alif's reference of the payment (`payment.ref_id`). */
  refId: string;
  merchantId: string;
  account: string;
  amount: number;
  currency: string;
  info: string | undefined;
  createdAt: string;
  updatedAt: string;
  paidAt: string | undefined;
  /** The exact verification body sent. */
  verificationRequest: string;
  attempts: VerificationAttempt[];
  result: number | null;
  trackingId: string | undefined;
  /** `pending` while the account is being verified. */
  status: TransactionStatus;
  /** False until the verification is decided (a further notification must wait for it). */
  decided: boolean;
  message: string;
  notifications: NotificationDelivery[];
}

export interface PayInput {
  merchant: Merchant;
  account: string;
  amount: number;
  currency: string;
  info?: string;
  id?: string;
  outcome: 'successful' | 'failed';
  notify: boolean;
  verificationCopies: number;
  concurrentCopies: number;
  notificationCopies: number;
  badSignature: boolean;
  noSignature: boolean;
  wrongCredentials: boolean;
  rawVerificationBody?: string;
}

export interface NotifyInput {
  payment: Payment;
  merchant: Merchant;
  status: TransactionStatus;
  copies: number;
  badSignature: boolean;
  noSignature: boolean;
  wrongCredentials: boolean;
}

export interface PaymentTimings {
  verificationTimeoutMs: number;
  notificationTimeoutMs: number;
  notificationAttempts: number;
  notificationBackoffMs: number[];
}

export class DuplicatePaymentError extends Error {}

export class PaymentService {
  readonly merchants = new Map<string, Merchant>();
  readonly payments = new Map<string, Payment>();
  private merchantSeq = 0;
  private paymentSeq = 0;

  constructor(
    private readonly opts: {
      seed: number;
      gatewayId: number;
      signer: Signer;
      outbound: OutboundScope;
      timings: PaymentTimings;
      now?: () => Date;
    },
  ) {}

  addMerchant(m: Omit<Merchant, 'id' | 'createdAt'>): Merchant {
    const n = ++this.merchantSeq;
    const merchant: Merchant = {
      ...m,
      id: `mer_${hex64(this.opts.seed, 0x6d, n)}`,
      createdAt: this.timestamp(),
    };
    this.merchants.set(merchant.id, merchant);
    return merchant;
  }

  paymentsOf(merchantId: string | undefined): Payment[] {
    return [...this.payments.values()].filter((p) => merchantId === undefined || p.merchantId === merchantId);
  }

  /** Runs the whole flow; resolves when the last notification attempt is over. */
  async pay(input: PayInput): Promise<Payment> {
    const id = input.id ?? randomUUID();
    if (this.payments.has(id)) throw new DuplicatePaymentError(`a payment with id ${id} exists`);
    const seq = ++this.paymentSeq;
    const now = this.timestamp();
    const request: Record<string, unknown> = {
      account: input.account,
      id,
      amount: input.amount,
      currency: input.currency,
      ...(input.info === undefined ? {} : { info: input.info }),
      method: { type: 'alif_mobi' },
    };
    const payment: Payment = {
      id,
      // bePaid's uids: a sequence number and ten hex digits (`4107-310b0da80b`).
      uid: `${seq}-${hex64(this.opts.seed, 0x75, seq).slice(0, 10)}`,
      refId: `ALIF${hex64(this.opts.seed, 0x72, seq).slice(0, 12).toUpperCase()}`,
      merchantId: input.merchant.id,
      account: input.account,
      amount: input.amount,
      currency: input.currency,
      info: input.info,
      createdAt: now,
      updatedAt: now,
      paidAt: undefined,
      verificationRequest: input.rawVerificationBody ?? JSON.stringify({ request }),
      attempts: [],
      result: null,
      trackingId: undefined,
      status: 'pending',
      decided: false,
      message: 'Awaiting account verification',
      notifications: [],
    };
    this.payments.set(id, payment);

    const body = Buffer.from(payment.verificationRequest, 'utf8');
    const headers = {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      Authorization: basic(input.merchant, input.wrongCredentials),
    };
    const { verificationTimeoutMs } = this.opts.timings;
    for (let round = 0; round < input.verificationCopies && !this.opts.outbound.isClosed; round++) {
      const answers = await Promise.all(
        Array.from({ length: input.concurrentCopies }, () =>
          this.opts.outbound.post(input.merchant.verificationUrl, headers, body, verificationTimeoutMs),
        ),
      );
      payment.attempts.push(...answers.map(toVerificationAttempt));
    }

    // The first request sent decides; its copies only test that the merchant answers them alike.
    const decision = decide(payment.attempts[0], verificationTimeoutMs);
    payment.decided = true;
    payment.result = decision.result;
    payment.trackingId = decision.trackingId;
    if (decision.result !== 0) {
      payment.status = 'failed';
      payment.message = decision.message;
    } else if (input.outcome === 'failed') {
      payment.status = 'failed';
      payment.message = 'Payment declined by Alif Mobi';
    } else {
      payment.status = 'successful';
      payment.message = 'Successfully processed';
    }
    payment.updatedAt = this.timestamp();
    if (payment.status === 'successful') payment.paidAt = payment.updatedAt;

    if (input.notify)
      await this.deliver(payment, input.merchant, {
        copies: input.notificationCopies,
        badSignature: input.badSignature,
        noSignature: input.noSignature,
        wrongCredentials: input.wrongCredentials,
      });
    return payment;
  }

  /** A further notification of an existing payment with a new status (e.g. a late `failed`). */
  async notify(input: NotifyInput): Promise<NotificationDelivery[]> {
    const { payment } = input;
    if (input.status !== payment.status) {
      payment.status = input.status;
      payment.message = MESSAGES[input.status];
      payment.updatedAt = this.timestamp();
      if (input.status === 'successful') payment.paidAt ??= payment.updatedAt;
    }
    return this.deliver(payment, input.merchant, input);
  }

  /** Sends `copies` notifications of the payment's current state, each with its own retries. */
  private async deliver(
    payment: Payment,
    merchant: Merchant,
    how: { copies: number; badSignature: boolean; noSignature: boolean; wrongCredentials: boolean },
  ): Promise<NotificationDelivery[]> {
    const text = JSON.stringify({ transaction: this.transaction(payment) });
    const body = Buffer.from(text, 'utf8');
    // A bad signature is a real RSA signature of other bytes: well-formed, and wrong.
    const signature = how.noSignature
      ? null
      : this.opts.signer.sign(how.badSignature ? Buffer.concat([body, Buffer.from('\n')]) : body);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      Authorization: basic(merchant, how.wrongCredentials),
      ...(signature === null ? {} : { 'Content-Signature': signature }),
    };
    const { notificationAttempts, notificationBackoffMs, notificationTimeoutMs } = this.opts.timings;
    const sent: NotificationDelivery[] = [];
    for (let copy = 0; copy < how.copies; copy++) {
      const delivery: NotificationDelivery = {
        status: payment.status,
        body: text,
        signature,
        delivered: false,
        attempts: [],
      };
      payment.notifications.push(delivery);
      sent.push(delivery);
      for (let n = 0; n < notificationAttempts; n++) {
        if (n > 0) {
          const wait = notificationBackoffMs[Math.min(n - 1, notificationBackoffMs.length - 1)]!;
          if (!(await this.opts.outbound.sleep(wait))) break;
        }
        const x = await this.opts.outbound.post(
          merchant.notificationUrl,
          headers,
          body,
          notificationTimeoutMs,
        );
        delivery.attempts.push({
          http_status: x.status,
          elapsed_ms: x.elapsedMs,
          ...(x.error === undefined ? {} : { error: x.error }),
          ...(x.body === null ? {} : { body: x.body.slice(0, 2_000) }),
        });
        if (x.status !== null && x.status >= 200 && x.status < 300) {
          delivery.delivered = true;
          break;
        }
        if (this.opts.outbound.isClosed) break;
      }
    }
    return sent;
  }

  /** The notification's `transaction`, the shape of bePaid's APM transaction response. */
  private transaction(p: Payment): Record<string, unknown> {
    return {
      uid: p.uid,
      type: 'payment',
      status: p.status,
      amount: p.amount,
      currency: p.currency,
      description: p.info ?? `Alif Mobi payment, account ${p.account}`,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
      ...(p.status === 'successful' && p.paidAt !== undefined ? { paid_at: p.paidAt } : {}),
      method_type: 'alif_mobi',
      payment_method_type: 'alternative',
      ...(p.trackingId === undefined ? {} : { tracking_id: p.trackingId }),
      order_id: p.id,
      message: p.message,
      test: true,
      payment: {
        status: p.status,
        gateway_id: this.opts.gatewayId,
        ref_id: p.refId,
      },
    };
  }

  /** bePaid's timestamps: UTC, whole seconds (`2026-06-30T09:15:42Z`). */
  private timestamp(): string {
    return (this.opts.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

const MESSAGES: Record<TransactionStatus, string> = {
  successful: 'Successfully processed',
  failed: 'Payment failed',
  pending: 'Payment is pending',
  expired: 'Payment expired',
  error: 'Payment error',
};

function basic(m: Merchant, wrong: boolean): string {
  const secret = wrong ? `${m.secretKey}-wrong` : m.secretKey;
  return `Basic ${Buffer.from(`${m.shopId}:${secret}`, 'utf8').toString('base64')}`;
}

function toVerificationAttempt(x: Exchange): VerificationAttempt {
  const parsed = x.body === null ? null : parseJson(x.body);
  const result = (parsed?.value as { response?: { result?: unknown } } | undefined)?.response?.result;
  return {
    http_status: x.status,
    body: parsed === null ? null : parsed.ok ? parsed.value : x.body,
    elapsed_ms: x.elapsedMs,
    timed_out: x.timedOut,
    result_type: typeof result === 'number' ? 'number' : typeof result === 'string' ? 'string' : null,
    ...(x.error === undefined ? {} : { error: x.error }),
  };
}

interface Decision {
  result: number | null;
  trackingId: string | undefined;
  message: string;
}

/** What the merchant's (first) answer means for the payment. */
function decide(a: VerificationAttempt | undefined, timeoutMs: number): Decision {
  const fail = (message: string, result: number | null = null): Decision => ({
    result,
    trackingId: undefined,
    message,
  });
  if (!a) return fail('No account verification was sent');
  if (a.timed_out) return fail(`Request timeout: no account verification answer within ${timeoutMs} ms`);
  if (a.http_status === null) return fail(`Account verification failed: ${a.error ?? 'no answer'}`);
  if (a.http_status < 200 || a.http_status > 299)
    return fail(`Account verification failed: the merchant answered HTTP ${a.http_status}`);
  const response = (a.body as { response?: Record<string, unknown> } | null)?.response;
  if (typeof response !== 'object' || response === null)
    return fail('Account verification failed: the answer has no "response" object');
  const raw = response.result;
  const result =
    typeof raw === 'number' && Number.isSafeInteger(raw)
      ? raw
      : typeof raw === 'string' && /^\d{1,9}$/.test(raw)
        ? Number(raw)
        : undefined;
  if (result === undefined)
    return fail(`Account verification failed: "result" is not a code (${JSON.stringify(raw) ?? 'absent'})`);
  const tracking = response.tracking_id;
  const trackingId =
    typeof tracking === 'string' && tracking !== ''
      ? tracking
      : typeof tracking === 'number'
        ? String(tracking)
        : undefined;
  if (result !== 0)
    return {
      result,
      trackingId,
      message: `Account verification refused by the merchant: result ${result} (${resultMeaning(result)})`,
    };
  return { result, trackingId, message: 'Successfully processed' };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; value: undefined } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, value: undefined };
  }
}

/** The control API's view of a payment. */
export function paymentView(
  p: Payment,
  notifications: NotificationDelivery[] = p.notifications,
): Record<string, unknown> {
  return {
    id: p.id,
    uid: p.uid,
    merchant_id: p.merchantId,
    account: p.account,
    amount: p.amount,
    currency: p.currency,
    ...(p.info === undefined ? {} : { info: p.info }),
    status: p.status,
    message: p.message,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    verification: {
      request: p.verificationRequest,
      attempts: p.attempts,
      result: p.result,
      tracking_id: p.trackingId ?? null,
    },
    notifications,
  };
}
