/**
 * Mappers from the sandbox's books to OBP JSON shapes (research notes §1.4; OBP JSONFactory
 * 1.2.1 / 1.3.0 / 3.0.0 / 4.0.0 / 5.0.0). Key order is fixed, so equal data gives equal bytes.
 * Fields a view (here: the granted scopes) hides are JSON null, as OBP's moderation does.
 */
import type { AccountDef, CardDef, CounterpartyDef, UserDef } from '../seed/catalog.js';
import {
  FLAG_AMOUNT_STRIPPED,
  FLAG_BALANCE_STRIPPED,
  FLAG_HIDE_BALANCE,
  KIND,
  KIND_INFO,
  type Posting,
  type TransferRequest,
} from '../seed/ledger.js';
import { formatFixed, formatObp, formatRate, type AmountStyle } from '../seed/money.js';
import { hash32, hashString, uuidFrom } from '../seed/prng.js';
import type { SandboxBank } from '../seed/sandbox-bank.js';
import { amountJson, formatObpDate, formatObpDay } from './obp-encodings.js';

export interface BankInfo {
  id: string;
  shortName: string;
  fullName: string;
  bankCode: string;
  bic: string;
  logo: string;
  website: string;
}

export function bankInfo(bankId: string): BankInfo {
  return {
    id: bankId,
    shortName: 'Alif Bank',
    fullName: 'Open Joint Stock Company Alif Bank',
    bankCode: 'ALIF',
    // BIC from the Open Banking Tracker record (research notes §3).
    bic: 'ALIFTJ22',
    logo: 'https://alif.tj/images/logo.svg',
    website: 'https://alif.tj',
  };
}

export const OWNER_VIEW_BASIC = {
  id: 'owner',
  short_name: 'Owner',
  description: 'The owner of the account',
  is_public: false,
};

/** OBP's system views; any of them other than `owner` is a view the user has no access to (OBP-20017). */
export const SYSTEM_VIEWS = new Set([
  'owner',
  'auditor',
  'accountant',
  'firehose',
  'standard',
  'stage-one',
  'manage-custom-views',
  'ReadAccountsBasic',
  'ReadAccountsDetail',
  'ReadBalances',
  'ReadTransactionsBasic',
  'ReadTransactionsDebits',
  'ReadTransactionsDetail',
  'ReadAccountsBerlinGroup',
  'ReadBalancesBerlinGroup',
  'ReadTransactionsBerlinGroup',
  'InitiatePaymentsBerlinGroup',
]);

const VIEW_PERMISSIONS = [
  'can_add_comment',
  'can_add_corporate_location',
  'can_add_image',
  'can_add_image_url',
  'can_add_more_info',
  'can_add_open_corporates_url',
  'can_add_physical_location',
  'can_add_private_alias',
  'can_add_public_alias',
  'can_add_tag',
  'can_add_url',
  'can_add_where_tag',
  'can_delete_comment',
  'can_delete_corporate_location',
  'can_delete_image',
  'can_delete_physical_location',
  'can_delete_tag',
  'can_delete_where_tag',
  'can_edit_owner_comment',
  'can_see_bank_account_balance',
  'can_see_bank_account_bank_name',
  'can_see_bank_account_currency',
  'can_see_bank_account_iban',
  'can_see_bank_account_label',
  'can_see_bank_account_national_identifier',
  'can_see_bank_account_number',
  'can_see_bank_account_owners',
  'can_see_bank_account_swift_bic',
  'can_see_bank_account_type',
  'can_see_comments',
  'can_see_corporate_location',
  'can_see_image_url',
  'can_see_images',
  'can_see_more_info',
  'can_see_open_corporates_url',
  'can_see_other_account_bank_name',
  'can_see_other_account_iban',
  'can_see_other_account_kind',
  'can_see_other_account_metadata',
  'can_see_other_account_national_identifier',
  'can_see_other_account_number',
  'can_see_other_account_swift_bic',
  'can_see_owner_comment',
  'can_see_physical_location',
  'can_see_private_alias',
  'can_see_public_alias',
  'can_see_tags',
  'can_see_transaction_amount',
  'can_see_transaction_balance',
  'can_see_transaction_currency',
  'can_see_transaction_description',
  'can_see_transaction_finish_date',
  'can_see_transaction_metadata',
  'can_see_transaction_other_bank_account',
  'can_see_transaction_start_date',
  'can_see_transaction_this_bank_account',
  'can_see_transaction_type',
  'can_see_url',
  'can_see_where_tag',
];

