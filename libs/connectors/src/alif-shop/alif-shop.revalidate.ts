import type { Capability } from '#domain/permissions.js';
import { ProtocolViolation, ReauthRequired, TokenExpired } from '../connector-errors.js';
import type { BankSession } from '../connector.js';
import type { HttpClient } from '../http.js';
import {
  ResourceProbe,
  driftReport,
  resourceError,
  s,
  type DriftReport,
  type EnumCheckers,
  type RevalidateOptions,
  type WireSchema,
} from '../revalidation.js';
import { WireShapeError, parseJson } from '../wire.js';
import { mapShopError } from './alif-shop.errors.js';

/**
 * Re-validation of Alif Shop: the app's backend shifts with its front end, so every ledger shape
 * the connector reads is declared here and diffed on a schedule — a new field, a changed type, a
 * new plan origin or status, a new history type — before it stales the data. The diff sees JSON
 * types only (amounts are numbers on this wire); the connector reads them exactly.
 */

const page = (key: string, item: WireSchema) =>
  s.object({
    [key]: s.required(s.array(item)),
    page: s.number({ presence: 'required' }),
    per_page: s.number({ presence: 'required' }),
    total: s.number(),
  });

/** The expected wire of each resource, by the resource names of the report. */
export const SHOP_SCHEMAS = {
  /** `GET /api/v1/account/limit`. */
  limit: s.object({
    credit_limit_pkr: s.number({ presence: 'required' }),
    available_limit_pkr: s.number({ presence: 'required' }),
    used_pkr: s.ignored(),
    currency: s.string(),
    as_of: s.ignored(),
  }),
  /** `GET /api/v1/instalments/plans`. */
  plans: page(
    'plans',
    s.object({
      plan_id: s.string({ presence: 'required' }),
      origin: s.string({ presence: 'required', enum: 'plan origin' }),
      principal_pkr: s.number({ presence: 'required' }),
      markup_pct: s.number(),
      tenor_months: s.number(),
      status: s.string({ presence: 'required', enum: 'plan status' }),
      created_at: s.string(),
      store: s.optional(s.string()),
      device_model: s.optional(s.string()),
      order_id: s.ignored(),
    }),
  ),
  /** `GET /api/v1/instalments/plans/{id}/schedule`. */
  schedule: s.object({
    plan_id: s.string({ presence: 'required' }),
    instalments: s.required(
      s.array(
        s.object({
          seq: s.ignored(),
          due_date: s.string({ presence: 'required' }),
          amount_pkr: s.number({ presence: 'required' }),
          status: s.string({ presence: 'required', enum: 'instalment status' }),
          paid_at: s.optional(s.string()),
        }),
      ),
    ),
  }),
  /** `GET /api/v1/history`. */
  history: page(
    'items',
    s.object({
      id: s.string({ presence: 'required' }),
      type: s.string({ presence: 'required', enum: 'history type' }),
      amount_pkr: s.number({ presence: 'required' }),
      date: s.string({ presence: 'required' }),
      created_at: s.string(),
      plan_id: s.string(),
      merchant: s.optional(s.string()),
      description: s.string(),
    }),
  ),
};

type ShopResource = keyof typeof SHOP_SCHEMAS;

const CAPABILITY: Record<ShopResource, Capability> = {
  limit: 'balances',
  plans: 'credit',
  schedule: 'credit',
  history: 'transactions',
};

/** The codes the connector knows (alif-shop.connector.ts); anything else is a new value. */
export const SHOP_ENUMS: EnumCheckers = {
  'plan origin': (v) => v === 'fashion' || v === 'partner_store',
  'plan status': (v) => ['current', 'overdue', 'pending_approval', 'rejected', 'closed'].includes(v),
  'instalment status': (v) => ['upcoming', 'due', 'paid', 'overdue'].includes(v),
  'history type': (v) => ['purchase', 'repayment', 'refund', 'fee'].includes(v),
};

/** Plans whose schedule is read (the report stays small). */
const MAX_SCHEDULES = 20;

/**
 * Reads the limit, one page of plans, their schedules and one page of history, and reports
 * reachability and drift per resource.
 *
 * @throws {TokenExpired | ReauthRequired} when the limit refuses the session (the caller refreshes
 *   and tries again). Every other failure is data.
 */
export async function revalidateAlifShop(
  cfg: { readonly http: HttpClient; readonly url: string; readonly now: () => Date },
  session: BankSession,
  options: RevalidateOptions = {},
): Promise<DriftReport> {
  const startedAt = cfg.now();
  const base = `${cfg.url.replace(/\/+$/, '')}/api/v1`;
  const reads = new Set<Capability>(options.reads ?? Object.values(CAPABILITY));
  const probes = Object.fromEntries(
    (Object.keys(SHOP_SCHEMAS) as ShopResource[]).map((r) => [
      r,
      new ResourceProbe(r, CAPABILITY[r], SHOP_SCHEMAS[r], SHOP_ENUMS),
    ]),
  ) as Record<ShopResource, ResourceProbe>;
  for (const p of Object.values(probes))
    if (!reads.has(p.capability)) p.skip(`the consent does not grant ${p.capability}`);

  async function read(
    probe: ResourceProbe,
    template: string,
    path: string,
    params: Record<string, string> = {},
  ) {
    if (!reads.has(probe.capability) && probe.resource !== 'limit') return null;
    const url = new URL(base + path);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    try {
      const res = await cfg.http.request({
        url,
        headers: { authorization: `Bearer ${session.accessToken}`, accept: 'application/json' },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (res.status < 200 || res.status >= 300) throw mapShopError(res);
      const body = parseJson(res.text);
      if (reads.has(probe.capability)) probe.answered(body);
      return body;
    } catch (err) {
      if (probe.resource === 'limit' && (err instanceof TokenExpired || err instanceof ReauthRequired))
        throw err;
      const e =
        err instanceof WireShapeError
          ? new ProtocolViolation(`GET ${template}: not JSON`, { provider: 'alif-shop', body: '' })
          : err;
      probe.failed(resourceError(`GET ${template}`, null, e));
      return null;
    }
  }

  await read(probes.limit, '/account/limit', '/account/limit');
  const plans = (await read(probes.plans, '/instalments/plans', '/instalments/plans', {
    page: '1',
    per_page: '50',
  })) as {
    plans?: unknown;
  } | null;
  const ids = Array.isArray(plans?.plans)
    ? plans.plans.flatMap((p) => {
        const o = p as { plan_id?: unknown; status?: unknown } | null;
        return typeof o?.plan_id === 'string' && o.status !== 'pending_approval' && o.status !== 'rejected'
          ? [o.plan_id]
          : [];
      })
    : [];
  for (const id of ids.slice(0, MAX_SCHEDULES)) {
    await read(
      probes.schedule,
      '/instalments/plans/{id}/schedule',
      `/instalments/plans/${encodeURIComponent(id)}/schedule`,
    );
  }
  if (ids.length === 0) probes.schedule.skip('no plan with a schedule');
  await read(probes.history, '/history', '/history', { page: '1', per_page: '50' });
  return driftReport(
    'alif-shop',
    startedAt,
    cfg.now(),
    (Object.keys(SHOP_SCHEMAS) as ShopResource[]).map((r) => probes[r].check()),
  );
}
