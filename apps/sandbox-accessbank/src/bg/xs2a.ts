/**
 * The NextGenPSD2 (Berlin Group 1.3.11) Account Information Service under `/v1`: consents with
 * the redirect SCA approach, their authorisation sub-resources, and the account reads.
 *
 * Every request needs `X-Request-ID` (a UUID), which every answer echoes. Account reads need
 * `Consent-ID`; `PSU-IP-Address` on a read means the PSU asked for it now, and its absence makes
 * the read count against the consent's `frequencyPerDay` (per endpoint and account, per bank day).
 * With `requireSignature` every request must first carry a valid Berlin Group signature
 * (signature.ts), checked over the raw body bytes.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

import type { SandboxConfig } from '../config.js';
import { readBody, readBodyBytes } from '../http/http-util.js';
import type { Logger } from '../logger.js';
import type { Bank, Entry } from '../seed/bank.js';
import type { AccountDef } from '../seed/catalog.js';
import { dayToIso, epochDay, formatLocalDateTime, isIsoDate } from '../seed/dates.js';
import { ConsentStore, parseConsentRequest, type Consent } from './consents.js';
import { BgError, formatError } from './errors.js';
import { API_PREFIX, accountDetails, accountRef, balances, transaction } from './serialize.js';
import { verifyRequestSignature } from './signature.js';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class Xs2aApi {
  constructor(
    private readonly bank: Bank,
    private readonly consents: ConsentStore,
    private readonly config: SandboxConfig,
    private readonly publicUrl: string,
    private readonly logger: Logger,
  ) {}

  /** Bodies already read to check their signature, for the route to parse. */
  private readonly bodies = new WeakMap<IncomingMessage, string>();

  async handle(req: IncomingMessage, url: URL): Promise<Reply> {
    try {
      if (this.config.requireSignature) {
        requestId(req);
        // The digest is over the bytes as received, before any parsing.
        const raw = await readBodyBytes(req);
        verifyRequestSignature(req, raw);
        this.bodies.set(req, raw.toString('utf8'));
      }
      return await this.route(req, url);
    } catch (err) {
      if (err instanceof BgError) return { status: err.status, body: err.toBody() };
      throw err;
    }
  }

  private async route(req: IncomingMessage, url: URL): Promise<Reply> {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '');
    requestId(req);

    if (path === `${API_PREFIX}/consents`) {
      if (method === 'POST') return this.createConsent(req);
      throw notAllowed(method, path);
    }
    let m = /^\/v1\/consents\/([^/]+)(\/status|\/authorisations(?:\/([^/]+))?)?$/.exec(path);
    if (m) {
      const consent = this.consentFromPath(decodeURIComponent(m[1]!));
      const sub = m[2];
      if (!sub) {
        if (method === 'GET') return { status: 200, body: this.consentInformation(consent) };
        if (method === 'DELETE') return this.deleteConsent(consent);
        throw notAllowed(method, path);
      }
      if (sub === '/status') {
        if (method !== 'GET') throw notAllowed(method, path);
        return { status: 200, body: { consentStatus: this.consents.refresh(consent, this.bank.todayDay) } };
      }
      if (m[3] === undefined) {
        if (method === 'GET')
          return { status: 200, body: { authorisationIds: consent.authorisations.map((a) => a.id) } };
        if (method === 'POST') return this.startAuthorisation(req, consent);
        throw notAllowed(method, path);
      }
      if (method !== 'GET') throw notAllowed(method, path);
      const auth = consent.authorisations.find((a) => a.id === decodeURIComponent(m![3]!));
      if (!auth) throw new BgError(403, 'RESOURCE_UNKNOWN', 'The authorisation sub-resource is unknown.');
      return { status: 200, body: { scaStatus: auth.scaStatus } };
    }

    if (path === `${API_PREFIX}/accounts`) {
      if (method !== 'GET') throw notAllowed(method, path);
      return this.accountList(req, url);
    }
    m = /^\/v1\/accounts\/([^/]+)(\/balances|\/transactions(?:\/([^/]+))?)?$/.exec(path);
    if (m) {
      if (method !== 'GET') throw notAllowed(method, path);
      const accountId = decodeURIComponent(m[1]!);
      if (!m[2]) return this.accountDetail(req, url, accountId);
      if (m[2] === '/balances') return this.balances(req, url, accountId);
      if (m[3] === undefined) return this.transactions(req, url, accountId);
      return this.transactionDetail(req, url, accountId, decodeURIComponent(m[3]));
    }
    throw new BgError(404, 'RESOURCE_UNKNOWN', `No resource at ${method} ${url.pathname}.`);
  }

  // ------------------------------------------------------------------------------- consents ---

  private async createConsent(req: IncomingMessage): Promise<Reply> {
    const xRequestId = requestId(req);
    const psuIp = header(req, 'psu-ip-address');
    if (psuIp === undefined)
      throw formatError('PSU-IP-Address is mandatory when creating a consent.', 'PSU-IP-Address');
    if (!isIP(psuIp)) throw formatError('PSU-IP-Address must be an IP address.', 'PSU-IP-Address');
    const redirectUri = header(req, 'tpp-redirect-uri');
    if (redirectUri === undefined)
      throw formatError(
        'TPP-Redirect-URI is mandatory: this ASPSP uses the redirect SCA approach.',
        'TPP-Redirect-URI',
      );
    checkUri(redirectUri, 'TPP-Redirect-URI');
    const nokRedirectUri = header(req, 'tpp-nok-redirect-uri');
    if (nokRedirectUri !== undefined) checkUri(nokRedirectUri, 'TPP-Nok-Redirect-URI');
    const explicit = booleanHeader(req, 'tpp-explicit-authorisation-preferred');
    booleanHeader(req, 'tpp-redirect-preferred');
    const psuIdHint = header(req, 'psu-id');

    const contentType = header(req, 'content-type');
    if (contentType !== undefined && !/^application\/json\b/i.test(contentType))
      throw formatError('The request body must be application/json.', 'Content-Type');
    const text = this.bodies.get(req) ?? (await readBody(req));
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw formatError('The request body is not valid JSON.');
    }
    const parsed = parseConsentRequest(body, this.bank.todayDay, this.config);
    if (!this.consents.claimRequestId(xRequestId))
      throw formatError('X-Request-ID was already used for another request; send a new one.', 'X-Request-ID');

    const consent = this.consents.create(
      parsed,
      { redirectUri, nokRedirectUri, psuIdHint },
      this.bank.todayDay,
      formatLocalDateTime(this.bank.nowSec),
    );
    const self = `${API_PREFIX}/consents/${consent.id}`;
    const links: Record<string, { href: string }> = {};
    if (explicit) {
      links.startAuthorisation = { href: `${self}/authorisations` };
    } else {
      const auth = this.consents.addAuthorisation(consent);
      links.scaRedirect = { href: `${this.publicUrl}/sca/${auth.id}` };
    }
    links.self = { href: self };
    links.status = { href: `${self}/status` };
    if (!explicit) links.scaStatus = { href: `${self}/authorisations/${consent.authorisations[0]!.id}` };
    this.logger.info({ consent: consent.id, kind: parsed.requested.kind }, 'consent created');
    return {
      status: 201,
      body: { consentStatus: consent.status, consentId: consent.id, _links: links },
      headers: { Location: self, 'ASPSP-SCA-Approach': 'REDIRECT' },
    };
  }

  private startAuthorisation(req: IncomingMessage, consent: Consent): Reply {
    const status = this.consents.refresh(consent, this.bank.todayDay);
    if (status === 'expired') throw new BgError(401, 'CONSENT_EXPIRED', 'The consent has expired.');
    if (status !== 'received')
      throw new BgError(409, 'STATUS_INVALID', `The consent is ${status}; it cannot be authorised again.`);
    void req;
    const auth = this.consents.addAuthorisation(consent);
    const self = `${API_PREFIX}/consents/${consent.id}`;
    return {
      status: 201,
      body: {
        scaStatus: auth.scaStatus,
        authorisationId: auth.id,
        _links: {
          scaRedirect: { href: `${this.publicUrl}/sca/${auth.id}` },
          scaStatus: { href: `${self}/authorisations/${auth.id}` },
        },
      },
      headers: { 'ASPSP-SCA-Approach': 'REDIRECT' },
    };
  }

  private consentInformation(consent: Consent): Record<string, unknown> {
    const status = this.consents.refresh(consent, this.bank.todayDay);
    return {
      access: this.accessJson(consent),
      recurringIndicator: consent.recurringIndicator,
      validUntil: consent.validUntil,
      frequencyPerDay: consent.frequencyPerDay,
      lastActionDate: dayToIso(consent.lastActionDay),
      consentStatus: status,
    };
  }

  /** The access as granted (a bank-offered consent shows the accounts the PSU chose). */
  private accessJson(consent: Consent): Record<string, unknown> {
    const r = consent.requested;
    const out: Record<string, unknown> = {};
    const accounts = this.bank.catalog.accounts;
    const refsOf = (set: Set<number>): Array<Record<string, string>> =>
      [...set].sort((a, b) => a - b).map((i) => accountRef(accounts[i]!));
    if (r.kind === 'dedicated' || r.kind === 'bankOffered') {
      for (const key of ['accounts', 'balances', 'transactions'] as const) {
        const list = r[key];
        if (list === undefined) continue;
        if (r.kind === 'bankOffered' && consent.grant) out[key] = refsOf(consent.grant[key]);
        else out[key] = list.map((ref) => ({ ...ref }));
      }
    }
    for (const key of ['availableAccounts', 'availableAccountsWithBalance', 'allPsd2'] as const)
      if (r[key] !== undefined) out[key] = r[key];
    if (r.restrictedTo) out.restrictedTo = [...r.restrictedTo];
    return out;
  }

  private deleteConsent(consent: Consent): Reply {
    const status = this.consents.refresh(consent, this.bank.todayDay);
    if (status === 'received' || status === 'valid') {
      consent.status = 'terminatedByTpp';
      consent.lastActionDay = this.bank.todayDay;
      for (const a of consent.authorisations)
        if (a.step !== 'done') {
          a.step = 'done';
          a.scaStatus = 'failed';
          a.outcome = 'The TPP withdrew the consent request.';
        }
      this.logger.info({ consent: consent.id }, 'consent terminated by the TPP');
    }
    return { status: 204 };
  }

  private consentFromPath(id: string): Consent {
    const consent = this.consents.get(id);
    if (!consent) throw new BgError(403, 'CONSENT_UNKNOWN', 'The consent in the path is unknown.');
    return consent;
  }

  // ---------------------------------------------------------------------------------- reads ---

  /** The consent of an account read: known, valid, and the reader's. */
  private validConsent(req: IncomingMessage): Consent {
    const id = header(req, 'consent-id');
    if (id === undefined)
      throw formatError('Consent-ID is mandatory on account information requests.', 'Consent-ID');
    const consent = this.consents.get(id);
    if (!consent) throw new BgError(400, 'CONSENT_UNKNOWN', 'The Consent-ID is unknown.', 'Consent-ID');
    const status = this.consents.refresh(consent, this.bank.todayDay);
    switch (status) {
      case 'valid':
        return consent;
      case 'expired':
        throw new BgError(401, 'CONSENT_EXPIRED', `The consent expired (validUntil ${consent.validUntil}).`);
      case 'received':
        throw new BgError(401, 'CONSENT_INVALID', 'The consent is not authorised by the PSU yet.');
      case 'rejected':
        throw new BgError(401, 'CONSENT_INVALID', 'The consent was rejected.');
      case 'revokedByPsu':
        throw new BgError(401, 'CONSENT_INVALID', 'The PSU revoked the consent.');
      case 'terminatedByTpp':
        throw new BgError(401, 'CONSENT_INVALID', 'The consent was terminated by the TPP.');
    }
  }

  private account(consent: Consent, accountId: string): AccountDef {
    const a = this.bank.catalog.accounts.find((x) => x.resourceId === accountId);
    if (!a || a.userIndex !== consent.psuIndex)
      throw new BgError(404, 'RESOURCE_UNKNOWN', 'The account-id in the path is unknown.');
    if (!consent.grant!.accounts.has(a.index) || consent.grant!.listOnly)
      throw new BgError(401, 'CONSENT_INVALID', 'The consent does not cover this account.');
    return a;
  }

  private accountList(req: IncomingMessage, url: URL): Reply {
    const consent = this.validConsent(req);
    const present = psuPresent(req);
    const withBalance = booleanQuery(url, 'withBalance') ?? false;
    const grant = consent.grant!;
    const listed = this.bank.catalog.accounts.filter((a) => grant.accounts.has(a.index));
    // A blocked account is listed without balances (reading them answers SERVICE_BLOCKED).
    const balanceOk = (a: AccountDef): boolean =>
      a.status !== 'blocked' && (grant.listOnly ? grant.listWithBalance : grant.balances.has(a.index));
    if (withBalance && !listed.some(balanceOk))
      throw new BgError(401, 'CONSENT_INVALID', 'The consent does not cover balances.');
    this.count(consent, present, 'accounts', -1);
    return {
      status: 200,
      body: {
        accounts: listed.map((a) =>
          accountDetails(this.bank, a, grant, { withBalance: withBalance && balanceOk(a) }),
        ),
      },
    };
  }

  private accountDetail(req: IncomingMessage, url: URL, accountId: string): Reply {
    const consent = this.validConsent(req);
    const present = psuPresent(req);
    const a = this.account(consent, accountId);
    const withBalance = booleanQuery(url, 'withBalance') ?? false;
    if (withBalance && !consent.grant!.balances.has(a.index))
      throw new BgError(401, 'CONSENT_INVALID', 'The consent does not cover the balances of this account.');
    if (withBalance) blocked(a);
    this.count(consent, present, 'account', a.index);
    return { status: 200, body: { account: accountDetails(this.bank, a, consent.grant!, { withBalance }) } };
  }

  private balances(req: IncomingMessage, _url: URL, accountId: string): Reply {
    const consent = this.validConsent(req);
    const present = psuPresent(req);
    const a = this.account(consent, accountId);
    if (!consent.grant!.balances.has(a.index))
      throw new BgError(401, 'CONSENT_INVALID', 'The consent does not cover the balances of this account.');
    blocked(a);
    this.count(consent, present, 'balances', a.index);
    return { status: 200, body: { account: accountRef(a), balances: balances(this.bank, a) } };
  }

  private transactions(req: IncomingMessage, url: URL, accountId: string): Reply {
    const consent = this.validConsent(req);
    const present = psuPresent(req);
    const a = this.account(consent, accountId);
    if (!consent.grant!.transactions.has(a.index))
      throw new BgError(
        401,
        'CONSENT_INVALID',
        'The consent does not cover the transactions of this account.',
      );
    blocked(a);
    const q = this.transactionQuery(url, a);
    if (q.withBalance && !consent.grant!.balances.has(a.index))
      throw new BgError(401, 'CONSENT_INVALID', 'The consent does not cover the balances of this account.');

    const { bank } = this;
    // Booked: booking day in [from, to] (or after entryReferenceFrom), newest first.
    let booked: Entry[] = [];
    if (q.bookingStatus !== 'pending') {
      const list = bank.bookedFor(a.index);
      const [from, hi] = bank.bookedRange(a.index, q.fromDay, q.toDay);
      const lo = q.after ? bank.bookedIndex(a.index, q.after) + 1 : from;
      booked = list.slice(lo, Math.max(lo, hi)).reverse();
    }
    // Pending: entry date in [from, to] (any entry date with entryReferenceFrom), newest first.
    let pending: Entry[] = [];
    if (q.bookingStatus !== 'booked') {
      pending = bank
        .pendingFor(a.index)
        .filter((e) => e.postedDay <= q.toDay && (q.after !== undefined || e.postedDay >= q.fromDay))
        .reverse();
    }
    const size = this.config.pageSize;
    const page = q.page;
    let pageBooked: Entry[] = [];
    let pagePending: Entry[] = [];
    let more = false;
    if (q.bookingStatus === 'pending') {
      pagePending = pending.slice((page - 1) * size, page * size);
      more = pending.length > page * size;
    } else {
      // All pending entries come on the first page; booked entries are paged.
      if (page === 1) pagePending = pending;
      pageBooked = booked.slice((page - 1) * size, page * size);
      more = booked.length > page * size;
    }
    if (page > 1 && pageBooked.length === 0 && pagePending.length === 0)
      throw new BgError(400, 'FORMAT_ERROR', `page ${page} is beyond the end of this report.`, 'page');

    const report: Record<string, unknown> = {};
    if (q.bookingStatus !== 'pending') report.booked = pageBooked.map((e) => transaction(a, e, 'booked'));
    if (q.bookingStatus !== 'booked') report.pending = pagePending.map((e) => transaction(a, e, 'pending'));
    const links: Record<string, { href: string }> = {
      account: { href: `${API_PREFIX}/accounts/${a.resourceId}` },
    };
    if (more) links.next = { href: this.pageLink(a, q, page + 1) };
    report._links = links;

    if (page === 1) this.count(consent, present, 'transactions', a.index);
    const body: Record<string, unknown> = { account: accountRef(a), transactions: report };
    if (q.withBalance) body.balances = balances(bank, a);
    return { status: 200, body };
  }

  private transactionDetail(
    req: IncomingMessage,
    _url: URL,
    accountId: string,
    transactionId: string,
  ): Reply {
    const consent = this.validConsent(req);
    const present = psuPresent(req);
    const a = this.account(consent, accountId);
    if (!consent.grant!.transactions.has(a.index))
      throw new BgError(
        401,
        'CONSENT_INVALID',
        'The consent does not cover the transactions of this account.',
      );
    blocked(a);
    const found = this.bank.findTransaction(a.index, transactionId);
    if (!found) throw new BgError(403, 'RESOURCE_UNKNOWN', 'The transactionId in the path is unknown.');
    this.count(consent, present, 'transaction', a.index);
    return { status: 200, body: { transactionsDetails: transaction(a, found.entry, found.state) } };
  }

  private transactionQuery(url: URL, a: AccountDef): TransactionQuery {
    const p = url.searchParams;
    const bookingStatus = p.get('bookingStatus');
    if (bookingStatus === null) throw formatError('bookingStatus is mandatory.', 'bookingStatus');
    if (bookingStatus === 'information' || bookingStatus === 'all')
      throw new BgError(
        400,
        'PARAMETER_NOT_SUPPORTED',
        `bookingStatus=${bookingStatus} is not supported; use booked, pending or both.`,
        'bookingStatus',
      );
    if (bookingStatus !== 'booked' && bookingStatus !== 'pending' && bookingStatus !== 'both')
      throw formatError('bookingStatus must be booked, pending or both.', 'bookingStatus');
    const deltaList = booleanQuery(url, 'deltaList');
    if (deltaList)
      throw new BgError(
        400,
        'PARAMETER_NOT_SUPPORTED',
        'deltaList is not supported; use entryReferenceFrom.',
        'deltaList',
      );
    const dateFrom = dateQuery(url, 'dateFrom');
    const dateTo = dateQuery(url, 'dateTo');
    const entryReferenceFrom = p.get('entryReferenceFrom') ?? undefined;
    const today = this.bank.todayDay;
    let after: Entry | undefined;
    if (entryReferenceFrom !== undefined) {
      after = this.bank.findBookedByReference(a.index, entryReferenceFrom);
      if (!after)
        throw new BgError(
          400,
          'RESOURCE_UNKNOWN',
          'entryReferenceFrom names no booked transaction of this account.',
          'entryReferenceFrom',
        );
    } else if (dateFrom === undefined) {
      throw formatError('dateFrom is mandatory unless entryReferenceFrom is used.', 'dateFrom');
    }
    if (dateFrom !== undefined && dateFrom > today)
      throw new BgError(400, 'PERIOD_INVALID', 'dateFrom lies in the future.', 'dateFrom');
    if (dateFrom !== undefined && dateTo !== undefined && dateFrom > dateTo)
      throw new BgError(400, 'PERIOD_INVALID', 'dateFrom is after dateTo.', 'dateFrom');
    const pageRaw = p.get('page');
    let page = 1;
    if (pageRaw !== null) {
      if (!/^[1-9]\d{0,6}$/.test(pageRaw)) throw formatError('page must be a positive integer.', 'page');
      page = Number(pageRaw);
    }
    return {
      bookingStatus,
      fromDay: after ? Number.MIN_SAFE_INTEGER : dateFrom!,
      toDay: Math.min(dateTo ?? today, today),
      dateFrom,
      entryReferenceFrom,
      after,
      withBalance: booleanQuery(url, 'withBalance') ?? false,
      page,
    };
  }

  /**
   * The next page, host-relative. It repeats the query with dateTo pinned to the report's end, so
   * entries booked while the TPP pages (a new bank day) do not shift the pages.
   */
  private pageLink(a: AccountDef, q: TransactionQuery, page: number): string {
    const params = new URLSearchParams();
    params.set('bookingStatus', q.bookingStatus);
    if (q.dateFrom !== undefined) params.set('dateFrom', dayToIso(q.dateFrom));
    params.set('dateTo', dayToIso(q.toDay));
    if (q.entryReferenceFrom !== undefined) params.set('entryReferenceFrom', q.entryReferenceFrom);
    if (q.withBalance) params.set('withBalance', 'true');
    params.set('page', String(page));
    return `${API_PREFIX}/accounts/${a.resourceId}/transactions?${params.toString()}`;
  }

  /**
   * Counts an access without PSU involvement against frequencyPerDay (per consent, endpoint and
   * account, per bank day) and refuses it with 429 ACCESS_EXCEEDED once the day's allowance is
   * used. A one-off consent counts every access, the PSU present or not. Only served reads count.
   */
  private count(consent: Consent, psuPresentNow: boolean, endpoint: string, account: number): void {
    if (psuPresentNow && consent.recurringIndicator) {
      consent.notCounted++;
      return;
    }
    const key = `${this.bank.todayDay}|${endpoint}|${account}`;
    const used = consent.usage.get(key) ?? 0;
    if (used >= consent.frequencyPerDay) {
      consent.refused++;
      throw new BgError(
        429,
        'ACCESS_EXCEEDED',
        `The access on this ${endpoint === 'accounts' ? 'account list' : 'account'} has exceeded the consented multiplicity per day (frequencyPerDay ${consent.frequencyPerDay}); the allowance resets at midnight, Asia/Dushanbe.`,
      );
    }
    consent.usage.set(key, used + 1);
    consent.counted++;
  }
}