/** ViewJSONV121 of the owner view. */
export const OWNER_VIEW_FULL: Record<string, unknown> = {
  id: 'owner',
  short_name: 'Owner',
  description: 'The owner of the account',
  is_public: false,
  alias: 'private',
  hide_metadata_if_alias_used: false,
  ...Object.fromEntries(VIEW_PERMISSIONS.map((p) => [p, true])),
};

/** What the granted scopes (and the view) let the caller see. */
export interface Visibility {
  balances: boolean;
  /** Moderated by the restricted view (profile `restricted-view`) instead of `owner`. */
  restricted?: boolean;
}

/**
 * The view of profile `restricted-view`. OBP's `auditor` and `accountant` system views hold every
 * `can_see_*` permission plus `can_get_counterparty` (OBP-API source, views/MapperViews.scala:
 * 817-900), so they would not produce OBP-30022 and OBP-30065. `ReadTransactionsBerlinGroup` is
 * the system view whose code-defined permissions (MapperViews.scala:955-969) are exactly the
 * transaction fields: this and the other account, amount, currency, balance, start and finish
 * date, description. Everything else (account balance, counterparties, transaction requests,
 * transaction type, metadata, routings) is refused or moderated to null.
 */
export const RESTRICTED_VIEW_ID = 'ReadTransactionsBerlinGroup';
const RESTRICTED_PERMISSIONS = new Set([
  'can_see_transaction_this_bank_account',
  'can_see_transaction_other_bank_account',
  'can_see_transaction_amount',
  'can_see_transaction_currency',
  'can_see_transaction_balance',
  'can_see_transaction_start_date',
  'can_see_transaction_finish_date',
  'can_see_transaction_description',
]);
/** ViewBasicV300: OBP names a system view `capify(view_id)` and describes it by its id (MapperViews.scala:817-825). */
const RESTRICTED_VIEW_BASIC = {
  id: RESTRICTED_VIEW_ID,
  short_name: 'Readtransactionsberlingroup',
  description: RESTRICTED_VIEW_ID,
  is_public: false,
};
const RESTRICTED_VIEW_FULL: Record<string, unknown> = {
  ...RESTRICTED_VIEW_BASIC,
  alias: '',
  hide_metadata_if_alias_used: false,
  ...Object.fromEntries(VIEW_PERMISSIONS.map((p) => [p, RESTRICTED_PERMISSIONS.has(p)])),
};
const HIDDEN_ROUTING = Object.freeze({ scheme: null, address: null });

/** Another bank's card the user holds (profile `real-shapes`: `/cards` lists cards of every bank). */
export const FOREIGN_CARD_BANK = { id: 'eskhata.tj', bin: '427921', label: 'Eskhata Visa card account' };

export interface ObpJsonOptions {
  /** Profile `real-shapes`: OBP's exact shapes, without the sandbox's conveniences. */
  realShapes?: boolean;
  /** The view the user holds the accounts through (`owner` unless `restricted-view`). */
  heldView?: string;
}

/** A counterparty's metadata as a bank user sees it without having set any. */
const OTHER_ACCOUNT_METADATA = Object.freeze({
  public_alias: null,
  private_alias: null,
  more_info: null,
  URL: null,
  image_URL: null,
  open_corporates_URL: null,
  corporate_location: null,
  physical_location: null,
});
/** A transaction's metadata when no one has commented, tagged or placed it. */
const TRANSACTION_METADATA = Object.freeze({
  narrative: null,
  comments: [],
  tags: [],
  images: [],
  where: null,
});
const TRANSACTION_METADATA_TEXT = JSON.stringify(TRANSACTION_METADATA);

export class ObpJson {
  readonly bank: BankInfo;
  private readonly thisAccountCache = new Map<number, unknown>();
  /** JSON texts of the parts of a transaction that repeat: this account's, a counterparty's. */
  private readonly thisAccountText = new Map<number, string>();
  private readonly otherAccountText = new Map<string, string>();

  private readonly realShapes: boolean;
  private readonly restrictedView: boolean;

  constructor(
    private readonly sandbox: SandboxBank,
    bankId: string,
    opts: ObpJsonOptions = {},
  ) {
    this.bank = bankInfo(bankId);
    this.realShapes = opts.realShapes ?? false;
    this.restrictedView = (opts.heldView ?? 'owner') !== 'owner';
  }

