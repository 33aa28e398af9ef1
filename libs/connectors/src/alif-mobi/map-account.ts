import type { Account, AccountStatus, AccountType } from '#domain/account.js';
import { isCurrencyCode } from '#domain/currency.js';
import { WireShapeError } from '../wire.js';
import { codeOf, maskTail, required, routing } from './obp-values.js';
import type { ObpAccount, ObpAttribute, ObpCoreAccount } from './obp.wire.js';

/**
 * OBP `product_code` / `account_type` are free text set by the bank (§1.4), the product code the
 * more specific (a `CURRENT` account whose product is `WALLET_TJS`). The patterns cover the
 * usual spellings; a code matching none falls back to `current`, the plain account every bank has.
 */
const ACCOUNT_TYPES: ReadonlyArray<readonly [RegExp, AccountType]> = [
  [/WALLET|E_?MONEY/, 'wallet'],
  [/SAVING|DEPOSIT/, 'savings'],
  [/LOAN|MORTGAGE|NASIYA/, 'loan'],
  [/CREDIT/, 'credit'],
  [/CARD|DEBIT/, 'card'],
  [/CURRENT|CHECKING|DEMAND|SETTLEMENT/, 'current'],
];

function accountType(...codes: Array<string | null>): AccountType {
  for (const raw of codes) {
    const code = codeOf(raw);
    if (code === '') continue;
    for (const [pattern, type] of ACCOUNT_TYPES) if (pattern.test(code)) return type;
  }
  return 'current';
}

function attribute(attributes: readonly ObpAttribute[], ...names: string[]): string | null {
  const wanted = new Set(names);
  return attributes.find((a) => wanted.has(codeOf(a.name)) && a.value)?.value ?? null;
}

function accountStatus(value: string | null): AccountStatus {
  const code = codeOf(value);
  if (/CLOSED|DELETED|TERMINATED/.test(code)) return 'closed';
  if (/BLOCKED|FROZEN|SUSPENDED|ARRESTED/.test(code)) return 'blocked';
  return 'active';
}

/**
 * One account from the list item of `GET /my/accounts` and its detail
 * (`GET /banks/B/accounts/A/VIEW/account`). The list has no currency; the detail's balance does,
 * unless the view hides it, when the currency of the account's entries stands in.
 */
export function mapAccount(
  core: ObpCoreAccount,
  detail: ObpAccount,
  currencyFromHistory: string | null = null,
): Account {
  const id = required(core.id ?? detail.id, '$.id', 'an account id');
  const currency = required(
    detail.balance?.currency ?? currencyFromHistory,
    '$.balance.currency',
    'the account currency',
  );
  if (!isCurrencyCode(currency))
    throw new WireShapeError('$.balance.currency', 'a known ISO 4217 code', currency);
  const routings = [...detail.account_routings, ...core.account_routings];
  const number = detail.number ?? routing(routings, 'AccountNumber') ?? routing(routings, 'AccountNo');
  const attributes = detail.account_attributes;
  return {
    providerAccountId: id,
    type: accountType(attribute(attributes, 'ACCOUNT_TYPE', 'TYPE'), detail.product_code, core.account_type),
    name: detail.label ?? core.label ?? detail.product_code ?? (number ? maskTail(number) : id),
    currency,
    iban: routing(routings, 'IBAN'),
    numberMasked: number ? maskTail(number) : null,
    status: accountStatus(attribute(attributes, 'STATUS', 'ACCOUNT_STATUS')),
  };
}