interface TransactionQuery {
  bookingStatus: 'booked' | 'pending' | 'both';
  fromDay: number;
  toDay: number;
  dateFrom: number | undefined;
  entryReferenceFrom: string | undefined;
  after: Entry | undefined;
  withBalance: boolean;
  page: number;
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

/** X-Request-ID: mandatory on every request, a UUID. */
export function requestId(req: IncomingMessage): string {
  const id = header(req, 'x-request-id');
  if (id === undefined) throw formatError('X-Request-ID is mandatory.', 'X-Request-ID');
  if (!UUID.test(id)) throw formatError('X-Request-ID must be a UUID.', 'X-Request-ID');
  return id;
}

function psuPresent(req: IncomingMessage): boolean {
  const ip = header(req, 'psu-ip-address');
  if (ip === undefined) return false;
  if (!isIP(ip)) throw formatError('PSU-IP-Address must be an IP address.', 'PSU-IP-Address');
  return true;
}

function booleanHeader(req: IncomingMessage, name: string): boolean {
  const v = header(req, name);
  if (v === undefined) return false;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw formatError(`${name} must be true or false.`, name);
}

function booleanQuery(url: URL, name: string): boolean | undefined {
  const v = url.searchParams.get(name);
  if (v === null) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw formatError(`${name} must be true or false.`, name);
}

function dateQuery(url: URL, name: string): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null) return undefined;
  if (!isIsoDate(v)) throw formatError(`${name} must be an ISO date (YYYY-MM-DD).`, name);
  return epochDay(v);
}

function checkUri(uri: string, name: string): void {
  let ok = false;
  try {
    const u = new URL(uri);
    ok = u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    ok = false;
  }
  if (!ok) throw formatError(`${name} must be an absolute http(s) URI.`, name);
}

function blocked(a: AccountDef): void {
  if (a.status === 'blocked')
    throw new BgError(
      403,
      'SERVICE_BLOCKED',
      'This account is blocked; the service is not reachable for it.',
    );
}

function notAllowed(method: string, path: string): BgError {
  return new BgError(405, 'SERVICE_INVALID', `${method} is not supported on ${path}.`);
}