  // ----- views -------------------------------------------------------------------------------------

  /** ViewBasicV300 of the view the user holds the accounts through. */
  heldViewBasic(): Record<string, unknown> {
    return this.restrictedView ? RESTRICTED_VIEW_BASIC : OWNER_VIEW_BASIC;
  }

  /** ViewJSONV121 of the view the user holds the accounts through. */
  heldViewFull(): Record<string, unknown> {
    return this.restrictedView ? RESTRICTED_VIEW_FULL : OWNER_VIEW_FULL;
  }

  /** An element of BasicAccountJSON's `views_available`. */
  heldViewAvailable(): Record<string, unknown> {
    const v = this.heldViewBasic();
    return { id: v.id, short_name: v.short_name, is_public: false };
  }

  // ----- banks -----------------------------------------------------------------------------------

  /** BankJson400 (GET /banks, v4.0.0). */
  bankV400(): Record<string, unknown> {
    const b = this.bank;
    return {
      id: b.id,
      short_name: b.shortName,
      full_name: b.fullName,
      logo: b.logo,
      website: b.website,
      bank_routings: [{ scheme: 'BIC', address: b.bic }],
    };
  }

  /** BankJson500 (GET /banks/BANK_ID, v5.0.0). */
  bankV500(): Record<string, unknown> {
    const b = this.bank;
    return {
      id: b.id,
      bank_code: b.bankCode,
      full_name: b.fullName,
      logo: b.logo,
      website: b.website,
      bank_routings: [{ scheme: 'BIC', address: b.bic }],
      attributes: [{ name: 'COUNTRY', value: 'TJ' }],
    };
  }

  // ----- accounts --------------------------------------------------------------------------------

  private routings(a: AccountDef): Array<{ scheme: string; address: string }> {
    return [{ scheme: 'AccountNumber', address: a.number }];
  }

  private owner(a: AccountDef): { id: string; provider: string; display_name: string } {
    const u = this.sandbox.catalog.users[a.userIndex]!;
    return { id: u.id, provider: this.bank.website, display_name: u.displayName };
  }

  private balanceStyle(a: AccountDef): AmountStyle {
    return hash32(this.sandbox.seed, 0xba1, a.index) & 1 ? 'stripped' : 'fixed';
  }

  private balance(a: AccountDef, vis: Visibility): { currency: string; amount: string | null } {
    if (!vis.balances) return { currency: a.currency, amount: null };
    return amountJson(a.currency, this.sandbox.ledger.books[a.index]!.balance, this.balanceStyle(a));
  }

  /** Element of CoreAccountsJsonV300 (GET /my/accounts). */
  coreAccount(a: AccountDef): Record<string, unknown> {
    return {
      id: a.id,
      label: a.label,
      bank_id: this.bank.id,
      account_type: a.type,
      account_routings: this.routings(a),
      // The views the user holds on the account (OBP-API source, api/v3_0_0/JSONFactory3.0.0.scala:849-865).
      views: [this.heldViewBasic()],
    };
  }

  /** NewModeratedCoreAccountJsonV300 (GET /my/banks/BANK_ID/accounts/ACCOUNT_ID/account). */
  myAccount(a: AccountDef, vis: Visibility): Record<string, unknown> {
    return {
      id: a.id,
      bank_id: this.bank.id,
      label: a.label,
      number: a.number,
      owners: [this.owner(a)],
      type: a.type,
      balance: this.balance(a, vis),
      account_routings: this.routings(a),
      views_basic: [OWNER_VIEW_BASIC],
    };
  }

  /** ModeratedAccountJSON400 (GET /banks/BANK_ID/accounts/ACCOUNT_ID/VIEW_ID/account). */
  viewAccount(a: AccountDef, vis: Visibility): Record<string, unknown> {
    if (vis.restricted) {
      // model/View.scala:314-335: only the account id survives this view's moderation.
      return {
        id: a.id,
        label: null,
        number: null,
        owners: [],
        product_code: a.productCode,
        balance: { currency: null, amount: null },
        views_available: [RESTRICTED_VIEW_FULL],
        bank_id: this.bank.id,
        account_routings: [],
        account_attributes: [],
        tags: [],
      };
    }
    return {
      id: a.id,
      label: a.label,
      number: a.number,
      owners: [this.owner(a)],
      product_code: a.productCode,
      balance: this.balance(a, vis),
      views_available: [OWNER_VIEW_FULL],
      bank_id: this.bank.id,
      account_routings: this.routings(a),
      account_attributes: [
        this.accountAttribute(a, 0, 'CURRENCY', 'STRING', a.currency),
        this.accountAttribute(a, 1, 'OPENING_DATE', 'DATE_WITH_DAY', formatObpDay(a.openedDay).slice(0, 10)),
        this.accountAttribute(a, 2, 'STATUS', 'STRING', 'ACTIVE'),
      ],
      tags: [],
    };
  }

