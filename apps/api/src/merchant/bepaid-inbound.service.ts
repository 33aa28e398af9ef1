import { Injectable, Logger } from '@nestjs/common';
import {
  decideVerification,
  parseBasicAuth,
  parseNotification,
  parseVerificationRequest,
  secretEquals,
  signatureValid,
  verificationResponse,
  wireMinor,
  BEPAID_RESULTS,
  type BepaidResultName,
  type VerificationResponse,
} from '#connectors/bepaid/bepaid.wire.js';
import { HisobError } from '#common/http/problem.js';
import { isBadValueCode, postgresCode } from '#common/http/to-problem.js';
import { Keyring } from '#crypto/keyring.js';
import { Money } from '#domain/money.js';
import {
  BepaidRepository,
  bepaidSecretAad,
  type PaymentRow,
} from '#persistence/repositories/bepaid.repository.js';
import { bepaidIdOf } from './to-payment-response.js';
import { PaymentWriter } from './payment-writer.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * bePaid drops a verification after 14 s and fails the payment. Past this budget Hisob answers 8
 * (technical) instead of letting bePaid time out: an answer bePaid can act on. A recording still
 * in flight may complete afterwards; the same id asked again then gets that first answer.
 */
export const VERIFY_BUDGET_MS = 10_000;

/**
 * The notification route's budget for its database work (bePaid's own timeout for a notification
 * is not published; the simulator waits 10 s). Past it Hisob answers 503 and bePaid delivers again.
 */
export const NOTIFY_BUDGET_MS = 8_000;

/** 503 with `Retry-After`: the database failed or stalled; bePaid should deliver again. */
const unavailable = (): HisobError =>
  new HisobError('service_unavailable', 'The notification could not be stored now; deliver it again later', {
    headers: { 'retry-after': '5' },
  });

/** A PostgreSQL data error (class 22, 54000): caused by a value of the request. */
const isBadValueError = (err: unknown): boolean => {
  const code = postgresCode(err);
  return code !== null && isBadValueCode(code);
};

/** `work`, or `fallback()` once `ms` have passed without it. */
async function within<T>(ms: number, work: Promise<T>, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback()), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** 401 with the Basic challenge; nothing about the caller is recorded. */
export const basicUnauthorized = (
  detail = 'Send the shop id and secret key as HTTP Basic auth',
): HisobError =>
  new HisobError('unauthorized', detail, {
    headers: { 'www-authenticate': 'Basic realm="bepaid", charset="UTF-8"' },
  });

/**
 * What bePaid calls (docs/providers/bepaid.md): account verification and notifications, for the
 * merchant that is the client in the path. The caller is checked first — Basic auth with the
 * shop's id and secret key, compared in constant time — and a wrong or missing one is a 401 with
 * nothing recorded. Then the body is read by the bePaid seam (`#connectors/bepaid`) and the
 * payment writer records what it must.
 */
@Injectable()
export class BepaidInboundService {
  private readonly logger = new Logger(BepaidInboundService.name);

  constructor(
    private readonly repo: BepaidRepository,
    private readonly writer: PaymentWriter,
    private readonly keyring: Keyring,
  ) {}

  /** Checks Basic auth against the shop's credentials (the shop row read by `load`). */
  private authenticate(
    authorization: string | undefined,
    shop: { shopId: string; secretKeyEnc: string; clientId: string } | null,
  ): void {
    const creds = parseBasicAuth(authorization);
    if (!creds) throw basicUnauthorized();
    if (!shop) throw basicUnauthorized('The shop id or secret key is not valid');
    const secret = this.keyring.decrypt(shop.secretKeyEnc, bepaidSecretAad(shop.clientId));
    // Both compared, whatever the first gives: the time says nothing about which one was wrong.
    const userOk = secretEquals(creds.user, shop.shopId);
    const passwordOk = secretEquals(creds.password, secret);
    if (!(userOk && passwordOk)) throw basicUnauthorized('The shop id or secret key is not valid');
  }

