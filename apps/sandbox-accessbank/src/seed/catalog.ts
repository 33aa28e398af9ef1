/**
 * The fixed cast of the sandbox: PSUs, their accounts and the counterparties that appear in
 * their statements. Names are fixed; identifiers (resource ids, account numbers) derive from the
 * seed.
 *
 * Tajikistan has no IBAN, so accounts are identified by their 20-digit national account number as
 * a BBAN (balance-sheet account 5 digits, ISO 4217 numeric currency 3, check digit 1, branch 4,
 * personal number 7).
 */
import { Prng, hashString, uuidFrom } from './prng.js';

export type Currency = 'TJS' | 'USD' | 'EUR';
/** What drives an account's statement (see bank.ts). */
export type AccountRole = 'current' | 'salary-card' | 'fx-current' | 'savings';

export interface UserDef {
  index: number;
  psuId: string;
  password: string;
  name: string;
}

export interface AccountDef {
  index: number;
  userIndex: number;
  resourceId: string;
  bban: string;
  currency: Currency;
  role: AccountRole;
  /** ISO 20022 ExternalCashAccountType1Code. */
  cashAccountType: 'CACC' | 'SVGS' | 'CARD';
  product: string;
  name: string;
  status: 'enabled' | 'blocked';
  /** Share of the generated random entries (relative weight). */
  weight: number;
  /** Opening balance at the start of the history, minor units. */
  openingMinor: number;
  /** Days before the anchor date the account was opened; undefined: before the history starts. */
  openedDaysAgo?: number;
  /** True: no random entries (a fresh account). */
  quiet?: boolean;
}

export interface Counterparty {
  name: string;
  bban?: string;
  bic?: string;
}

export const BANK_BIC = 'ACTJTJ22XXX';

const CURRENCY_NUMERIC: Record<Currency, string> = { TJS: '972', USD: '840', EUR: '978' };

interface AccountSeed {
  user: number;
  currency: Currency;
  role: AccountRole;
  cashAccountType: AccountDef['cashAccountType'];
  product: string;
  name: string;
  weight: number;
  openingMinor: number;
  status?: AccountDef['status'];
  openedDaysAgo?: number;
  quiet?: boolean;
}

const USERS: ReadonlyArray<Omit<UserDef, 'index'>> = [
  { psuId: 'zarina', password: 'Zarina-2024', name: 'Zarina Saidova' },
  { psuId: 'bakhtiyor', password: 'Bakhtiyor-2024', name: 'Bakhtiyor Rahimov' },
  { psuId: 'nigora', password: 'Nigora-2024', name: 'Nigora Usmonova' },
];

const ACCOUNTS: readonly AccountSeed[] = [
  {
    user: 0,
    currency: 'TJS',
    role: 'current',
    cashAccountType: 'CACC',
    product: 'Current account',
    name: 'Main account',
    weight: 36,
    openingMinor: 1_850_000,
  },
  {
    user: 0,
    currency: 'USD',
    role: 'fx-current',
    cashAccountType: 'CACC',
    product: 'Current account USD',
    name: 'Dollar account',
    weight: 14,
    openingMinor: 240_000,
  },
  {
    user: 0,
    currency: 'EUR',
    role: 'savings',
    cashAccountType: 'SVGS',
    product: 'Savings deposit Omad',
    name: 'Savings',
    weight: 3,
    openingMinor: 520_000,
  },
  {
    user: 1,
    currency: 'TJS',
    role: 'salary-card',
    cashAccountType: 'CACC',
    product: 'Visa Classic salary card',
    name: 'Salary card',
    weight: 26,
    openingMinor: 640_000,
  },
  {
    user: 1,
    currency: 'USD',
    role: 'fx-current',
    cashAccountType: 'CACC',
    product: 'Current account USD',
    name: 'USD account',
    weight: 9,
    openingMinor: 95_000,
  },
  {
    user: 2,
    currency: 'TJS',
    role: 'current',
    cashAccountType: 'CACC',
    product: 'Current account',
    name: 'Everyday account',
    weight: 12,
    openingMinor: 420_000,
  },
  {
    user: 2,
    currency: 'USD',
    role: 'fx-current',
    cashAccountType: 'CACC',
    product: 'Current account USD',
    name: 'Blocked USD account',
    weight: 0,
    openingMinor: 31_000,
    status: 'blocked',
    quiet: true,
  },
  {
    user: 2,
    currency: 'EUR',
    role: 'savings',
    cashAccountType: 'SVGS',
    product: 'Savings deposit Omad',
    name: 'New savings',
    weight: 0,
    openingMinor: 0,
    openedDaysAgo: 3,
    quiet: true,
  },
];

