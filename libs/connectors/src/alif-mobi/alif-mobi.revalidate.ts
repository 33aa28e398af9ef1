import type { Capability } from '#domain/permissions.js';
import { ProtocolViolation, ReauthRequired, TokenExpired } from '../connector-errors.js';
import type { BankSession } from '../connector.js';
import type { HttpClient } from '../http.js';
import {
  ResourceProbe,
  driftReport,
  maskId,
  resourceError,
  s,
  type DriftReport,
  type EnumCheckers,
  type RevalidateOptions,
  type WireSchema,
} from '../revalidation.js';
import { WireShapeError, parseJson } from '../wire.js';
import { mapBalances } from './map-balance.js';
import { mapCard } from './map-card.js';
import { classify } from './map-transaction.js';
import { mapTransfer } from './map-transfer.js';
import { mapObpError } from './obp-errors.js';
import { codeOf, obpRequestDate } from './obp-values.js';
import type { ObpCard, ObpTransactionRequest } from './obp.wire.js';

/**
 * Re-validation of Alif Mobi (OBP v5.1.0): the expected wire of every resource the connector
 * reads, declared once (`OBP_SCHEMAS`), and the pass that reads each resource once and diffs it.
 *
 * The schemas say what `obp.wire.ts`'s guards read (`read`), what OBP sends besides that the
 * connector ignores (`s.ignored()`: known, so not an unknown field), and which absences are
 * normal (`optional`: v3.1.0 card fields, Alif's transfer extensions). A unit test holds them to
 * the guards: every field a guard reads is declared, every declared field is read, and a body the
 * guard refuses is a type change or a missing field here (alif-mobi.revalidate.spec.ts).
 */

/** `AmountOfMoney`. */
const amount = (o: { presence?: 'optional' } = {}) =>
  s.object({ currency: s.string(), amount: s.string() }, o);

/** `AccountRouting` / `BankRouting`. */
const routing = () => s.object({ scheme: s.string(), address: s.string() });

/** Account and transaction attributes. */
const attribute = (idField: string) =>
  s.object({
    name: s.string(),
    type: s.string(),
    value: s.string(),
    [idField]: s.ignored(),
    product_code: s.ignored(),
  });

/** ViewBasicV300 (as `/my/accounts` lists views). */
const viewBasic = s.object({
  id: s.string(),
  short_name: s.ignored(),
  description: s.ignored(),
  is_public: s.ignored(),
});

/** TransactionJsonV300 (`metadata` is the view's; the core endpoint has none). */
function transactions(core: boolean): WireSchema {
  return s.object({
    transactions: s.required(
      s.array(
        s.object({
          id: s.string(),
          this_account: s.ignored(),
          other_account: s.object({
            id: s.string(),
            holder: s.object({ name: s.string(), is_alias: s.boolean() }),
            bank_routing: s.ignored(),
            account_routings: s.array(routing()),
            metadata: s.ignored(),
            kind: s.ignored(),
          }),
          details: s.object({
            type: s.string({ enum: 'transaction type' }),
            description: s.string(),
            posted: s.string(),
            completed: s.string(),
            new_balance: amount(),
            value: amount(),
          }),
          metadata: (core ? s.quiet : (n: WireSchema) => n)(
            s.object({
              narrative: s.string(),
              comments: s.ignored(),
              tags: s.ignored(),
              images: s.ignored(),
              where: s.ignored(),
            }),
          ),
          transaction_attributes: s.array(attribute('transaction_attribute_id')),
        }),
      ),
    ),
  });
}

