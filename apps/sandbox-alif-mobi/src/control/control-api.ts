/**
 * The control API under `/__sandbox` — what a real bank lacks: move the clock, inject faults, add
 * OAuth clients, and read the sandbox's own figures so end-to-end tests can compare. It is never
 * subject to injected faults.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { validateClient, type OAuthClientConfig } from '../config.js';
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
    const client: OAuthClientConfig = {
      clientId: typeof body.client_id === 'string' ? body.client_id : '',
      clientSecret: typeof body.client_secret === 'string' ? body.client_secret : '',
      redirectUris: Array.isArray(body.redirect_uris) ? body.redirect_uris.map(String) : [],
      clientName: typeof body.client_name === 'string' ? body.client_name : undefined,
    };
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
      token_endpoint_auth_method: 'client_secret_basic',
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
    const fromSec = parseBound(query.get('from_date'), 'from');
    const toSec = parseBound(query.get('to_date'), 'to');
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
      transaction_count: hi - lo,
      sum_of_amounts: bigMinorToDecimal(sum),
      total_credits: bigMinorToDecimal(credits),
      total_debits: bigMinorToDecimal(debits),
      opening_balance: formatFixed(opening),
      closing_balance: formatFixed(closing),
      first_completed: hi > lo ? formatObpDate(book.postings[lo]!.completed) : null,
      last_completed: hi > lo ? formatObpDate(book.postings[hi - 1]!.completed) : null,
      pending_count: bank.ledger.pendingFor(account.index).length,
      // International transfers (transaction requests) the account shows now, whatever the period.
      transfer_count: book.transfers.filter((t) => t.start <= bank.nowSec).length,
    };
  }
}

function parseBound(raw: string | null, side: 'from' | 'to'): number | undefined {
  if (raw === null || raw === '') return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) {
    const ms = Date.parse(`${raw}T00:00:00Z`);
    if (Number.isNaN(ms)) throw new ControlError(400, 'invalid_request', `bad ${side}_date`);
    return side === 'from' ? ms / 1000 : ms / 1000 + 86_399;
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
