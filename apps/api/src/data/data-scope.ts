import { Injectable } from '@nestjs/common';
import { HisobError } from '#common/http/problem.js';
import {
  AccountQueryRepository,
  UNREADABLE_CONSENT_STATUSES,
  type AccountScopeRow,
  type ConsentScopeRow,
} from '#persistence/repositories/account-query.repository.js';
import { SERVED_BY } from '#domain/permissions.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import type { ReadSubject } from './read-subject.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The rules every data read applies to the consent it reads under (api.md "Data"):
 * - the consent must be the caller's; anything else, a malformed id included, is 404 `not_found`;
 * - a `revoked`, `expired` or `rejected` consent, or one whose copy was purged, answers 409
 *   `consent_not_active`: Hisob no longer holds (or never held) the end user's permission to read;
 * - `reauth_required` still serves the stored copy: the permission stands, only the bank session
 *   lapsed, and `data_as_of` tells the client how old the copy is;
 * - `awaiting_*` consents have no copy yet: their lists are empty rather than errors.
 */
export function assertReadable<T extends ConsentScopeRow>(scope: T | null, what: string): T {
  if (!scope) throw HisobError.notFound(what);
  if (scope.purged || UNREADABLE_CONSENT_STATUSES.includes(scope.consentStatus)) {
    const why = scope.purged ? 'its data was purged' : `it is ${scope.consentStatus}`;
    throw new HisobError(
      'consent_not_active',
      `The consent ${scope.consentId} is not active (${why}); its data can no longer be read`,
    );
  }
  return scope;
}

/**
 * The consent must grant a permission that serves `resource` (libs/domain/src/permissions.ts,
 * `SERVED_BY`: what the end user agreed to share, api.md "Consents").
 * Not granted is 403 `permission_not_granted`: the consent is the caller's (a 404 would deny
 * that), and it is active (a 409 would say the opposite); it just does not cover this read. Hisob
 * may hold the data anyway (a `statements` consent needs the transaction history to compute
 * statements), so this check, not the absence of rows, is what keeps it unread.
 */
export function assertPermitted<T extends ConsentScopeRow>(
  scope: T,
  resource: keyof typeof SERVED_BY,
  what: string = resource,
): T {
  const anyOf = SERVED_BY[resource];
  if (anyOf.some((p) => scope.permissions.includes(p))) return scope;
  throw new HisobError(
    'permission_not_granted',
    `The consent ${scope.consentId} does not grant ${anyOf.map((p) => `'${p}'`).join(' or ')}, needed to read ${what}`,
  );
}

export const subjectOfScope = (s: ConsentScopeRow): ReadSubject => ({
  consentId: s.consentId,
  endUserId: s.endUserId,
});

/** An id that is not a UUID names nothing: 404 like another client's id, never a 400 or a 500. */
export function assertUuid(id: string, what: string): string {
  if (!UUID.test(id)) throw HisobError.notFound(what);
  return id.toLowerCase();
}

@Injectable()
export class DataScope {
  constructor(private readonly accounts: AccountQueryRepository) {}

  /** The readable consent named by a `consent_id` parameter, with the data-as-of of its copy. */
  async consent(client: AuthenticatedClient, consentId: string) {
    const id = assertUuid(consentId, 'Consent');
    return assertReadable(await this.accounts.consentScope(client.id, id), 'Consent');
  }

  /** The readable account (nested reads: balances, transactions, statement). */
  async account(client: AuthenticatedClient, accountId: string): Promise<AccountScopeRow> {
    return assertReadable(await this.accounts.accountScope(client.id, accountId), 'Account');
  }
}
