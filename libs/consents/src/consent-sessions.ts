import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { BankSession, Connector } from '#connectors/connector.js';
import { ReauthRequired, isConnectorError } from '#connectors/connector-errors.js';
import { CONNECTORS, ConnectorRegistry } from '#connectors/registry.js';
import type { ConsentEntity } from '#persistence/entities/consent.entity.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import { SessionVault } from '#persistence/session-vault.js';
import { ConsentJobs } from './consent-jobs.js';

/** The consent is no longer active (revoked, expired, re-authorisation needed): its session is gone. */
export class ConsentNotActive extends Error {
  override readonly name = 'ConsentNotActive';

  constructor(
    readonly consentId: string,
    readonly status: string,
  ) {
    super(`consent ${consentId} is ${status}`);
  }
}

/**
 * The bank refused a refresh token that a refresh whose reply was lost had already spent: the
 * rotated token went down with the reply. Only the person can authorise again.
 */
export class RefreshReplyLost extends ReauthRequired {}

/**
 * A refresh grant. A reply that never arrived whole (a timeout, a dropped connection, a cut or
 * garbled body) may still have rotated the refresh token at the bank, and the new one is lost with
 * it. One immediate retry with the same refresh token tells which: the bank had not processed it
 * (a fresh session), or it refuses the spent token and the consent needs the person now
 * ({@link RefreshReplyLost}) rather than at the next expiry of the access token.
 */
export async function refreshGrant(connector: Connector, session: BankSession): Promise<BankSession> {
  try {
    return await connector.refresh(session);
  } catch (err) {
    if (!replyLost(err)) throw err;
    try {
      return await connector.refresh(session);
    } catch (retryErr) {
      if (retryErr instanceof ReauthRequired)
        throw new RefreshReplyLost(
          retryErr.reason,
          'the bank refused a refresh token spent by a refresh whose reply was lost',
          { provider: retryErr.provider, status: retryErr.status, providerCode: retryErr.providerCode },
        );
      throw retryErr;
    }
  }
}

function replyLost(err: unknown): boolean {
  if (!isConnectorError(err)) return false;
  return err.kind === 'protocol_violation' || (err.kind === 'transient' && err.status === null);
}

/**
 * A consent's bank session, always the newest: the one place that reads, refreshes and stores it.
 * A refresh runs under the consent's row lock and first looks whether another process already
 * stored a newer session, so a rotating refresh token is spent once, and a sync that hits an
 * expired token picks up the session the scheduled refresh stored meanwhile.
 */
@Injectable()
export class ConsentSessions {
  constructor(
    private readonly ds: DataSource,
    private readonly consents: ConsentRepository,
    private readonly vault: SessionVault,
    private readonly jobs: ConsentJobs,
    @Inject(CONNECTORS) private readonly connectors: ConnectorRegistry,
  ) {}

  /** The active consent and its stored session, or null when it has none. */
  async current(consentId: string): Promise<{ consent: ConsentEntity; session: BankSession } | null> {
    const consent = await this.consents.findWithSession(consentId);
    if (!consent || consent.status !== 'active' || !consent.sessionEnc) return null;
    const session = this.vault.open<BankSession>(consentId, 'session', consent.sessionEnc);
    // The sealed session stays in this function: the consent handed on carries none.
    consent.sessionEnc = null;
    return { consent, session };
  }

  /**
   * A session to use instead of `stale`, which the bank refused: the newer one stored since, or
   * a refresh grant now (stored before this returns, the next scheduled refresh moved).
   *
   * @throws {ConsentNotActive} when the consent lost its session meanwhile.
   * @throws the connector errors of the refresh grant.
   */
  async refreshAfter(consentId: string, stale: BankSession): Promise<BankSession> {
    return (await this.renewAfter(consentId, stale)).session;
  }

  /**
   * {@link refreshAfter}, saying whether this call made the refresh grant (`renewed`) or took the
   * newer session another process had stored (which may itself have expired since).
   */
  async renewAfter(
    consentId: string,
    stale: BankSession,
  ): Promise<{ session: BankSession; renewed: boolean }> {
    const fresh = await this.ds.transaction(async (em) => {
      const consent = await this.consents.lockById(consentId, em);
      const { sessionEnc } = consent ? await this.consents.readSecrets(consentId, em) : { sessionEnc: null };
      if (!consent || consent.status !== 'active' || !sessionEnc)
        throw new ConsentNotActive(consentId, consent?.status ?? 'gone');
      const stored = this.vault.open<BankSession>(consentId, 'session', sessionEnc);
      if (stored.accessToken !== stale.accessToken)
        return { session: stored, renewed: false, provider: consent.provider };
      const session = await refreshGrant(this.connectors.get(consent.provider), stored);
      await this.consents.update(
        consentId,
        {
          sessionEnc: this.vault.seal(consentId, 'session', session),
          tokenExpiresAt: session.expiresAt ? new Date(session.expiresAt) : null,
          statusReason: null,
        },
        em,
      );
      return { session, renewed: true, provider: consent.provider };
    });
    if (fresh.renewed) {
      await this.jobs.scheduleRefresh(
        { id: consentId, provider: fresh.provider },
        fresh.session.expiresAt ? new Date(fresh.session.expiresAt) : null,
      );
    }
    return { session: fresh.session, renewed: fresh.renewed };
  }
}
