/**
 * The control API under `/__sandbox` — what a real bank lacks: move the clock, inject faults, list
 * the users, inspect consents and read the sandbox's own figures so that tests can compare. It is
 * never subject to injected faults.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { ConsentStore } from '../bg/consents.js';
import type { SandboxConfig } from '../config.js';
import { BodyTooLargeError, readBody, sendJson } from '../http/http-util.js';
import type { Logger } from '../logger.js';
import type { Bank } from '../seed/bank.js';
import { BANK_TIME_ZONE, dayToIso, epochDay, formatLocalDateTime, isIsoDate } from '../seed/dates.js';
import { formatMinor } from '../seed/money.js';
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
  bank: Bank;
  consents: ConsentStore;
  faults: FaultRegistry;
  config: SandboxConfig;
  publicUrl: string;
  logger: Logger;
}

export class ControlApi {
  constructor(private readonly opts: ControlApiOptions) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
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

    if (key === 'GET /' || key === 'GET /state') return { status: 200, body: this.state() };
    if (key === 'POST /advance') return { status: 200, body: this.advance(await readJson(req)) };
    if (key === 'GET /users') return { status: 200, body: this.users() };
    if (key === 'GET /faults') return { status: 200, body: { faults: this.opts.faults.list() } };
    if (key === 'POST /faults') return { status: 201, body: this.addFault(await readJson(req)) };
    if (key === 'DELETE /faults') return { status: 200, body: { deleted: this.opts.faults.clear() } };
    const faultId = /^\/faults\/([^/]+)$/.exec(path);
    if (faultId && method === 'DELETE') {
      if (!this.opts.faults.remove(decodeURIComponent(faultId[1]!)))
        throw new ControlError(404, 'not_found', 'no such fault');
      return { status: 200, body: { deleted: 1 } };
    }
    const account = /^\/accounts\/([^/]+)\/(summary|pending)$/.exec(path);
    if (account && method === 'GET') {
      const id = decodeURIComponent(account[1]!);
      return {
        status: 200,
        body: account[2] === 'summary' ? this.summary(id, url.searchParams) : this.pending(id),
      };
    }
    if (key === 'GET /consents')
      return { status: 200, body: { consents: this.opts.consents.all().map((c) => this.consentView(c.id)) } };
    const consent = /^\/consents\/([^/]+)(\/revoke)?$/.exec(path);
    if (consent && method === 'GET' && !consent[2])
      return { status: 200, body: this.consentView(decodeURIComponent(consent[1]!)) };
    if (consent && method === 'POST' && consent[2])
      return { status: 200, body: this.revoke(decodeURIComponent(consent[1]!)) };
    throw new ControlError(404, 'not_found', `no control endpoint ${method} ${url.pathname}`);
  }

  private state(): Record<string, unknown> {
    const { bank, config } = this.opts;
    return {
      bank: 'AccessBank Tajikistan (sandbox)',
      protocol: 'Berlin Group NextGenPSD2 1.3.11 AIS, redirect SCA',
      seed: bank.seed,
      size: config.sizeLabel,
      target_entries: bank.size,
      today: bank.today,
      time_zone: BANK_TIME_ZONE,
      clock: bank.live ? 'live' : 'fixed',
      now: formatLocalDateTime(bank.nowSec),
      history_start: dayToIso(bank.historyStartDay),
      transactions_booked: bank.bookedCount,
      transactions_pending: bank.pendingCount,
      consents: this.opts.consents.all().length,
      public_url: this.opts.publicUrl,
      page_size: config.pageSize,
      max_frequency_per_day: config.maxFrequencyPerDay,
      max_consent_days: config.maxConsentDays,
      multiple_consents: config.multipleConsents,
      require_signature: config.requireSignature,
    };
  }

  private advance(body: Record<string, unknown>): Record<string, unknown> {
    const days = body.days;
    if (typeof days !== 'number' || !Number.isSafeInteger(days) || days < 1 || days > MAX_ADVANCE_DAYS)
      throw new ControlError(400, 'invalid_request', `days must be an integer 1..${MAX_ADVANCE_DAYS}`);
    const before = this.opts.bank.today;
    const booked = this.opts.bank.advance(days);
    this.opts.logger.info({ from: before, to: this.opts.bank.today, booked }, 'sandbox clock advanced');
    return {
      previous_today: before,
      today: this.opts.bank.today,
      advanced_days: days,
      newly_booked: booked,
      transactions_booked: this.opts.bank.bookedCount,
      transactions_pending: this.opts.bank.pendingCount,
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

  private users(): Record<string, unknown> {
    const { bank, config } = this.opts;
    return {
      otp: config.otp,
      users: bank.catalog.users.map((u) => ({
        psu_id: u.psuId,
        username: u.psuId,
        password: u.password,
        otp: config.otp,
        name: u.name,
        accounts: bank.catalog.accounts
          .filter((a) => a.userIndex === u.index)
          .map((a) => ({
            account_id: a.resourceId,
            bban: a.bban,
            currency: a.currency,
            name: a.name,
            product: a.product,
            cash_account_type: a.cashAccountType,
            status: a.status,
            booked_count: bank.bookedFor(a.index).length,
            pending_count: bank.pendingFor(a.index).length,
            balance: formatMinor(bank.balanceThrough(a.index, bank.todayDay)),
          })),
      })),
    };
  }

  private accountByResourceId(id: string): number {
    const a = this.opts.bank.catalog.accounts.find((x) => x.resourceId === id);
    if (!a) throw new ControlError(404, 'not_found', 'no such account');
    return a.index;
  }

  /**
   * The sandbox's own figures for an account over booking dates (`from_date`/`to_date`, inclusive
   * bank days, both optional): booked count and sum, credits, debits, the balance before the
   * window and at its end (`closing - opening = sum`), and the pending entries now.
   */
  private summary(id: string, q: URLSearchParams): Record<string, unknown> {
    const { bank } = this.opts;
    const acc = this.accountByResourceId(id);
    const a = bank.catalog.accounts[acc]!;
    const bound = (name: string): number | undefined => {
      const v = q.get(name);
      if (v === null || v === '') return undefined;
      if (!isIsoDate(v)) throw new ControlError(400, 'invalid_request', `${name} must be YYYY-MM-DD`);
      return epochDay(v);
    };
    const from = bound('from_date');
    const to = Math.min(bound('to_date') ?? bank.todayDay, bank.todayDay);
    const [lo, hi] = bank.bookedRange(acc, from ?? Number.MIN_SAFE_INTEGER, to);
    const list = bank.bookedFor(acc);
    let sum = 0n;
    let credits = 0n;
    let debits = 0n;
    for (let i = lo; i < hi; i++) {
      const v = BigInt(list[i]!.amount);
      sum += v;
      if (v > 0n) credits += v;
      else debits -= v;
    }
    const pending = bank.pendingFor(acc);
    return {
      account_id: a.resourceId,
      bban: a.bban,
      currency: a.currency,
      today: bank.today,
      from_date: from === undefined ? null : dayToIso(from),
      to_date: dayToIso(to),
      booked_count: Math.max(0, hi - lo),
      sum_of_amounts: formatMinor(sum),
      total_credits: formatMinor(credits),
      total_debits: formatMinor(debits),
      opening_balance: formatMinor(bank.balanceBefore(acc, lo)),
      closing_balance: formatMinor(hi > lo ? bank.balanceAt(acc, hi - 1) : bank.balanceBefore(acc, lo)),
      first_booking_date: hi > lo ? dayToIso(list[lo]!.bookDay!) : null,
      last_booking_date: hi > lo ? dayToIso(list[hi - 1]!.bookDay!) : null,
      pending_count: pending.length,
      pending_sum: formatMinor(pending.reduce((s, e) => s + BigInt(e.amount), 0n)),
      booked_balance_today: formatMinor(bank.balanceThrough(acc, bank.todayDay)),
      available_balance: formatMinor(bank.availableBalance(acc)),
    };
  }

  /** The pending entries now and what becomes of each (the sandbox knows the future). */
  private pending(id: string): Record<string, unknown> {
    const { bank } = this.opts;
    const acc = this.accountByResourceId(id);
    return {
      account_id: id,
      today: bank.today,
      pending: bank.pendingFor(acc).map((e) => ({
        transaction_id: e.pendingId,
        entry_reference: e.pendingRef ? e.entryReference : null,
        amount: formatMinor(e.amount),
        entry_date: dayToIso(e.postedDay),
        fate: e.bookDay === null ? 'vanishes' : 'books',
        books_on: e.bookDay === null ? null : dayToIso(e.bookDay),
        booked_transaction_id: e.bookDay === null ? null : e.bookedId,
        booked_entry_reference: e.bookDay === null ? null : e.entryReference,
        vanishes_on: e.vanishDay === null ? null : dayToIso(e.vanishDay),
      })),
    };
  }

  private consentView(id: string): Record<string, unknown> {
    const { bank, consents } = this.opts;
    const c = consents.get(id);
    if (!c) throw new ControlError(404, 'not_found', 'no such consent');
    consents.refresh(c, bank.todayDay);
    const accounts = bank.catalog.accounts;
    const ids = (s: Set<number> | undefined): string[] => [...(s ?? [])].map((i) => accounts[i]!.resourceId);
    const today = `${bank.todayDay}|`;
    return {
      consent_id: c.id,
      status: c.status,
      psu_id: c.psuIndex === undefined ? null : bank.catalog.users[c.psuIndex]!.psuId,
      access_kind: c.requested.kind,
      recurring_indicator: c.recurringIndicator,
      valid_until: c.validUntil,
      frequency_per_day: c.frequencyPerDay,
      created_at: c.createdAt,
      last_action_date: dayToIso(c.lastActionDay),
      tpp_redirect_uri: c.redirectUri,
      tpp_nok_redirect_uri: c.nokRedirectUri ?? null,
      granted: c.grant
        ? {
            accounts: ids(c.grant.accounts),
            balances: ids(c.grant.balances),
            transactions: ids(c.grant.transactions),
            list_only: c.grant.listOnly,
          }
        : null,
      authorisations: c.authorisations.map((a) => ({ authorisation_id: a.id, sca_status: a.scaStatus })),
      usage: {
        day: bank.today,
        today: [...c.usage.entries()]
          .filter(([k]) => k.startsWith(today))
          .map(([k, count]) => {
            const [, endpoint, account] = k.split('|');
            return {
              endpoint,
              account_id: account === '-1' ? null : accounts[Number(account)]!.resourceId,
              count,
              remaining: Math.max(0, c.frequencyPerDay - count),
            };
          }),
        counted_total: c.counted,
        not_counted_total: c.notCounted,
        refused_total: c.refused,
      },
    };
  }

  /** The PSU revokes the consent in online banking (`revokedByPsu`). */
  private revoke(id: string): Record<string, unknown> {
    const { bank, consents } = this.opts;
    const c = consents.get(id);
    if (!c) throw new ControlError(404, 'not_found', 'no such consent');
    if (consents.refresh(c, bank.todayDay) !== 'valid')
      throw new ControlError(409, 'invalid_state', `the consent is ${c.status}, not valid`);
    c.status = 'revokedByPsu';
    c.lastActionDay = bank.todayDay;
    return { consent_id: c.id, status: c.status };
  }
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
