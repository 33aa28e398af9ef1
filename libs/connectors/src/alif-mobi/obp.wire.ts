import {
  array,
  lenientArray,
  type Lenient,
  object,
  optArray,
  optBoolean,
  optObject,
  optString,
  string,
  type WireObject,
} from '../wire.js';

/**
 * OBP v5.1.0 wire types as Alif Mobi sends them, with their guards. Shapes follow OBP's JSON
 * factories (research/obp-berlin-facts.md §1.4). View moderation serialises anything the view
 * may not show as JSON null ("Every field may be null"), so every field is nullable here; the
 * mappers decide what is required. Amounts must be JSON strings (OBP renders BigDecimal with
 * toString, §1.5): a number is a shape violation, never coerced. These types do not leave
 * the alif-mobi folder.
 */

/** `AmountOfMoney`: `{ "currency": "TJS", "amount": "-12.50" }`. */
export interface ObpAmount {
  readonly currency: string | null;
  readonly amount: string | null;
}

/** `AccountRouting` / `BankRouting`. */
export interface ObpRouting {
  readonly scheme: string | null;
  readonly address: string | null;
}

/** `{ name, value }` attributes of accounts, and `{ name, type, value }` of transactions. */
export interface ObpAttribute {
  readonly name: string | null;
  readonly type: string | null;
  readonly value: string | null;
}

/** An item of `GET /my/accounts` (CoreAccountsJsonV300). */
export interface ObpCoreAccount {
  readonly id: string | null;
  readonly label: string | null;
  readonly bank_id: string | null;
  readonly account_type: string | null;
  readonly account_routings: readonly ObpRouting[];
  /** The views the user holds on the account (`ViewBasic.id`); `owner` is not guaranteed. */
  readonly views: readonly string[];
}

/** `GET /my/accounts`. */
export interface ObpCoreAccounts {
  readonly accounts: readonly ObpCoreAccount[];
}

/** `GET /banks/B/accounts/A/VIEW/account` (ModeratedAccountJSON400). */
export interface ObpAccount {
  readonly id: string | null;
  readonly bank_id: string | null;
  readonly label: string | null;
  readonly number: string | null;
  readonly product_code: string | null;
  readonly balance: ObpAmount | null;
  readonly account_routings: readonly ObpRouting[];
  readonly account_attributes: readonly ObpAttribute[];
}

/** An item of `balances` (AccountBalanceJsonV400). `type` is free text, often `""`. */
export interface ObpBalance {
  readonly type: string | null;
  readonly currency: string | null;
  readonly amount: string | null;
}

/** `GET /banks/B/accounts/A/balances`. */
export interface ObpAccountBalances {
  readonly account_id: string | null;
  readonly balances: readonly ObpBalance[];
}

/** `other_account` of a transaction. */
export interface ObpOtherAccount {
  readonly id: string | null;
  readonly holder: { readonly name: string | null; readonly is_alias: boolean | null } | null;
  readonly account_routings: readonly ObpRouting[];
}

/** `details` of a transaction: dates `yyyy-MM-dd'T'HH:mm:ss'Z'`, `completed` drives ordering. */
export interface ObpTransactionDetails {
  readonly type: string | null;
  readonly description: string | null;
  readonly posted: string | null;
  readonly completed: string | null;
  readonly new_balance: ObpAmount | null;
  readonly value: ObpAmount | null;
}

/** A TransactionJsonV300 item. */
export interface ObpTransaction {
  readonly id: string | null;
  readonly other_account: ObpOtherAccount | null;
  readonly details: ObpTransactionDetails | null;
  readonly metadata: { readonly narrative: string | null } | null;
  readonly transaction_attributes: readonly ObpAttribute[];
}

/** `GET /banks/B/accounts/A/VIEW/transactions`: the `transactions` array is required. */
export interface ObpTransactions {
  readonly transactions: readonly ObpTransaction[];
}

