/** Scopes the authorisation server knows, and how the consent screen describes them. */

export const PERMISSION_SCOPES = ['accounts', 'balances', 'transactions', 'cards', 'transfers'] as const;
export type PermissionScope = (typeof PERMISSION_SCOPES)[number];

/** A set of scope names the server knows: which one asks for a refresh token, which grant what. */
export interface ScopeScheme {
  /** Every scope the server knows, in display order. */
  scopes: readonly string[];
  /** The scope that makes the server issue a refresh token. */
  offline: string;
  /** Scope name → the permission it grants. */
  permissions: Readonly<Record<string, PermissionScope>>;
}

/** The sandbox's own names (the default). */
export const DEFAULT_SCOPES: ScopeScheme = {
  scopes: ['openid', 'offline_access', ...PERMISSION_SCOPES],
  offline: 'offline_access',
  permissions: Object.fromEntries(PERMISSION_SCOPES.map((p) => [p, p])),
};

/**
 * Profile `hydra-scopes`: OBP's ORY Hydra integration registers clients with `openid offline`
 * and OBP view-style names such as `ReadAccountsBasic`, `ReadBalances` (OBP-API source,
 * util/HydraUtil.scala:49,89; props/sample.props.template:1013). The permission names are then
 * unknown and grant nothing.
 */
export const HYDRA_SCOPES: ScopeScheme = {
  scopes: [
    'openid',
    'offline',
    'ReadAccountsBasic',
    'ReadBalances',
    'ReadTransactionsDetail',
    'ReadCards',
    'ReadTransactionRequests',
  ],
  offline: 'offline',
  permissions: {
    ReadAccountsBasic: 'accounts',
    ReadBalances: 'balances',
    ReadTransactionsDetail: 'transactions',
    ReadCards: 'cards',
    ReadTransactionRequests: 'transfers',
  },
};

/** Back-compatible name: the default scope list. */
export const SCOPES: readonly string[] = DEFAULT_SCOPES.scopes;

export const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  openid: 'Confirm who you are (your Alif user identifier)',
  offline_access: 'Keep this access while you are not using the app (until you revoke it)',
  offline: 'Keep this access while you are not using the app (until you revoke it)',
  accounts: 'See your accounts: names, numbers, currencies and types',
  balances: 'See the balances of your accounts',
  transactions: 'See your transaction history with counterparties and descriptions',
  cards: 'See your payment cards (masked numbers, expiry dates, linked accounts)',
  transfers: 'See your transfers and payment orders, and their status',
  ReadAccountsBasic: 'See your accounts: names, numbers, currencies and types',
  ReadBalances: 'See the balances of your accounts',
  ReadTransactionsDetail: 'See your transaction history with counterparties and descriptions',
  ReadCards: 'See your payment cards (numbers, expiry dates, linked accounts)',
  ReadTransactionRequests: 'See your transfers and payment orders, and their status',
};

/** The requested scopes this server recognises, in a stable display order. */
export function knownScopes(requested: string | undefined, scheme: ScopeScheme = DEFAULT_SCOPES): string[] {
  const asked = new Set((requested ?? '').split(' ').filter(Boolean));
  return scheme.scopes.filter((s) => asked.has(s));
}

/** The permissions a set of granted scopes gives. */
export function permissionsOf(scopes: Iterable<string>, scheme: ScopeScheme): Set<PermissionScope> {
  const out = new Set<PermissionScope>();
  for (const s of scopes) {
    const p = scheme.permissions[s];
    if (p) out.add(p);
  }
  return out;
}
