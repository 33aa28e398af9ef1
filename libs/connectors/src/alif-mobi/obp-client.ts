import { ProtocolViolation } from '../connector-errors.js';
import type { HttpClient, HttpResponse } from '../http.js';
import { WireShapeError, parseJson } from '../wire.js';
import { mapObpError } from './obp-errors.js';
import {
  parseAccount,
  parseAccountBalances,
  parseCards,
  parseCoreAccounts,
  parseCounterparties,
  parseTransactionRequests,
  parseTransactions,
  type ObpAccount,
  type ObpAccountBalances,
  type ObpCards,
  type ObpCoreAccounts,
  type ObpCounterparties,
  type ObpTransactionRequests,
  type ObpTransactions,
} from './obp.wire.js';

/** Where Alif Mobi's OBP API lives. */
export interface ObpClientConfig {
  /** Versioned root, e.g. `https://api.alif.tj/obp/v5.1.0` (`ALIF_MOBI_OBP_URL`). */
  readonly obpUrl: string;
  /** OBP `BANK_ID` (`ALIF_MOBI_BANK_ID`). */
  readonly bankId: string;
}

/** Paging and window of one transactions request (§1.6). */
export interface ObpTransactionsQuery {
  readonly limit: number;
  readonly offset: number;
  /** `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`, inclusive, on the completed date. */
  readonly fromDate: string;
  readonly toDate: string;
  readonly sortDirection: 'ASC' | 'DESC';
}

/**
 * The OBP v5.1.0 calls Alif Mobi's connector needs, with Bearer auth. Each call returns a
 * validated wire value or throws a connector error: non-2xx replies are mapped by their
 * `OBP-NNNNN` codes (obp-errors.ts), bodies that fail their guard become ProtocolViolation
 * quoting the offending item.
 */
export class ObpClient {
  private readonly base: string;

  constructor(
    private readonly config: ObpClientConfig,
    private readonly http: HttpClient,
  ) {
    this.base = config.obpUrl.replace(/\/+$/, '');
  }

  /** `GET /my/accounts` (v3.0.0; CoreAccountsJsonV300). */
  myAccounts(token: string): Promise<ObpCoreAccounts> {
    return this.get(token, '/my/accounts', parseCoreAccounts);
  }

  /** `GET /banks/B/accounts/A/VIEW/account` (v4.0.0; ModeratedAccountJSON400). */
  account(token: string, accountId: string, view: string): Promise<ObpAccount> {
    return this.get(token, `${this.accountPath(accountId)}/${enc(view)}/account`, parseAccount);
  }

  /** `GET /banks/B/accounts/A/balances` (v4.0.0; AccountBalanceJsonV400). */
  balances(token: string, accountId: string): Promise<ObpAccountBalances> {
    return this.get(token, `${this.accountPath(accountId)}/balances`, parseAccountBalances);
  }

  /**
   * `GET /banks/B/accounts/A/VIEW/transactions` (v3.0.0; TransactionsJsonV300).
   *
   * OBP reads paging and the date window of this endpoint from REQUEST HEADERS
   * (`createQueriesByHttpParamsFuture(requestHeaders)`), while its docs and the core endpoint say
   * query parameters (§1.6). We send both, with the plain names (which win over `obp_` aliases).
   */
  transactions(
    token: string,
    accountId: string,
    view: string,
    q: ObpTransactionsQuery,
  ): Promise<ObpTransactions> {
    return this.get(
      token,
      `${this.accountPath(accountId)}/${enc(view)}/transactions`,
      parseTransactions,
      pagingParams(q),
    );
  }

  /**
   * `GET /my/banks/B/accounts/A/transactions` (v3.0.0, core): the same entries, paged by URL
   * query parameters (APIMethods300.scala:710-719), which survive a proxy that drops request
   * headers with underscores in their names (nginx's default).
   */
  coreTransactions(token: string, accountId: string, q: ObpTransactionsQuery): Promise<ObpTransactions> {
    return this.get(
      token,
      `/my/banks/${enc(this.config.bankId)}/accounts/${enc(accountId)}/transactions`,
      parseTransactions,
      pagingParams(q),
    );
  }

  /** `GET /cards` (v1.3.0; cards of the current user). */
  cards(token: string): Promise<ObpCards> {
    return this.get(token, '/cards', parseCards);
  }

  /** `GET /banks/B/accounts/A/VIEW/transaction-requests` (payment orders with their status). */
  transactionRequests(token: string, accountId: string, view: string): Promise<ObpTransactionRequests> {
    return this.get(
      token,
      `${this.accountPath(accountId)}/${enc(view)}/transaction-requests`,
      parseTransactionRequests,
    );
  }

  /** `GET /banks/B/accounts/A/VIEW/counterparties` (v4.0.0): the beneficiaries of transfers. */
  counterparties(token: string, accountId: string, view: string): Promise<ObpCounterparties> {
    return this.get(token, `${this.accountPath(accountId)}/${enc(view)}/counterparties`, parseCounterparties);
  }

  private accountPath(accountId: string): string {
    return `/banks/${enc(this.config.bankId)}/accounts/${enc(accountId)}`;
  }

  private async get<T>(
    token: string,
    path: string,
    parse: (json: unknown) => T,
    params: Readonly<Record<string, string>> = {},
  ): Promise<T> {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const res = await this.http.request({
      url,
      headers: { ...params, authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    if (res.status < 200 || res.status >= 300) throw mapObpError(res);
    return parseBody(res, parse);
  }
}

function pagingParams(q: ObpTransactionsQuery): Record<string, string> {
  return {
    limit: String(q.limit),
    offset: String(q.offset),
    from_date: q.fromDate,
    to_date: q.toDate,
    sort_direction: q.sortDirection,
  };
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

/** Parses and guards a 2xx body; a failure quotes the offending list item, else the body. */
export function parseBody<T>(res: HttpResponse, parse: (json: unknown) => T): T {
  try {
    return parse(parseJson(res.text));
  } catch (err) {
    if (err instanceof WireShapeError) {
      throw new ProtocolViolation(`${res.target}: ${err.message}`, {
        provider: 'alif-mobi',
        status: res.status,
        body: err.item === undefined ? res.text : JSON.stringify(err.item),
      });
    }
    throw err;
  }
}
