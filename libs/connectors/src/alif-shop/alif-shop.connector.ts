import type { Account } from '#domain/account.js';
import type { Balance } from '#domain/balance.js';
import type { Instalment, InstalmentPlan, InstalmentPlanStatus, InstalmentStatus } from '#domain/credit.js';
import { isIsoDate } from '#domain/dates.js';
import { Money, parseBankAmount } from '#domain/money.js';
import type { Transaction, TransactionType } from '#domain/transaction.js';
import { ProtocolViolation, Unsupported } from '../connector-errors.js';
import type {
  AuthorisationInput,
  AuthorisationStart,
  BankSession,
  Checkpoint,
  ConsentRequest,
  Connector,
  CreditLedger,
  ItemsRead,
  SkippedItem,
  TransactionPage,
  TransactionQuery,
} from '../connector.js';
import { parseExactJson } from '../exact-json.js';
import { HttpClient, type HttpResponse } from '../http.js';
import { WireShapeError } from '../wire.js';
import { mapShopError } from './alif-shop.errors.js';
import { revalidateAlifShop } from './alif-shop.revalidate.js';
import type { RevalidateOptions } from '../revalidation.js';
import {
  parseHistoryItem,
  parseLimit,
  parsePage,
  parsePlan,
  parseSchedule,
  parseTokens,
  type ShopHistoryItem,
  type ShopPage,
  type ShopPlan,
} from './alif-shop.wire.js';

/** Configuration of the Alif Shop connector (`ALIF_SHOP_*`). */
export interface AlifShopConfig {
  /** `ALIF_SHOP_URL`: the backend's origin; the API lives under `/api/v1`. */
  readonly url: string;
  readonly timeoutMs?: number;
  /** Items per page asked for; the backend may answer fewer (its `per_page` says how many). */
  readonly pageSize?: number;
}

export interface AlifShopDeps {
  readonly now?: () => Date;
  readonly fetch?: typeof fetch;
}

const PROVIDER = 'alif-shop' as const;
/** The one account of a consent: the person's credit line. */
export const CREDIT_ACCOUNT_ID = 'credit-line';

/** History item types: direction and canonical type. Purchases and fees use the credit line. */
const HISTORY: Readonly<Record<string, { sign: 1 | -1; type: TransactionType; category: string }>> = {
  purchase: { sign: -1, type: 'purchase', category: 'purchase' },
  fee: { sign: -1, type: 'fee', category: 'fee' },
  repayment: { sign: 1, type: 'repayment', category: 'repayment' },
  refund: { sign: 1, type: 'purchase', category: 'refund' },
};

const PLAN_STATUSES: readonly InstalmentPlanStatus[] = [
  'current',
  'overdue',
  'pending_approval',
  'rejected',
  'closed',
];
const INSTALMENT_STATUSES: readonly InstalmentStatus[] = ['upcoming', 'due', 'paid', 'overdue'];

interface HistoryCheckpoint {
  readonly v: 1;
  /** The next page to read (1-based). */
  readonly page: number;
  /** The window, fixed when the stream starts (`YYYY-MM-DD`, inclusive). */
  readonly from: string | null;
  readonly to: string;
  readonly done: boolean;
}

/**
 * Alif Shop (Pakistan, buy-now-pay-later): a one-time code by SMS, short access tokens and
 * rotating refresh tokens, a 3-D Secure gate (423), and the instalment ledger. Amounts are JSON
 * numbers on this wire, read exactly from the text.
 */
