/**
 * OBP v5.1.0 resources served by the sandbox (research notes §1.3). Every handler checks, in
 * OBP's order: authentication, bank, account, view, then the permission the token's scopes grant.
 */
import type { IncomingMessage } from 'node:http';
import { RawJson } from '../http/http-util.js';
import type { AccountDef, UserDef } from '../seed/catalog.js';
import type { Posting } from '../seed/ledger.js';
import type { SandboxBank } from '../seed/sandbox-bank.js';
import { ProfileSet } from '../profiles.js';
import { OBP_MESSAGES, ObpError, unauthorized } from './obp-errors.js';
import { ObpJson, RESTRICTED_VIEW_ID, SYSTEM_VIEWS, type Visibility } from './obp-json.js';
import { headerSource, querySource, readPaging, type ParamSource } from './paging.js';

export const OBP_PREFIX = '/obp/v5.1.0';

export interface TokenInfo {
  accountId: string;
  clientId: string;
  scopes: ReadonlySet<string>;
}

/** Checks a bearer token against the authorisation server's store (`'expired'`: issued here, lifetime over). */
export interface TokenVerifier {
  verify(token: string): Promise<TokenInfo | 'expired' | undefined>;
}

export interface ObpResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Permissions a consent can grant; each gates a family of resources. */
export type Permission = 'accounts' | 'balances' | 'transactions' | 'cards' | 'transfers';

interface RequestContext {
  req: IncomingMessage;
  url: URL;
  params: string[];
  host: string;
}

interface Caller {
  user: UserDef;
  token: TokenInfo;
  vis: Visibility;
}

type Handler = (ctx: RequestContext) => Promise<ObpResponse> | ObpResponse;

export interface ObpApiOptions {
  bankId: string;
  /** When true, `/VIEW_ID/transactions` ignores query parameters like OBP does. */
  strictPagingSource: boolean;
  /** Deployment profiles (default: none). */
  profiles?: ProfileSet;
  /** `limit` is silently capped at this (profile `page-cap`); undefined: no cap. */
  maxPageSize?: number;
}

export class ObpApi {
  readonly json: ObpJson;
  private readonly routes: Array<{ pattern: RegExp; handler: Handler }>;
  private readonly accountsById = new Map<string, AccountDef>();
  private readonly usersById = new Map<string, UserDef>();
  private readonly profiles: ProfileSet;
  /** The view the user holds their accounts through: `owner`, or the restricted view. */
  private readonly heldView: string;

  constructor(
    private readonly sandbox: SandboxBank,
    private readonly verifier: TokenVerifier,
    private readonly opts: ObpApiOptions,
  ) {
    this.profiles = opts.profiles ?? new ProfileSet();
    this.heldView = this.profiles.has('restricted-view') ? RESTRICTED_VIEW_ID : 'owner';
    this.json = new ObpJson(sandbox, opts.bankId, {
      realShapes: this.profiles.has('real-shapes'),
      heldView: this.heldView,
    });
    for (const a of sandbox.catalog.accounts) this.accountsById.set(a.id, a);
    for (const u of sandbox.catalog.users) this.usersById.set(u.id, u);
    const seg = '([^/]+)';
    // Profile `endpoints-off`: the deployment removed these endpoints (`api_disabled_endpoints`),
    // so they answer like any unknown path, before authentication (OBP-API source,
    // api/util/APIUtil.scala:2737-2754).
    const off = this.profiles.has('endpoints-off');
    const disabled: Handler = () => {
      throw new ObpError(404, OBP_MESSAGES.invalidUri);
    };
    const r = (path: string, handler: Handler, canBeDisabled = false) => ({
      pattern: new RegExp(`^${path.replace(/:seg/g, seg)}/?$`),
      handler: canBeDisabled && off ? disabled : handler,
    });
    this.routes = [
      r('/banks', () => this.banks()),
      r('/banks/:seg', (c) => this.bank(c)),
      r('/my/accounts', (c) => this.myAccounts(c)),
      r('/banks/:seg/accounts', (c) => this.accountsAtBank(c)),
      r('/banks/:seg/balances', (c) => this.bankBalances(c)),
      r('/banks/:seg/accounts/:seg/balances', (c) => this.accountBalances(c)),
      r('/my/banks/:seg/accounts/:seg/account', (c) => this.myAccount(c)),
      r('/my/banks/:seg/accounts/:seg/transactions', (c) => this.coreTransactions(c)),
      r('/banks/:seg/accounts/:seg/:seg/account', (c) => this.viewAccount(c)),
      r('/banks/:seg/accounts/:seg/:seg/transactions', (c) => this.viewTransactions(c)),
      r('/banks/:seg/accounts/:seg/:seg/transactions/:seg/transaction', (c) => this.viewTransaction(c)),
      r('/banks/:seg/accounts/:seg/:seg/transaction-requests', (c) => this.transactionRequests(c)),
      r('/banks/:seg/accounts/:seg/:seg/transaction-requests/:seg', (c) => this.transactionRequest(c)),
      r('/banks/:seg/accounts/:seg/:seg/counterparties', (c) => this.counterparties(c), true),
      r('/banks/:seg/accounts/:seg/:seg/counterparties/:seg', (c) => this.counterparty(c), true),
      r('/cards', (c) => this.cards(c), true),
    ];
  }

