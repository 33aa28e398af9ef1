/**
 * The control API under `/__sandbox`: what a real backend lacks. Move the clock, open 3-D Secure
 * challenges, inject faults, and read the sandbox's own figures so tests can compare. It is never
 * subject to injected faults.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { ChallengeRegistry } from '../api/challenges.js';
import { MSISDN } from '../api/shop-api.js';
import type { AuthService } from '../auth/auth-service.js';
import type { SandboxConfig } from '../config.js';
import { BodyTooLargeError, readBody, sendJson } from '../http/http-util.js';
import type { Logger } from '../logger.js';
import { USERS, userByMsisdn } from '../seed/catalog.js';
import { DAY_S, dayToIso, isoInstant } from '../seed/calendar.js';
import { bigMinorToDecimal, formatFixed, sumMinor } from '../seed/money.js';
import type { ShopLedger, UserView } from '../seed/shop-ledger.js';
import { FaultRegistry, FaultValidationError, toView } from './faults.js';

export const CONTROL_PREFIX = '/__sandbox';
const MAX_ADVANCE_DAYS = 3650;

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

export interface ControlApiOptions {
  ledger: ShopLedger;
  auth: AuthService;
  challenges: ChallengeRegistry;
  faults: FaultRegistry;
  logger: Logger;
  config: SandboxConfig;
}

export class ControlApi {
  constructor(private readonly opts: ControlApiOptions) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      try {
        decodeURIComponent(url.pathname);
      } catch {
        throw new ControlError(404, 'not_found', 'malformed path');
      }
      const { status, body } = await this.route(req, url);
      sendJson(res, status, body);
    } catch (err) {
      if (err instanceof ControlError) {
        sendJson(res, err.status, {
          error: err.error,
          message: err.message,
          ...(err.problems ? { problems: err.problems } : {}),
        });
      } else if (err instanceof BodyTooLargeError) {
        sendJson(res, 413, { error: 'payload_too_large', message: err.message });
      } else {
        throw err;
      }
    }
  }

  private async route(req: IncomingMessage, url: URL): Promise<{ status: number; body: unknown }> {
    const path = url.pathname.slice(CONTROL_PREFIX.length).replace(/\/$/, '') || '/';
    const method = req.method ?? 'GET';
    const key = `${method} ${path}`;
    const { faults, auth, challenges } = this.opts;

    if (key === 'GET /' || key === 'GET /state') return ok(this.state());
    if (key === 'POST /advance') return ok(this.advance(await readJson(req)));
    if (key === 'GET /users') return ok(this.users());
    const summary = /^\/users\/([^/]+)\/summary$/.exec(path);
    if (summary && method === 'GET')
      return ok(this.summary(this.user(decodeURIComponent(summary[1]!)).index));
    if (key === 'POST /challenge') {
      const body = await readJson(req);
      const msisdn = this.user(body.msisdn).msisdn;
      const seconds = body.seconds;
      if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 1 || seconds > 86_400)
        throw new ControlError(400, 'invalid_request', 'seconds must be an integer 1..86400');
      const until = challenges.open(msisdn, seconds);
      this.opts.logger.info({ msisdn, seconds }, '3-D Secure challenge opened');
      return { status: 201, body: { msisdn, seconds, until: new Date(until).toISOString() } };
    }
    if (key === 'GET /challenge') return ok({ challenges: challenges.list() });
    if (key === 'DELETE /challenge') return ok({ closed: challenges.close() });
    const challenge = /^\/challenge\/([^/]+)$/.exec(path);
    if (challenge && method === 'DELETE')
      return ok({ closed: challenges.close(this.user(decodeURIComponent(challenge[1]!)).msisdn) });
    if (key === 'POST /otp-lock') {
      const body = await readJson(req);
      if (typeof body.msisdn !== 'string' || !MSISDN.test(body.msisdn))
        throw new ControlError(400, 'invalid_request', 'msisdn must be +92 followed by 10 digits');
      if (!auth.lockOtp(body.msisdn))
        throw new ControlError(404, 'not_found', 'no outstanding OTP for this msisdn');
      return ok({ msisdn: body.msisdn, locked: true });
    }
    if (key === 'POST /sessions/revoke') {
      const body = await readJson(req);
      const msisdn = body.msisdn === undefined ? undefined : this.user(body.msisdn).msisdn;
      return ok({ revoked: auth.revokeSessions(msisdn) });
    }
    if (key === 'POST /tokens/expire') {
      const body = await readJson(req);
      const msisdn = body.msisdn === undefined ? undefined : this.user(body.msisdn).msisdn;
      return ok({ expired: auth.expireAccessTokens(msisdn) });
    }
    if (key === 'GET /faults') return ok({ faults: faults.list() });
    if (key === 'POST /faults') return { status: 201, body: this.addFault(await readJson(req)) };
    if (key === 'DELETE /faults') return ok({ deleted: faults.clear() });
    const faultId = /^\/faults\/([^/]+)$/.exec(path);
    if (faultId && method === 'DELETE') {
      if (!faults.remove(decodeURIComponent(faultId[1]!)))
        throw new ControlError(404, 'not_found', 'no such fault');
      return ok({ deleted: 1 });
    }
    throw new ControlError(404, 'not_found', `no control endpoint ${method} ${url.pathname}`);
  }

  private user(msisdn: unknown): (typeof USERS)[number] {
    const user = typeof msisdn === 'string' ? userByMsisdn(msisdn.trim()) : undefined;
    if (!user) throw new ControlError(404, 'not_found', `no sandbox user ${JSON.stringify(msisdn)}`);
    return user;
  }

  private state(): Record<string, unknown> {
    const { ledger, config, auth } = this.opts;
    const now = ledger.now();
    return {
      seed: ledger.seed,
      size: config.sizeLabel,
      clock: ledger.live ? 'live' : 'fixed',
      now: isoInstant(now),
      today: dayToIso(ledger.today()),
      time_zone: 'Asia/Karachi',
      history_start: dayToIso(ledger.historyStartDay),
      otp_ttl_s: config.otpTtlS,
      otp_attempts: config.otpAttempts,
      access_token_ttl_s: config.accessTokenTtlS,
      refresh_token_ttl_s: config.refreshTokenTtlS,
      max_per_page: config.maxPerPage,
      default_per_page: config.defaultPerPage,
      users: USERS.length,
      plans: USERS.reduce((n, u) => n + ledger.view(u.index).plans.length, 0),
      history_items: USERS.reduce((n, u) => n + ledger.view(u.index).history.length, 0),
      challenges: this.opts.challenges.list(),
      ...auth.stats(),
    };
  }

  private advance(body: Record<string, unknown>): Record<string, unknown> {
    const days = body.days ?? 0;
    const seconds = body.seconds ?? 0;
    const isCount = (v: unknown, max: number): v is number =>
      typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max;
    if (
      !isCount(days, MAX_ADVANCE_DAYS) ||
      !isCount(seconds, MAX_ADVANCE_DAYS * DAY_S) ||
      days + seconds === 0
    )
      throw new ControlError(
        400,
        'invalid_request',
        `give days (integer 1..${MAX_ADVANCE_DAYS}) and/or seconds (integer >= 1)`,
      );
    const { ledger } = this.opts;
    const before = USERS.map((u) => ledger.view(u.index));
    const previousNow = ledger.now();
    ledger.advance(days * DAY_S + seconds);
    const after = USERS.map((u) => ledger.view(u.index));
    const count = (pick: (v: UserView) => number) =>
      after.reduce((n, v, i) => n + pick(v) - pick(before[i]!), 0);
    const decided = (v: UserView) => v.orders.filter((o) => o.status !== 'pending_approval').length;
    const result = {
      previous_now: isoInstant(previousNow),
      now: isoInstant(ledger.now()),
      previous_today: dayToIso(before[0]!.today),
      today: dayToIso(ledger.today()),
      new_history_items: count((v) => v.history.length),
      new_plans: count((v) => v.plans.length),
      orders_decided: count(decided),
    };
    this.opts.logger.info(result, 'sandbox clock advanced');
    return result;
  }

  private users(): Record<string, unknown> {
    const { ledger, config } = this.opts;
    return {
      otp: config.otp,
      users: USERS.map((u) => {
        const v = ledger.view(u.index);
        return {
          msisdn: u.msisdn,
          name: u.name,
          otp: config.otp,
          application_status: u.applicationStatus,
          plans: v.plans.length,
          active_plans: v.plans.filter((p) => p.status === 'current' || p.status === 'overdue').length,
          history_items: v.history.length,
        };
      }),
    };
  }

  /**
   * The sandbox's own figures for a customer at now, as exact decimal strings: what a client that
   * read everything correctly must arrive at.
   */
  private summary(userIndex: number): Record<string, unknown> {
    const v = this.opts.ledger.view(userIndex);
    const types = ['purchase', 'repayment', 'refund', 'fee'] as const;
    const byType = Object.fromEntries(
      types.map((t) => {
        const items = v.history.filter((h) => h.type === t);
        return [t, { count: items.length, sum: bigMinorToDecimal(sumMinor(items.map((h) => h.amount))) }];
      }),
    );
    const signed = sumMinor(
      v.history.map((h) => (h.type === 'purchase' || h.type === 'fee' ? h.amount : -h.amount)),
    );
    return {
      msisdn: USERS[userIndex]!.msisdn,
      now: isoInstant(v.now),
      today: dayToIso(v.today),
      credit_limit: formatFixed(v.creditLimit),
      available_limit: formatFixed(v.available),
      used: formatFixed(v.used),
      plans: v.plans.map((p) => {
        const paid = p.instalments.filter((i) => i.status === 'paid');
        const open = p.instalments.filter((i) => i.status !== 'paid');
        return {
          plan_id: p.plan.id,
          origin: p.plan.origin,
          status: p.status,
          principal: formatFixed(p.principal),
          markup: p.instalments.length ? formatFixed(p.plan.markup) : null,
          instalment_count: p.instalments.length,
          schedule_sum: bigMinorToDecimal(sumMinor(p.instalments.map((i) => i.amount))),
          paid_count: paid.length,
          paid_sum: bigMinorToDecimal(sumMinor(paid.map((i) => i.amount))),
          open_sum: bigMinorToDecimal(sumMinor(open.map((i) => i.amount))),
        };
      }),
      history: {
        count: v.history.length,
        by_type: byType,
        // purchases + fees − repayments − refunds, over the whole history.
        net: bigMinorToDecimal(signed),
      },
    };
  }

  private addFault(body: unknown): Record<string, unknown> {
    try {
      const fault = this.opts.faults.add(body);
      this.opts.logger.info({ fault: toView(fault) }, 'fault injected');
      return toView(fault);
    } catch (err) {
      if (err instanceof FaultValidationError)
        throw new ControlError(400, 'invalid_fault', err.message, err.problems);
      throw err;
    }
  }
}

function ok(body: unknown): { status: number; body: unknown } {
  return { status: 200, body };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (!text.trim()) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new ControlError(400, 'invalid_json', 'the body must be a JSON object');
  }
}
