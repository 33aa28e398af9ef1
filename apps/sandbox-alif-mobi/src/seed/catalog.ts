/**
 * Static shape of the sandbox bank: demo users, their accounts and cards, and the counterparties
 * (merchants, utilities, telecoms, foreign recipients) that postings refer to. Identifiers are
 * derived from the seed, names and amounts ranges are fixed.
 */
import { hash32, hashString, uuidFrom } from './prng.js';

export type Currency = 'TJS' | 'USD' | 'EUR' | 'RUB';
export type AccountRole = 'wallet' | 'card' | 'fx';
export type CardScheme = 'VISA' | 'MASTERCARD' | 'KORTI_MILLI';

export interface UserDef {
  index: number;
  id: string;
  username: string;
  password: string;
  displayName: string;
  phone: string;
  /** Share of the generated volume (integer weight). */
  weight: number;
  employer: number;
  salaryMinor: number;
  salaryDay: number;
}

export interface AccountDef {
  index: number;
  id: string;
  userIndex: number;
  label: string;
  currency: Currency;
  /** OBP `account_type` / `type`. */
  type: string;
  productCode: string;
  number: string;
  role: AccountRole;
  /** Balance before the first generated posting, in minor units. */
  openingMinor: number;
  /** Epoch day the account was opened; it has no postings before it. */
  openedDay: number;
  /** When false the account never receives generated postings (an empty account). */
  active: boolean;
}

export interface CardDef {
  index: number;
  id: string;
  userIndex: number;
  accountIndex: number;
  scheme: CardScheme;
  maskedNumber: string;
  nameOnCard: string;
  product: string;
  issueNumber: string;
  serialNumber: string;
  validFromDay: number;
  expiresDay: number;
  technology: string;
  allows: string[];
}

export type CounterpartyKind =
  | 'mobile'
  | 'internet'
  | 'electricity'
  | 'tv'
  | 'fines'
  | 'merchant'
  | 'atm'
  | 'topup'
  | 'sender'
  | 'recipient'
  | 'employer'
  | 'bank';

export interface CounterpartyDef {
  index: number;
  id: string;
  kind: CounterpartyKind;
  /** Holder name; null where the core system has none (e.g. cash-in terminals). */
  name: string | null;
  bankScheme: string;
  bankAddress: string;
  accountScheme: string;
  accountAddress: string;
  /** Card purchases: spending category and MCC. */
  category?: string;
  mcc?: string;
  currency?: Currency;
  /** International recipients and senders: ISO country and rail. */
  country?: string;
  rail?: string;
}

export interface Catalog {
  users: UserDef[];
  accounts: AccountDef[];
  cards: CardDef[];
  counterparties: CounterpartyDef[];
  byKind: Map<CounterpartyKind, CounterpartyDef[]>;
}

export const CURRENCY_NUMERIC: Record<Currency, string> = { TJS: '972', USD: '840', EUR: '978', RUB: '643' };

interface AccountSpec {
  label: string;
  currency: Currency;
  type: string;
  productCode: string;
  role: AccountRole;
  opening: [number, number];
  /** Days before the anchor the account was opened (default: before the whole history). */
  openedDaysAgo?: number;
  active?: boolean;
  card?: { scheme: CardScheme; product: string };
}

interface UserSpec {
  username: string;
  password: string;
  displayName: string;
  phone: string;
  weight: number;
  employer: string;
  salary: number;
  salaryDay: number;
  accounts: AccountSpec[];
}