  /** Answers one request under `/obp/v5.1.0`; never throws. */
  async handle(req: IncomingMessage, url: URL): Promise<ObpResponse> {
    const host = req.headers.host ?? 'localhost';
    try {
      const path = url.pathname.slice(OBP_PREFIX.length) || '/';
      if (req.method === 'GET' || req.method === 'HEAD') {
        for (const route of this.routes) {
          const m = route.pattern.exec(path);
          if (!m) continue;
          const params = m.slice(1).map((p) => safeDecode(p));
          return await route.handler({ req, url, params, host });
        }
      }
      throw new ObpError(404, OBP_MESSAGES.invalidUri);
    } catch (err) {
      if (err instanceof ObpError) return { status: err.status, body: err.toBody(), headers: err.headers };
      throw err;
    }
  }

  // ----- guards ------------------------------------------------------------------------------------

  private async authenticate(ctx: RequestContext): Promise<Caller> {
    const header = ctx.req.headers.authorization;
    if (!header) throw unauthorized(ctx.host);
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    // Research notes §1.2: an Authorization header of no supported kind is OBP-20080.
    if (!m) throw new ObpError(400, OBP_MESSAGES.invalidAuthorizationHeader);
    const token = await this.verifier.verify(m[1]!);
    // An expired OAuth2 token is OBP-20001 <- OBP-20206 (OBP-API source, api/OAuth2.scala:367-381,
    // api/util/JwtUtil.scala:249); one the server never issued (or revoked) stays OBP-20214.
    if (token === 'expired') throw unauthorized(ctx.host, OBP_MESSAGES.oauth2Expired);
    if (!token) throw unauthorized(ctx.host, OBP_MESSAGES.oauth2NotRecognised);
    const user = this.usersById.get(token.accountId);
    if (!user) throw unauthorized(ctx.host, OBP_MESSAGES.oauth2NotRecognised);
    return {
      user,
      token,
      vis: { balances: token.scopes.has('balances'), restricted: this.heldView !== 'owner' },
    };
  }

  /** True when the user holds their accounts through the restricted view (profile `restricted-view`). */
  private get restricted(): boolean {
    return this.heldView !== 'owner';
  }

  /**
   * The core `/my/banks/…` endpoints assume the owner view (OBP-API source,
   * api/v3_0_0/APIMethods300.scala:718, api/v4_0_0/APIMethods400.scala:3143): without it 400 OBP-20019.
   */
  private requireOwnerView(caller: Caller, bankId: string, accountId: string): void {
    if (this.restricted)
      throw new ObpError(
        400,
        `${OBP_MESSAGES.userNoOwnerView}userId : ${caller.user.id}. bankId : ${bankId}. accountId : ${accountId}`,
      );
  }

  private checkBank(bankId: string): void {
    if (bankId !== this.opts.bankId) throw new ObpError(404, OBP_MESSAGES.bankNotFound);
  }