  async verify(
    clientId: string,
    authorization: string | undefined,
    body: unknown,
  ): Promise<VerificationResponse> {
    if (!UUID.test(clientId)) {
      this.authenticate(authorization, null);
    }
    const parsed = parseVerificationRequest(body);
    let ctx;
    try {
      ctx = await within(
        VERIFY_BUDGET_MS,
        this.repo.verificationContext(clientId.toLowerCase(), parsed.ok ? parsed.request.account : null),
        () => undefined,
      );
      if (ctx === undefined) throw new Error('reading the shop took longer than the budget');
    } catch (err) {
      // Without the database the caller cannot even be checked: a technical refusal, logged.
      this.logger.error({ err, client_id: clientId }, 'bePaid verification: reading the shop failed');
      return technical(parsed.ok ? parsed.request.id : parsed.id);
    }
    this.authenticate(authorization, ctx && { ...ctx, clientId: clientId.toLowerCase() });
    const client = clientId.toLowerCase();
    if (!parsed.ok) {
      // Not recorded: a request Hisob cannot read has no payment to answer for.
      return verificationResponse({
        id: parsed.id,
        trackingId: null,
        ...echoMoney(body),
        result: parsed.result,
        description: `${BEPAID_RESULTS[parsed.result].description}: ${parsed.reason}`,
      });
    }
    const req = parsed.request;
    const ctxRow = ctx!;
    let decided: { result: BepaidResultName; description?: string };
    let amount: string;
    try {
      amount = Money.fromMinor(req.amountMinor, req.currency).toString();
      const limit = (v: string | null) => (v === null ? null : Money.parse(v, ctxRow.currency).minor);
      decided = decideVerification(
        req,
        { currency: ctxRow.currency, hasDirectory: ctxRow.hasDirectory },
        ctxRow.customer && {
          status: ctxRow.customer.status,
          minMinor: limit(ctxRow.customer.minAmount),
          maxMinor: limit(ctxRow.customer.maxAmount),
        },
      );
    } catch (err) {
      this.logger.error({ err, client_id: client }, 'bePaid verification: deciding failed');
      return technical(req.id);
    }
    const description = decided.description ?? BEPAID_RESULTS[decided.result].description;
    let recorded: { payment: PaymentRow; first: boolean } | null;
    try {
      const work = this.writer.verify(client, req, {
        amount,
        result: BEPAID_RESULTS[decided.result].code,
        description,
      });
      recorded = await within(VERIFY_BUDGET_MS, work, () => null);
      if (recorded === null) {
        work.catch(() => undefined);
        this.logger.error(
          { client_id: client },
          'bePaid verification: recording took longer than the budget',
        );
        return technical(req.id);
      }
    } catch (err) {
      this.logger.error({ err, client_id: client }, 'bePaid verification: recording the answer failed');
      return technical(req.id);
    }
    const p = recorded.payment;
    if (
      recorded.first ||
      (p.account === req.account && p.amountMinor === req.amountMinor && p.currency === req.currency)
    ) {
      // The first answer, as it was given (a retry of the same request gets the same answer).
      return {
        response: {
          id: bepaidIdOf(p),
          tracking_id: p.id,
          amount: wireMinor(p.amountMinor),
          currency: p.currency,
          result: p.result,
          description: p.description,
        },
      };
    }
    return verificationResponse({
      id: req.id,
      trackingId: null,
      amountMinor: req.amountMinor,
      currency: req.currency,
      result: p.status === 'successful' ? 'duplicateSuccessful' : 'duplicateNotFinal',
    });
  }

  async notify(
    clientId: string,
    authorization: string | undefined,
    signature: string | undefined,
    rawBody: Buffer | undefined,
    body: unknown,
  ): Promise<{ status: 'ok'; duplicate: boolean }> {
    const client = clientId.toLowerCase();
    const shop = UUID.test(clientId)
      ? await this.storing('reading the shop', client, this.repo.verificationContext(client, null))
      : null;
    this.authenticate(authorization, shop && { ...shop, clientId: client });
    if (!rawBody) throw new Error('the raw body of a bePaid notification was not kept');
    let verified = false;
    if (shop!.publicKey) {
      if (!signatureValid(rawBody, signature, shop!.publicKey))
        throw new HisobError(
          'unauthorized',
          'Content-Signature is missing or does not verify with the shop public key',
        );
      verified = true;
    }
    const parsed = parseNotification(body);
    if (!parsed.ok) throw HisobError.validation([{ field: 'transaction', message: parsed.reason }]);
    const outcome = await this.storing(
      'storing the notification',
      client,
      this.writer.notify(client, parsed.notification, rawBody, verified),
    );
    return { status: 'ok', duplicate: outcome === 'duplicate' };
  }

  /**
   * A database step of the notification route, within {@link NOTIFY_BUDGET_MS}. A failure or a
   * stall is a 503 (bePaid delivers the notification again; the same `uid` is then a duplicate if
   * the stalled write committed after all), never a 500. A PostgreSQL data error is the request's
   * value, not the database's state: it stays the API's 400.
   */
  private async storing<T>(what: string, client: string, work: Promise<T>): Promise<T> {
    const late = Symbol('late');
    let result: T | typeof late;
    try {
      result = await within<T | typeof late>(NOTIFY_BUDGET_MS, work, () => late);
    } catch (err) {
      if (err instanceof HisobError || isBadValueError(err)) throw err;
      this.logger.error({ err, client_id: client }, `bePaid notification: ${what} failed`);
      throw unavailable();
    }
    if (result === late) {
      work.catch(() => undefined);
      this.logger.error({ client_id: client }, `bePaid notification: ${what} took longer than the budget`);
      throw unavailable();
    }
    return result;
  }
}

const technical = (id: string | number | null): VerificationResponse =>
  verificationResponse({ id, trackingId: null, amountMinor: null, currency: null, result: 'technical' });

/** The amount and currency of an unreadable request, echoed when they are themselves readable. */
function echoMoney(body: unknown): { amountMinor: bigint | null; currency: string | null } {
  const req = (body as { request?: Record<string, unknown> } | null)?.request;
  const amount = req && typeof req === 'object' ? req.amount : undefined;
  const currency = req && typeof req === 'object' ? req.currency : undefined;
  return {
    amountMinor: typeof amount === 'number' && Number.isSafeInteger(amount) ? BigInt(amount) : null,
    currency: typeof currency === 'string' && /^[A-Z]{3}$/.test(currency) ? currency : null,
  };
}