/** The expected wire of each resource, by the resource names of the report. */
export const OBP_SCHEMAS = {
  /** `GET /my/accounts` (CoreAccountsJsonV300). */
  accounts: s.object({
    accounts: s.required(
      s.array(
        s.object({
          id: s.string(),
          label: s.string(),
          bank_id: s.string(),
          account_type: s.string(),
          account_routings: s.array(routing()),
          views: s.array(viewBasic),
        }),
      ),
    ),
  }),
  /** `GET /banks/B/accounts/A/VIEW/account` (ModeratedAccountJSON400). */
  account: s.object({
    id: s.string(),
    bank_id: s.string(),
    label: s.string(),
    number: s.string(),
    owners: s.ignored(),
    product_code: s.string(),
    balance: amount(),
    views_available: s.ignored(),
    account_routings: s.array(routing()),
    account_attributes: s.array(attribute('account_attribute_id')),
    tags: s.ignored(),
  }),
  /** `GET /banks/B/accounts/A/balances` (AccountBalanceJsonV400). */
  balances: s.object({
    account_id: s.string(),
    bank_id: s.ignored(),
    account_routings: s.ignored(),
    label: s.ignored(),
    balances: s.required(
      s.array(
        s.object({ type: s.string({ enum: 'balance type' }), currency: s.string(), amount: s.string() }),
      ),
    ),
  }),
  /** `GET /banks/B/accounts/A/VIEW/transactions`, one page. */
  transactions: transactions(false),
  /** `GET /my/banks/B/accounts/A/transactions` (CoreTransactionsJsonV300), one page. */
  'core-transactions': transactions(true),
  /** `GET /cards`: v1.3.0 PhysicalCardJSON, with v3.1.0's `card_id`, `card_number`, `card_type`. */
  cards: s.object({
    cards: s.required(
      s.array(
        s.object(
          {
            bank_id: s.string(),
            card_id: s.string({ presence: 'optional' }),
            card_number: s.string({ presence: 'optional' }),
            bank_card_number: s.string({ presence: 'optional' }),
            card_type: s.string({ presence: 'optional' }),
            name_on_card: s.string(),
            issue_number: s.ignored(),
            serial_number: s.ignored(),
            valid_from_date: s.ignored(),
            expires_date: s.string(),
            enabled: s.boolean(),
            cancelled: s.boolean(),
            on_hot_list: s.boolean(),
            technology: s.string(),
            networks: s.array(s.string({ enum: 'card network' })),
            allows: s.array(s.string()),
            account: s.object({
              id: s.string(),
              label: s.ignored(),
              views_available: s.ignored(),
              bank_id: s.ignored(),
            }),
            replacement: s.ignored(),
            pin_reset: s.ignored(),
            collected: s.ignored(),
            posted: s.ignored(),
            customer_id: s.ignored(),
          },
          { anyOf: [['card_number', 'bank_card_number']] },
        ),
      ),
    ),
  }),
  /** `GET /banks/B/accounts/A/VIEW/transaction-requests` (TransactionRequestWithChargeJSON400). */
  'transaction-requests': (() => {
    const request = s.object({
      id: s.string(),
      type: s.string({ enum: 'transaction request type' }),
      from: s.object({ bank_id: s.ignored(), account_id: s.string() }),
      details: s.object({
        to: s.object(
          {
            counterparty_id: s.string({ presence: 'optional' }),
            name: s.string({ presence: 'optional' }),
            counterparty_name: s.string({ presence: 'optional' }),
            iban: s.ignored(),
            bank_id: s.ignored(),
            account_id: s.ignored(),
            mobile_phone_number: s.ignored(),
          },
          { presence: 'optional' },
        ),
        to_counterparty: s.object({ counterparty_id: s.string() }, { presence: 'optional' }),
        value: amount(),
        description: s.string(),
        charge_policy: s.ignored(),
        // Alif's international transfers.
        rail: s.string({ presence: 'optional', enum: 'transfer rail' }),
        destination_value: amount({ presence: 'optional' }),
        destination_country: s.string({ presence: 'optional' }),
        fx_rate: s.string({ presence: 'optional' }),
      }),
      transaction_ids: s.ignored(),
      status: s.string({ enum: 'transaction request status' }),
      start_date: s.string(),
      end_date: s.string(),
      challenges: s.ignored(),
      charge: s.object({ summary: s.ignored(), value: amount() }),
    });
    return s.object(
      {
        transaction_requests_with_charges: s.array(request, { presence: 'optional' }),
        // The list's name before v2.1.0, still accepted by the guard.
        transaction_requests: s.quiet(s.array(request)),
      },
      { anyOf: [['transaction_requests_with_charges', 'transaction_requests']] },
    );
  })(),
  /** `GET /banks/B/accounts/A/VIEW/counterparties` (CounterpartyWithMetadataJson400). */
  counterparties: s.object({
    counterparties: s.required(
      s.array(
        s.object({
          counterparty_id: s.string(),
          name: s.string(),
          bespoke: s.array(s.object({ key: s.string(), value: s.string() })),
          description: s.ignored(),
          currency: s.ignored(),
          created_by_user_id: s.ignored(),
          this_bank_id: s.ignored(),
          this_account_id: s.ignored(),
          this_view_id: s.ignored(),
          other_bank_routing_scheme: s.ignored(),
          other_bank_routing_address: s.ignored(),
          other_branch_routing_scheme: s.ignored(),
          other_branch_routing_address: s.ignored(),
          other_account_routing_scheme: s.ignored(),
          other_account_routing_address: s.ignored(),
          other_account_secondary_routing_scheme: s.ignored(),
          other_account_secondary_routing_address: s.ignored(),
          is_beneficiary: s.ignored(),
          metadata: s.ignored(),
        }),
      ),
    ),
  }),
} as const satisfies Record<string, WireSchema>;

export type ObpResource = keyof typeof OBP_SCHEMAS;