/** The demo users. Documented in the README (username, password; the OTP is global). */
const USERS: UserSpec[] = [
  {
    username: 'dilnoza',
    password: 'Dilnoza-2024',
    displayName: 'Dilnoza Rahimova',
    phone: '+992 93 555 12 34',
    weight: 45,
    employer: 'LLC Pamir Trade',
    salary: 7_800_00,
    salaryDay: 5,
    accounts: [
      {
        label: 'Alif Mobi wallet',
        currency: 'TJS',
        type: 'WALLET',
        productCode: 'ALIF_MOBI_WALLET',
        role: 'wallet',
        opening: [500_00, 3_000_00],
      },
      {
        label: 'Korti Milli card account',
        currency: 'TJS',
        type: 'CURRENT',
        productCode: 'KORTI_MILLI_DEBIT',
        role: 'card',
        opening: [1_000_00, 5_000_00],
        card: { scheme: 'KORTI_MILLI', product: 'Korti Milli Classic' },
      },
      {
        label: 'USD current account',
        currency: 'USD',
        type: 'CURRENT',
        productCode: 'CURRENT_USD',
        role: 'fx',
        opening: [200_00, 1_500_00],
        card: { scheme: 'VISA', product: 'Visa Classic' },
      },
      {
        label: 'EUR savings account',
        currency: 'EUR',
        type: 'SAVINGS',
        productCode: 'SAVINGS_EUR',
        role: 'fx',
        opening: [100_00, 900_00],
      },
    ],
  },
  {
    username: 'farrukh',
    password: 'Farrukh-2024',
    displayName: 'Farrukh Nazarov',
    phone: '+992 92 777 45 67',
    weight: 40,
    employer: 'LLC Sarob Logistics',
    salary: 9_500_00,
    salaryDay: 10,
    accounts: [
      {
        label: 'Alif Mobi wallet',
        currency: 'TJS',
        type: 'WALLET',
        productCode: 'ALIF_MOBI_WALLET',
        role: 'wallet',
        opening: [300_00, 2_000_00],
      },
      {
        label: 'Salary card account',
        currency: 'TJS',
        type: 'CURRENT',
        productCode: 'MASTERCARD_DEBIT_TJS',
        role: 'card',
        opening: [2_000_00, 8_000_00],
        card: { scheme: 'MASTERCARD', product: 'Mastercard Standard' },
      },
      {
        label: 'USD current account',
        currency: 'USD',
        type: 'CURRENT',
        productCode: 'CURRENT_USD',
        role: 'fx',
        opening: [300_00, 2_500_00],
        card: { scheme: 'VISA', product: 'Visa Gold' },
      },
      {
        label: 'RUB current account',
        currency: 'RUB',
        type: 'CURRENT',
        productCode: 'CURRENT_RUB',
        role: 'fx',
        opening: [5_000_00, 40_000_00],
        card: { scheme: 'MASTERCARD', product: 'Mastercard World' },
      },
    ],
  },
  {
    username: 'rustam',
    password: 'Rustam-2024',
    displayName: 'Rustam Karimov',
    phone: '+992 90 123 98 76',
    weight: 15,
    employer: 'Dushanbe City Hospital No. 3',
    salary: 4_200_00,
    salaryDay: 1,
    accounts: [
      {
        label: 'Alif Mobi wallet',
        currency: 'TJS',
        type: 'WALLET',
        productCode: 'ALIF_MOBI_WALLET',
        role: 'wallet',
        opening: [200_00, 1_500_00],
        card: { scheme: 'KORTI_MILLI', product: 'Korti Milli Classic' },
      },
      {
        label: 'USD current account',
        currency: 'USD',
        type: 'CURRENT',
        productCode: 'CURRENT_USD',
        role: 'fx',
        opening: [50_00, 600_00],
        card: { scheme: 'VISA', product: 'Visa Virtual' },
      },
      {
        label: 'EUR savings account',
        currency: 'EUR',
        type: 'SAVINGS',
        productCode: 'SAVINGS_EUR',
        role: 'fx',
        opening: [0, 0],
        openedDaysAgo: 3,
        active: false,
      },
    ],
  },
];

interface MerchantSpec {
  name: string;
  category: string;
  mcc: string;
  currency: Currency;
}

