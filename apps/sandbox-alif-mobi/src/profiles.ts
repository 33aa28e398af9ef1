/**
 * Deployment profiles: switches that make the sandbox behave like a particular real OBP-API
 * deployment instead of the friendly default. None of them changes the ledger: the same seed gives
 * the same transactions and balances under every profile. See the README ("Profiles").
 */

export const PROFILES = [
  'endpoints-off',
  'restricted-view',
  'opening-booked',
  'nginx',
  'page-cap',
  'short-tokens',
  'real-shapes',
  'hydra-scopes',
] as const;

export type Profile = (typeof PROFILES)[number];

/** `strict` selects every profile at once. */
export const STRICT = 'strict';

/** The page size the `page-cap` profile caps `limit` at unless `maxPageSize` says otherwise. */
export const PAGE_CAP_DEFAULT = 25;
/** The access-token lifetime of the `short-tokens` profile unless `accessTokenTtlS` says otherwise. */
export const SHORT_TOKEN_TTL_DEFAULT = 20;

/**
 * Parses a profile selection: an array or a comma-separated string of names, `strict` for all.
 * Returns the profiles in their canonical order plus any unknown names.
 */
export function parseProfiles(raw: string | readonly string[]): { profiles: Profile[]; unknown: string[] } {
  const names = (typeof raw === 'string' ? raw.split(',') : [...raw]).map((s) => s.trim()).filter(Boolean);
  const chosen = new Set<Profile>();
  const unknown: string[] = [];
  for (const name of names) {
    if (name === STRICT) for (const p of PROFILES) chosen.add(p);
    else if ((PROFILES as readonly string[]).includes(name)) chosen.add(name as Profile);
    else unknown.push(name);
  }
  return { profiles: PROFILES.filter((p) => chosen.has(p)), unknown };
}

/** A read-only view of the active profiles. */
export class ProfileSet {
  private readonly set: ReadonlySet<Profile>;

  constructor(readonly list: readonly Profile[] = []) {
    this.set = new Set(list);
  }

  has(p: Profile): boolean {
    return this.set.has(p);
  }
}