  private accountAttribute(
    a: AccountDef,
    n: number,
    name: string,
    type: string,
    value: string,
  ): Record<string, unknown> {
    return {
      product_code: a.productCode,
      account_attribute_id: uuidFrom(this.sandbox.seed, 0xa77, a.index, n),
      name,
      type,
      value,
    };
  }

  /**
   * AccountBalanceJsonV400 (GET /banks/BANK_ID/accounts/ACCOUNT_ID/balances). With `openingBooked`
   * (profile `opening-booked`) OBP's mapped connector: ONE entry typed "OpeningBooked" holding the
   * CURRENT balance (OBP-API source, bankconnectors/LocalMappedConnector.scala:964).
   */
  accountBalances(a: AccountDef, openingBooked = false): Record<string, unknown> {
    const book = this.sandbox.ledger.books[a.index]!;
    if (openingBooked) {
      return {
        account_id: a.id,
        bank_id: this.bank.id,
        account_routings: this.routings(a),
        label: a.label,
        balances: [{ type: 'OpeningBooked', ...amountJson(a.currency, book.balance, this.balanceStyle(a)) }],
      };
    }
    // Outgoing entries generated but not settled (card holds, transfers in flight) reduce the available balance.
    let held = 0;
    for (const p of this.sandbox.pendingFor(a.index)) if (p.amount < 0) held += p.amount;
    const style = this.balanceStyle(a);
    return {
      account_id: a.id,
      bank_id: this.bank.id,
      account_routings: this.routings(a),
      label: a.label,
      balances: [
        { type: 'interimBooked', ...amountJson(a.currency, book.balance, style) },
        { type: 'interimAvailable', ...amountJson(a.currency, book.balance + held, style) },
      ],
    };
  }

  /** Element of AccountsBalancesJsonV400 (GET /banks/BANK_ID/balances): OBP labels the single balance "OpeningBooked". */
  bankBalanceEntry(a: AccountDef): Record<string, unknown> {
    const book = this.sandbox.ledger.books[a.index]!;
    return {
      bank_id: this.bank.id,
      account_id: a.id,
      account_routings: this.routings(a),
      label: a.label,
      balances: [{ type: 'OpeningBooked', ...amountJson(a.currency, book.balance, this.balanceStyle(a)) }],
    };
  }

  // ----- transactions ----------------------------------------------------------------------------

  private thisAccount(a: AccountDef): unknown {
    let cached = this.thisAccountCache.get(a.index);
    if (!cached) {
      const u = this.sandbox.catalog.users[a.userIndex]!;
      cached = {
        id: a.id,
        bank_routing: { scheme: 'OBP', address: this.bank.id },
        account_routings: this.routings(a),
        holders: [{ name: u.displayName, is_alias: false }],
      };
      this.thisAccountCache.set(a.index, cached);
    }
    return cached;
  }

  private otherAccountCore(p: Posting): Record<string, unknown> | null {
    if (p.cp === -1) return null;
    if (p.cp === -2) {
      const peer = this.sandbox.catalog.accounts[p.peer]!;
      const u = this.sandbox.catalog.users[peer.userIndex]!;
      return {
        id: this.sandbox.peerIds[peer.index],
        holder: { name: u.displayName, is_alias: false },
        bank_routing: { scheme: 'OBP', address: this.bank.id },
        account_routings: [{ scheme: 'AccountNumber', address: peer.number }],
      };
    }
    const cp: CounterpartyDef = this.sandbox.catalog.counterparties[p.cp]!;
    return {
      id: cp.id,
      holder: { name: cp.name, is_alias: false },
      bank_routing: { scheme: cp.bankScheme, address: cp.bankAddress },
      account_routings: [{ scheme: cp.accountScheme, address: cp.accountAddress }],
    };
  }