const MERCHANTS: MerchantSpec[] = [
  { name: 'PAYKAR SUPERMARKET DUSHANBE', category: 'groceries', mcc: '5411', currency: 'TJS' },
  { name: 'KORVON BAZAAR', category: 'groceries', mcc: '5411', currency: 'TJS' },
  { name: 'ANVAR MARKET KHUJAND', category: 'groceries', mcc: '5411', currency: 'TJS' },
  { name: 'DUSHANBE MALL', category: 'shopping', mcc: '5311', currency: 'TJS' },
  { name: 'CHAIKHONA ROHAT', category: 'restaurants', mcc: '5812', currency: 'TJS' },
  { name: 'CAFE SIYOMA', category: 'restaurants', mcc: '5814', currency: 'TJS' },
  { name: 'SOMON OIL FUEL STATION', category: 'fuel', mcc: '5541', currency: 'TJS' },
  { name: 'APTEKA NUR', category: 'pharmacy', mcc: '5912', currency: 'TJS' },
  { name: 'YANDEX GO DUSHANBE', category: 'transport', mcc: '4121', currency: 'TJS' },
  { name: 'ALIEXPRESS.COM', category: 'online', mcc: '5999', currency: 'USD' },
  { name: 'AMAZON.COM', category: 'online', mcc: '5942', currency: 'USD' },
  { name: 'NETFLIX.COM', category: 'subscriptions', mcc: '4899', currency: 'USD' },
  { name: 'APPLE.COM/BILL', category: 'subscriptions', mcc: '5818', currency: 'USD' },
  { name: 'BOOKING.COM', category: 'travel', mcc: '4722', currency: 'EUR' },
  { name: 'IKEA ONLINE', category: 'shopping', mcc: '5712', currency: 'EUR' },
  { name: 'WILDBERRIES', category: 'online', mcc: '5999', currency: 'RUB' },
  { name: 'OZON.RU', category: 'online', mcc: '5999', currency: 'RUB' },
  { name: 'MAGNIT MOSCOW', category: 'groceries', mcc: '5411', currency: 'RUB' },
];

const SERVICES: Array<{ kind: CounterpartyKind; name: string; account: string }> = [
  { kind: 'mobile', name: 'Tcell', account: '992930000001' },
  { kind: 'mobile', name: 'MegaFon Tajikistan', account: '992900000002' },
  { kind: 'mobile', name: 'Babilon-Mobile', account: '992980000003' },
  { kind: 'mobile', name: 'ZET-Mobile', account: '992910000004' },
  { kind: 'internet', name: 'Babilon-T', account: '20202972100000000101' },
  { kind: 'internet', name: 'Telecom Technology', account: '20202972100000000102' },
  { kind: 'internet', name: 'IPLUS', account: '20202972100000000103' },
  { kind: 'electricity', name: 'OJSC Barqi Tojik', account: '20202972100000000201' },
  { kind: 'electricity', name: 'Pamir Energy', account: '20202972100000000202' },
  { kind: 'tv', name: 'Somon TV', account: '20202972100000000301' },
  { kind: 'tv', name: 'TVCOM', account: '20202972100000000302' },
  { kind: 'fines', name: 'Traffic police (GAI) fines', account: '20202972100000000401' },
  { kind: 'fines', name: 'Dushanbe parking fines', account: '20202972100000000402' },
];

const RECIPIENTS: Array<{ country: string; rail: string; bic: string; scheme: string; names: string[] }> = [
  {
    country: 'US',
    rail: 'VISA_DIRECT',
    bic: 'CHASUS33',
    scheme: 'CARD',
    names: ['John Miller', 'Emily Davis', 'Michael Brown', 'Sarah Wilson'],
  },
  {
    country: 'RU',
    rail: 'CARD_TRANSFER',
    bic: 'SABRRUMM',
    scheme: 'CARD',
    names: ['Ivan Petrov', 'Anna Smirnova', 'Sherzod Nazarov', 'Olga Ivanova'],
  },
  {
    country: 'CN',
    rail: 'UNIONPAY',
    bic: 'BKCHCNBJ',
    scheme: 'CARD',
    names: ['Li Wei', 'Wang Fang', 'Zhang Min'],
  },
  {
    country: 'KZ',
    rail: 'CARD_TRANSFER',
    bic: 'CASPKZKA',
    scheme: 'CARD',
    names: ['Aigerim Nurlanovna', 'Daniyar Sadykov'],
  },
  { country: 'TR', rail: 'SWIFT', bic: 'TGBATRIS', scheme: 'IBAN', names: ['Mehmet Yilmaz', 'Ayse Demir'] },
  {
    country: 'UZ',
    rail: 'CARD_TRANSFER',
    bic: 'NBFAUZ2X',
    scheme: 'CARD',
    names: ['Dilshod Karimov', 'Malika Yusupova'],
  },
];