/** A card of `GET /cards`: v1.3.0 `bank_card_number` or v3.1.0 `card_id` + `card_number`. */
export interface ObpCard {
  /** v1.3.0 serves cards of every bank the user has: only this bank's are the consent's. */
  readonly bank_id: string | null;
  readonly card_id: string | null;
  readonly card_number: string | null;
  readonly bank_card_number: string | null;
  readonly card_type: string | null;
  readonly name_on_card: string | null;
  readonly expires_date: string | null;
  readonly enabled: boolean | null;
  readonly cancelled: boolean | null;
  readonly on_hot_list: boolean | null;
  readonly technology: string | null;
  readonly networks: readonly string[];
  readonly allows: readonly string[];
  readonly account_id: string | null;
}

/** `GET /cards`. */
export interface ObpCards {
  readonly cards: readonly Lenient<ObpCard>[];
}

/**
 * `details` of a transaction request: OBP echoes the request body (`to`, `value`,
 * `description`, `charge_policy`). Alif's international transfers add optional fields
 * (`destination_value`, `destination_country`, `fx_rate`, `rail`, `to.name`); all tolerated as
 * absent.
 */
export interface ObpTransactionRequestDetails {
  readonly value: ObpAmount | null;
  readonly description: string | null;
  /** `to.counterparty_id` (COUNTERPARTY body) or `to_counterparty.counterparty_id` (v4 JSON). */
  readonly to_counterparty_id: string | null;
  readonly to_name: string | null;
  readonly destination_value: ObpAmount | null;
  readonly destination_country: string | null;
  readonly fx_rate: string | null;
  readonly rail: string | null;
}

/** A TransactionRequestWithChargeJSON item. */
export interface ObpTransactionRequest {
  readonly id: string | null;
  readonly type: string | null;
  readonly from_account_id: string | null;
  readonly status: string | null;
  readonly start_date: string | null;
  readonly end_date: string | null;
  readonly details: ObpTransactionRequestDetails | null;
  readonly charge_value: ObpAmount | null;
}

/** `GET /banks/B/accounts/A/VIEW/transaction-requests`. */
export interface ObpTransactionRequests {
  readonly transaction_requests: readonly Lenient<ObpTransactionRequest>[];
}

/**
 * A counterparty (CounterpartyWithMetadataJson400): a transfer beneficiary. OBP keeps free-form
 * extras in `bespoke` key/value pairs; Alif puts the beneficiary's `country` and `rail` there.
 */
export interface ObpCounterparty {
  readonly counterparty_id: string | null;
  readonly name: string | null;
  readonly bespoke: ReadonlyArray<{ readonly key: string | null; readonly value: string | null }>;
}

/** `GET /banks/B/accounts/A/VIEW/counterparties`. */
export interface ObpCounterparties {
  readonly counterparties: readonly ObpCounterparty[];
}

/** OBP error body: `{ "code": 401, "message": "OBP-20001: …" }` (§1.7). */
export interface ObpErrorBody {
  readonly code: number | null;
  readonly message: string | null;
}

// ---------------------------------------------------------------------------------------------
// Guards

export function parseAmount(value: unknown, path: string): ObpAmount | null {
  const o = optObject(value, path);
  if (o === null) return null;
  return {
    currency: optString(o.currency, `${path}.currency`),
    amount: optString(o.amount, `${path}.amount`),
  };
}

function parseRouting(value: unknown, path: string): ObpRouting {
  const o = object(value, path);
  return { scheme: optString(o.scheme, `${path}.scheme`), address: optString(o.address, `${path}.address`) };
}

function parseAttribute(value: unknown, path: string): ObpAttribute {
  const o = object(value, path);
  // Attribute values are typed strings in OBP ("STRING", "INTEGER", "DOUBLE", "DATE_WITH_DAY").
  return {
    name: optString(o.name, `${path}.name`),
    type: optString(o.type, `${path}.type`),
    value: optString(o.value, `${path}.value`),
  };
}

