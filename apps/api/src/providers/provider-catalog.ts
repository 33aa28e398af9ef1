/** What each provider Hisob connects to offers (design/api.md "Providers"). */
export interface ProviderDescriptor {
  id: 'alif-mobi' | 'alif-shop' | 'accessbank';
  name: string;
  country: string;
  protocol: string;
  capabilities: string[];
  auth: 'redirect' | 'otp';
}

export const PROVIDERS: readonly ProviderDescriptor[] = [
  {
    id: 'alif-mobi',
    name: 'Alif Mobi (Alif Bank)',
    country: 'TJ',
    protocol: 'OBP v5.1.0 + OAuth2 authorization_code with SCA',
    capabilities: ['accounts', 'balances', 'transactions', 'statements', 'cards', 'transfers'],
    auth: 'redirect',
  },
  {
    id: 'alif-shop',
    name: 'Alif Shop',
    country: 'PK',
    protocol: 'Alif Shop OTP session API',
    capabilities: ['accounts', 'balances', 'transactions', 'credit'],
    auth: 'otp',
  },
  {
    id: 'accessbank',
    name: 'AccessBank',
    country: 'TJ',
    protocol: 'Berlin Group NextGenPSD2 1.3 AIS',
    capabilities: ['accounts', 'balances', 'transactions', 'statements'],
    auth: 'redirect',
  },
];