  private details(p: Posting, a: AccountDef, vis: Visibility): Record<string, unknown> {
    const amountStyle: AmountStyle = p.flags & FLAG_AMOUNT_STRIPPED ? 'stripped' : 'fixed';
    const balanceStyle: AmountStyle = p.flags & FLAG_BALANCE_STRIPPED ? 'stripped' : 'fixed';
    let newBalance: { currency: string; amount: string | null } | null;
    if (p.flags & FLAG_HIDE_BALANCE)
      newBalance = null; // the core system sent no running balance
    else if (!vis.balances)
      newBalance = { currency: a.currency, amount: null }; // hidden by the view
    else newBalance = amountJson(a.currency, p.balance, balanceStyle);
    return {
      type: vis.restricted ? null : KIND_INFO[p.kind]!.code,
      description: p.description,
      posted: formatObpDate(p.posted),
      completed: formatObpDate(p.completed),
      new_balance: newBalance,
      value: amountJson(a.currency, p.amount, amountStyle),
    };
  }

  private attributes(p: Posting): Array<Record<string, string>> {
    const seed = this.sandbox.seed;
    const attrs: Array<[string, string, string]> = [['category', 'STRING', p.category]];
    if (p.card >= 0) {
      const card: CardDef = this.sandbox.catalog.cards[p.card]!;
      attrs.push(['card_id', 'STRING', card.id], ['card_number', 'STRING', card.maskedNumber]);
      if (p.cp >= 0) {
        const mcc = this.sandbox.catalog.counterparties[p.cp]!.mcc;
        if (mcc) attrs.push(['mcc', 'STRING', mcc]);
      }
    }
    if (p.tr >= 0) {
      const tr = this.sandbox.ledger.transfers[p.tr]!;
      attrs.push(['transaction_request_id', 'STRING', tr.id]);
      if (p.kind === KIND.INTERNATIONAL_TRANSFER) {
        attrs.push(
          ['destination_country', 'STRING', tr.country],
          ['destination_amount', 'DOUBLE', formatFixed(tr.fx.dstAmount)],
          ['destination_currency', 'STRING', tr.fx.dstCurrency],
          ['fx_rate', 'DOUBLE', formatRate(tr.fx.rate4)],
          ['rail', 'STRING', tr.rail],
        );
      }
    } else if (p.fx) {
      attrs.push(
        ['counter_amount', 'DOUBLE', formatFixed(p.fx.dstAmount)],
        ['counter_currency', 'STRING', p.fx.dstCurrency],
        ['fx_rate', 'DOUBLE', formatRate(p.fx.rate4)],
      );
    }
    return attrs.map(([name, type, value], i) => ({
      transaction_attribute_id: uuidFrom(seed, 0x7a, p.seq, i),
      name,
      type,
      value,
    }));
  }

  /** TransactionJsonV300 (full, via a view). */
  transaction(p: Posting, vis: Visibility): Record<string, unknown> {
    const a = this.sandbox.catalog.accounts[p.acc]!;
    const other = this.otherAccountCore(p);
    if (vis.restricted) {
      // model/View.scala:51-200, 314-335, 445-513: ids, holder names, amounts, dates, balance and
      // description stay; routings, holders of this account, type and metadata do not.
      return {
        id: this.sandbox.transactionId(p),
        this_account: { id: a.id, bank_routing: HIDDEN_ROUTING, account_routings: [], holders: [] },
        other_account: other && {
          id: other.id,
          holder: other.holder,
          bank_routing: HIDDEN_ROUTING,
          account_routings: [],
          metadata: null,
        },
        details: this.details(p, a, vis),
        metadata: null,
        transaction_attributes: this.attributes(p),
      };
    }
    return {
      id: this.sandbox.transactionId(p),
      this_account: this.thisAccount(a),
      other_account: other && { ...other, metadata: OTHER_ACCOUNT_METADATA },
      details: this.details(p, a, vis),
      metadata: TRANSACTION_METADATA,
      transaction_attributes: this.attributes(p),
    };
  }