/** The capability each resource serves (a consent not granting it skips the resource). */
const CAPABILITY: Readonly<Record<ObpResource, Capability>> = {
  accounts: 'accounts',
  account: 'accounts',
  balances: 'balances',
  transactions: 'transactions',
  'core-transactions': 'transactions',
  cards: 'cards',
  'transaction-requests': 'transfers',
  counterparties: 'transfers',
};

// ---------------------------------------------------------------------------------------------
// Value sets: what the mappers know, asked of the mappers themselves (so the sets cannot drift).

const PROBE_DETAILS = {
  value: { currency: 'TJS', amount: '1' },
  description: null,
  to_counterparty_id: null,
  to_name: null,
  destination_value: null,
  destination_country: null,
  fx_rate: null,
  rail: null,
};

function probeTransfer(patch: Partial<ObpTransactionRequest>, rail: string | null = null) {
  const r: ObpTransactionRequest = {
    id: 'probe',
    type: null,
    from_account_id: null,
    status: 'COMPLETED',
    start_date: '2026-01-01T00:00:00Z',
    end_date: null,
    details: { ...PROBE_DETAILS, rail },
    charge_value: null,
    ...patch,
  };
  return mapTransfer(r, '$', 'probe');
}

const PROBE_CARD: ObpCard = {
  bank_id: null,
  card_id: 'probe',
  card_number: '0000000000',
  bank_card_number: null,
  card_type: null,
  name_on_card: null,
  expires_date: null,
  enabled: null,
  cancelled: null,
  on_hot_list: null,
  technology: null,
  networks: [],
  allows: [],
  account_id: null,
};

/** OBP codes the mappers recognise; an unknown one is mapped to `other`, dropped or skipped. */
export const OBP_ENUMS: EnumCheckers = {
  'transaction type': (v) => codeOf(v) === '' || codeOf(v) === 'OTHER' || classify(v, []).type !== 'other',
  'balance type': (v) =>
    mapBalances({ account_id: null, balances: [{ type: v, currency: 'TJS', amount: '0' }] }).length > 0,
  'card network': (v) =>
    codeOf(v) === 'OTHER' || mapCard({ ...PROBE_CARD, networks: [v] }, '$', '2026-01-01').scheme !== 'other',
  'transaction request status': (v) => {
    try {
      probeTransfer({ status: v });
      return true;
    } catch (err) {
      if (err instanceof WireShapeError) return false;
      throw err;
    }
  },
  'transaction request type': (v) => probeTransfer({ type: v }).rail !== 'other',
  'transfer rail': (v) => probeTransfer({}, v).rail !== 'other',
};

// ---------------------------------------------------------------------------------------------
// The pass

/** What the pass needs of the connector's configuration. */
export interface ObpRevalidationConfig {
  readonly http: HttpClient;
  /** Versioned OBP root. */
  readonly obpUrl: string;
  readonly bankId: string;
  /** Views by preference (the connector's `views`). */
  readonly views: readonly string[];
  readonly now: () => Date;
}

/** Transactions read per account and endpoint: one page. */
const PAGE = 50;
/** Accounts read at most (a consent has a handful; the report stays small). */
const MAX_ACCOUNTS = 20;

/**
 * Reads every resource once — `/my/accounts`; per account its detail, balances, one page of
 * transactions through the view and through the core endpoint, transaction requests and
 * counterparties; `/cards` — and reports reachability and drift per resource.
 *
 * @throws {TokenExpired | ReauthRequired} only when `/my/accounts` refuses the session (nothing
 *   can be read without it; the caller refreshes and tries again). Every other failure is data.
 */
