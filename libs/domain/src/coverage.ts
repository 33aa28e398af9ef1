/**
 * Coverage: what the last sync could read, per resource (api.md "Consents"). Mandatory resources
 * (the account list, each account's history) that fail, fail the sync; best-effort ones
 * (balances, cards, transfers, enrichments) are recorded here and the sync succeeds `partial`.
 */

/** `ok`: read; `unsupported`: the bank does not offer it; `forbidden`: not under this grant or view; `failed`: an error. */
export const COVERAGE_STATES = ['ok', 'unsupported', 'forbidden', 'failed'] as const;
export type CoverageState = (typeof COVERAGE_STATES)[number];

/** Resources coverage is reported for. */
export type CoverageResource = 'accounts' | 'transactions' | 'balances' | 'cards' | 'transfers' | 'credit';

export interface CoverageEntry {
  readonly resource: CoverageResource;
  readonly state: CoverageState;
  /** The bank's own code (`OBP-40018`, `ACCESS_EXCEEDED`) or HTTP status, when there was one. */
  readonly code: string | null;
  /** A short human-readable reason (never bank secrets). */
  readonly detail: string | null;
  /** RFC 3339. */
  readonly checkedAt: string;
}

/** `entries` with `update`'s resources replaced (newest wins), in a stable order. */
export function mergeCoverage(
  entries: readonly CoverageEntry[],
  update: readonly CoverageEntry[],
): CoverageEntry[] {
  const byResource = new Map(entries.map((e) => [e.resource, e]));
  for (const e of update) byResource.set(e.resource, e);
  return [...byResource.values()].sort((a, b) => a.resource.localeCompare(b.resource));
}

/** The entry that speaks for several (e.g. one consent-wide line for per-account transfers): the first not `ok`. */
export function worstOf(resource: CoverageResource, entries: readonly CoverageEntry[]): CoverageEntry | null {
  const same = entries.filter((e) => e.resource === resource);
  if (!same.length) return null;
  return same.find((e) => e.state !== 'ok') ?? same[0]!;
}