  /**
   * `JSON.stringify(this.transaction(p, vis))`, byte for byte (a test holds it to that), built from
   * cached texts of the parts that repeat on every row of a page (this account, the counterparty,
   * the empty metadata): a history page of 1,000 of them was the bank's largest CPU cost.
   */
  transactionText(p: Posting, vis: Visibility): string {
    if (vis.restricted) return JSON.stringify(this.transaction(p, vis));
    const a = this.sandbox.catalog.accounts[p.acc]!;
    let self = this.thisAccountText.get(a.index);
    if (self === undefined) {
      self = JSON.stringify(this.thisAccount(a));
      this.thisAccountText.set(a.index, self);
    }
    const otherKey = p.cp === -2 ? `p${p.peer}` : `c${p.cp}`;
    let other = this.otherAccountText.get(otherKey);
    if (other === undefined) {
      const core = this.otherAccountCore(p);
      other = JSON.stringify(core && { ...core, metadata: OTHER_ACCOUNT_METADATA });
      this.otherAccountText.set(otherKey, other);
    }
    return (
      `{"id":${JSON.stringify(this.sandbox.transactionId(p))},"this_account":${self},` +
      `"other_account":${other},"details":${JSON.stringify(this.details(p, a, vis))},` +
      `"metadata":${TRANSACTION_METADATA_TEXT},"transaction_attributes":${JSON.stringify(this.attributes(p))}}`
    );
  }

  /** CoreTransactionJsonV300 (core, /my/...). */
  coreTransaction(p: Posting, vis: Visibility): Record<string, unknown> {
    const a = this.sandbox.catalog.accounts[p.acc]!;
    return {
      id: this.sandbox.transactionId(p),
      this_account: this.thisAccount(a),
      other_account: this.otherAccountCore(p),
      details: this.details(p, a, vis),
      transaction_attributes: this.attributes(p),
    };
  }

  // ----- cards -------------------------------------------------------------------------------------

  /**
   * PhysicalCardJSON (GET /cards, v1.3.0). By default `card_id` (the v3.1.0+ field) is added so
   * that card purchases (attribute `card_id`) can be joined to their card, and `bank_card_number`
   * is masked. Profile `real-shapes`: OBP's exact v1.3.0 shape, no `card_id` and the full PAN
   * (OBP-API source, api/v1_3_0/JSONFactory1_3_0.scala:12-30).
   */
  card(c: CardDef): Record<string, unknown> {
    const a = this.sandbox.catalog.accounts[c.accountIndex]!;
    const expired = c.expiresDay < this.sandbox.todayDay;
    return {
      ...(this.realShapes ? {} : { card_id: c.id }),
      bank_id: this.bank.id,
      bank_card_number: this.realShapes
        ? fullPan(c.maskedNumber, this.sandbox.seed, c.index)
        : c.maskedNumber,
      name_on_card: c.nameOnCard,
      issue_number: c.issueNumber,
      serial_number: c.serialNumber,
      valid_from_date: formatObpDay(c.validFromDay),
      expires_date: formatObpDay(c.expiresDay),
      enabled: !expired,
      cancelled: false,
      on_hot_list: false,
      technology: c.technology,
      networks: [c.scheme],
      allows: c.allows,
      account: { id: a.id, label: a.label, views_available: [this.heldViewFull()], bank_id: this.bank.id },
      replacement: null,
      pin_reset: [],
      collected: formatObpDay(c.validFromDay + 3),
      posted: formatObpDay(c.validFromDay),
    };
  }

  /**
   * The user's cards. Profile `real-shapes` adds the card another bank issued them: OBP's `/cards`
   * lists the user's cards at every bank (OBP-API source, api/v1_3_0/APIMethods130.scala:76-84).
   */
  cardsOf(user: UserDef): Array<Record<string, unknown>> {
    const own = this.sandbox.catalog.cards.filter((c) => c.userIndex === user.index).map((c) => this.card(c));
    if (!this.realShapes) return own;
    const seed = this.sandbox.seed;
    const last4 = String(1000 + (hash32(seed, 0xf0c, user.index) % 9000));
    const validFromDay = this.sandbox.todayDay - 400 - (hash32(seed, 0xf0d, user.index) % 300);
    const foreign = {
      bank_id: FOREIGN_CARD_BANK.id,
      bank_card_number: fullPan(`${FOREIGN_CARD_BANK.bin}******${last4}`, seed, 0x10000 + user.index),
      name_on_card: user.displayName.toUpperCase(),
      issue_number: '1',
      serial_number: String(hash32(seed, 0xf0e, user.index)).padStart(10, '0'),
      valid_from_date: formatObpDay(validFromDay),
      expires_date: formatObpDay(validFromDay + 4 * 365 + 1),
      enabled: true,
      cancelled: false,
      on_hot_list: false,
      technology: 'CHIP_CONTACTLESS',
      networks: ['VISA'],
      allows: ['debit', 'cash_withdrawal'],
      account: {
        id: uuidFrom(seed, hashString('foreign-card-account'), user.index),
        label: FOREIGN_CARD_BANK.label,
        views_available: [OWNER_VIEW_FULL],
        bank_id: FOREIGN_CARD_BANK.id,
      },
      replacement: null,
      pin_reset: [],
      collected: formatObpDay(validFromDay + 3),
      posted: formatObpDay(validFromDay),
    };
    return [...own, foreign];
  }