export function createAlifShopConnector(config: AlifShopConfig, deps: AlifShopDeps = {}) {
  const now = deps.now ?? (() => new Date());
  const base = config.url.replace(/\/+$/, '');
  const pageSize = config.pageSize ?? 100;
  const http = new HttpClient({
    provider: PROVIDER,
    timeoutMs: config.timeoutMs ?? 15_000,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });

  async function call(
    method: 'GET' | 'POST',
    path: string,
    opts: { token?: string; body?: unknown; query?: Record<string, string> } = {},
  ): Promise<HttpResponse> {
    const url = new URL(`${base}/api/v1${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const res = await http.request({
      method,
      url,
      headers: {
        accept: 'application/json',
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    });
    if (res.status < 200 || res.status >= 300) throw mapShopError(res);
    return res;
  }

  /** Parses and guards a 2xx body; a shape problem is a ProtocolViolation quoting the item. */
  function read<T>(res: HttpResponse, parse: (json: unknown) => T): T {
    try {
      return parse(parseExactJson(res.text));
    } catch (err) {
      if (err instanceof WireShapeError) {
        throw new ProtocolViolation(`${res.target}: ${err.message}`, {
          provider: PROVIDER,
          status: res.status,
          body:
            err.item === undefined ? res.text : JSON.stringify(err.item, (_k, v) => (v?.text ? v.text : v)),
        });
      }
      throw err;
    }
  }

  const session = (t: ReturnType<typeof parseTokens>, previous: BankSession | null): BankSession => ({
    accessToken: t.access_token,
    refreshToken: t.refresh_token ?? previous?.refreshToken ?? null,
    expiresAt: t.expires_in === null ? null : new Date(now().getTime() + t.expires_in * 1000).toISOString(),
    scope: null,
    state: null,
  });

  const pkr = (text: string, path: string): Money => {
    try {
      return parseBankAmount(text, 'PKR');
    } catch (err) {
      throw new WireShapeError(path, `an amount in PKR (paisa at most): ${(err as Error).message}`, text);
    }
  };

  async function allPages<T>(
    token: string,
    path: string,
    key: string,
    item: (v: unknown, p: string) => T,
  ): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; page <= 10_000; page++) {
      const res = await call('GET', path, {
        token,
        query: { page: String(page), per_page: String(pageSize) },
      });
      const p: ShopPage<T> = read(res, (j) => parsePage(j, key, item));
      items.push(...p.items);
      if (p.items.length < p.perPage || (p.total !== null && page * p.perPage >= p.total)) return items;
    }
    throw new ProtocolViolation(`${path}: the list did not end within 10,000 pages`, {
      provider: PROVIDER,
      body: '',
    });
  }

  return {
    provider: PROVIDER,
    capabilities: ['accounts', 'balances', 'transactions', 'credit'],

    /** Asks the backend to text the code to the person's phone. */
    async startAuthorisation(request: ConsentRequest): Promise<AuthorisationStart> {
      if (!request.msisdn) throw new TypeError('Alif Shop authorises by OTP: msisdn is required');
      await call('POST', '/auth/otp/request', { body: { msisdn: request.msisdn } });
      return { kind: 'otp', pending: { msisdn: request.msisdn } };
    },

    /** Checks the code the person typed; a wrong one is ReauthRequired('otp_invalid'). */
    async completeAuthorisation(input: AuthorisationInput): Promise<BankSession> {
      if (input.kind !== 'otp') throw new TypeError('Alif Shop authorises by OTP, not redirect');
      const msisdn = input.pending.msisdn;
      if (typeof msisdn !== 'string') throw new TypeError('pending authorisation has no msisdn');
      const res = await call('POST', '/auth/otp/verify', { body: { msisdn, otp: input.otp } });
      return session(read(res, parseTokens), null);
    },

    /** Refresh tokens rotate: the returned session replaces the old one entirely. */
    async refresh(s: BankSession): Promise<BankSession> {
      if (!s.refreshToken)
        throw mapShopError({
          status: 401,
          text: '{"error":"invalid_grant"}',
          headers: new Headers(),
          target: 'refresh',
        });
      const res = await call('POST', '/auth/token/refresh', { body: { refresh_token: s.refreshToken } });
      return session(read(res, parseTokens), s);
    },

    async revoke(s: BankSession): Promise<void> {
      try {
        await call('POST', '/auth/logout', { token: s.accessToken });
      } catch (err) {
        if (err instanceof Unsupported || (err as { kind?: string }).kind === 'reauth_required') return;
        throw err;
      }
    },

    /** The person's credit line, as an account of type `credit` in PKR. */
    async listAccounts(s: BankSession): Promise<ItemsRead<Account>> {
      await call('GET', '/account/limit', { token: s.accessToken });
      return {
        items: [
          {
            providerAccountId: CREDIT_ACCOUNT_ID,
            type: 'credit',
            name: 'Alif Shop credit line',
            currency: 'PKR',
            iban: null,
            numberMasked: null,
            status: 'active',
          },
        ],
        skipped: [],
      };
    },

    async getBalances(s: BankSession): Promise<Balance[]> {
      const limit = read(await call('GET', '/account/limit', { token: s.accessToken }), parseLimit);
      return [
        { type: 'credit_limit', amount: pkr(limit.credit_limit, '$.credit_limit_pkr'), referenceDate: null },
        { type: 'available', amount: pkr(limit.available, '$.available_limit_pkr'), referenceDate: null },
      ];
    },

    /**
     * Purchases and fees (debits), repayments and refunds (credits), newest first, by page within
     * a window fixed when the stream starts. Entries posted meanwhile push older ones down a page:
     * one may come again (stored once, by id), none is skipped.
     */
    async *transactions(
      s: BankSession,
      _accountId: string,
      from: Checkpoint | null,
      query: TransactionQuery = {},
    ): AsyncGenerator<TransactionPage, void, undefined> {
      let cp: HistoryCheckpoint =
        from === null
          ? { v: 1, page: 1, from: query.since ?? null, to: localDate(now()), done: false }
          : readCheckpoint(from);
      while (!cp.done) {
        const res = await call('GET', '/history', {
          token: s.accessToken,
          query: {
            page: String(cp.page),
            per_page: String(pageSize),
            to: cp.to,
            ...(cp.from ? { from: cp.from } : {}),
          },
        });
        const page = read(res, (j) => parsePage(j, 'items', parseHistoryItem));
        const transactions = page.items.map((t, i) => mapping(() => toTransaction(t, `$.items[${i}]`), t));
        const done =
          page.items.length < page.perPage || (page.total !== null && cp.page * page.perPage >= page.total);
        cp = { ...cp, page: cp.page + 1, done };
        yield { transactions, checkpoint: { ...cp }, done };
      }
    },

    /**
     * The credit ledger: the limit, every plan (closed and rejected included), and the schedule of
     * every plan that has one. Fashion plans run at 0 %; partner-store phone plans carry the
     * store's own terms (`markup_pct` null): never folded together. A plan or instalment in a
     * form not known here (a new origin or status) is skipped and reported.
     */
    async credit(s: BankSession): Promise<CreditLedger> {
      const token = s.accessToken;
      const limit = read(await call('GET', '/account/limit', { token }), parseLimit);
      const wirePlans = await allPages(token, '/instalments/plans', 'plans', parsePlan);
      const skipped: SkippedItem[] = [];
      const plans: InstalmentPlan[] = [];
      const instalments: Instalment[] = [];
      for (const [i, p] of wirePlans.entries()) {
        const path = `$.plans[${i}]`;
        let schedule: Instalment[] = [];
        if (p.status !== 'pending_approval' && p.status !== 'rejected') {
          try {
            const wire = read(
              await call('GET', `/instalments/plans/${encodeURIComponent(p.plan_id)}/schedule`, { token }),
              parseSchedule,
            );
            schedule = wire.instalments.flatMap((x, j) => {
              const at = `${path}.schedule[${j}]`;
              const status = INSTALMENT_STATUSES.find((st) => st === x.status);
              if (!status || !isIsoDate(x.due_date)) {
                skipped.push({
                  path: at,
                  reason: `unknown instalment status ${JSON.stringify(x.status)} or date`,
                });
                return [];
              }
              return [
                {
                  providerPlanId: p.plan_id,
                  dueDate: x.due_date,
                  amount: pkr(x.amount, `${at}.amount_pkr`),
                  status,
                  paidAt: x.paid_at,
                },
              ];
            });
          } catch (err) {
            if (!(err instanceof Unsupported)) throw err;
          }
        }
        const plan = toPlan(p, schedule);
        if (typeof plan === 'string') {
          skipped.push({ path, reason: plan });
          continue;
        }
        plans.push(plan);
        instalments.push(...schedule);
      }
      return {
        lines: [
          {
            providerAccountId: CREDIT_ACCOUNT_ID,
            limit: pkr(limit.credit_limit, '$.credit_limit_pkr'),
            available: pkr(limit.available, '$.available_limit_pkr'),
          },
        ],
        plans,
        instalments,
        skipped,
      };
    },

    /** See alif-shop.revalidate.ts. */
    revalidate: (s: BankSession, options?: RevalidateOptions) =>
      revalidateAlifShop({ http, url: config.url, now }, s, options),
  } satisfies Connector;

  function toTransaction(t: ShopHistoryItem, path: string): Transaction {
    const kind = HISTORY[t.type];
    if (!kind) throw new WireShapeError(`${path}.type`, `one of ${Object.keys(HISTORY).join(', ')}`, t.type);
    if (!isIsoDate(t.date)) throw new WireShapeError(`${path}.date`, 'a date YYYY-MM-DD', t.date);
    const amount = pkr(t.amount, `${path}.amount_pkr`);
    if (amount.isNegative()) throw new WireShapeError(`${path}.amount_pkr`, 'a positive amount', t.amount);
    return {
      providerTransactionId: t.id,
      status: 'booked',
      date: t.date,
      valueDate: null,
      bookedAt: t.created_at,
      amount: kind.sign < 0 ? amount.negate() : amount,
      type: kind.type,
      description: t.description ?? t.merchant ?? t.type,
      counterparty: t.merchant ? { name: t.merchant, account: null } : null,
      balanceAfter: null,
      category: kind.category,
    };
  }

  function toPlan(p: ShopPlan, schedule: readonly Instalment[]): InstalmentPlan | string {
    if (p.origin !== 'fashion' && p.origin !== 'partner_store')
      return `unknown plan origin ${JSON.stringify(p.origin)}`;
    const status = PLAN_STATUSES.find((st) => st === p.status);
    if (!status) return `unknown plan status ${JSON.stringify(p.status)}`;
    const next = schedule.find((x) => x.status !== 'paid');
    return {
      providerPlanId: p.plan_id,
      origin: p.origin,
      principal: pkr(p.principal, 'principal_pkr'),
      // Fashion plans are 0 % by definition; partner-store plans carry the store's own terms.
      markupPct: p.origin === 'fashion' ? (p.markup_pct ?? '0') : null,
      tenorMonths: p.tenor_months,
      status,
      nextDueDate: next?.dueDate ?? null,
      nextAmount: next?.amount ?? null,
      store: p.store,
      deviceModel: p.device_model,
      createdAt: p.created_at,
    };
  }
}

/** The date in Pakistan (Asia/Karachi, UTC+5 all year): the app's calendar. */
function localDate(at: Date): string {
  return new Date(at.getTime() + 5 * 3600_000).toISOString().slice(0, 10);
}

function readCheckpoint(value: Checkpoint): HistoryCheckpoint {
  const { v, page, from, to, done } = value;
  if (
    v !== 1 ||
    typeof page !== 'number' ||
    !Number.isSafeInteger(page) ||
    page < 1 ||
    (from !== null && (typeof from !== 'string' || !isIsoDate(from))) ||
    typeof to !== 'string' ||
    !isIsoDate(to) ||
    typeof done !== 'boolean'
  ) {
    throw new ProtocolViolation('alif-shop history: checkpoint not understood', {
      provider: PROVIDER,
      body: JSON.stringify(value),
    });
  }
  return { v: 1, page, from: from as string | null, to, done };
}

function mapping<T>(fn: () => T, item: unknown): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof WireShapeError) {
      throw new ProtocolViolation(`alif-shop GET /history: ${err.message}`, {
        provider: PROVIDER,
        body: JSON.stringify(item),
      });
    }
    throw err;
  }
}

export type AlifShopConnector = ReturnType<typeof createAlifShopConnector>;
