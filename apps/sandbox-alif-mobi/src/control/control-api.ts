/**
 * The control API under `/__sandbox` — what a real bank lacks: move the clock, inject faults, add
 * OAuth clients, and read the sandbox's own figures so end-to-end tests can compare. It is never
 * subject to injected faults.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import {
  validateClient,
  type Jwks,
  type OAuthClientConfig,
  type TokenEndpointAuthMethod,
} from '../config.js';
import { BodyTooLargeError, readBody, sendJson } from '../http/http-util.js';
import type { Logger } from '../logger.js';
import type { OAuthServer } from '../oauth/oauth-server.js';
import { parseObpRequestDate, formatObpDate } from '../obp/obp-encodings.js';
import { dayToIso } from '../seed/catalog.js';
import { bigMinorToDecimal, formatFixed } from '../seed/money.js';
import type { SandboxBank } from '../seed/sandbox-bank.js';
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
  bank: SandboxBank;
  faults: FaultRegistry;
  oauth: OAuthServer;
  logger: Logger;
  bankId: string;
  otp: string;
  sizeLabel: string;
  profiles?: readonly string[];
  maxPageSize?: number;
  accessTokenTtlS?: number;
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
    if (key === 'GET /faults') return { status: 200, body: { faults: this.opts.faults.list() } };
    if (key === 'POST /faults') return { status: 201, body: this.addFault(await readJson(req)) };
    if (key === 'DELETE /faults') return { status: 200, body: { deleted: this.opts.faults.clear() } };
    const faultId = /^\/faults\/([^/]+)$/.exec(path);
    if (faultId && method === 'DELETE') {
      if (!this.opts.faults.remove(decodeURIComponent(faultId[1]!)))
        throw new ControlError(404, 'not_found', 'no such fault');
      return { status: 200, body: { deleted: 1 } };
    }
    if (key === 'GET /clients') return { status: 200, body: { clients: this.opts.oauth.listClients() } };
    if (key === 'POST /clients') return { status: 201, body: await this.addClient(await readJson(req)) };
    if (key === 'GET /users') return { status: 200, body: this.users() };
    const summary = /^\/accounts\/([^/]+)\/summary$/.exec(path);
    if (summary && method === 'GET')
      return { status: 200, body: this.summary(decodeURIComponent(summary[1]!), url.searchParams) };
    throw new ControlError(404, 'not_found', `no control endpoint ${method} ${url.pathname}`);
  }

  private state(): Record<string, unknown> {
    const { bank } = this.opts;
    return {
      bank_id: this.opts.bankId,
      seed: bank.seed,
      size: this.opts.sizeLabel,
      target_postings: bank.size,
      today: bank.today,
      // `live`: today is the real UTC date and nothing completed after the real now is served.
      clock: bank.live ? 'live' : 'fixed',
      now: formatObpDate(bank.nowSec),
      profiles: [...(this.opts.profiles ?? [])],
      max_page_size: this.opts.maxPageSize ?? null,
      access_token_ttl_s: this.opts.accessTokenTtlS ?? this.opts.oauth.accessTokenTtlS,
      scopes_supported: [...this.opts.oauth.scopes.scopes],
      history_start: dayToIso(bank.historyStartDay),
      transactions_booked: bank.ledger.bookedCount,
      transactions_pending: bank.ledger.bySeq.length - bank.ledger.bookedCount,
      transaction_requests: bank.ledger.transfers.length,
    };
  }

  private advance(body: Record<string, unknown>): Record<string, unknown> {
    const days = body.days;
    if (typeof days !== 'number' || !Number.isSafeInteger(days) || days < 1 || days > MAX_ADVANCE_DAYS) {
      throw new ControlError(400, 'invalid_request', `days must be an integer 1..${MAX_ADVANCE_DAYS}`);
    }
    const before = this.opts.bank.today;
    const booked = this.opts.bank.advance(days);
    this.opts.logger.info({ from: before, to: this.opts.bank.today, booked }, 'sandbox clock advanced');
    return {
      previous_today: before,
      today: this.opts.bank.today,
      advanced_days: days,
      new_transactions: booked,
      transactions_booked: this.opts.bank.ledger.bookedCount,
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

  private async addClient(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const method =
      body.token_endpoint_auth_method === undefined
        ? 'client_secret_basic'
        : String(body.token_endpoint_auth_method);
    const client: OAuthClientConfig = {
      clientId: typeof body.client_id === 'string' ? body.client_id : '',
      clientSecret:
        typeof body.client_secret === 'string'
          ? body.client_secret
          : method === 'private_key_jwt'
            ? undefined
            : '',
      redirectUris: Array.isArray(body.redirect_uris) ? body.redirect_uris.map(String) : [],
      clientName: typeof body.client_name === 'string' ? body.client_name : undefined,
      tokenEndpointAuthMethod: method as TokenEndpointAuthMethod,
    };
    if (body.jwks !== undefined) client.jwks = body.jwks as Jwks;
    const problems = validateClient(client);
    if (problems.length)
      throw new ControlError(400, 'invalid_client_metadata', problems.join('; '), problems);
    try {
      await this.opts.oauth.addClient(client);
    } catch (err) {
      throw new ControlError(
        400,
        'invalid_client_metadata',
        (err as { error_description?: string }).error_description ?? (err as Error).message,
      );
    }
    return {
      client_id: client.clientId,
      client_name: client.clientName ?? client.clientId,
      redirect_uris: client.redirectUris,
      token_endpoint_auth_method: method,
    };
  }

  private users(): Record<string, unknown> {
    const { catalog, ledger } = this.opts.bank;
    return {
      otp: this.opts.otp,
      users: catalog.users.map((u) => ({
        user_id: u.id,
        username: u.username,
        password: u.password,
        otp: this.opts.otp,
        display_name: u.displayName,
        phone: u.phone,
        accounts: catalog.accounts
          .filter((a) => a.userIndex === u.index)
          .map((a) => ({
            account_id: a.id,
            bank_id: this.opts.bankId,
            label: a.label,
            currency: a.currency,
            type: a.type,
            number: a.number,
            transaction_count: ledger.books[a.index]!.postings.length,
            balance: formatFixed(ledger.books[a.index]!.balance),
          })),
        cards: catalog.cards
          .filter((c) => c.userIndex === u.index)
          .map((c) => ({
            card_id: c.id,
            account_id: catalog.accounts[c.accountIndex]!.id,
            scheme: c.scheme,
            masked_number: c.maskedNumber,
            product: c.product,
          })),
      })),
    };
  }

  /**
   * The sandbox's own figures for an account, over the whole booked history or a window of
   * completed dates (`from_date`/`to_date`: YYYY-MM-DD, inclusive days, or OBP date-times).
   */
  private summary(accountId: string, query: URLSearchParams): Record<string, unknown> {
    const { bank } = this.opts;
    const account = bank.catalog.accounts.find((a) => a.id === accountId);
    if (!account) throw new ControlError(404, 'not_found', 'no such account');
    const tz = query.get('tz') || 'UTC';
    if (!isTimeZone(tz)) throw new ControlError(400, 'invalid_request', `unknown time zone ${tz}`);
    const fromSec = parseBound(query.get('from_date'), 'from', tz);
    const toSec = parseBound(query.get('to_date'), 'to', tz);
    const book = bank.ledger.books[account.index]!;
    const [lo, hi] = bank.ledger.range(account.index, fromSec ?? 0, toSec ?? Number.MAX_SAFE_INTEGER);
    let sum = 0n;
    let credits = 0n;
    let debits = 0n;
    for (let i = lo; i < hi; i++) {
      const a = BigInt(book.postings[i]!.amount);
      sum += a;
      if (a > 0n) credits += a;
      else debits -= a;
    }
    const opening = lo > 0 ? book.postings[lo - 1]!.balance : book.opening;
    const closing = hi > lo ? book.postings[hi - 1]!.balance : opening;
    return {
      account_id: account.id,
      bank_id: this.opts.bankId,
      currency: account.currency,
      today: bank.today,
      from_date: query.get('from_date'),
      to_date: query.get('to_date'),
      tz,
      // The window as instants (inclusive): a YYYY-MM-DD bound is a calendar day in `tz`.
      window_start: fromSec === undefined ? null : formatObpDate(fromSec),
      window_end: toSec === undefined ? null : formatObpDate(toSec),
      transaction_count: hi - lo,
      sum_of_amounts: bigMinorToDecimal(sum),
      total_credits: bigMinorToDecimal(credits),
      total_debits: bigMinorToDecimal(debits),
      opening_balance: formatFixed(opening),
      closing_balance: formatFixed(closing),
      first_completed: hi > lo ? formatObpDate(book.postings[lo]!.completed) : null,
      last_completed: hi > lo ? formatObpDate(book.postings[hi - 1]!.completed) : null,
      pending_count: bank.pendingFor(account.index).length,
      // International transfers (transaction requests) the account shows now, whatever the period.
      transfer_count: book.transfers.filter((t) => t.start <= bank.nowSec).length,
    };
  }
}