export async function revalidateAlifMobi(
  cfg: ObpRevalidationConfig,
  session: BankSession,
  options: RevalidateOptions = {},
): Promise<DriftReport> {
  const startedAt = cfg.now();
  const base = cfg.obpUrl.replace(/\/+$/, '');
  const bank = encodeURIComponent(cfg.bankId);
  const reads = new Set<Capability>(options.reads ?? Object.values(CAPABILITY));
  const probes = Object.fromEntries(
    (Object.keys(OBP_SCHEMAS) as ObpResource[]).map((r) => [
      r,
      new ResourceProbe(r, CAPABILITY[r], OBP_SCHEMAS[r], OBP_ENUMS),
    ]),
  ) as Record<ObpResource, ResourceProbe>;
  for (const p of Object.values(probes)) {
    if (!reads.has(p.capability)) p.skip(`the consent does not grant ${p.capability}`);
  }

  /** GETs a path; the parsed body, or null with the failure recorded on the probe. */
  async function read(
    probe: ResourceProbe,
    template: string,
    path: string,
    account: string | null,
    params: Record<string, string> = {},
  ): Promise<unknown> {
    if (!reads.has(probe.capability)) return null;
    const url = new URL(base + path);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    try {
      const res = await cfg.http.request({
        url,
        headers: { ...params, authorization: `Bearer ${session.accessToken}`, accept: 'application/json' },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (res.status < 200 || res.status >= 300) throw mapObpError(res);
      const body = parseJson(res.text);
      probe.answered(body);
      return body;
    } catch (err) {
      if (probe.resource === 'accounts' && (err instanceof TokenExpired || err instanceof ReauthRequired))
        throw err;
      // A body that is not JSON at all is a failed call, not a schema finding.
      const e =
        err instanceof WireShapeError
          ? new ProtocolViolation(`GET ${template}: not JSON`, { provider: 'alif-mobi', body: '' })
          : err;
      probe.failed(resourceError(`GET ${template}`, account, e));
      return null;
    }
  }

  const list = await read(probes.accounts, '/my/accounts', '/my/accounts', null);
  const accounts = ownAccounts(list, cfg.bankId).slice(0, MAX_ACCOUNTS);
  if (list === null) {
    for (const p of Object.values(probes))
      if (p !== probes.accounts && p !== probes.cards) p.skip('no account list');
  } else if (accounts.length === 0) {
    for (const p of Object.values(probes))
      if (p !== probes.accounts && p !== probes.cards) p.skip('no account of this bank');
  }

  const cards = (await read(probes.cards, '/cards', '/cards', null)) as { cards?: unknown } | null;
  if (Array.isArray(cards?.cards)) {
    const others = cards.cards.filter((c) => {
      const bankOf = (c as { bank_id?: unknown } | null)?.bank_id;
      return typeof bankOf === 'string' && bankOf !== cfg.bankId;
    }).length;
    // OBP's v1.3.0 `/cards` lists the user's cards at every bank; the connector keeps this bank's.
    if (others > 0) probes.cards.note(`${others} card(s) of other banks, not this consent's`);
  }

  const window = {
    limit: String(PAGE),
    offset: '0',
    from_date: obpRequestDate(0),
    to_date: obpRequestDate(cfg.now().getTime() + 86_400_000),
    sort_direction: 'DESC',
  };
  for (const a of accounts) {
    const view = cfg.views.find((v) => a.views.includes(v)) ?? a.views[0] ?? cfg.views[0] ?? 'owner';
    const acc = `/banks/${bank}/accounts/${encodeURIComponent(a.id)}`;
    const inView = `${acc}/${encodeURIComponent(view)}`;
    const T = '/banks/{BANK_ID}/accounts/{ACCOUNT_ID}';
    if (!cfg.views.includes(view))
      probes.account.note(`account ${maskId(a.id)} read through view ${JSON.stringify(view)}`);
    await read(probes.account, `${T}/{VIEW_ID}/account`, `${inView}/account`, a.id);
    await read(probes.balances, `${T}/balances`, `${acc}/balances`, a.id);
    await read(probes.transactions, `${T}/{VIEW_ID}/transactions`, `${inView}/transactions`, a.id, window);
    await read(
      probes['core-transactions'],
      '/my/banks/{BANK_ID}/accounts/{ACCOUNT_ID}/transactions',
      `/my/banks/${bank}/accounts/${encodeURIComponent(a.id)}/transactions`,
      a.id,
      window,
    );
    await read(
      probes['transaction-requests'],
      `${T}/{VIEW_ID}/transaction-requests`,
      `${inView}/transaction-requests`,
      a.id,
    );
    await read(probes.counterparties, `${T}/{VIEW_ID}/counterparties`, `${inView}/counterparties`, a.id);
  }
  if (accounts.length > 0 && list !== null) {
    const all = Array.isArray((list as { accounts?: unknown }).accounts)
      ? (list as { accounts: unknown[] }).accounts.length
      : 0;
    if (all > accounts.length)
      probes.accounts.note(
        `${all - accounts.length} listed account(s) of other banks or unreadable ids not read further`,
      );
  }
  return driftReport(
    'alif-mobi',
    startedAt,
    cfg.now(),
    (Object.keys(OBP_SCHEMAS) as ObpResource[]).map((r) => probes[r].check()),
  );
}

/** This bank's accounts of a `/my/accounts` body, read leniently: an item without an id is left out. */
function ownAccounts(body: unknown, bankId: string): Array<{ id: string; views: string[] }> {
  const list = (body as { accounts?: unknown } | null)?.accounts;
  if (!Array.isArray(list)) return [];
  const out: Array<{ id: string; views: string[] }> = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue;
    const a = item as Record<string, unknown>;
    if (typeof a.id !== 'string' || a.id === '') continue;
    if (typeof a.bank_id === 'string' && a.bank_id !== bankId) continue;
    const views = Array.isArray(a.views)
      ? a.views.flatMap((v) =>
          typeof (v as { id?: unknown })?.id === 'string' ? [(v as { id: string }).id] : [],
        )
      : [];
    out.push({ id: a.id, views });
  }
  return out;
}
