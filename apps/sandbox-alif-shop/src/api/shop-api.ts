/**
 * Alif Shop's customer API, `/api/v1` (the seed's shapes; see the README for each endpoint).
 * JSON in and out; PKR amounts are JSON numbers with up to two decimals (`Pkr`); `date` and
 * `due_date` are Asia/Karachi calendar days, `*_at` UTC instants.
 */
import type { IncomingMessage } from 'node:http';

import { AuthService, isFailure, type AuthFailure } from '../auth/auth-service.js';
import { BodyTooLargeError, readBody } from '../http/http-util.js';
import { USERS, userByMsisdn } from '../seed/catalog.js';
import { dayStart, dayToIso, isoInstant, isoToDay, karachiDay } from '../seed/calendar.js';
import { Pkr } from '../seed/money.js';
import type { PlanState } from '../seed/plans.js';
import type { ShopLedger } from '../seed/shop-ledger.js';
import { ChallengeRegistry } from './challenges.js';

export const API_PREFIX = '/api/v1';
export const MSISDN = /^\+92\d{10}$/;

export interface ApiReply {
  status: number;
  /** Undefined: no body (204). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ShopApiOptions {
  ledger: ShopLedger;
  auth: AuthService;
  challenges: ChallengeRegistry;
  otpLength: number;
  maxPerPage: number;
  defaultPerPage: number;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.error));
  }
}

type Handler = (userIndex: number, query: URLSearchParams, params: string[]) => unknown;

export class ShopApi {
  private readonly routes: Array<{ method: string; pattern: RegExp; handler: Handler }>;

  constructor(private readonly opts: ShopApiOptions) {
    this.routes = [
      { method: 'GET', pattern: /^\/instalments\/schedule$/, handler: (u) => this.schedule(u) },
      { method: 'GET', pattern: /^\/account\/limit$/, handler: (u) => this.limit(u) },
      { method: 'GET', pattern: /^\/instalments\/plans$/, handler: (u, q) => this.plans(u, q) },
      {
        method: 'GET',
        pattern: /^\/instalments\/plans\/([^/]+)\/schedule$/,
        handler: (u, _q, p) => this.planSchedule(u, p[0]!),
      },
      { method: 'GET', pattern: /^\/history$/, handler: (u, q) => this.history(u, q) },
      { method: 'GET', pattern: /^\/partner-orders$/, handler: (u) => this.partnerOrders(u) },
      { method: 'GET', pattern: /^\/profile$/, handler: (u) => this.profile(u) },
    ];
  }

  async handle(req: IncomingMessage, url: URL): Promise<ApiReply> {
    try {
      return await this.route(req, url);
    } catch (err) {
      if (err instanceof ApiError) return { status: err.status, body: err.body, headers: err.headers };
      if (err instanceof BodyTooLargeError) return { status: 413, body: { error: 'payload_too_large' } };
      throw err;
    }
  }

  private async route(req: IncomingMessage, url: URL): Promise<ApiReply> {
    const path = url.pathname.slice(API_PREFIX.length);
    const method = req.method ?? 'GET';
    const auth = {
      '/auth/otp/request': () => this.otpRequest(req),
      '/auth/otp/verify': () => this.otpVerify(req),
      '/auth/token/refresh': () => this.tokenRefresh(req),
      '/auth/logout': () => Promise.resolve(this.logout(req)),
    }[path];
    if (auth) {
      if (method !== 'POST') throw methodNotAllowed('POST');
      return auth();
    }
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      if (method !== route.method && !(method === 'HEAD' && route.method === 'GET'))
        throw methodNotAllowed(route.method);
      const userIndex = this.customer(req);
      // A pending 3-D Secure challenge makes the account read-only: nothing is served until it resolves.
      const retryAfter = this.opts.challenges.retryAfter(USERS[userIndex]!.msisdn);
      if (retryAfter > 0)
        throw new ApiError(423, { error: '3ds_challenge_pending', retry_after: retryAfter });
      let params: string[];
      try {
        params = m.slice(1).map((p) => decodeURIComponent(p));
      } catch {
        throw new ApiError(404, { error: 'not_found' });
      }
      return { status: 200, body: route.handler(userIndex, url.searchParams, params) };
    }
    throw new ApiError(404, { error: 'not_found' });
  }

  // ------------------------------------------------------------ auth

  private async otpRequest(req: IncomingMessage): Promise<ApiReply> {
    const body = await readJson(req);
    const msisdn = requireMsisdn(body);
    // Unknown numbers get the same 202: whether a number is a customer is not disclosed.
    this.opts.auth.requestOtp(msisdn);
    return { status: 202, body: {} };
  }

  private async otpVerify(req: IncomingMessage): Promise<ApiReply> {
    const body = await readJson(req);
    const msisdn = requireMsisdn(body);
    const otp = body.otp;
    if (typeof otp !== 'string' || !new RegExp(`^\\d{${this.opts.otpLength}}$`).test(otp))
      throw new ApiError(400, {
        error: 'invalid_request',
        message: `otp must be a string of ${this.opts.otpLength} digits`,
      });
    return tokenReply(this.opts.auth.verifyOtp(msisdn, otp));
  }

  private async tokenRefresh(req: IncomingMessage): Promise<ApiReply> {
    const body = await readJson(req);
    if (typeof body.refresh_token !== 'string' || body.refresh_token === '')
      throw new ApiError(400, { error: 'invalid_request', message: 'refresh_token is required' });
    return tokenReply(this.opts.auth.refreshSession(body.refresh_token));
  }

  private logout(req: IncomingMessage): ApiReply {
    const who = this.opts.auth.authenticate(header(req, 'authorization'));
    if (isFailure(who)) throw unauthorized(who);
    this.opts.auth.logout(who.family);
    return { status: 204 };
  }

  private customer(req: IncomingMessage): number {
    const who = this.opts.auth.authenticate(header(req, 'authorization'));
    if (isFailure(who)) throw unauthorized(who);
    const user = userByMsisdn(who.msisdn);
    if (!user) throw new ApiError(401, { error: 'invalid_token' });
    return user.index;
  }

  // ------------------------------------------------------------ data

  private schedule(u: number): unknown {
    const v = this.opts.ledger.view(u);
    const active = v.plans.filter(
      (p) => p.status === 'current' || p.status === 'overdue' || p.status === 'pending_approval',
    );
    return {
      available_limit_pkr: new Pkr(v.available),
      active_plans: active.map((p) => {
        if (p.status === 'pending_approval')
          return {
            plan_id: p.plan.id,
            principal_pkr: new Pkr(p.principal),
            markup_pct: null,
            origin: p.plan.origin,
            status: p.status,
          };
        const next = p.instalments.find((i) => i.status !== 'paid')!;
        return {
          plan_id: p.plan.id,
          principal_pkr: new Pkr(p.principal),
          markup_pct: markupPct(p),
          tenor_months: p.plan.tenor,
          origin: p.plan.origin,
          next_due: dayToIso(next.dueDay),
          next_amount_pkr: new Pkr(next.amount),
          status: p.status,
        };
      }),
    };
  }

  private limit(u: number): unknown {
    const v = this.opts.ledger.view(u);
    return {
      credit_limit_pkr: new Pkr(v.creditLimit),
      available_limit_pkr: new Pkr(v.available),
      used_pkr: new Pkr(v.used),
      currency: 'PKR',
      as_of: isoInstant(v.now),
    };
  }

  private plans(u: number, q: URLSearchParams): unknown {
    const { page, perPage } = this.paging(q);
    const v = this.opts.ledger.view(u);
    const slice = v.plans.slice((page - 1) * perPage, page * perPage);
    return {
      plans: slice.map((p) => ({
        plan_id: p.plan.id,
        origin: p.plan.origin,
        principal_pkr: new Pkr(p.principal),
        markup_pct: markupPct(p),
        tenor_months: p.plan.tenor,
        status: p.status,
        created_at: isoInstant(p.plan.createdAt),
        ...(p.plan.origin === 'partner_store'
          ? { store: p.plan.merchant, device_model: p.plan.deviceModel, order_id: p.plan.orderId }
          : {}),
      })),
      page,
      per_page: perPage,
      total: v.plans.length,
    };
  }

  private planSchedule(u: number, planId: string): unknown {
    const p = this.opts.ledger.view(u).plans.find((x) => x.plan.id === planId);
    // Another customer's plan is as unknown as a made-up id.
    if (!p) throw new ApiError(404, { error: 'not_found' });
    return {
      plan_id: p.plan.id,
      instalments: p.instalments.map((i) => ({
        seq: i.seq,
        due_date: dayToIso(i.dueDay),
        amount_pkr: new Pkr(i.amount),
        status: i.status,
        ...(i.paidAt === undefined ? {} : { paid_at: isoInstant(i.paidAt) }),
      })),
    };
  }

  private history(u: number, q: URLSearchParams): unknown {
    const { page, perPage } = this.paging(q);
    const from = dateParam(q, 'from');
    const to = dateParam(q, 'to');
    if (from !== undefined && to !== undefined && from > to)
      throw new ApiError(400, { error: 'invalid_request', message: 'from must not be after to' });
    const v = this.opts.ledger.view(u);
    const fromSec = from === undefined ? -Infinity : dayStart(from);
    const toSec = to === undefined ? Infinity : dayStart(to + 1) - 1;
    const items = v.history.filter((h) => h.at >= fromSec && h.at <= toSec);
    return {
      items: items.slice((page - 1) * perPage, page * perPage).map((h) => ({
        id: h.id,
        type: h.type,
        amount_pkr: new Pkr(h.amount),
        date: dayToIso(karachiDay(h.at)),
        created_at: isoInstant(h.at),
        plan_id: h.planId,
        ...(h.merchant === undefined ? {} : { merchant: h.merchant }),
        description: h.description,
      })),
      page,
      per_page: perPage,
      total: items.length,
    };
  }

  private partnerOrders(u: number): unknown {
    return {
      orders: this.opts.ledger.view(u).orders.map((o) => ({
        order_id: o.orderId,
        store: o.store,
        device_model: o.deviceModel,
        plan_id: o.planId,
        status: o.status,
        applied_at: isoInstant(o.appliedAt),
        ...(o.decidedAt === undefined ? {} : { decided_at: isoInstant(o.decidedAt) }),
      })),
    };
  }

  private profile(u: number): unknown {
    const def = USERS[u]!;
    const ledger = this.opts.ledger;
    return {
      msisdn: def.msisdn,
      name: def.name,
      cnic_masked: def.cnicMasked,
      application_status: def.applicationStatus,
      created_at: isoInstant(dayStart(ledger.anchorDay - def.openedDaysAgo) + def.openedAt),
    };
  }

  /** `page` from 1, `per_page` silently capped at the maximum. */
  private paging(q: URLSearchParams): { page: number; perPage: number } {
    const page = positiveInt(q, 'page') ?? 1;
    const perPage = Math.min(positiveInt(q, 'per_page') ?? this.opts.defaultPerPage, this.opts.maxPerPage);
    return { page, perPage };
  }
}