  private account(caller: Caller, accountId: string, notFound: string, foreign: ObpError): AccountDef {
    const a = this.accountsById.get(accountId);
    if (!a) throw new ObpError(404, notFound);
    if (a.userIndex !== caller.user.index) throw foreign;
    return a;
  }

  private checkView(viewId: string): void {
    if (viewId === this.heldView) return;
    if (SYSTEM_VIEWS.has(viewId) || viewId.startsWith('_'))
      throw new ObpError(403, OBP_MESSAGES.userNoPermissionAccessView);
    throw new ObpError(400, OBP_MESSAGES.viewNotFound);
  }

  /** A consent without the permission behaves like a view that does not permit the access. */
  private require(caller: Caller, permission: Permission): void {
    if (!caller.token.scopes.has(permission)) throw new ObpError(403, OBP_MESSAGES.viewDoesNotPermitAccess);
  }

  private ownAccounts(caller: Caller): AccountDef[] {
    return this.sandbox.catalog.accounts.filter((a) => a.userIndex === caller.user.index);
  }

  /** Resolves /banks/BANK_ID/accounts/ACCOUNT_ID/VIEW_ID/... */
  private async viewTarget(
    ctx: RequestContext,
    permission: Permission,
    viewChecks?: () => void,
  ): Promise<{ caller: Caller; account: AccountDef; viewId: string }> {
    const caller = await this.authenticate(ctx);
    const [bankId, accountId, viewId] = ctx.params as [string, string, string];
    this.checkBank(bankId);
    const account = this.account(
      caller,
      accountId,
      OBP_MESSAGES.bankAccountNotFound,
      new ObpError(403, OBP_MESSAGES.userNoPermissionAccessView),
    );
    this.checkView(viewId);
    viewChecks?.();
    this.require(caller, permission);
    return { caller, account, viewId };
  }

  // ----- handlers ----------------------------------------------------------------------------------

  private banks(): ObpResponse {
    return { status: 200, body: { banks: [this.json.bankV400()] } };
  }

  private bank(ctx: RequestContext): ObpResponse {
    this.checkBank(ctx.params[0]!);
    return { status: 200, body: this.json.bankV500() };
  }

  private async myAccounts(ctx: RequestContext): Promise<ObpResponse> {
    const caller = await this.authenticate(ctx);
    this.require(caller, 'accounts');
    return {
      status: 200,
      body: { accounts: this.ownAccounts(caller).map((a) => this.json.coreAccount(a)) },
    };
  }

  private async accountsAtBank(ctx: RequestContext): Promise<ObpResponse> {
    const caller = await this.authenticate(ctx);
    this.checkBank(ctx.params[0]!);
    this.require(caller, 'accounts');
    const accounts = this.ownAccounts(caller).map((a) => ({
      id: a.id,
      label: a.label,
      bank_id: this.opts.bankId,
      views_available: [this.json.heldViewAvailable()],
    }));
    return { status: 200, body: { accounts } };
  }

  private async bankBalances(ctx: RequestContext): Promise<ObpResponse> {
    const caller = await this.authenticate(ctx);
    this.checkBank(ctx.params[0]!);
    this.require(caller, 'balances');
    // Only accounts held through a view that can see the balance are listed (OBP-API source,
    // api/util/newstyle/BalanceNewStyle.scala:32-44): none through the restricted view.
    const accounts = this.restricted ? [] : this.ownAccounts(caller);
    return { status: 200, body: { accounts: accounts.map((a) => this.json.bankBalanceEntry(a)) } };
  }

  private async accountBalances(ctx: RequestContext): Promise<ObpResponse> {
    const caller = await this.authenticate(ctx);
    const [bankId, accountId] = ctx.params as [string, string];
    this.checkBank(bankId);
    // Research notes §1.3: no access to the account on this endpoint is 400 OBP-30065.
    const account = this.account(
      caller,
      accountId,
      OBP_MESSAGES.bankAccountNotFound,
      new ObpError(400, OBP_MESSAGES.cannotFindAccountAccess),
    );
    // The restricted view cannot see the balance, so the account is not among those allowed
    // (OBP-API source, api/v4_0_0/APIMethods400.scala:3382-3388).
    if (this.restricted)
      throw new ObpError(400, `${OBP_MESSAGES.cannotFindAccountAccess} AccountId(${account.id})`);
    this.require(caller, 'balances');
    return {
      status: 200,
      body: this.json.accountBalances(account, this.profiles.has('opening-booked')),
    };
  }

