/**
 * The control API under `/__sandbox`: register merchants, make customers pay, send further
 * notifications, and read what was sent and what each merchant answered. JSON in and out, no
 * auth (a sandbox); errors are `{"error": "<code>", "message", "problems"?}` as in the other
 * sandboxes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { BodyTooLargeError, readBody, send } from '../../../sandbox-kit/src/http.js';
import { toMinorUnits } from '../bepaid/amount.js';
import {
  DuplicatePaymentError,
  TRANSACTION_STATUSES,
  paymentView,
  type Merchant,
  type PaymentService,
  type TransactionStatus,
} from '../bepaid/payments.js';
import type { Signer } from '../bepaid/signer.js';
import type { SandboxConfig } from '../config.js';
import { merchantPage } from './merchant-page.js';

export const CONTROL_PREFIX = '/__sandbox';
const MAX_BODY = 1024 * 1024;
const MAX_COPIES = 20;

class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly problems?: string[],
  ) {
    super(message);
  }
}

interface Reply {
  status: number;
  body: unknown;
  contentType?: string;
}

export class ControlApi {
  constructor(private readonly opts: { payments: PaymentService; signer: Signer; config: SandboxConfig }) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let reply: Reply;
    try {
      reply = await this.route(req, url);
    } catch (err) {
      if (err instanceof ControlError)
        reply = {
          status: err.status,
          body: {
            error: err.error,
            message: err.message,
            ...(err.problems ? { problems: err.problems } : {}),
          },
        };
      else if (err instanceof BodyTooLargeError)
        reply = { status: 413, body: { error: 'payload_too_large', message: err.message } };
      else throw err;
    }
    if (typeof reply.body === 'string')
      send(res, reply.status, reply.body, reply.contentType ?? 'text/plain; charset=utf-8');
    else send(res, reply.status, JSON.stringify(reply.body), 'application/json; charset=utf-8');
  }

  private async route(req: IncomingMessage, url: URL): Promise<Reply> {
    const path = url.pathname.slice(CONTROL_PREFIX.length).replace(/\/$/, '') || '/';
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const { payments, signer } = this.opts;
    const key = `${method} ${path}`;

    if (key === 'GET /' || key === 'GET /state') return ok(this.state());
    if (key === 'GET /public-key')
      return { status: 200, body: signer.publicKeyPem, contentType: 'application/x-pem-file; charset=utf-8' };
    if (key === 'POST /merchants') return { status: 201, body: this.addMerchant(await readJson(req)) };
    if (key === 'GET /merchants')
      return ok({ merchants: [...payments.merchants.values()].map((m) => merchantView(m)) });
    const merchant = /^\/merchants\/([^/]+)$/.exec(path);
    if (merchant && method === 'GET') {
      const m = this.merchant(decode(merchant[1]!));
      if (prefersHtml(req))
        return {
          status: 200,
          body: merchantPage(m, payments.paymentsOf(m.id)),
          contentType: 'text/html; charset=utf-8',
        };
      return ok({ ...merchantView(m), payments: payments.paymentsOf(m.id).map((p) => paymentView(p)) });
    }
    if (key === 'POST /pay') return ok(await this.pay(await readJson(req)));
    if (key === 'POST /notify') return ok(await this.notify(await readJson(req)));
    if (key === 'GET /payments') {
      const merchantId = url.searchParams.get('merchant_id') ?? undefined;
      if (merchantId !== undefined) this.merchant(merchantId);
      return ok({ payments: payments.paymentsOf(merchantId).map((p) => paymentView(p)) });
    }
    const payment = /^\/payments\/([^/]+)$/.exec(path);
    if (payment && method === 'GET') {
      const p = payments.payments.get(decode(payment[1]!));
      if (!p) throw new ControlError(404, 'payment_not_found', 'no payment with this id');
      return ok(paymentView(p));
    }
    throw new ControlError(404, 'not_found', `no control endpoint ${method} ${url.pathname}`);
  }

  private state(): Record<string, unknown> {
    const { config, payments, signer } = this.opts;
    return {
      simulator: 'bePaid (Alif Mobi payments, merchant side)',
      merchants: payments.merchants.size,
      payments: payments.payments.size,
      verification_timeout_ms: config.verificationTimeoutMs,
      notification_timeout_ms: config.notificationTimeoutMs,
      notification_attempts: config.notificationAttempts,
      notification_backoff_ms: config.notificationBackoffMs,
      public_key_base64: signer.publicKeyBase64,
    };
  }

  private addMerchant(body: Record<string, unknown>): Record<string, unknown> {
    const v = new Validator(body, ['verification_url', 'notification_url', 'shop_id', 'secret_key', 'name']);
    const verificationUrl = v.url('verification_url');
    const notificationUrl = v.url('notification_url');
    const shopId = v.shopId('shop_id');
    const secretKey = v.string('secret_key', { required: true });
    const name = v.string('name');
    v.done();
    const m = this.opts.payments.addMerchant({
      name,
      shopId: shopId!,
      secretKey: secretKey!,
      verificationUrl: verificationUrl!,
      notificationUrl: notificationUrl!,
    });
    return {
      merchant_id: m.id,
      shop_id: m.shopId,
      public_key_pem: this.opts.signer.publicKeyPem,
      public_key_base64: this.opts.signer.publicKeyBase64,
    };
  }

  private async pay(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const v = new Validator(body, [
      'merchant_id',
      'account',
      'amount',
      'currency',
      'info',
      'id',
      'outcome',
      'notify',
      'verification_copies',
      'concurrent_copies',
      'notification_copies',
      'bad_signature',
      'no_signature',
      'wrong_credentials',
      'raw_verification_body',
    ]);
    const merchantId = v.string('merchant_id', { required: true });
    const account = v.string('account', { required: true });
    const currency = v.currency('currency') ?? 'TJS';
    const amount = v.amount('amount', currency);
    const info = v.string('info');
    const id = v.string('id', { max: 128 });
    const outcome = v.oneOf('outcome', ['successful', 'failed'] as const) ?? 'successful';
    const notify = v.bool('notify') ?? true;
    const verificationCopies = v.int('verification_copies', 1, MAX_COPIES) ?? 1;
    const concurrentCopies = v.int('concurrent_copies', 1, MAX_COPIES) ?? 1;
    const notificationCopies = v.int('notification_copies', 1, MAX_COPIES) ?? 1;
    const badSignature = v.bool('bad_signature') ?? false;
    const noSignature = v.bool('no_signature') ?? false;
    const wrongCredentials = v.bool('wrong_credentials') ?? false;
    const raw = v.string('raw_verification_body', { allowEmpty: true });
    v.done();
    const merchant = this.merchant(merchantId!);
    try {
      const p = await this.opts.payments.pay({
        merchant,
        account: account!,
        amount: amount!,
        currency,
        info,
        id,
        outcome,
        notify,
        verificationCopies,
        concurrentCopies,
        notificationCopies,
        badSignature,
        noSignature,
        wrongCredentials,
        rawVerificationBody: raw,
      });
      return paymentView(p);
    } catch (err) {
      if (err instanceof DuplicatePaymentError) throw new ControlError(409, 'duplicate_id', err.message);
      throw err;
    }
  }

  private async notify(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const v = new Validator(body, [
      'merchant_id',
      'id',
      'status',
      'copies',
      'bad_signature',
      'no_signature',
      'wrong_credentials',
    ]);
    const merchantId = v.string('merchant_id', { required: true });
    const id = v.string('id', { required: true });
    const status = v.oneOf('status', TRANSACTION_STATUSES, { required: true });
    const copies = v.int('copies', 1, MAX_COPIES) ?? 1;
    const badSignature = v.bool('bad_signature') ?? false;
    const noSignature = v.bool('no_signature') ?? false;
    const wrongCredentials = v.bool('wrong_credentials') ?? false;
    v.done();
    const merchant = this.merchant(merchantId!);
    const payment = this.opts.payments.payments.get(id!);
    if (!payment || payment.merchantId !== merchant.id)
      throw new ControlError(404, 'payment_not_found', 'no payment with this id for this merchant');
    if (!payment.decided)
      throw new ControlError(409, 'payment_in_progress', 'the payment is still being verified');
    const sent = await this.opts.payments.notify({
      payment,
      merchant,
      status: status as TransactionStatus,
      copies,
      badSignature,
      noSignature,
      wrongCredentials,
    });
    return paymentView(payment, sent);
  }

  private merchant(id: string): Merchant {
    const m = this.opts.payments.merchants.get(id);
    if (!m) throw new ControlError(404, 'merchant_not_found', 'no merchant with this id');
    return m;
  }
}

/** A merchant as the control API shows it: never its secret key. */
function merchantView(m: Merchant): Record<string, unknown> {
  return {
    merchant_id: m.id,
    ...(m.name === undefined ? {} : { name: m.name }),
    shop_id: m.shopId,
    verification_url: m.verificationUrl,
    notification_url: m.notificationUrl,
    created_at: m.createdAt,
  };
}