function markupPct(p: PlanState): number | null {
  // Fashion plans run at 0 %; partner-store plans carry the store's own terms, which are not disclosed.
  return p.plan.origin === 'fashion' ? 0 : null;
}

function tokenReply(r: ReturnType<AuthService['verifyOtp']>): ApiReply {
  if (isFailure(r)) return { status: r.status, body: r.body };
  return { status: 200, body: r, headers: { 'Cache-Control': 'no-store' } };
}

function unauthorized(f: AuthFailure): ApiError {
  return new ApiError(f.status, f.body, {
    'WWW-Authenticate': `Bearer error="${f.body.error === 'token_expired' ? 'invalid_token' : String(f.body.error)}"`,
  });
}

function methodNotAllowed(allow: string): ApiError {
  return new ApiError(405, { error: 'method_not_allowed' }, { Allow: allow });
}

function requireMsisdn(body: Record<string, unknown>): string {
  if (typeof body.msisdn !== 'string' || !MSISDN.test(body.msisdn))
    throw new ApiError(400, { error: 'invalid_msisdn', message: 'msisdn must be +92 followed by 10 digits' });
  return body.msisdn;
}

function positiveInt(q: URLSearchParams, name: string): number | undefined {
  const raw = q.get(name);
  if (raw === null) return undefined;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1)
    throw new ApiError(400, { error: 'invalid_request', message: `${name} must be a positive integer` });
  return Number(raw);
}

function dateParam(q: URLSearchParams, name: string): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  const day = isoToDay(raw);
  if (day === undefined)
    throw new ApiError(400, { error: 'invalid_request', message: `${name} must be a date YYYY-MM-DD` });
  return day;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ApiError(400, { error: 'invalid_request', message: 'the body must be a JSON object' });
}