  // ----- transaction requests, counterparties ------------------------------------------------------

  /** TransactionRequestWithChargeJSON400. */
  transactionRequest(t: TransferRequest): Record<string, unknown> {
    const a = this.sandbox.catalog.accounts[t.acc]!;
    const cp = this.sandbox.catalog.counterparties[t.cp]!;
    const status = this.sandbox.transferStatus(t);
    const settled = t.settleAt <= this.sandbox.nowSec;
    const style: AmountStyle = hash32(this.sandbox.seed, 0x7e, t.index) & 1 ? 'stripped' : 'fixed';
    const posting = t.postingSeq >= 0 ? this.sandbox.ledger.bySeq[t.postingSeq] : undefined;
    return {
      id: t.id,
      type: 'COUNTERPARTY',
      from: { bank_id: this.bank.id, account_id: a.id },
      details: {
        to_counterparty: { counterparty_id: cp.id },
        value: { currency: t.currency, amount: formatObp(t.amount, style) },
        description: t.description,
      },
      transaction_ids: posting?.booked ? [this.sandbox.transactionId(posting)] : [],
      status,
      start_date: formatObpDate(t.start),
      end_date: settled ? formatObpDate(t.settleAt) : null,
      challenges: [],
      charge: {
        summary: `Transfer fee 1%, min ${formatFixed(t.currency === 'TJS' ? 3_00 : 1_00)} ${t.currency}`,
        value: { currency: t.currency, amount: formatObp(t.fee, style) },
      },
    };
  }

  /** CounterpartyWithMetadataJson400 for a transfer recipient. */
  counterparty(cp: CounterpartyDef, a: AccountDef, viewId: string, user: UserDef): Record<string, unknown> {
    return {
      name: cp.name,
      description: `Beneficiary in ${cp.country}`,
      currency: '',
      created_by_user_id: user.id,
      this_bank_id: this.bank.id,
      this_account_id: a.id,
      this_view_id: viewId,
      counterparty_id: cp.id,
      other_bank_routing_scheme: cp.bankScheme,
      other_bank_routing_address: cp.bankAddress,
      other_branch_routing_scheme: '',
      other_branch_routing_address: '',
      other_account_routing_scheme: cp.accountScheme,
      other_account_routing_address: cp.accountAddress,
      other_account_secondary_routing_scheme: '',
      other_account_secondary_routing_address: '',
      is_beneficiary: true,
      // Profile `real-shapes`: nothing beyond CounterpartyJson400's routings (OBP-API source,
      // api/v4_0_0/JSONFactory4.0.0.scala:732-751); BIC and IBAN are in other_*_routing_*.
      bespoke: this.realShapes
        ? []
        : [
            { key: 'country', value: cp.country ?? '' },
            { key: 'rail', value: cp.rail ?? '' },
          ],
    };
  }
}

/**
 * The full card number behind a masked one (`BIN******1234`): the hidden six digits are drawn
 * from the seed, the last of them chosen so that the number passes the Luhn check.
 */
export function fullPan(masked: string, seed: number, salt: number): string {
  const digits = masked.split('');
  const hidden: number[] = [];
  for (let i = 0; i < digits.length; i++) if (digits[i] === '*') hidden.push(i);
  hidden.forEach((pos, n) => {
    digits[pos] = String(hash32(seed, 0xca4d, salt, n) % 10);
  });
  const last = hidden[hidden.length - 1];
  if (last === undefined) return masked;
  for (let d = 0; d <= 9; d++) {
    digits[last] = String(d);
    if (luhnValid(digits.join(''))) break;
  }
  return digits.join('');
}

function luhnValid(pan: string): boolean {
  let sum = 0;
  for (let i = 0; i < pan.length; i++) {
    let d = Number(pan[pan.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
