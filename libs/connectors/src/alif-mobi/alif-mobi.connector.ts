import type { Account } from '#domain/account.js';
import type { Balance } from '#domain/balance.js';
import type { Card } from '#domain/card.js';
import type { Transfer } from '#domain/transfer.js';
import { ProtocolViolation } from '../connector-errors.js';
import type {
  AuthorisationInput,
  AuthorisationStart,
  BankSession,
  Checkpoint,
  ConsentRequest,
  Connector,
  TransactionPage,
  TransactionQuery,
} from '../connector.js';
import { HttpClient } from '../http.js';
import { WireShapeError } from '../wire.js';
import { mapAccount } from './map-account.js';
import { mapBalances } from './map-balance.js';
import { mapCard } from './map-card.js';
import { mapTransaction } from './map-transaction.js';
import { mapTransfer } from './map-transfer.js';
import { AlifMobiOAuth, toPendingOAuth, type AlifMobiOAuthConfig } from './oauth.js';
import { ObpClient } from './obp-client.js';
import type { ObpCounterparty } from './obp.wire.js';
import { advance, readCheckpoint, startCheckpoint, toCheckpoint } from './obp-paging.js';
import { localDate } from './obp-values.js';

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
  /** Per-request budget (`HISOB_BANK_TIMEOUT_MS`); default 15 s. */
  readonly timeoutMs?: number;
  /** OBP view for reads; default `owner`. */
  readonly viewId?: string;
  /** Transactions per page; default 50, OBP's default limit (§1.6). */
  readonly pageSize?: number;
  /** IANA zone booking dates are taken in; default `UTC` (Alif's local zone is `Asia/Dushanbe`). */
  readonly bookingTimeZone?: string;
  /** Scope builder; see {@link AlifMobiOAuthConfig.scope}. */
  readonly scope?: AlifMobiOAuthConfig['scope'];
}

/** Seams for tests: the clock and fetch. */
export interface AlifMobiDeps {
  readonly now?: () => Date;
  readonly fetch?: typeof fetch;
}

const PROVIDER = 'alif-mobi' as const;

/**
 * The Alif Mobi connector: OBP v5.1.0 resources behind OAuth 2.0 authorization code + PKCE.
 * Stateless apart from the cached OIDC discovery document.
 */
export function createAlifMobiConnector(config: AlifMobiConfig, deps: AlifMobiDeps = {}) {
  const now = deps.now ?? (() => new Date());
  const timeoutMs = config.timeoutMs ?? 15_000;
  const pageSize = config.pageSize ?? 50;
  const timeZone = config.bookingTimeZone ?? 'UTC';
  const http = new HttpClient({
    provider: PROVIDER,
    timeoutMs,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  const obp = new ObpClient(
    { obpUrl: config.obpUrl, bankId: config.bankId, viewId: config.viewId ?? 'owner' },
    http,
  );
  const oauth = new AlifMobiOAuth(
    {
      issuerUrl: config.issuerUrl,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      timeoutMs,
      scope: config.scope,
    },
    now,
  );

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
     * `GET /my/accounts` lists the user's accounts without currency; each account's detail
     * (`/banks/B/accounts/A/owner/account`) carries it in `balance.currency`. Accounts at other
     * banks (OBP's `/my/accounts` spans banks) are skipped.
     */
    async listAccounts(session: BankSession): Promise<Account[]> {
      const list = await obp.myAccounts(session.accessToken);
      const accounts: Account[] = [];
      for (const [i, core] of list.accounts.entries()) {
        if (core.bank_id !== null && core.bank_id !== config.bankId) continue;
        if (core.id === null)
          throw violation(
            'GET /my/accounts',
            new WireShapeError(`$.accounts[${i}].id`, 'an account id', null),
            core,
          );
        // Sequential on purpose: a consent has a handful of accounts and the bank's rate limit is per consumer.
        const detail = await obp.account(session.accessToken, core.id);
        accounts.push(mapping('GET account', detail, () => mapAccount(core, detail)));
      }
      return accounts;
    },

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
      let cp = from === null ? startCheckpoint(now(), query.since ?? null, timeZone) : readCheckpoint(from);
      while (!cp.done) {
        const wire = await obp.transactions(session.accessToken, accountId, {
          limit: pageSize,
          offset: cp.skip,
          fromDate: cp.from,
          toDate: cp.to,
          sortDirection: 'DESC',
        });
        const current = cp;
        const step = mapping('GET transactions', wire, () =>
          advance(current, wire.transactions, pageSize, (t, path) => mapTransaction(t, path, { timeZone })),
        );
        cp = step.next;
        yield { transactions: step.transactions, checkpoint: toCheckpoint(cp), done: cp.done };
      }
    },

    async cards(session: BankSession): Promise<Card[]> {
      const wire = await obp.cards(session.accessToken);
      const today = localDate(now().getTime(), timeZone);
      return wire.cards.map((c, i) => mapping('GET /cards', c, () => mapCard(c, `$.cards[${i}]`, today)));
    },

    /**
     * Transaction requests of the account (OBP's payment orders) as transfers, with their
     * beneficiaries from the account's counterparties (read only when a request names one).
     */
    async transfers(session: BankSession, accountId: string): Promise<Transfer[]> {
      const wire = await obp.transactionRequests(session.accessToken, accountId);
      const counterparties = new Map<string, ObpCounterparty>();
      if (wire.transaction_requests.some((r) => r.details?.to_counterparty_id)) {
        for (const cp of (await obp.counterparties(session.accessToken, accountId)).counterparties) {
          if (cp.counterparty_id !== null) counterparties.set(cp.counterparty_id, cp);
        }
      }
      return wire.transaction_requests.map((r, i) =>
        mapping('GET transaction-requests', r, () =>
          mapTransfer(r, `$.transaction_requests[${i}]`, accountId, counterparties),
        ),
      );
    },
  } satisfies Connector;
}

/** The Alif Mobi connector's type, with its optional capabilities present. */
export type AlifMobiConnector = ReturnType<typeof createAlifMobiConnector>;

/** Runs a mapper; a shape or amount problem becomes a ProtocolViolation quoting the item. */
function mapping<T>(target: string, item: unknown, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof WireShapeError) throw violation(target, err, err.item ?? item);
    throw err;
  }
}

function violation(target: string, err: WireShapeError, item: unknown): ProtocolViolation {
  return new ProtocolViolation(`alif-mobi ${target}: ${err.message}`, {
    provider: PROVIDER,
    body: JSON.stringify(item),
  });
}
