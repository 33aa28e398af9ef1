/**
 * What a consent can grant, and the rules between the grants, in one place (api.md "Consents").
 *
 * A provider serves *capabilities* (resources it can read); a consent holds *permissions*. Every
 * capability is a permission of the same name. `statements` is Hisob's own: a statement is
 * computed from the transaction history and anchored on a balance, so it needs a provider that
 * serves both, and a consent that grants it makes the sync read both (the API then serves the
 * statements, not the list or the balances).
 */

/** Resources a provider can serve; `GET /v1/providers` lists them as `capabilities`. */
export const CAPABILITIES = ['accounts', 'balances', 'transactions', 'cards', 'transfers', 'credit'] as const;

/** One of {@link CAPABILITIES}. */
export type Capability = (typeof CAPABILITIES)[number];

/** Everything a consent can grant, in the order api.md lists them. */
export const PERMISSIONS = [
  'accounts',
  'balances',
  'transactions',
  'statements',
  'cards',
  'transfers',
  'credit',
] as const;

/** One of {@link PERMISSIONS}. */
export type Permission = (typeof PERMISSIONS)[number];

/** What a permission makes Hisob read from the bank. */
const READS: Readonly<Record<Permission, readonly Capability[]>> = {
  accounts: ['accounts'],
  balances: ['balances'],
  transactions: ['transactions'],
  statements: ['transactions', 'balances'],
  cards: ['cards'],
  transfers: ['transfers'],
  credit: ['credit'],
};

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

/** The permissions a provider with these capabilities can grant (its default set, too). */
export function permissionsOffered(capabilities: readonly Capability[]): Permission[] {
  return PERMISSIONS.filter((p) => READS[p].every((c) => capabilities.includes(c)));
}

/** What the bank is asked to authorise for these permissions (`statements` expanded). */
export function bankReads(permissions: readonly Permission[]): Capability[] {
  const wanted = new Set(permissions.flatMap((p) => READS[p]));
  return CAPABILITIES.filter((c) => wanted.has(c));
}

/** Whether a consent with these permissions reads `capability` from the bank during a sync. */
export function reads(permissions: readonly string[], capability: Capability): boolean {
  return permissions.some((p) => isPermission(p) && READS[p].includes(capability));
}

/**
 * The permissions under which the API serves a resource to a client. A `statements` consent
 * holds the history and balances only to compute statements: it does not serve them as such.
 */
export const SERVED_BY: Readonly<
  Record<'balances' | 'transactions' | 'statement' | 'cards' | 'transfers' | 'credit', readonly Permission[]>
> = {
  balances: ['balances'],
  transactions: ['transactions'],
  statement: ['statements', 'transactions'],
  cards: ['cards'],
  transfers: ['transfers'],
  credit: ['credit'],
};