/**
 * A window bound in epoch seconds (inclusive). `YYYY-MM-DD` is a calendar day in `tz`: `from` is
 * its first second there, `to` its last (the completed instant's local date decides).
 */
function parseBound(raw: string | null, side: 'from' | 'to', tz: string): number | undefined {
  if (raw === null || raw === '') return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) {
    const ms = Date.parse(`${raw}T00:00:00Z`);
    if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== raw)
      throw new ControlError(400, 'invalid_request', `bad ${side}_date`);
    const day = ms / 86_400_000;
    return side === 'from' ? startOfLocalDay(day, tz) : startOfLocalDay(day + 1, tz) - 1;
  }
  const ms = parseObpRequestDate(raw);
  if (ms === undefined)
    throw new ControlError(
      400,
      'invalid_request',
      `bad ${side}_date (YYYY-MM-DD or yyyy-MM-ddTHH:mm:ss.SSSZ)`,
    );
  return side === 'from' ? Math.ceil(ms / 1000) : Math.floor(ms / 1000);
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

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, in seconds (e.g. +18000 for Asia/Dushanbe). */
function zoneOffsetSec(sec: number, tz: string): number {
  let fmt = offsetFormats.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormats.set(tz, fmt);
  }
  const parts = Object.fromEntries(fmt.formatToParts(new Date(sec * 1000)).map((p) => [p.type, p.value]));
  const local = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return Math.round(local / 1000) - sec;
}

/** The first second (epoch) of the calendar day `epochDay` in `tz`. */
function startOfLocalDay(epochDay: number, tz: string): number {
  const wall = epochDay * 86_400;
  // Two rounds settle the offset across a daylight-saving change.
  let guess = wall - zoneOffsetSec(wall, tz);
  guess = wall - zoneOffsetSec(guess, tz);
  return guess;
}