  private async myAccount(ctx: RequestContext): Promise<ObpResponse> {
    const caller = await this.authenticate(ctx);
    const [bankId, accountId] = ctx.params as [string, string];
    this.checkBank(bankId);
    const account = this.account(
      caller,
      accountId,
      OBP_MESSAGES.accountNotFound,
      new ObpError(403, OBP_MESSAGES.userNoPermissionAccessView),
    );
    this.requireOwnerView(caller, bankId, accountId);
    this.require(caller, 'accounts');
    return { status: 200, body: this.json.myAccount(account, caller.vis) };
  }

  private async viewAccount(ctx: RequestContext): Promise<ObpResponse> {
    const { caller, account } = await this.viewTarget(ctx, 'accounts');
    return { status: 200, body: this.json.viewAccount(account, caller.vis) };
  }

  private async viewTransactions(ctx: RequestContext): Promise<ObpResponse> {
    const { caller, account } = await this.viewTarget(ctx, 'transactions');
    // Research notes §1.6: this endpoint reads paging from the REQUEST HEADERS (OBP's own tests send
    // them so). Query parameters are honoured as a fallback unless strictPagingSource is set.
    const sources: ParamSource[] = [headerSource(ctx.req.headers)];
    if (!this.opts.strictPagingSource) sources.push(querySource(ctx.url.searchParams));
    return this.page(account, sources, (p) => this.json.transactionText(p, caller.vis));
  }

  private async coreTransactions(ctx: RequestContext): Promise<ObpResponse> {
    const caller = await this.authenticate(ctx);
    const [bankId, accountId] = ctx.params as [string, string];
    this.checkBank(bankId);
    const account = this.account(
      caller,
      accountId,
      OBP_MESSAGES.accountNotFound,
      new ObpError(403, OBP_MESSAGES.userNoPermissionAccessView),
    );
    this.requireOwnerView(caller, bankId, accountId);
    this.require(caller, 'transactions');
    // Research notes §1.6: the core endpoint reads paging from the URL query only.
    return this.page(account, [querySource(ctx.url.searchParams)], (p) =>
      JSON.stringify(this.json.coreTransaction(p, caller.vis)),
    );
  }

  /** A page of `{"transactions": [...]}`, each element's JSON text from `map`. */
  private page(account: AccountDef, sources: ParamSource[], map: (p: Posting) => string): ObpResponse {
    const q = readPaging(sources);
    // Profile `page-cap`: the adapter returns at most maxPageSize entries, silently; the Range
    // header still echoes the limit asked for, as OBP's own layer parsed it.
    const limit = this.opts.maxPageSize === undefined ? q.limit : Math.min(q.limit, this.opts.maxPageSize);
    const [lo, hi] = this.sandbox.ledger.range(
      account.index,
      Math.ceil(q.fromMs / 1000),
      Math.floor(q.toMs / 1000),
    );
    const list = this.sandbox.ledger.books[account.index]!.postings;
    const out: string[] = [];
    if (q.sortDirection === 'DESC') {
      // Newest first; equal completed times in reverse sequence order (the exact reverse of ASC).
      for (let i = hi - 1 - q.offset; i >= lo && out.length < limit; i--) out.push(map(list[i]!));
    } else {
      for (let i = lo + q.offset; i < hi && out.length < limit; i++) out.push(map(list[i]!));
    }
    // No total and no next link: a short page ends the list. OBP adds `Range: items=<offset>-<limit>`.
    return {
      status: 200,
      body: RawJson.array('transactions', out),
      headers: { Range: `items=${q.offset}-${q.limit}` },
    };
  }

  private async viewTransaction(ctx: RequestContext): Promise<ObpResponse> {
    const { caller, account } = await this.viewTarget(ctx, 'transactions');
    const p = this.sandbox.findPosting(ctx.params[3]!);
    if (!p || p.acc !== account.index) throw new ObpError(400, OBP_MESSAGES.transactionNotFound);
    return { status: 200, body: this.json.transaction(p, caller.vis) };
  }

