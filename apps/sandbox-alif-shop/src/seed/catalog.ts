/**
 * The fixed cast of the sandbox: its users, the fashion brands sold in the app on 0 % instalments,
 * and the partner stores that sell phones on their own instalment terms. Names are invented;
 * MSISDNs follow Pakistan's mobile numbering (+92 3XX XXXXXXX, libphonenumber's PK mobile pattern).
 */

export type ApplicationStatus = 'approved' | 'pending' | 'rejected';

export interface UserDef {
  index: number;
  msisdn: string;
  name: string;
  cnicMasked: string;
  applicationStatus: ApplicationStatus;
  /** Credit limit of the in-app line, in paisa (0 while the application is not approved). */
  creditLimit: number;
  /** Days before the sandbox's first today that the account was opened, and the local second. */
  openedDaysAgo: number;
  openedAt: number;
  /** Random fashion purchases per 1 000 days (small size) and partner-store applications. */
  purchasesPer1000Days: number;
  applicationsPer1000Days: number;
}

export const USERS: readonly UserDef[] = [
  {
    index: 0,
    msisdn: '+923001234567',
    name: 'Ayesha Khan',
    cnicMasked: '35202-*****67-4',
    applicationStatus: 'approved',
    creditLimit: 15_000_000,
    openedDaysAgo: 790,
    openedAt: 11 * 3600 + 42 * 60 + 7,
    purchasesPer1000Days: 70,
    applicationsPer1000Days: 5,
  },
  {
    index: 1,
    msisdn: '+923214567890',
    name: 'Bilal Ahmed',
    cnicMasked: '42101-*****21-9',
    applicationStatus: 'approved',
    creditLimit: 10_000_000,
    openedDaysAgo: 420,
    openedAt: 16 * 3600 + 3 * 60 + 51,
    purchasesPer1000Days: 45,
    applicationsPer1000Days: 9,
  },
  {
    index: 2,
    msisdn: '+923337654321',
    name: 'Sana Malik',
    cnicMasked: '61101-*****88-2',
    applicationStatus: 'approved',
    creditLimit: 6_000_000,
    openedDaysAgo: 300,
    openedAt: 20 * 3600 + 15 * 60 + 33,
    purchasesPer1000Days: 60,
    applicationsPer1000Days: 3,
  },
  {
    index: 3,
    msisdn: '+923451122334',
    name: 'Usman Tariq',
    cnicMasked: '37405-*****02-5',
    applicationStatus: 'pending',
    creditLimit: 0,
    openedDaysAgo: 2,
    openedAt: 9 * 3600 + 10 * 60 + 12,
    purchasesPer1000Days: 0,
    applicationsPer1000Days: 0,
  },
];

export interface FashionBrand {
  name: string;
  /** Typical basket, in whole rupees. */
  min: number;
  max: number;
}

export const FASHION_BRANDS: readonly FashionBrand[] = [
  { name: 'Khaadi', min: 2_500, max: 28_000 },
  { name: 'Sapphire', min: 1_800, max: 22_000 },
  { name: 'Gul Ahmed', min: 2_200, max: 25_000 },
  { name: 'Outfitters', min: 1_500, max: 12_000 },
  { name: 'Bonanza Satrangi', min: 2_000, max: 18_000 },
  { name: 'J.', min: 1_900, max: 16_000 },
  { name: 'Limelight', min: 1_700, max: 14_000 },
  { name: 'Alkaram Studio', min: 2_400, max: 20_000 },
  { name: 'Nishat Linen', min: 2_600, max: 24_000 },
  { name: 'Breakout', min: 1_600, max: 11_000 },
  { name: 'Ethnic', min: 2_000, max: 15_000 },
  { name: 'Bata Pakistan', min: 1_800, max: 9_000 },
];

export interface PartnerStore {
  name: string;
  /** The store's monthly markup, in basis points of the principal: its own terms. */
  monthlyMarkupBp: number;
}

export const PARTNER_STORES: readonly PartnerStore[] = [
  { name: 'Al-Fatah Electronics, Liberty Market Lahore', monthlyMarkupBp: 150 },
  { name: 'Mobile Hub, Hafeez Centre Lahore', monthlyMarkupBp: 175 },
  { name: 'Saddar Mobile Mall, Karachi', monthlyMarkupBp: 125 },
  { name: 'Jinnah Super Phones, Islamabad', monthlyMarkupBp: 200 },
  { name: 'Techno City, Faisalabad', monthlyMarkupBp: 160 },
];

export interface Device {
  model: string;
  /** Price in whole rupees. */
  price: number;
}

export const DEVICES: readonly Device[] = [
  { model: 'Samsung Galaxy A15 8/256GB', price: 52_999 },
  { model: 'Samsung Galaxy A55 5G 8/256GB', price: 129_999 },
  { model: 'Infinix Hot 40 Pro 8/256GB', price: 44_999 },
  { model: 'Infinix Note 40 Pro 8/256GB', price: 80_000 },
  { model: 'Tecno Camon 30 12/256GB', price: 62_499 },
  { model: 'Tecno Spark 20 Pro 8/256GB', price: 39_999 },
  { model: 'Xiaomi Redmi 13C 6/128GB', price: 33_999 },
  { model: 'Xiaomi Redmi Note 13 8/256GB', price: 64_999 },
  { model: 'vivo Y17s 6/128GB', price: 37_999 },
  { model: 'OPPO A18 4/128GB', price: 31_499 },
  { model: 'iPhone 13 128GB', price: 214_999 },
  { model: 'iPhone 15 128GB', price: 329_999 },
];

export const PARTNER_TENORS: readonly number[] = [6, 9, 12];
export const FASHION_TENORS: readonly number[] = [3, 4, 4, 4, 6];

export function userByMsisdn(msisdn: string): UserDef | undefined {
  return USERS.find((u) => u.msisdn === msisdn);
}