export function parseCoreAccounts(value: unknown): ObpCoreAccounts {
  const o = object(value, '$');
  return {
    accounts: array(o.accounts, '$.accounts', (v, p) => {
      const a = object(v, p);
      return {
        id: optString(a.id, `${p}.id`),
        label: optString(a.label, `${p}.label`),
        bank_id: optString(a.bank_id, `${p}.bank_id`),
        account_type: optString(a.account_type, `${p}.account_type`),
        account_routings: optArray(a.account_routings, `${p}.account_routings`, parseRouting),
        views: optArray(a.views, `${p}.views`, (w, wp) => optString(object(w, wp).id, `${wp}.id`)).filter(
          (id): id is string => id !== null,
        ),
      };
    }),
  };
}

export function parseAccount(value: unknown): ObpAccount {
  const a = object(value, '$');
  return {
    id: optString(a.id, '$.id'),
    bank_id: optString(a.bank_id, '$.bank_id'),
    label: optString(a.label, '$.label'),
    number: optString(a.number, '$.number'),
    product_code: optString(a.product_code, '$.product_code'),
    balance: parseAmount(a.balance, '$.balance'),
    account_routings: optArray(a.account_routings, '$.account_routings', parseRouting),
    account_attributes: optArray(a.account_attributes, '$.account_attributes', parseAttribute),
  };
}

export function parseAccountBalances(value: unknown): ObpAccountBalances {
  const o = object(value, '$');
  return {
    account_id: optString(o.account_id, '$.account_id'),
    balances: array(o.balances, '$.balances', (v, p) => {
      const b = object(v, p);
      return {
        type: optString(b.type, `${p}.type`),
        currency: optString(b.currency, `${p}.currency`),
        amount: optString(b.amount, `${p}.amount`),
      };
    }),
  };
}

function parseOtherAccount(value: unknown, path: string): ObpOtherAccount | null {
  const o = optObject(value, path);
  if (o === null) return null;
  const holder = optObject(o.holder, `${path}.holder`);
  return {
    id: optString(o.id, `${path}.id`),
    holder:
      holder === null
        ? null
        : {
            name: optString(holder.name, `${path}.holder.name`),
            is_alias: optBoolean(holder.is_alias, `${path}.holder.is_alias`),
          },
    account_routings: optArray(o.account_routings, `${path}.account_routings`, parseRouting),
  };
}

function parseDetails(value: unknown, path: string): ObpTransactionDetails | null {
  const d = optObject(value, path);
  if (d === null) return null;
  return {
    type: optString(d.type, `${path}.type`),
    description: optString(d.description, `${path}.description`),
    posted: optString(d.posted, `${path}.posted`),
    completed: optString(d.completed, `${path}.completed`),
    new_balance: parseAmount(d.new_balance, `${path}.new_balance`),
    value: parseAmount(d.value, `${path}.value`),
  };
}

export function parseTransaction(value: unknown, path: string): ObpTransaction {
  const t = object(value, path);
  const metadata = optObject(t.metadata, `${path}.metadata`);
  return {
    id: optString(t.id, `${path}.id`),
    other_account: parseOtherAccount(t.other_account, `${path}.other_account`),
    details: parseDetails(t.details, `${path}.details`),
    metadata:
      metadata === null ? null : { narrative: optString(metadata.narrative, `${path}.metadata.narrative`) },
    transaction_attributes: optArray(
      t.transaction_attributes,
      `${path}.transaction_attributes`,
      parseAttribute,
    ),
  };
}

export function parseTransactions(value: unknown): ObpTransactions {
  const o = object(value, '$');
  return { transactions: array(o.transactions, '$.transactions', parseTransaction) };
}

function parseStrings(value: unknown, path: string): string[] {
  return optArray(value, path, (v, p) => string(v, p));
}