/** A browser asks for HTML first; curl and fetch send no Accept or `*\/*`. */
function prefersHtml(req: IncomingMessage): boolean {
  return /^text\/html\b/.test(req.headers.accept ?? '');
}

function ok(body: unknown): Reply {
  return { status: 200, body };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ControlError(404, 'not_found', 'malformed path');
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req, MAX_BODY);
  let body: unknown;
  try {
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new ControlError(400, 'invalid_json', 'the body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ControlError(400, 'invalid_json', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** Collects every problem of a request body, then fails once with all of them. */
class Validator {
  private readonly problems: string[] = [];

  constructor(
    private readonly body: Record<string, unknown>,
    allowed: string[],
  ) {
    for (const k of Object.keys(body)) if (!allowed.includes(k)) this.problems.push(`${k}: unknown field`);
  }

  string(
    key: string,
    o: { required?: boolean; max?: number; allowEmpty?: boolean } = {},
  ): string | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) {
      if (o.required) this.problems.push(`${key}: required`);
      return undefined;
    }
    if (typeof v !== 'string' || (!o.allowEmpty && v === '') || v.length > (o.max ?? MAX_BODY))
      this.problems.push(`${key}: must be a ${o.allowEmpty ? '' : 'non-empty '}string`);
    else return v;
    return undefined;
  }

  url(key: string): string | undefined {
    const v = this.string(key, { required: true });
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (u.protocol === 'http:' || u.protocol === 'https:') return v;
    } catch {
      /* reported below */
    }
    this.problems.push(`${key}: must be an http(s) URL`);
    return undefined;
  }

  /** bePaid shop ids are integers; a string of digits is taken too. */
  shopId(key: string): string | undefined {
    const v = this.body[key];
    if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return String(v);
    if (typeof v === 'string' && v !== '' && !v.includes(':')) return v;
    this.problems.push(`${key}: required, a positive integer or a string without ":"`);
    return undefined;
  }

  currency(key: string): string | undefined {
    const v = this.body[key];
    if (v === undefined) return undefined;
    if (typeof v === 'string' && /^[A-Z]{3}$/.test(v)) return v;
    this.problems.push(`${key}: must be an ISO 4217 code such as TJS`);
    return undefined;
  }

  amount(key: string, currency: string): number | undefined {
    const v = this.body[key];
    const minor = toMinorUnits(v, currency);
    if (minor === undefined)
      this.problems.push(
        `${key}: required, a positive integer in minor units (1250) or a decimal string in major units ("12.50")`,
      );
    return minor;
  }

  int(key: string, min: number, max: number): number | undefined {
    const v = this.body[key];
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max) return v;
    this.problems.push(`${key}: must be an integer ${min}..${max}`);
    return undefined;
  }

  bool(key: string): boolean | undefined {
    const v = this.body[key];
    if (v === undefined) return undefined;
    if (typeof v === 'boolean') return v;
    this.problems.push(`${key}: must be true or false`);
    return undefined;
  }

  oneOf<T extends string>(key: string, values: readonly T[], o: { required?: boolean } = {}): T | undefined {
    const v = this.body[key];
    if (v === undefined) {
      if (o.required) this.problems.push(`${key}: required, one of ${values.join('|')}`);
      return undefined;
    }
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
    this.problems.push(`${key}: must be one of ${values.join('|')}`);
    return undefined;
  }

  done(): void {
    if (this.problems.length)
      throw new ControlError(400, 'invalid_request', this.problems.join('; '), this.problems);
  }
}
