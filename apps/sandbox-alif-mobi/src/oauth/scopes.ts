/** Scopes the authorisation server knows, and how the consent screen describes them. */

export const PERMISSION_SCOPES = ['accounts', 'balances', 'transactions', 'cards', 'transfers'] as const;
export const SCOPES: readonly string[] = ['openid', 'offline_access', ...PERMISSION_SCOPES];

export const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  openid: 'Confirm who you are (your Alif user identifier)',
  offline_access: 'Keep this access while you are not using the app (until you revoke it)',
  accounts: 'See your accounts: names, numbers, currencies and types',
  balances: 'See the balances of your accounts',
  transactions: 'See your transaction history with counterparties and descriptions',
  cards: 'See your payment cards (masked numbers, expiry dates, linked accounts)',
  transfers: 'See your transfers and payment orders, and their status',
};

/** The requested scopes this server recognises, in a stable display order. */
export function knownScopes(requested: string | undefined): string[] {
  const asked = new Set((requested ?? '').split(' ').filter(Boolean));
  return SCOPES.filter((s) => asked.has(s));
}