export function parseCards(value: unknown): ObpCards {
  const o = object(value, '$');
  return {
    cards: lenientArray(o.cards, '$.cards', (v, p) => {
      const c = object(v, p);
      const account = optObject(c.account, `${p}.account`);
      return {
        bank_id: optString(c.bank_id, `${p}.bank_id`),
        card_id: optString(c.card_id, `${p}.card_id`),
        card_number: optString(c.card_number, `${p}.card_number`),
        bank_card_number: optString(c.bank_card_number, `${p}.bank_card_number`),
        card_type: optString(c.card_type, `${p}.card_type`),
        name_on_card: optString(c.name_on_card, `${p}.name_on_card`),
        expires_date: optString(c.expires_date, `${p}.expires_date`),
        enabled: optBoolean(c.enabled, `${p}.enabled`),
        cancelled: optBoolean(c.cancelled, `${p}.cancelled`),
        on_hot_list: optBoolean(c.on_hot_list, `${p}.on_hot_list`),
        technology: optString(c.technology, `${p}.technology`),
        networks: parseStrings(c.networks, `${p}.networks`),
        allows: parseStrings(c.allows, `${p}.allows`),
        account_id: account === null ? null : optString(account.id, `${p}.account.id`),
      };
    }),
  };
}

function parseRequestDetails(value: unknown, path: string): ObpTransactionRequestDetails | null {
  const d = optObject(value, path);
  if (d === null) return null;
  const to = optObject(d.to, `${path}.to`);
  const toCounterparty = optObject(d.to_counterparty, `${path}.to_counterparty`);
  return {
    value: parseAmount(d.value, `${path}.value`),
    description: optString(d.description, `${path}.description`),
    to_counterparty_id:
      optString(to?.counterparty_id, `${path}.to.counterparty_id`) ??
      optString(toCounterparty?.counterparty_id, `${path}.to_counterparty.counterparty_id`),
    to_name: to === null ? null : optString(to.name ?? to.counterparty_name, `${path}.to.name`),
    destination_value: parseAmount(d.destination_value, `${path}.destination_value`),
    destination_country: optString(d.destination_country, `${path}.destination_country`),
    fx_rate: optString(d.fx_rate, `${path}.fx_rate`),
    rail: optString(d.rail, `${path}.rail`),
  };
}

export function parseTransactionRequests(value: unknown): ObpTransactionRequests {
  const o = object(value, '$');
  // v2.1.0+ names the list `transaction_requests_with_charges`; accept the short name too.
  const key =
    'transaction_requests_with_charges' in o ? 'transaction_requests_with_charges' : 'transaction_requests';
  return {
    transaction_requests: lenientArray(o[key], `$.${key}`, (v, p) => {
      const r = object(v, p);
      const from = optObject(r.from, `${p}.from`);
      const charge = optObject(r.charge, `${p}.charge`);
      return {
        id: optString(r.id, `${p}.id`),
        type: optString(r.type, `${p}.type`),
        from_account_id: from === null ? null : optString(from.account_id, `${p}.from.account_id`),
        status: optString(r.status, `${p}.status`),
        start_date: optString(r.start_date, `${p}.start_date`),
        end_date: optString(r.end_date, `${p}.end_date`),
        details: parseRequestDetails(r.details, `${p}.details`),
        charge_value: charge === null ? null : parseAmount(charge.value, `${p}.charge.value`),
      };
    }),
  };
}

export function parseCounterparties(value: unknown): ObpCounterparties {
  const o = object(value, '$');
  return {
    counterparties: array(o.counterparties, '$.counterparties', (v, p) => {
      const c = object(v, p);
      return {
        counterparty_id: optString(c.counterparty_id, `${p}.counterparty_id`),
        name: optString(c.name, `${p}.name`),
        bespoke: optArray(c.bespoke, `${p}.bespoke`, (b, bp) => {
          const kv = object(b, bp);
          return { key: optString(kv.key, `${bp}.key`), value: optString(kv.value, `${bp}.value`) };
        }),
      };
    }),
  };
}

/** Lenient on purpose: an error body that is not OBP-shaped still maps by HTTP status. */
export function parseErrorBody(value: unknown): ObpErrorBody | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const o = value as WireObject;
  return {
    code: typeof o.code === 'number' ? o.code : null,
    message: typeof o.message === 'string' ? o.message : null,
  };
}
