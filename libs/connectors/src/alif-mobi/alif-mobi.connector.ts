import type { Account } from '#domain/account.js';
import type { Balance } from '#domain/balance.js';
import type { Card } from '#domain/card.js';
import type { Transfer } from '#domain/transfer.js';
import { ConnectorError, NotPermitted, ProtocolViolation, Unsupported } from '../connector-errors.js';
import type {
  AuthorisationInput,
  AuthorisationStart,
  BankSession,
  Checkpoint,
  ConsentRequest,
  Connector,
  ItemsRead,
  SkippedItem,
  TransactionPage,
  TransactionQuery,
} from '../connector.js';
import { HttpClient } from '../http.js';
import type { RevalidateOptions } from '../revalidation.js';
import { WireShapeError, type Lenient } from '../wire.js';
import { mapAccount } from './map-account.js';
import { mapBalances } from './map-balance.js';
import { mapCard } from './map-card.js';
import { mapTransaction } from './map-transaction.js';
import { mapTransfer } from './map-transfer.js';
import { AlifMobiOAuth, toPendingOAuth, type ScopeMap, type TokenEndpointAuth } from './oauth.js';
import { ObpClient } from './obp-client.js';
import type { ObpCounterparty, ObpTransaction, ObpTransactions } from './obp.wire.js';
import {
  PagingIgnored,
  advance,
  readCheckpoint,
  startCheckpoint,
  toCheckpoint,
  type PageStep,
  type PagingMode,
} from './obp-paging.js';
import { localDate } from './obp-values.js';
import { revalidateAlifMobi } from './alif-mobi.revalidate.js';

/** Configuration of the Alif Mobi connector (from `ALIF_MOBI_*`; libs never read the environment). */
export interface AlifMobiConfig {
  /** `ALIF_MOBI_ISSUER_URL`. */
  readonly issuerUrl: string;
  /** `ALIF_MOBI_OBP_URL`, the versioned OBP root (`…/obp/v5.1.0`). */
  readonly obpUrl: string;
  /** `ALIF_MOBI_BANK_ID`. */
  readonly bankId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Client authentication at the token endpoint; default `client_secret_basic`. */
  readonly tokenEndpointAuth?: TokenEndpointAuth;
  /** `private_key_jwt`'s key (a private JWK as JSON, or PKCS#8 PEM). */
  readonly privateKey?: string | null;
  /** Scopes besides the permissions; default `openid offline_access`. */
  readonly scopeBase?: string;
  /** The bank's scope names per capability. */
  readonly scopeMap?: ScopeMap;
  /** Per-request budget (`HISOB_BANK_TIMEOUT_MS`); default 15 s. */
  readonly timeoutMs?: number;
  /** OBP views to read through, by preference; default `['owner']`. A view `/my/accounts` lists wins. */
  readonly views?: readonly string[];
  /** Transactions per page; default 50, OBP's default limit (§1.6). */
  readonly pageSize?: number;
  /** IANA zone booking dates are taken in; default `UTC` (Alif's local zone is `Asia/Dushanbe`). */
  readonly bookingTimeZone?: string;
}

/** Seams for tests: the clock and fetch. */
export interface AlifMobiDeps {
  readonly now?: () => Date;
  readonly fetch?: typeof fetch;
}

const PROVIDER = 'alif-mobi' as const;

/**
 * The Alif Mobi connector: OBP v5.1.0 resources behind OAuth 2.0 authorization code + PKCE.
 * Stateless apart from the cached OIDC discovery document and what it learns of the bank's
 * deployment: which view each account is held through, whether the full-view endpoint keeps its
 * paging parameters, whether the bank honours the page size.
 */