const SENDERS: Array<{ name: string; bic: string; country: string }> = [
  { name: 'Sherzod Rahimov', bic: 'SABRRUMM', country: 'RU' },
  { name: 'Bakhtiyor Nazarov', bic: 'TICSRUMM', country: 'RU' },
  { name: 'Zarina Karimova', bic: 'ALFARUMM', country: 'RU' },
  { name: 'Umed Saidov', bic: 'SABRRUMM', country: 'RU' },
  { name: 'Nodira Aliyeva', bic: 'CASPKZKA', country: 'KZ' },
];

export const EMPLOYERS = USERS.map((u) => u.employer);

/** Epoch day (days since 1970-01-01) of a YYYY-MM-DD date. */
export function epochDay(isoDate: string): number {
  return Math.floor(Date.parse(`${isoDate}T00:00:00Z`) / 86_400_000);
}

export function dayToIso(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

export function buildCatalog(seed: number, anchorDay: number, historyDays: number): Catalog {
  const users: UserDef[] = [];
  const accounts: AccountDef[] = [];
  const cards: CardDef[] = [];
  const counterparties: CounterpartyDef[] = [];
  const byKind = new Map<CounterpartyKind, CounterpartyDef[]>();

  const addCp = (cp: Omit<CounterpartyDef, 'index' | 'id'>): CounterpartyDef => {
    const index = counterparties.length;
    const full: CounterpartyDef = { index, id: uuidFrom(seed, hashString('counterparty'), index), ...cp };
    counterparties.push(full);
    const list = byKind.get(cp.kind) ?? [];
    list.push(full);
    byKind.set(cp.kind, list);
    return full;
  };

  // Employers come first so that a user's `employer` is the counterparty index.
  USERS.forEach((u, i) => {
    addCp({
      kind: 'employer',
      name: u.employer,
      bankScheme: 'BIC',
      bankAddress: 'ALIFTJ22',
      accountScheme: 'AccountNumber',
      accountAddress: `2020497200000${String(100 + i).padStart(7, '0')}`,
    });
  });
  addCp({
    kind: 'bank',
    name: 'Alif Bank',
    bankScheme: 'BIC',
    bankAddress: 'ALIFTJ22',
    accountScheme: 'AccountNumber',
    accountAddress: '70601972000000000001',
  });
  for (const s of SERVICES) {
    addCp({
      kind: s.kind,
      name: s.name,
      bankScheme: 'BIC',
      bankAddress: 'ALIFTJ22',
      accountScheme: s.kind === 'mobile' ? 'MSISDN' : 'AccountNumber',
      accountAddress: s.account,
    });
  }
  MERCHANTS.forEach((m, i) => {
    addCp({
      kind: 'merchant',
      name: m.name,
      bankScheme: 'BIC',
      bankAddress: m.currency === 'TJS' ? 'ALIFTJ22' : 'VISAUS6S',
      accountScheme: 'MERCHANT_ID',
      accountAddress: `MID${String(hash32(seed, 77, i) % 100_000_000).padStart(8, '0')}`,
      category: m.category,
      mcc: m.mcc,
      currency: m.currency,
    });
  });
  ['ATM ALIF BANK RUDAKI 86', 'ATM ALIF BANK SOMONI 32', 'ATM KHUJAND LENIN 55'].forEach((name) => {
    addCp({
      kind: 'atm',
      name,
      bankScheme: 'BIC',
      bankAddress: 'ALIFTJ22',
      accountScheme: 'ATM_ID',
      accountAddress: `ATM${String(hash32(seed, 78, counterparties.length) % 100_000).padStart(5, '0')}`,
    });
  });
  // A cash-in terminal has no holder name in the core system: `other_account.holder.name` is null.
  addCp({
    kind: 'topup',
    name: null,
    bankScheme: 'BIC',
    bankAddress: 'ALIFTJ22',
    accountScheme: 'TERMINAL_ID',
    accountAddress: 'TRM000417',
  });
  addCp({
    kind: 'topup',
    name: 'Card top-up (Eskhata Bank)',
    bankScheme: 'BIC',
    bankAddress: 'ESKHTJ22',
    accountScheme: 'CARD',
    accountAddress: '9762 00** **** 4821',
  });
  addCp({
    kind: 'topup',
    name: 'Card top-up (Amonatbonk)',
    bankScheme: 'BIC',
    bankAddress: 'AMNTTJ22',
    accountScheme: 'CARD',
    accountAddress: '9762 11** **** 0937',
  });
  SENDERS.forEach((s, i) => {
    addCp({
      kind: 'sender',
      name: s.name,
      bankScheme: 'BIC',
      bankAddress: s.bic,
      accountScheme: 'CARD',
      accountAddress: `2202 20** **** ${String(1000 + (hash32(seed, 79, i) % 9000))}`,
      country: s.country,
    });
  });
  RECIPIENTS.forEach((r, ri) => {
    r.names.forEach((name, ni) => {
      const tail = String(1000 + (hash32(seed, 80, ri, ni) % 9000));
      const address =
        r.scheme === 'IBAN'
          ? `TR${String(hash32(seed, 81, ri, ni)).padStart(10, '0')}00006200${tail}000`
          : `${r.country === 'US' ? '4' : '5'}${String(hash32(seed, 82, ri, ni) % 100_000).padStart(5, '0')}******${tail}`;
      addCp({
        kind: 'recipient',
        name,
        bankScheme: 'BIC',
        bankAddress: r.bic,
        accountScheme: r.scheme,
        accountAddress: address,
        country: r.country,
        rail: r.rail,
      });
    });
  });

  USERS.forEach((u, ui) => {
    users.push({
      index: ui,
      id: uuidFrom(seed, hashString('user'), ui),
      username: u.username,
      password: u.password,
      displayName: u.displayName,
      phone: u.phone,
      weight: u.weight,
      employer: ui,
      salaryMinor: u.salary,
      salaryDay: u.salaryDay,
    });
    u.accounts.forEach((a, ai) => {
      const index = accounts.length;
      const h = hash32(seed, 90, index);
      const [lo, hi] = a.opening;
      const opening = hi > lo ? lo + (h % (hi - lo + 1)) : lo;
      const prefix = a.role === 'wallet' ? '20206' : a.type === 'SAVINGS' ? '20306' : '20202';
      const number = `${prefix}${CURRENCY_NUMERIC[a.currency]}${h % 10}${String(1000 + ui * 10 + ai).padStart(4, '0')}${String(hash32(seed, 91, index) % 10_000_000).padStart(7, '0')}`;
      accounts.push({
        index,
        id: uuidFrom(seed, hashString('account'), index),
        userIndex: ui,
        label: a.label,
        currency: a.currency,
        type: a.type,
        productCode: a.productCode,
        number,
        role: a.role,
        openingMinor: opening,
        openedDay: anchorDay - (a.openedDaysAgo ?? historyDays + 30 + (h % 400)),
        active: a.active ?? true,
      });
      if (a.card) {
        const ci = cards.length;
        const bin =
          a.card.scheme === 'VISA' ? '476173' : a.card.scheme === 'MASTERCARD' ? '539923' : '976200';
        const last4 = String(1000 + (hash32(seed, 92, ci) % 9000));
        const validFromDay = anchorDay - historyDays - 60 - (hash32(seed, 93, ci) % 300);
        cards.push({
          index: ci,
          id: uuidFrom(seed, hashString('card'), ci),
          userIndex: ui,
          accountIndex: index,
          scheme: a.card.scheme,
          maskedNumber: `${bin}******${last4}`,
          nameOnCard: u.displayName.toUpperCase(),
          product: a.card.product,
          issueNumber: String(1 + (hash32(seed, 94, ci) % 3)),
          serialNumber: String(hash32(seed, 95, ci)).padStart(10, '0'),
          validFromDay,
          expiresDay: validFromDay + 5 * 365 + 1,
          technology: a.card.product === 'Visa Virtual' ? 'VIRTUAL' : 'CHIP_CONTACTLESS',
          allows: a.card.product === 'Visa Virtual' ? ['debit'] : ['debit', 'cash_withdrawal'],
        });
      }
    });
  });

  return { users, accounts, cards, counterparties, byKind };
}
