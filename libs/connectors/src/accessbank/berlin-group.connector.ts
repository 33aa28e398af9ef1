import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Account } from '#domain/account.js';
import type { Balance } from '#domain/balance.js';
import { OccurrenceCounter } from '#domain/fingerprint.js';
import { bankReads, type Permission } from '#domain/permissions.js';
import type { ProviderId } from '#domain/provider.js';
import {
  ConnectorError,
  NotPermitted,
  ProtocolViolation,
  RateLimited,
  ReauthRequired,
  Transient,
  type AnyConnectorError,
} from '../connector-errors.js';
import type {
  AuthorisationInput,
  AuthorisationStart,
  BankSession,
  Checkpoint,
  ConsentRequest,
  Connector,
  ItemsRead,
  JsonObject,
  ReadOptions,
  TransactionPage,
  TransactionQuery,
} from '../connector.js';
import { HttpClient, type HttpResponse } from '../http.js';
import { InMemoryRequestBudget, type RequestBudget } from '../request-budget.js';
import { WireShapeError, object, optObject, parseJson, string, type WireObject } from '../wire.js';
import { addDays, bankDate, nextBankMidnight } from './bank-day.js';
import { hasCode, mapBgError, refusesTpp } from './bg-errors.js';
import { mapAccounts, mapBalances, readEntry, settleIds, type BgEntry, type EntryOptions } from './bg-map.js';
import type { RequestSigner } from './bg-signing.js';

/** Configuration of a Berlin Group NextGenPSD2 bank (AccessBank's `ACCESSBANK_*`). */
export interface BerlinGroupConfig {
  readonly provider: ProviderId;
  /** The API root: `/v1/…` is appended (`https://api.bank.example/psd2` → `…/psd2/v1/consents`). */
  readonly baseUrl: string;
  /** The TPP's id, sent as `tppIdHeader` where the bank identifies TPPs by a header. */
  readonly tppId?: string | null;
  /** Header carrying `tppId` (empty: not sent; the standard identifies the TPP by its certificate). */
  readonly tppIdHeader?: string | null;
  /** IANA zone of the bank's days (`bookingDate`, `dateFrom`, `frequencyPerDay` resets). */
  readonly timeZone: string;
  /** How far back the first sync asks (days before today); narrowed when the bank refuses it. */
  readonly historyDays: number;
  /** Reads a day without the end user that the consent asks for (the standard's 4 at most). */
  readonly frequencyPerDay: number;
  /** Validity asked for when the person names none, in days. */
  readonly consentDays: number;
  /** `PSU-IP-Address` when creating a consent without the person's own address. */
  readonly psuIpFallback: string;
  /** How the consent's access is asked for, in order of preference (see consentBodies). */
  readonly accessModes?: readonly AccessMode[];
  /** `signed` (the standard: debits negative) or `by-party` (unsigned amounts; a creditor means a debit). */
  readonly amountSign?: 'signed' | 'by-party';
  readonly timeoutMs?: number;
  /**
   * Signs every request (`Digest`, `Signature`, `TPP-Signature-Certificate`, `Date`) where the
   * bank demands it; absent: requests are not signed.
   */
  readonly signer?: RequestSigner | null;
}

/** `allPsd2`: every service on every account; `bankOffered`: the person picks the accounts at the bank. */
export type AccessMode = 'allPsd2' | 'bankOffered';

