import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { BankSession } from '#connectors/connector.js';
import { ConnectorError } from '#connectors/connector-errors.js';
import { CONNECTORS, ConnectorRegistry } from '#connectors/registry.js';
import type { ConsentEntity } from '#persistence/entities/consent.entity.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import { SessionVault } from '#persistence/session-vault.js';
import { ConsentJobs } from './consent-jobs.js';
import { ConsentLifecycle } from './consent-lifecycle.js';

/** Why Hisob revoked a consent, when the end user did not (recorded as its `status_reason`). */
export type RevocationCause = 'client_deleted';

const REASONS: Record<RevocationCause, string> = { client_deleted: 'client deleted' };

/**
 * Revocation, one way for every caller (the client's `DELETE /v1/consents/{id}`, a client's
 * deletion): under the consent's row lock — the lock every token refresh takes — the session is
 * read, revoked at the bank where the protocol allows, and dropped with the move to `revoked`, so
 * the token revoked is the current one (a refresh cannot rotate it in between). Then every job of
 * the consent is stopped and its data's purge scheduled after the retention period.
 */
@Injectable()
export class ConsentRevocation {
  private readonly logger = new Logger(ConsentRevocation.name);

  constructor(
    private readonly ds: DataSource,
    private readonly consents: ConsentRepository,
    private readonly vault: SessionVault,
    private readonly lifecycle: ConsentLifecycle,
    private readonly jobs: ConsentJobs,
    @Inject(CONNECTORS) private readonly connectors: ConnectorRegistry,
  ) {}

  /** The revoked consent (as it was when already revoked), or null when there is none. */
  async revoke(consentId: string, cause?: RevocationCause): Promise<ConsentEntity | null> {
    const now = new Date();
    const purgeAfter = this.jobs.retentionCutoff(now);
    const result = await this.ds.transaction(async (em) => {
      const consent = await this.consents.lockById(consentId, em);
      if (!consent) return null;
      if (consent.status === 'revoked') return { consent, refreshJobId: null, changed: false };
      const { sessionEnc } = await this.consents.readSecrets(consentId, em);
      let reason: string | null = cause ? REASONS[cause] : null;
      if (sessionEnc) {
        try {
          const session = this.vault.open<BankSession>(consentId, 'session', sessionEnc);
          await this.connectors.get(consent.provider).revoke(session);
        } catch (err) {
          // The decision stands whatever the bank says: Hisob forgets the tokens now, and the
          // refresh token expires at the bank on its own.
          reason = `${reason ?? 'revoked at Hisob'}; revocation at the bank failed`;
          this.logger.warn(
            { consent_id: consentId, provider: consent.provider, err: describe(err) },
            'bank revocation failed',
          );
        }
      }
      const revoked = await this.lifecycle.transition(consentId, 'revoked', {
        reason,
        em,
        fields: {
          revokedAt: now,
          sessionEnc: null,
          tokenExpiresAt: null,
          refreshJobId: null,
          authState: null,
          authPendingEnc: null,
          authorisationUrl: null,
          purgeAfter,
        },
      });
      return { consent: revoked, refreshJobId: consent.refreshJobId, changed: true };
    });
    if (!result) return null;
    if (result.changed) {
      await this.jobs.cancelAll(consentId, result.refreshJobId);
      await this.jobs.schedulePurge(consentId, purgeAfter, now);
    }
    return result.consent;
  }

  /** Revokes every consent of the client that is not revoked yet; returns how many it revoked. */
  async revokeAllOfClient(clientId: string, cause: RevocationCause): Promise<number> {
    const ids: Array<{ id: string }> = await this.ds.query(
      `SELECT id FROM consents WHERE client_id = $1 AND status <> 'revoked' ORDER BY created_at`,
      [clientId],
    );
    for (const { id } of ids) await this.revoke(id, cause);
    return ids.length;
  }
}

const describe = (err: unknown) =>
  err instanceof ConnectorError
    ? { kind: err.kind, status: err.status, code: err.providerCode }
    : { message: String((err as Error)?.message ?? err) };