export interface Catalog {
  users: UserDef[];
  accounts: AccountDef[];
  persons: string[];
  merchants: Record<'local' | 'online', string[]>;
}

export function buildCatalog(seed: number): Catalog {
  const users = USERS.map((u, index) => ({ ...u, index }));
  const prng = new Prng(seed, hashString('catalog'));
  const accounts = ACCOUNTS.map((a, index): AccountDef => {
    const branch = String(1 + prng.below(40)).padStart(4, '0');
    const personal = String(prng.int(1_000_000, 9_999_999));
    const bban = `20206${CURRENCY_NUMERIC[a.currency]}${prng.below(10)}${branch}${personal}`;
    return {
      index,
      userIndex: a.user,
      resourceId: uuidFrom(seed, hashString('account'), index),
      bban,
      currency: a.currency,
      role: a.role,
      cashAccountType: a.cashAccountType,
      product: a.product,
      name: a.name,
      status: a.status ?? 'enabled',
      weight: a.weight,
      openingMinor: a.openingMinor,
      openedDaysAgo: a.openedDaysAgo,
      quiet: a.quiet,
    };
  });
  return {
    users,
    accounts,
    persons: PERSONS,
    merchants: { local: LOCAL_MERCHANTS, online: ONLINE_MERCHANTS },
  };
}

/** A counterparty account number at another Tajik bank (same 20-digit shape). */
export function foreignBban(prng: Prng, currency: Currency): string {
  return `20202${CURRENCY_NUMERIC[currency]}${prng.below(10)}${String(prng.int(1, 9999)).padStart(4, '0')}${prng.int(1_000_000, 9_999_999)}`;
}

const PERSONS = [
  'Farhod Nazarov',
  'Mehrona Karimova',
  'Umed Sharipov',
  'Dilshod Alimov',
  'Sitora Yusupova',
  'Rustam Qodirov',
  'Parvina Hakimova',
  'Jamshed Mirzoev',
  'Firuza Davlatova',
  'Behruz Safarov',
  'Manizha Ismoilova',
  'Shahriyor Boboev',
];

const LOCAL_MERCHANTS = [
  'Ashan Dushanbe',
  'Dushanbe Mall',
  'Sitora Supermarket',
  'Korvon Bazaar',
  'Orima Market',
  'Yovar Pharmacy',
  'Rohat Teahouse',
  'Pizza Hut Dushanbe',
  'Gazprom Neft AZS 12',
  'Somon Air',
  'Alpha Cinema',
  'Kitobkhona Bookstore',
];

const ONLINE_MERCHANTS = [
  'AMAZON MKTPLACE',
  'BOOKING.COM',
  'APPLE.COM/BILL',
  'ALIEXPRESS',
  'SPOTIFY',
  'TURKISH AIRLINES',
  'COURSERA',
];

export const UTILITIES: ReadonlyArray<{ name: string; what: string }> = [
  { name: 'Barqi Tojik', what: 'Electricity' },
  { name: 'Dushanbe Vodokanal', what: 'Water supply' },
  { name: 'Tcell', what: 'Mobile top-up' },
  { name: 'Babilon-T', what: 'Internet' },
  { name: 'MegaFon Tajikistan', what: 'Mobile top-up' },
  { name: 'Dushanbe Teplo', what: 'Heating' },
];

export const EMPLOYERS: ReadonlyArray<Counterparty> = [
  { name: 'Tajik Aluminium Company', bban: '20202972100010000451' },
  { name: 'Ministry of Education of RT', bban: '20202972100010000117' },
];

export const REMITTERS: ReadonlyArray<Counterparty & { country: string }> = [
  { name: 'Sardor Rahimov', bic: 'SABRRUMMXXX', country: 'RU' },
  { name: 'Anvar Saidov', bic: 'ALFARUMMXXX', country: 'RU' },
  { name: 'Gulnora Saidova', bic: 'CHASUS33XXX', country: 'US' },
];