export interface BerlinGroupDeps {
  readonly now?: () => Date;
  readonly fetch?: typeof fetch;
  /** The shared allowance of background reads; default an in-process one. */
  readonly budget?: RequestBudget;
  /** Waits between consent-status polls after the redirect (tests shorten it). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Days of pending entries an incremental read always covers (so `pendingComplete` holds). */
const PENDING_WINDOW_DAYS = 30;
/** Earlier starts tried, in days before today, when the bank refuses a period (`PERIOD_INVALID`). */
const HISTORY_LADDER = [730, 548, 450, 400, 396, 365, 180, 90, 30, 7, 0];
const MAX_PAGES = 100_000;

interface StreamCheckpoint {
  readonly v: 1;
  /** The first day asked; null until the first page was served. */
  readonly dateFrom: string | null;
  /** The next page's path and query on the bank's origin; null when the report ended. */
  readonly next: string | null;
  /** The report has pending entries too (`bookingStatus=both`); false where the bank offers only `booked`. */
  readonly both: boolean;
  readonly pages: number;
  readonly done: boolean;
  /** Occurrence counts of fingerprinted entries so far (entries with no id). */
  readonly booked: Record<string, number>;
  readonly pending: Record<string, number>;
}

/** The session's `state`: what the bank granted. */
interface ConsentFacts {
  readonly frequencyPerDay: number;
  readonly validUntil: string | null;
}

/**
 * A Berlin Group NextGenPSD2 1.3.x AIS connector with the redirect SCA approach; AccessBank's,
 * and any other such bank's by configuration (docs/providers/accessbank.md). The consent id is
 * the credential. Reads without the person are counted against `frequencyPerDay` in the shared
 * {@link RequestBudget} before the bank is asked, so the bank's own limit is never reached.
 */
export function createBerlinGroupConnector(config: BerlinGroupConfig, deps: BerlinGroupDeps = {}) {
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const budget = deps.budget ?? new InMemoryRequestBudget(() => now().getTime());
  const provider = config.provider;
  const base = new URL(config.baseUrl.endsWith('/') ? config.baseUrl : `${config.baseUrl}/`);
  const prefix = base.pathname.replace(/\/+$/, '');
  const http = new HttpClient({
    provider,
    timeoutMs: config.timeoutMs ?? 15_000,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  /** What this deployment of the bank turned out not to offer (the same for every consent). */
  const learnt = { bothUnsupported: false };
  const entryOptions = { timeZone: config.timeZone, signByParty: config.amountSign === 'by-party' };
  const modes = config.accessModes?.length ? config.accessModes : (['allPsd2', 'bankOffered'] as const);

  const today = () => bankDate(now().getTime(), config.timeZone);
  const secondsToReset = () =>
    Math.max(
      1,
      Math.ceil((nextBankMidnight(now().getTime(), config.timeZone).getTime() - now().getTime()) / 1000),
    );

  /** An API path (`/v1/…`) under the configured root. */
  const api = (path: string) => new URL(`${prefix}${path}`, base.origin);

  /**
   * A link from the bank (`_links.*.href`): absolute, host-relative (`/v1/…`, or with the root's
   * path), or relative to the root. It must stay on the bank's origin: a link elsewhere would
   * carry the Consent-ID to a stranger.
   */
  function resolveLink(href: string, target: string): URL {
    let url: URL;
    try {
      if (/^[a-z][a-z0-9+.-]*:/i.test(href)) url = new URL(href);
      else if (href.startsWith('//')) url = new URL(href, base.origin);
      else if (href.startsWith('/'))
        url = new URL(
          prefix && href.startsWith('/v1/') && !href.startsWith(`${prefix}/`) ? `${prefix}${href}` : href,
          base.origin,
        );
      else url = new URL(href, base);
    } catch {
      throw new ProtocolViolation(`${target}: unusable link`, { provider, body: href });
    }
    if (url.origin !== base.origin)
      throw new ProtocolViolation(`${target}: a link off the bank's origin`, { provider, body: url.origin });
    return url;
  }

  function headers(extra: Record<string, string | null | undefined>): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json', 'x-request-id': randomUUID() };
    if (config.tppId && config.tppIdHeader) h[config.tppIdHeader.toLowerCase()] = config.tppId;
    for (const [k, v] of Object.entries(extra)) if (v) h[k] = v;
    return h;
  }

  /** One request; a reply outside 2xx becomes its connector error. */
  async function send(
    method: 'GET' | 'POST' | 'DELETE',
    url: URL,
    extra: Record<string, string | null | undefined>,
    body?: unknown,
  ): Promise<HttpResponse> {
    // The consent id is the credential: it never reaches a message or an excerpt (they are logged).
    const secret = extra['consent-id'] ?? /\/consents\/([^/?]+)/.exec(url.pathname)?.[1] ?? null;
    const hide = (text: string) =>
      hideConsentId(secret && secret.length >= 4 ? text.replaceAll(secret, '{consentId}') : text);
    let reply: HttpResponse;
    try {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const plain = headers({
        ...extra,
        ...(text === undefined ? {} : { 'content-type': 'application/json' }),
      });
      // Signed last, over every header set above and the very body text sent.
      reply = await http.request({
        method,
        url,
        headers: config.signer ? config.signer.sign(plain, text, now()) : plain,
        ...(text === undefined ? {} : { body: text }),
      });
    } catch (err) {
      if (err instanceof Error) err.message = hide(err.message);
      if (err instanceof ConnectorError && err.excerpt !== null)
        (err as { excerpt: string | null }).excerpt = hide(err.excerpt);
      throw err;
    }
    const ok = reply.status >= 200 && reply.status < 300;
    // A 2xx body is data (the consent's own id in GET consent); an error body is only quoted.
    const res = { ...reply, target: hide(reply.target), text: ok ? reply.text : hide(reply.text) };
    if (ok) return res;
    throw new BankReply(res);
  }

  /** A 2xx body as an object; anything else is a protocol violation quoting it. */
  function bodyOf(res: HttpResponse): WireObject {
    return mapping(res, () => object(parseJson(res.text), '$'));
  }

  function mapping<T>(res: HttpResponse, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof WireShapeError)) throw err;
      throw new ProtocolViolation(`${provider} ${res.target}: ${err.message}`, {
        provider,
        status: res.status,
        body: err.item === undefined ? res.text : JSON.stringify(err.item),
      });
    }
  }

  async function consentStatus(consentId: string): Promise<string> {
    const res = await read('GET', api(`/v1/consents/${encodeURIComponent(consentId)}/status`), {});
    return mapping(res, () => string(object(parseJson(res.text), '$').consentStatus, '$.consentStatus'));
  }

  /** Maps a bank reply error; `CONSENT_INVALID` on a read is decided by the consent's status. */
  async function fault(err: unknown, consentId: string | null): Promise<unknown> {
    if (!(err instanceof BankReply)) return err;
    const mapped = mapBgError(err.res, secondsToReset);
    if (consentId !== null && hasCode(err.res, 'CONSENT_INVALID')) {
      let status: string;
      try {
        status = await consentStatus(consentId);
      } catch (e) {
        return e instanceof ConnectorError ? e : mapped;
      }
      if (status === 'valid')
        return new NotPermitted(`${err.res.target}: the consent does not cover this resource`, {
          provider,
          status: err.res.status,
          providerCode: 'CONSENT_INVALID',
          body: err.res.text,
        });
      return statusError(status, mapped);
    }
    return mapped;
  }

  /** A request whose error reply is mapped (no Consent-ID involved). */
  async function read(
    method: 'GET' | 'POST' | 'DELETE',
    url: URL,
    extra: Record<string, string | null | undefined>,
    body?: unknown,
  ): Promise<HttpResponse> {
    try {
      return await send(method, url, extra, body);
    } catch (err) {
      throw await fault(err, null);
    }
  }

  function statusError(status: string, cause: AnyConnectorError | null): AnyConnectorError {
    const details = { provider, providerCode: cause?.providerCode ?? status };
    if (status === 'expired') return new ReauthRequired('consent_expired', `consent is ${status}`, details);
    if (status === 'rejected')
      return new ReauthRequired('authorisation_denied', `consent is ${status}`, details);
    return new ReauthRequired('consent_revoked', `consent is ${status}`, details);
  }

  const facts = (session: BankSession): ConsentFacts => {
    const f = session.state?.frequencyPerDay;
    return {
      frequencyPerDay:
        typeof f === 'number' && Number.isInteger(f) && f >= 1
          ? Math.min(f, config.frequencyPerDay)
          : config.frequencyPerDay,
      validUntil: typeof session.state?.validUntil === 'string' ? session.state.validUntil : null,
    };
  };

  /**
   * A read on the consent. Without the person (no `psuIpAddress`) it first takes a unit of the
   * consent's allowance for `endpoint` (and account) today; none left → RateLimited until the
   * bank's midnight, and the bank is not asked. A unit the bank did not spend (it refused the
   * request) is given back.
   */
  async function consentRead(
    session: BankSession,
    url: URL,
    options: ReadOptions,
    counted: { endpoint: string; account: string } | null,
  ): Promise<HttpResponse> {
    const consentId = session.accessToken;
    const present = options.psuIpAddress ?? null;
    let key: string | null = null;
    if (counted && !present) {
      key = [
        provider,
        createHash('sha256').update(consentId).digest('hex').slice(0, 32),
        today(),
        counted.endpoint,
        counted.account,
      ].join(':');
      const limit = facts(session).frequencyPerDay;
      const resetAt = nextBankMidnight(now().getTime(), config.timeZone);
      // Without the shared count the bank is not asked (it could be over the limit): try later.
      const take = await budget.take(key, limit, resetAt).catch((err: unknown) => {
        throw new Transient(`${counted.endpoint}: the request budget is unavailable`, {
          provider,
          cause: err,
        });
      });
      if (!take.granted)
        throw new RateLimited(
          secondsToReset(),
          `${counted.endpoint}: the consent's ${limit} reads a day without the person are used; next at the bank's midnight`,
          { provider, providerCode: 'FREQUENCY_PER_DAY' },
        );
    }
    try {
      return await send('GET', url, { 'consent-id': consentId, 'psu-ip-address': present });
    } catch (err) {
      const unspent =
        (err instanceof BankReply && err.res.status !== 429) ||
        (err instanceof Transient && err.status !== null);
      if (key !== null && unspent) await budget.giveBack(key).catch(() => undefined);
      throw await fault(err, consentId);
    }
  }

  /** The consent bodies to try, by preference, for these permissions. */
  function consentBodies(request: ConsentRequest): JsonObject[] {
    const reads = bankReads(request.permissions as Permission[]);
    // Never before the bank's today (Dushanbe is ahead of UTC): Hisob's own expiry still ends
    // the consent at the end of the day the person named.
    const asked = request.validUntil ?? addDays(today(), config.consentDays);
    const validUntil = asked < today() ? today() : asked;
    const common = {
      recurringIndicator: true,
      validUntil,
      frequencyPerDay: config.frequencyPerDay,
      combinedServiceIndicator: false,
    };
    const all = reads.includes('balances') && reads.includes('transactions');
    const offered: JsonObject = { accounts: [] };
    if (reads.includes('balances')) offered.balances = [];
    if (reads.includes('transactions')) offered.transactions = [];
    return modes
      .filter((m) => m !== 'allPsd2' || all)
      .map((m) => ({ access: m === 'allPsd2' ? { allPsd2: 'allAccounts' } : offered, ...common }));
  }

  return {
    provider,
    capabilities: ['accounts', 'balances', 'transactions'],

    /**
     * Creates the consent (`POST /v1/consents`) with Hisob's callback as `TPP-Redirect-URI`
     * carrying Hisob's `state` (and the same with `error=access_denied` as
     * `TPP-Nok-Redirect-URI`), and returns the bank's `scaRedirect`. A bank that refuses
     * `allPsd2` is asked for a bank-offered consent.
     */
    async startAuthorisation(request: ConsentRequest): Promise<AuthorisationStart> {
      const state = randomBytes(24).toString('base64url');
      const ok = new URL(request.redirectUri);
      ok.searchParams.set('state', state);
      const nok = new URL(ok);
      nok.searchParams.set('error', 'access_denied');
      const bodies = consentBodies(request);
      let created: WireObject | null = null;
      let lastError: unknown = null;
      for (const body of bodies) {
        try {
          const res = await read(
            'POST',
            api('/v1/consents'),
            {
              'psu-ip-address': request.psuIpAddress ?? config.psuIpFallback,
              'tpp-redirect-uri': ok.href,
              'tpp-nok-redirect-uri': nok.href,
              'tpp-redirect-preferred': 'true',
            },
            body,
          );
          created = bodyOf(res);
          break;
        } catch (err) {
          lastError = err;
          const refused =
            err instanceof ConnectorError &&
            err.status === 400 &&
            ['FORMAT_ERROR', 'PARAMETER_NOT_SUPPORTED', 'SERVICE_INVALID', 'CONSENT_INVALID'].includes(
              err.providerCode ?? '',
            );
          if (!refused) throw err;
        }
      }
      if (!created) throw lastError;
      const consentId = string(created.consentId, '$.consentId');
      const links = optObject(created._links, '$._links') ?? {};
      let sca = hrefOf(links.scaRedirect);
      if (!sca) {
        // Explicit authorisation: start an authorisation sub-resource, which names the redirect.
        const start =
          hrefOf(links.startAuthorisation) ?? hrefOf(links.startAuthorisationWithPsuIdentification);
        if (!start)
          throw new ProtocolViolation(
            `${provider} POST /v1/consents: neither scaRedirect nor startAuthorisation`,
            {
              provider,
              body: JSON.stringify(created).replaceAll(consentId, '{consentId}'),
            },
          );
        const res = await send(
          'POST',
          resolveLink(start, 'startAuthorisation'),
          {
            'psu-ip-address': request.psuIpAddress ?? config.psuIpFallback,
            'tpp-redirect-uri': ok.href,
            'tpp-nok-redirect-uri': nok.href,
          },
          {},
        ).catch(async (e) => {
          throw await fault(e, null);
        });
        sca = hrefOf(optObject(bodyOf(res)._links, '$._links')?.scaRedirect);
        if (!sca)
          throw new ProtocolViolation(`${provider} authorisation: no scaRedirect`, {
            provider,
            body: res.text,
          });
      }
      // The SCA page is the bank's, not its API's: it may live on another origin.
      const authorisationUrl = new URL(sca, base).href;
      return { kind: 'redirect', authorisationUrl, state, pending: { consentId, state } };
    },

    /**
     * After the redirect: the consent's status decides (valid → a session; rejected → refused).
     * A bank still finishing the SCA (`received`, `partiallyAuthorised`) is asked a few times.
     */
    async completeAuthorisation(input: AuthorisationInput): Promise<BankSession> {
      if (input.kind !== 'redirect') throw new TypeError(`${provider} authorises by redirect, not OTP`);
      const consentId = input.pending.consentId;
      if (typeof consentId !== 'string') throw new TypeError('pending authorisation has no consent id');
      if (input.callbackParams.state !== input.pending.state)
        throw new ReauthRequired('invalid_grant', 'the callback state does not match', { provider });
      let status = 'received';
      for (let i = 0; i < 6; i++) {
        status = await consentStatus(consentId);
        if (status !== 'received' && status !== 'partiallyAuthorised') break;
        await sleep(500);
      }
      if (status === 'received' || status === 'partiallyAuthorised')
        throw new Transient(`consent still ${status} after the redirect`, { provider, providerCode: status });
      if (status !== 'valid') throw statusError(status, null);
      const res = await read('GET', api(`/v1/consents/${encodeURIComponent(consentId)}`), {});
      const body = bodyOf(res);
      const f = body.frequencyPerDay;
      const state: JsonObject = {
        frequencyPerDay: typeof f === 'number' && Number.isInteger(f) && f >= 1 ? f : config.frequencyPerDay,
        validUntil: typeof body.validUntil === 'string' ? body.validUntil : null,
      };
      return { accessToken: consentId, refreshToken: null, expiresAt: null, scope: null, state };
    },

    /** Consent ids do not rotate: the status says whether the consent still holds. */
    async refresh(session: BankSession): Promise<BankSession> {
      const status = await consentStatus(session.accessToken);
      if (status === 'valid') return session;
      throw statusError(status, null);
    },

    /** `DELETE /v1/consents/{id}`; a consent the bank no longer knows is as good as deleted. */
    async revoke(session: BankSession): Promise<void> {
      try {
        await send('DELETE', api(`/v1/consents/${encodeURIComponent(session.accessToken)}`), {});
      } catch (err) {
        // A refusal of the TPP itself (signature, certificate) leaves the consent at the bank.
        if (
          err instanceof BankReply &&
          [400, 401, 403, 404, 409].includes(err.res.status) &&
          !refusesTpp(err.res)
        )
          return;
        throw await fault(err, null);
      }
    },

    async listAccounts(session: BankSession, options: ReadOptions = {}): Promise<ItemsRead<Account>> {
      const res = await consentRead(session, api('/v1/accounts'), options, {
        endpoint: 'accounts',
        account: '-',
      });
      const body = bodyOf(res);
      return mapping(res, () => mapAccounts(body.accounts, '$.accounts'));
    },

    async getBalances(
      session: BankSession,
      accountId: string,
      options: ReadOptions = {},
    ): Promise<Balance[]> {
      const res = await consentRead(
        session,
        api(`/v1/accounts/${encodeURIComponent(accountId)}/balances`),
        options,
        { endpoint: 'balances', account: accountId },
      );
      const body = bodyOf(res);
      return mapping(res, () => mapBalances(body.balances, '$.balances'));
    },

    /**
     * One transaction report per stream (`bookingStatus=both`): booked and pending entries from
     * `dateFrom` (as far back as the bank holds on a first sync; the sync's window, but at least
     * the last 30 days, afterwards), following `_links.next` to its end. Only the first page is
     * counted by the bank, so only it takes from the allowance.
     */
    async *transactions(
      session: BankSession,
      accountId: string,
      from: Checkpoint | null,
      query: TransactionQuery = {},
    ): AsyncGenerator<TransactionPage, void, undefined> {
      let cp: StreamCheckpoint = from === null ? fresh() : readCheckpoint(from, provider);
      const options: ReadOptions = { psuIpAddress: query.psuIpAddress ?? null };
      const reportDay = today();
      while (!cp.done) {
        if (cp.pages >= MAX_PAGES)
          throw new ProtocolViolation(`${provider} transactions: no end after ${MAX_PAGES} pages`, {
            provider,
            body: '',
          });
        let res: HttpResponse;
        let dateFrom = cp.dateFrom;
        let both = cp.both;
        if (cp.next === null) {
          ({ res, dateFrom, both } = await firstPage(session, accountId, query.since ?? null, options));
        } else {
          res = await consentRead(session, resolveLink(cp.next, 'transactions next'), options, null);
        }
        const body = bodyOf(res);
        const counters = {
          booked: new OccurrenceCounter(cp.booked),
          pending: new OccurrenceCounter(cp.pending),
        };
        const { entries, next } = mapping(res, () => readReport(body, reportDay, entryOptions));
        const transactions = settleIds(entries, counters);
        const nextPath = next === null ? null : pathOf(resolveLink(next, 'transactions next'));
        if (nextPath !== null && cp.next !== null && nextPath === cp.next)
          throw new ProtocolViolation(`${provider} transactions: _links.next points at the same page`, {
            provider,
            body: next!,
          });
        cp = {
          v: 1,
          dateFrom,
          next: nextPath,
          both,
          pages: cp.pages + 1,
          done: nextPath === null,
          booked: counters.booked.snapshot(),
          pending: counters.pending.snapshot(),
        };
        yield {
          transactions,
          checkpoint: { ...cp } as unknown as Checkpoint,
          done: cp.done,
          ...(cp.done && cp.both ? { pendingComplete: true } : {}),
        };
      }
    },
  } satisfies Connector;

  function fresh(): StreamCheckpoint {
    return { v: 1, dateFrom: null, next: null, both: true, pages: 0, done: false, booked: {}, pending: {} };
  }

  /**
   * The report's first page. The first sync asks `historyDays` back; a bank that holds less
   * answers `PERIOD_INVALID` (not counted, and the unit is given back), and a later start is
   * tried, down the ladder.
   */
  async function firstPage(
    session: BankSession,
    accountId: string,
    since: string | null,
    options: ReadOptions,
  ): Promise<{ res: HttpResponse; dateFrom: string; both: boolean }> {
    const day = today();
    const wanted = since
      ? [since < addDays(day, -PENDING_WINDOW_DAYS) ? since : addDays(day, -PENDING_WINDOW_DAYS)]
      : [addDays(day, -config.historyDays)];
    const starts = [...wanted, ...HISTORY_LADDER.map((d) => addDays(day, -d)).filter((d) => d > wanted[0]!)];
    let last: unknown = null;
    for (let i = 0; i < starts.length;) {
      const dateFrom = starts[i]!;
      const both = !learnt.bothUnsupported;
      const url = api(`/v1/accounts/${encodeURIComponent(accountId)}/transactions`);
      url.searchParams.set('bookingStatus', both ? 'both' : 'booked');
      url.searchParams.set('dateFrom', dateFrom);
      try {
        const res = await consentRead(session, url, options, {
          endpoint: 'transactions',
          account: accountId,
        });
        return { res, dateFrom, both };
      } catch (err) {
        if (!(err instanceof ConnectorError && err.status === 400)) throw err;
        // Only `booked` is mandatory for a bank: one that refuses `both` is read booked only.
        if (both && refusesBookingStatus(err)) {
          learnt.bothUnsupported = true;
          continue;
        }
        // The period the bank holds: PERIOD_INVALID, or a FORMAT_ERROR that names dateFrom.
        const period =
          err.providerCode === 'PERIOD_INVALID' ||
          (err.providerCode === 'FORMAT_ERROR' && (err.excerpt ?? '').includes('dateFrom'));
        if (!period) throw err;
        last = err;
        i++;
      }
    }
    throw last;
  }
}

