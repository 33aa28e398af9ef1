import type { CoverageEntry } from '#domain/coverage.js';

/** A coverage entry as stored in the `coverage` jsonb columns and shown on the wire (api.md). */
export interface StoredCoverage {
  resource: string;
  state: string;
  code?: string;
  detail?: string;
  checked_at: string;
  /** On a sync's coverage: the account the entry is about (absent for consent-wide resources). */
  account_id?: string;
}

/** The wire/storage form of a domain entry (snake_case, no nulls). */
export function toStoredCoverage(e: CoverageEntry, accountId?: string): StoredCoverage {
  return {
    resource: e.resource,
    state: e.state,
    ...(e.code ? { code: e.code } : {}),
    ...(e.detail ? { detail: e.detail } : {}),
    checked_at: e.checkedAt,
    ...(accountId ? { account_id: accountId } : {}),
  };
}

/** Merges by resource (and account): the newer entry replaces the older. */
export function mergeStoredCoverage(
  entries: readonly StoredCoverage[],
  update: readonly StoredCoverage[],
): StoredCoverage[] {
  const key = (e: StoredCoverage) => `${e.account_id ?? ''}/${e.resource}`;
  const map = new Map(entries.map((e) => [key(e), e]));
  for (const e of update) map.set(key(e), e);
  return [...map.values()].sort((a, b) => key(a).localeCompare(key(b)));
}
