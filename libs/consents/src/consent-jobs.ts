import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, type CommonEnv } from '#common/config.js';
import {
  QUEUES,
  SYNC_JOBS,
  jobIds,
  type RetentionPurgeJob,
  type SyncJob,
  type SyncReason,
  type TokenRefreshJob,
} from '#common/queues.js';
import { SyncRepository } from '#persistence/repositories/sync.repository.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';

/**
 * When to refresh a token that expires at `expiresAt`, scaled to its lifetime and bounded: a
 * fifth of the time left before expiry (at most 10 minutes, at least a second), minus jitter of up
 * to a tenth of it (at most 30 s) so consents authorised together do not refresh together, and
 * never before half of the time left has passed. An hour-long token refreshes ~10 min early; a
 * 20-second one after ~16 s, not at once (a fixed "10 minutes before" fires immediately, over and
 * over, against a bank issuing short tokens).
 */
export function refreshAt(expiresAt: Date, now: Date, random: () => number = Math.random): Date {
  const remaining = Math.max(0, expiresAt.getTime() - now.getTime());
  const lead = Math.min(10 * 60_000, Math.max(1_000, remaining * 0.2));
  const jitter = Math.floor(random() * Math.min(30_000, lead * 0.1, remaining * 0.1));
  return new Date(Math.max(now.getTime() + remaining / 2, expiresAt.getTime() - lead - jitter));
}

/**
 * The consent's background work, as BullMQ jobs with deterministic ids (one refresh job per
 * consent, one purge job per consent…), so scheduling twice is harmless.
 */
@Injectable()
export class ConsentJobs {
  constructor(
    @InjectQueue(QUEUES.sync) private readonly sync: Queue<SyncJob>,
    @InjectQueue(QUEUES.tokenRefresh) private readonly refresh: Queue<TokenRefreshJob>,
    @InjectQueue(QUEUES.retentionPurge) private readonly purge: Queue<RetentionPurgeJob>,
    @Inject(APP_CONFIG) private readonly config: CommonEnv,
    private readonly consents: ConsentRepository,
    private readonly syncs: SyncRepository,
  ) {}

  /**
   * Starts a sync of the consent, or joins the one already under way (one at a time per consent):
   * a `syncs` row the API can show, and the `sync-consent` job that fans out per account.
   */
  async startSync(
    consent: { id: string; clientId: string },
    reason: SyncReason,
    requestId?: string,
  ): Promise<string> {
    const running = await this.syncs.findUnfinished(consent.id);
    if (running) return running.id;
    const sync = await this.syncs.create(consent.clientId, consent.id, reason);
    await this.sync.add(
      SYNC_JOBS.consent,
      { consentId: consent.id, syncId: sync.id, reason, ...(requestId ? { requestId } : {}) },
      {
        jobId: jobIds.syncConsent(consent.id, sync.id),
        attempts: 8,
        backoff: { type: 'capped-exponential' },
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    );
    return sync.id;
  }

  /**
   * Schedules the refresh of the consent's current token and records the job on the consent, which
   * makes every earlier refresh job of the consent stale (the processor skips those).
   */
  async scheduleRefresh(
    consentId: string,
    tokenExpiresAt: Date | null,
    now = new Date(),
  ): Promise<string | null> {
    if (!tokenExpiresAt) return null;
    const jobId = jobIds.tokenRefresh(consentId, now);
    await this.refresh.add(
      'refresh',
      { consentId },
      {
        jobId,
        delay: Math.max(0, refreshAt(tokenExpiresAt, now).getTime() - now.getTime()),
        attempts: 12,
        backoff: { type: 'capped-exponential' },
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    );
    await this.consents.update(consentId, { refreshJobId: jobId });
    return jobId;
  }

  /**
   * Revocation: no more refreshes or syncs for this consent. (A job already running finishes its
   * step and then sees the consent is no longer active.)
   */
  async cancelAll(consentId: string, refreshJobId: string | null): Promise<void> {
    await Promise.all([
      refreshJobId ? this.refresh.remove(refreshJobId).catch(() => 0) : 0,
      this.removeSyncJobs(consentId),
    ]);
  }

  /** Waiting and delayed sync jobs of the consent (a running one stops at its next page). */
  private async removeSyncJobs(consentId: string): Promise<void> {
    const jobs = await this.sync.getJobs(['waiting', 'delayed', 'prioritized', 'waiting-children']);
    await Promise.all(
      jobs.filter((j) => j?.data?.consentId === consentId).map((j) => j.remove().catch(() => undefined)),
    );
  }

  async schedulePurge(consentId: string, at: Date, now = new Date()): Promise<void> {
    await this.purge.add(
      'purge',
      { consentId },
      {
        jobId: jobIds.purge(consentId),
        delay: Math.max(0, at.getTime() - now.getTime()),
        attempts: 10,
        backoff: { type: 'exponential', delay: 60_000 },
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    );
  }

  retentionCutoff(from: Date): Date {
    return new Date(from.getTime() + this.config.HISOB_RETENTION_DAYS * 86_400_000);
  }
}