/** A 400 that says `bookingStatus=both` is not offered. */
function refusesBookingStatus(err: ConnectorError): boolean {
  if (err.providerCode === 'PARAMETER_NOT_SUPPORTED') return true;
  return err.providerCode === 'FORMAT_ERROR' && (err.excerpt ?? '').includes('bookingStatus');
}

/** The `transactions` of a report: booked and pending entries, and the next page's link. */
function readReport(
  body: WireObject,
  reportDay: string,
  opts: EntryOptions,
): { entries: BgEntry[]; next: string | null } {
  const report = optObject(body.transactions, '$.transactions');
  if (!report) return { entries: [], next: hrefOf(optObject(body._links, '$._links')?.next) };
  const entries: BgEntry[] = [];
  for (const status of ['booked', 'pending'] as const) {
    const list = report[status];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new WireShapeError(`$.transactions.${status}`, 'an array', list);
    list.forEach((v, i) => {
      try {
        entries.push(readEntry(v, `$.transactions.${status}[${i}]`, status, reportDay, opts));
      } catch (err) {
        if (err instanceof WireShapeError && err.item === undefined) err.item = v;
        throw err;
      }
    });
  }
  const next =
    hrefOf(optObject(report._links, '$.transactions._links')?.next) ??
    hrefOf(optObject(body._links, '$._links')?.next);
  return { entries, next };
}