export function createAlifMobiConnector(config: AlifMobiConfig, deps: AlifMobiDeps = {}) {
  const now = deps.now ?? (() => new Date());
  const timeoutMs = config.timeoutMs ?? 15_000;
  const pageSize = config.pageSize ?? 50;
  const timeZone = config.bookingTimeZone ?? 'UTC';
  const preferred = config.views?.length ? config.views : ['owner'];
  const http = new HttpClient({
    provider: PROVIDER,
    timeoutMs,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  const obp = new ObpClient({ obpUrl: config.obpUrl, bankId: config.bankId }, http);
  const oauth = new AlifMobiOAuth(
    {
      issuerUrl: config.issuerUrl,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      timeoutMs,
      tokenEndpointAuth: config.tokenEndpointAuth,
      privateKey: config.privateKey ?? null,
      scopeBase: config.scopeBase,
      scopeMap: config.scopeMap,
    },
    now,
  );
  /** Facts learnt about this deployment (the same for every consent). */
  const learnt = { viewOf: new Map<string, string>(), mode: 'view' as PagingMode, honoursLimit: false };

  /** The view to read an account through: one `/my/accounts` lists, by preference. */
  const pickView = (listed: readonly string[]): string =>
    preferred.find((v) => listed.includes(v)) ?? listed[0] ?? preferred[0]!;

  /**
   * Runs a view-scoped call; when the bank says the user does not hold that view (OBP-20017),
   * looks the account's views up in `/my/accounts` once and tries the listed one.
   */
  async function throughView<T>(
    token: string,
    accountId: string,
    call: (view: string) => Promise<T>,
  ): Promise<T> {
    const view = learnt.viewOf.get(accountId) ?? preferred[0]!;
    try {
      return await call(view);
    } catch (err) {
      if (!(err instanceof NotPermitted) || err.providerCode !== 'OBP-20017') throw err;
      const listed = (await obp.myAccounts(token)).accounts.find((a) => a.id === accountId)?.views ?? [];
      const other = pickView(listed);
      if (other === view) throw err;
      learnt.viewOf.set(accountId, other);
      return call(other);
    }
  }

  return {
    provider: PROVIDER,
    capabilities: ['accounts', 'balances', 'transactions', 'cards', 'transfers'],

    async startAuthorisation(request: ConsentRequest): Promise<AuthorisationStart> {
      const { url, pending } = await oauth.start(request.permissions, request.redirectUri);
      return { kind: 'redirect', authorisationUrl: url, state: pending.state, pending: { ...pending } };
    },

    async completeAuthorisation(input: AuthorisationInput): Promise<BankSession> {
      if (input.kind !== 'redirect') throw new TypeError('Alif Mobi authorises by redirect, not OTP');
      return oauth.exchange(input.callbackParams, toPendingOAuth(input.pending));
    },

    refresh(session: BankSession): Promise<BankSession> {
      return oauth.refresh(session);
    },

    revoke(session: BankSession): Promise<void> {
      return oauth.revoke(session);
    },

    /**
     * `GET /my/accounts` lists the user's accounts (with the views held on each) without currency;
     * each account's detail (`/banks/B/accounts/A/VIEW/account`) carries it in `balance.currency`.
     * Accounts at other banks (OBP's `/my/accounts` spans banks) are skipped.
     */
    async listAccounts(session: BankSession): Promise<ItemsRead<Account>> {
      const list = await obp.myAccounts(session.accessToken);
      const accounts: Account[] = [];
      const skipped: SkippedItem[] = [];
      for (const [i, core] of list.accounts.entries()) {
        if (core.bank_id !== null && core.bank_id !== config.bankId) continue;
        if (core.id === null)
          throw violation(
            'GET /my/accounts',
            new WireShapeError(`$.accounts[${i}].id`, 'an account id', null),
            core,
          );
        const id = core.id;
        if (core.views.length) learnt.viewOf.set(id, pickView(core.views));
        // Sequential on purpose: a consent has a handful of accounts and the bank's rate limit is per consumer.
        const detail = await throughView(session.accessToken, id, (view) =>
          obp.account(session.accessToken, id, view),
        );
        // A view that hides the balance hides the currency with it: the entries carry it too.
        const currency =
          detail.balance?.currency ??
          (
            await throughView(session.accessToken, id, (view) =>
              obp.transactions(session.accessToken, id, view, {
                limit: 1,
                offset: 0,
                fromDate: '1970-01-01T00:00:00.000Z',
                toDate: '2100-01-01T00:00:00.000Z',
                sortDirection: 'DESC',
              }),
            )
          ).transactions[0]?.details?.value?.currency ??
          null;
        try {
          accounts.push(mapAccount(core, detail, currency));
        } catch (err) {
          // One account the view shows too little of (no currency anywhere) is reported, not the list.
          if (!(err instanceof WireShapeError)) throw err;
          skipped.push({ path: `$.accounts[${i}]`, reason: err.message });
        }
      }
      return { items: accounts, skipped };
    },

    /**
     * OBP's per-account balances: whatever types the deployment's adapter writes (map-balance.ts);
     * a lone balance is the account's current one, OBP's mapped connector calling it OpeningBooked.
     */
    async getBalances(session: BankSession, accountId: string): Promise<Balance[]> {
      const wire = await obp.balances(session.accessToken, accountId);
      return mapping('GET balances', wire, () => mapBalances(wire));
    },

    /** See obp-paging.ts for the checkpoint design. */
    async *transactions(
      session: BankSession,
      accountId: string,
      from: Checkpoint | null,
      query: TransactionQuery = {},
    ): AsyncGenerator<TransactionPage, void, undefined> {
      let cp =
        from === null
          ? startCheckpoint(now(), query.since ?? null, timeZone, learnt.mode)
          : readCheckpoint(from);
      const map = (t: ObpTransaction, path: string) => mapTransaction(t, path, { timeZone });
      while (!cp.done) {
        const q = {
          limit: pageSize,
          offset: cp.skip,
          fromDate: cp.from,
          toDate: cp.to,
          sortDirection: 'DESC' as const,
        };
        const current = cp;
        let wire: ObpTransactions;
        try {
          wire =
            cp.ep === 'core'
              ? await obp.coreTransactions(session.accessToken, accountId, q)
              : await throughView(session.accessToken, accountId, (view) =>
                  obp.transactions(session.accessToken, accountId, view, q),
                );
        } catch (err) {
          if (!(err instanceof ConnectorError)) throw err;
          if (cp.ep === 'core' && (err.providerCode === 'OBP-20019' || err instanceof Unsupported)) {
            // The core endpoint needs the owner view (OBP-20019) or is switched off: page the held
            // view by offset. What the window already delivered (everything after `to`, and the
            // boundary second's `seen`) is not delivered again.
            learnt.mode = 'offset';
            cp = { ...cp, ep: 'offset', skip: 0, at: secondIso(cp.to) };
            continue;
          }
          throw err;
        }
        let step: PageStep;
        try {
          step = advance(current, wire.transactions, pageSize, map, learnt.honoursLimit);
        } catch (err) {
          if (err instanceof PagingIgnored && cp.ep === 'view') {
            // The full view lost its paging parameters on the way (a proxy dropping headers with
            // underscores): the core endpoint reads them from the query string.
            learnt.mode = 'core';
            cp = { ...cp, ep: 'core' };
            continue;
          }
          throw mappingError('GET transactions', err, wire);
        }
        if (wire.transactions.length >= pageSize) learnt.honoursLimit = true;
        cp = step.next;
        yield { transactions: step.transactions, checkpoint: toCheckpoint(cp), done: cp.done };
      }
    },

    /**
     * `GET /cards` (v1.3.0): cards of every bank the user has, the full PAN in
     * `bank_card_number` (masked here, never kept). Another bank's cards are not this consent's.
     */
    async cards(session: BankSession): Promise<ItemsRead<Card>> {
      const wire = await obp.cards(session.accessToken);
      const today = localDate(now().getTime(), timeZone);
      return readItems(
        wire.cards,
        '$.cards',
        (c) => c.bank_id === null || c.bank_id === config.bankId,
        (c, path) => mapCard(c, path, today),
      );
    },

    /**
     * Transaction requests of the account (OBP's payment orders) as transfers, with their
     * beneficiaries from the account's counterparties when the view may see them (read only when a
     * request names one; without them, names come from the request alone).
     */
    async transfers(session: BankSession, accountId: string): Promise<ItemsRead<Transfer>> {
      const token = session.accessToken;
      const wire = await throughView(token, accountId, (view) =>
        obp.transactionRequests(token, accountId, view),
      );
      const counterparties = new Map<string, ObpCounterparty>();
      if (wire.transaction_requests.some((r) => r.ok && r.value.details?.to_counterparty_id)) {
        try {
          const list = await throughView(token, accountId, (view) =>
            obp.counterparties(token, accountId, view),
          );
          for (const cp of list.counterparties)
            if (cp.counterparty_id !== null) counterparties.set(cp.counterparty_id, cp);
        } catch (err) {
          if (!(err instanceof NotPermitted || err instanceof Unsupported)) throw err;
        }
      }
      return readItems(
        wire.transaction_requests,
        '$.transaction_requests',
        () => true,
        (r, path) => mapTransfer(r, path, accountId, counterparties),
      );
    },

    /** See alif-mobi.revalidate.ts. */
    revalidate: (session: BankSession, options?: RevalidateOptions) =>
      revalidateAlifMobi(
        { http, obpUrl: config.obpUrl, bankId: config.bankId, views: preferred, now },
        session,
        options,
      ),
  } satisfies Connector;
}

/** The start of the second of an OBP request date (`…:ss.999Z` → `…:ss.000Z`). */
function secondIso(date: string): string {
  return new Date(Math.floor(Date.parse(date) / 1000) * 1000).toISOString();
}

/**
 * Maps a best-effort list item by item: an item the bank sent in a shape or with a value we do
 * not know (a new status, a currency) is skipped and reported, never the whole list.
 */
function readItems<W, T>(
  list: readonly Lenient<W>[],
  path: string,
  keep: (item: W) => boolean,
  map: (item: W, path: string) => T,
): ItemsRead<T> {
  const items: T[] = [];
  const skipped: SkippedItem[] = [];
  list.forEach((entry, i) => {
    const at = `${path}[${i}]`;
    if (!entry.ok) return skipped.push({ path: at, reason: entry.error.message });
    if (!keep(entry.value)) return;
    try {
      items.push(map(entry.value, at));
    } catch (err) {
      if (!(err instanceof WireShapeError)) throw err;
      skipped.push({ path: at, reason: err.message });
    }
  });
  return { items, skipped };
}

/** The Alif Mobi connector's type, with its optional capabilities present. */
export type AlifMobiConnector = ReturnType<typeof createAlifMobiConnector>;

/** Runs a mapper; a shape or amount problem becomes a ProtocolViolation quoting the item. */
function mapping<T>(target: string, item: unknown, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw mappingError(target, err, item);
  }
}

function mappingError(target: string, err: unknown, item: unknown): unknown {
  return err instanceof WireShapeError ? violation(target, err, err.item ?? item) : err;
}

function violation(target: string, err: WireShapeError, item: unknown): ProtocolViolation {
  return new ProtocolViolation(`alif-mobi ${target}: ${err.message}`, {
    provider: PROVIDER,
    body: JSON.stringify(item),
  });
}
