import { JsonNumber } from '../exact-json.js';
import { WireShapeError, array, object, optString, string } from '../wire.js';

/**
 * Alif Shop's backend as it answers (the app's own JSON API): amounts in PKR are plain JSON
 * numbers with paisa (`1999.5`, `0.01`), read from the text exactly (exact-json.ts) and kept as
 * their decimal text here. These types do not leave the alif-shop folder.
 */

/** A JSON number (or a numeric string, which some endpoints send) as its exact decimal text. */
export function amount(value: unknown, path: string): string {
  if (value instanceof JsonNumber) return value.text;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return value;
  throw new WireShapeError(
    path,
    'an amount (a JSON number)',
    value instanceof JsonNumber ? value.text : value,
  );
}

export function optAmount(value: unknown, path: string): string | null {
  return value === null || value === undefined ? null : amount(value, path);
}

/** A non-negative safe integer (counts, page numbers, tenors). */
export function count(value: unknown, path: string): number {
  const n = value instanceof JsonNumber ? value.toSafeInteger() : null;
  if (n === null || n < 0)
    throw new WireShapeError(path, 'a whole number', value instanceof JsonNumber ? value.text : value);
  return n;
}

export function optCount(value: unknown, path: string): number | null {
  return value === null || value === undefined ? null : count(value, path);
}

/** `POST /api/v1/auth/otp/verify` and `/auth/token/refresh`. */
export interface ShopTokens {
  readonly access_token: string;
  readonly refresh_token: string | null;
  readonly expires_in: number | null;
}

export function parseTokens(value: unknown): ShopTokens {
  const o = object(value, '$');
  return {
    access_token: string(o.access_token, '$.access_token'),
    refresh_token: optString(o.refresh_token, '$.refresh_token'),
    expires_in: optCount(o.expires_in, '$.expires_in'),
  };
}

/** `GET /api/v1/account/limit`. */
export interface ShopLimit {
  readonly credit_limit: string;
  readonly available: string;
  readonly currency: string;
}

export function parseLimit(value: unknown): ShopLimit {
  const o = object(value, '$');
  return {
    credit_limit: amount(o.credit_limit_pkr, '$.credit_limit_pkr'),
    available: amount(o.available_limit_pkr, '$.available_limit_pkr'),
    currency: optString(o.currency, '$.currency') ?? 'PKR',
  };
}

/** A paged list: `{ <items>: [...], page, per_page, total }`. */
export interface ShopPage<T> {
  readonly items: readonly T[];
  readonly page: number;
  readonly perPage: number;
  readonly total: number | null;
}

export function parsePage<T>(
  value: unknown,
  key: string,
  item: (v: unknown, path: string) => T,
): ShopPage<T> {
  const o = object(value, '$');
  return {
    items: array(o[key], `$.${key}`, item),
    page: count(o.page, '$.page'),
    perPage: count(o.per_page, '$.per_page'),
    total: optCount(o.total, '$.total'),
  };
}

/** An item of `GET /api/v1/history`. */
export interface ShopHistoryItem {
  readonly id: string;
  readonly type: string;
  /** Positive; the type gives the direction. */
  readonly amount: string;
  /** `YYYY-MM-DD`, the app's (Asia/Karachi) date. */
  readonly date: string;
  readonly created_at: string | null;
  readonly plan_id: string | null;
  readonly merchant: string | null;
  readonly description: string | null;
}

export function parseHistoryItem(v: unknown, p: string): ShopHistoryItem {
  const o = object(v, p);
  return {
    id: string(o.id, `${p}.id`),
    type: string(o.type, `${p}.type`),
    amount: amount(o.amount_pkr, `${p}.amount_pkr`),
    date: string(o.date, `${p}.date`),
    created_at: optString(o.created_at, `${p}.created_at`),
    plan_id: optString(o.plan_id, `${p}.plan_id`),
    merchant: optString(o.merchant, `${p}.merchant`),
    description: optString(o.description, `${p}.description`),
  };
}

/** An item of `GET /api/v1/instalments/plans`. */
export interface ShopPlan {
  readonly plan_id: string;
  readonly origin: string;
  readonly principal: string;
  /** `"0"` for fashion plans; null where the store's own terms apply. */
  readonly markup_pct: string | null;
  readonly tenor_months: number | null;
  readonly status: string;
  readonly created_at: string | null;
  readonly store: string | null;
  readonly device_model: string | null;
}

export function parsePlan(v: unknown, p: string): ShopPlan {
  const o = object(v, p);
  return {
    plan_id: string(o.plan_id, `${p}.plan_id`),
    origin: string(o.origin, `${p}.origin`),
    principal: amount(o.principal_pkr, `${p}.principal_pkr`),
    markup_pct: optAmount(o.markup_pct, `${p}.markup_pct`),
    tenor_months: optCount(o.tenor_months, `${p}.tenor_months`),
    status: string(o.status, `${p}.status`),
    created_at: optString(o.created_at, `${p}.created_at`),
    store: optString(o.store, `${p}.store`),
    device_model: optString(o.device_model, `${p}.device_model`),
  };
}

/** `GET /api/v1/instalments/plans/{id}/schedule`. */
export interface ShopSchedule {
  readonly plan_id: string;
  readonly instalments: ReadonlyArray<{
    readonly due_date: string;
    readonly amount: string;
    readonly status: string;
    readonly paid_at: string | null;
  }>;
}

export function parseSchedule(value: unknown): ShopSchedule {
  const o = object(value, '$');
  return {
    plan_id: string(o.plan_id, '$.plan_id'),
    instalments: array(o.instalments, '$.instalments', (v, p) => {
      const i = object(v, p);
      return {
        due_date: string(i.due_date, `${p}.due_date`),
        amount: amount(i.amount_pkr, `${p}.amount_pkr`),
        status: string(i.status, `${p}.status`),
        paid_at: optString(i.paid_at, `${p}.paid_at`),
      };
    }),
  };
}

/** An error body: `{"error": "token_expired"}`, `{"error":"3ds_challenge_pending","retry_after":30}`. */
export function parseErrorBody(value: unknown): {
  error: string | null;
  retryAfter: number | null;
  attemptsLeft: number | null;
} {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { error: null, retryAfter: null, attemptsLeft: null };
  const o = value as Record<string, unknown>;
  const num = (x: unknown) => (x instanceof JsonNumber ? x.toSafeInteger() : null);
  return {
    error: typeof o.error === 'string' ? o.error : null,
    retryAfter: num(o.retry_after),
    attemptsLeft: num(o.attempts_left),
  };
}