/** `/v1/consents/<id>…` → `/v1/consents/{consentId}…`: the id is the consent's credential. */
function hideConsentId(text: string): string {
  return text.replace(/\/consents\/[^/\s:?]+/g, '/consents/{consentId}');
}

/** `{href}` (the standard) or a bare string. */
function hrefOf(link: unknown): string | null {
  if (typeof link === 'string' && link) return link;
  if (link && typeof link === 'object' && typeof (link as WireObject).href === 'string')
    return ((link as WireObject).href as string) || null;
  return null;
}

function pathOf(url: URL): string {
  return `${url.pathname}${url.search}`;
}

function readCheckpoint(value: Checkpoint, provider: ProviderId): StreamCheckpoint {
  const c = value as unknown as Partial<StreamCheckpoint>;
  if (c.v !== 1 || typeof c.done !== 'boolean' || typeof c.pages !== 'number')
    throw new ProtocolViolation(`${provider}: not a checkpoint of this connector`, {
      provider,
      body: JSON.stringify(value).slice(0, 200),
    });
  return {
    v: 1,
    dateFrom: c.dateFrom ?? null,
    next: c.next ?? null,
    both: c.both ?? true,
    pages: c.pages,
    done: c.done,
    booked: c.booked ?? {},
    pending: c.pending ?? {},
  };
}

/** A bank reply outside 2xx, before it is mapped. */
class BankReply extends Error {
  constructor(readonly res: HttpResponse) {
    super(`${res.target}: ${res.status}`);
  }
}

export type BerlinGroupConnector = ReturnType<typeof createBerlinGroupConnector>;
