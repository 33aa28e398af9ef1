import type { ConsentEntity } from '#persistence/entities/consent.entity.js';
import type { ConsentResponse } from './consent.dto.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The one mapper from the entity to the wire: secrets are not even selected, let alone mapped. */
export function toConsentResponse(c: ConsentEntity): ConsentResponse {
  return {
    id: c.id,
    provider: c.provider,
    end_user_id: c.endUserId,
    status: c.status,
    status_reason: c.statusReason,
    permissions: c.permissions,
    valid_until: c.validUntil,
    ...(c.status === 'awaiting_authorisation' && c.authorisationUrl
      ? { authorisation_url: c.authorisationUrl }
      : {}),
    created_at: c.createdAt.toISOString(),
    authorised_at: iso(c.authorisedAt),
    expires_at: iso(c.expiresAt),
    revoked_at: iso(c.revokedAt),
    last_synced_at: iso(c.lastSyncedAt),
    sync: { state: c.syncState, last_error: c.syncLastError },
    coverage: c.coverage ?? [],
  };
}
