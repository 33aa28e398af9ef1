import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { QUEUES, bankWorkerSettings, processorOptions, type TokenRefreshJob } from '#common/queues.js';
import { ConsentJobs } from '#consents/consent-jobs.js';
import { ConsentLifecycle } from '#consents/consent-lifecycle.js';
import { RefreshReplyLost, refreshGrant } from '#consents/consent-sessions.js';
import type { BankSession } from '#connectors/connector.js';
import { assertUnreachable, isConnectorError } from '#connectors/connector-errors.js';
import { CONNECTORS, ConnectorRegistry } from '#connectors/registry.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import { SessionVault } from '#persistence/session-vault.js';
import { decideFault } from '#sync/fault-policy.js';
import { jitterMs } from './worker-errors.js';

export type RefreshOutcome =
  'refreshed' | 'stale' | 'not_active' | 'expired' | 'no_refresh_token' | 'at_sync';

/**
 * Refreshes a consent's bank token ahead of its expiry (scheduled by ConsentJobs.scheduleRefresh),
 * then schedules the next refresh. A job of a provider whose policy is now `at_sync` (queued before
 * the setting changed) refreshes nothing: it lets go of the consent (`refresh_job_id` null) and
 * the consent's next sync refreshes the token it needs. Bank faults (STYLE §6.5):
 * - `invalid_grant` and other ReauthRequired → consent `reauth_required`, no retry;
 * - 429 → the job is delayed to the bank's `retry_after` plus jitter, spending no attempt;
 * - a reply lost or garbled (timeout, reset, malformed body): retried once at once with the same
 *   refresh token (`refreshGrant`), since the bank may have rotated it; a refusal then makes the
 *   consent `reauth_required` now;
 * - 5xx, and a lost reply twice → retried with capped exponential backoff;
 * - a malformed token reply twice → no retry; the reason is recorded on the consent.
 */
@Processor(QUEUES.tokenRefresh, processorOptions({ settings: bankWorkerSettings }))
export class TokenRefreshProcessor extends WorkerHost {
  private readonly logger = new Logger(TokenRefreshProcessor.name);

  constructor(
    private readonly ds: DataSource,
    private readonly consents: ConsentRepository,
    private readonly vault: SessionVault,
    private readonly lifecycle: ConsentLifecycle,
    private readonly jobs: ConsentJobs,
    @Inject(CONNECTORS) private readonly connectors: ConnectorRegistry,
  ) {
    super();
  }

  async process(job: Job<TokenRefreshJob>, token?: string): Promise<RefreshOutcome> {
    const { consentId } = job.data;
    const now = new Date();
    try {
      const result = await this.ds.transaction(async (em) => {
        // The row lock serialises a refresh with a revocation or another refresh of the same consent.
        const consent = await this.consents.lockById(consentId, em);
        if (!consent || consent.status !== 'active') return { outcome: 'not_active' as const };
        if (consent.refreshJobId !== job.id) return { outcome: 'stale' as const };
        if (consent.expiresAt && consent.expiresAt <= now) {
          await this.lifecycle.transition(consentId, 'expired', {
            reason: 'valid_until passed',
            em,
            fields: {
              sessionEnc: null,
              tokenExpiresAt: null,
              refreshJobId: null,
              purgeAfter: this.jobs.retentionCutoff(now),
            },
          });
          return { outcome: 'expired' as const, purgeAt: this.jobs.retentionCutoff(now) };
        }
        // After the expiry above: an `at_sync` consent is expired by the maintenance queue anyway.
        if (!this.jobs.refreshesAhead(consent.provider)) {
          await this.consents.update(consentId, { refreshJobId: null }, em);
          return { outcome: 'at_sync' as const };
        }
        const { sessionEnc } = await this.consents.readSecrets(consentId, em);
        if (!sessionEnc) return { outcome: 'not_active' as const };
        const session = this.vault.open<BankSession>(consentId, 'session', sessionEnc);
        if (!session.refreshToken) return { outcome: 'no_refresh_token' as const };
        const fresh = await refreshGrant(this.connectors.get(consent.provider), session);
        const tokenExpiresAt = fresh.expiresAt ? new Date(fresh.expiresAt) : null;
        await this.consents.update(
          consentId,
          { sessionEnc: this.vault.seal(consentId, 'session', fresh), tokenExpiresAt, statusReason: null },
          em,
        );
        return { outcome: 'refreshed' as const, tokenExpiresAt, provider: consent.provider };
      });
      if (result.outcome === 'refreshed')
        await this.jobs.scheduleRefresh(
          { id: consentId, provider: result.provider },
          result.tokenExpiresAt ?? null,
        );
      if (result.outcome === 'expired' && result.purgeAt)
        await this.jobs.schedulePurge(consentId, result.purgeAt);
      this.logger.log({ consent_id: consentId, job_id: job.id, outcome: result.outcome }, 'token refresh');
      return result.outcome;
    } catch (err) {
      if (!isConnectorError(err)) throw err;
      this.logger.warn(
        {
          consent_id: consentId,
          job_id: job.id,
          provider: err.provider,
          status: err.status,
          code: err.providerCode,
          excerpt: err.excerpt,
          kind: err.kind,
        },
        'token refresh failed',
      );
      const decision = decideFault(err, { importance: 'mandatory', refreshed: true, finalAttempt: false });
      switch (decision.action) {
        case 'reauthorise':
        case 'refresh_then_retry':
          await this.lifecycle.transition(consentId, 'reauth_required', {
            reason:
              err instanceof RefreshReplyLost
                ? `token refresh refused (${err.providerCode ?? 'invalid_grant'}): the reply to the previous refresh was lost after the bank rotated the token`
                : `token refresh refused (${err.providerCode ?? err.status ?? 'invalid_grant'})`,
            fields: { sessionEnc: null, tokenExpiresAt: null, refreshJobId: null },
          });
          throw new UnrecoverableError('the bank refused the refresh token');
        case 'delay_until':
          // Wait as long as the bank says, plus jitter so refreshes do not return in a herd.
          await job.moveToDelayed(Date.now() + decision.retryAfterS * 1000 + jitterMs(), token);
          throw new DelayedError();
        case 'retry':
          throw err;
        case 'give_up':
        case 'record':
          await this.consents.update(consentId, {
            statusReason: `token refresh failed: ${err.kind === 'protocol_violation' ? 'malformed bank reply' : err.message}`,
            syncLastError: err.excerpt,
          });
          throw new UnrecoverableError('token refresh failed');
        default:
          return assertUnreachable(decision);
      }
    }
  }
}