  /**
   * Transaction requests are off unless the deployment sets `transactionRequests_enabled`
   * (400 OBP-40018, OBP-API source, api/util/NewStyle.scala:898; util/Helper.scala:115), and need
   * the view permission `can_see_transaction_requests`, which only `owner` and `standard` have
   * (400 OBP-20022, api/v3_1_0/APIMethods310.scala:1127-1137; views/MapperViews.scala:908,920-924).
   */
  private checkTransactionRequests(viewId: string): void {
    if (this.profiles.has('endpoints-off'))
      throw new ObpError(400, OBP_MESSAGES.transactionRequestsNotEnabled);
    if (this.restricted)
      throw new ObpError(
        400,
        `${OBP_MESSAGES.viewDoesNotPermitAccess} You need the \`can_see_transaction_requests\` permission on the View(${viewId})`,
      );
  }

  /** Counterparties need `can_get_counterparty` (403 OBP-30022, api/v4_0_0/APIMethods400.scala:8382-8387). */
  private checkCounterparties(): void {
    if (this.restricted) throw new ObpError(403, `${OBP_MESSAGES.noViewPermission}can_get_counterparty`);
  }

  private async transactionRequests(ctx: RequestContext): Promise<ObpResponse> {
    // OBP checks the switch right after authentication, before the bank and the account.
    if (this.profiles.has('endpoints-off')) {
      await this.authenticate(ctx);
      throw new ObpError(400, OBP_MESSAGES.transactionRequestsNotEnabled);
    }
    const { account } = await this.viewTarget(ctx, 'transfers', () =>
      this.checkTransactionRequests(ctx.params[2]!),
    );
    const now = this.sandbox.nowSec;
    const list = this.sandbox.ledger.books[account.index]!.transfers.filter((t) => t.start <= now);
    return {
      status: 200,
      body: { transaction_requests_with_charges: list.map((t) => this.json.transactionRequest(t)) },
    };
  }

  private async transactionRequest(ctx: RequestContext): Promise<ObpResponse> {
    const { account } = await this.viewTarget(ctx, 'transfers', () =>
      this.checkTransactionRequests(ctx.params[2]!),
    );
    const t = this.sandbox.ledger.transferById.get(ctx.params[3]!);
    if (!t || t.acc !== account.index) throw new ObpError(400, OBP_MESSAGES.transactionRequestNotFound);
    return { status: 200, body: this.json.transactionRequest(t) };
  }

  private recipientsOf(account: AccountDef): number[] {
    const seen = new Set<number>();
    for (const t of this.sandbox.ledger.books[account.index]!.transfers) seen.add(t.cp);
    return [...seen];
  }

  private async counterparties(ctx: RequestContext): Promise<ObpResponse> {
    const { caller, account, viewId } = await this.viewTarget(ctx, 'transfers', () =>
      this.checkCounterparties(),
    );
    const list = this.recipientsOf(account).map((i) =>
      this.json.counterparty(this.sandbox.catalog.counterparties[i]!, account, viewId, caller.user),
    );
    return { status: 200, body: { counterparties: list } };
  }

  private async counterparty(ctx: RequestContext): Promise<ObpResponse> {
    const { caller, account, viewId } = await this.viewTarget(ctx, 'transfers', () =>
      this.checkCounterparties(),
    );
    const id = ctx.params[3]!;
    const index = this.recipientsOf(account).find((i) => this.sandbox.catalog.counterparties[i]!.id === id);
    if (index === undefined) throw new ObpError(400, OBP_MESSAGES.counterpartyNotFound);
    return {
      status: 200,
      body: this.json.counterparty(this.sandbox.catalog.counterparties[index]!, account, viewId, caller.user),
    };
  }

  private async cards(ctx: RequestContext): Promise<ObpResponse> {
    const caller = await this.authenticate(ctx);
    this.require(caller, 'cards');
    return { status: 200, body: { cards: this.json.cardsOf(caller.user) } };
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
