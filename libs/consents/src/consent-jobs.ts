import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, providerTokenRefresh, type CommonEnv } from '#common/config.js';
import {
  QUEUES,
  SYNC_JOBS,
  jobIds,
  type RetentionPurgeJob,
  type SyncAccountJob,
  type SyncConsentJob,
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

/** Job states in which a job will still run (or is running): anything else is done or lost. */
const LIVE_STATES = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

const SYNC_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'capped-exponential' },
  removeOnComplete: true,
  removeOnFail: 1000,
} as const;

/**
 * The consent's background work, as BullMQ jobs with deterministic ids (one refresh job per
 * scheduling, one purge job per purge date, one job per sync and account…), so scheduling twice is
 * harmless. The jobs only wake the worker: what is due lives in PostgreSQL (`syncs`, `purge_after`,
 * `token_expires_at`, `refresh_job_id`), and the lifecycle sweeper enqueues again whatever is due
 * and has no live job (a Redis restart, a lost enqueue).
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
   * Starts a sync of the consent, or joins the one already under way (one at a time per consent,
   * enforced by a unique index): a `syncs` row the API can show, and the `sync-consent` job that
   * fans out per account.
   */
  async startSync(
    consent: { id: string; clientId: string; provider?: string },
    reason: SyncReason,
    requestId?: string,
    psuIpAddress?: string,
  ): Promise<string> {
    const { sync, created } = await this.syncs.createOrJoin(consent.clientId, consent.id, reason);
    if (created)
      await this.enqueueConsentSync({
        consentId: consent.id,
        ...(consent.provider ? { provider: consent.provider } : {}),
        syncId: sync.id,
        reason,
        ...(requestId ? { requestId } : {}),
        ...(psuIpAddress ? { psuIpAddress } : {}),
      });
    return sync.id;
  }

  /**
   * Starts syncs of many consents at once (the scheduler's tick): their `syncs` rows in one
   * statement, then their `sync-consent` jobs in one BullMQ call. A consent whose sync is under way
   * is skipped. A crash between the two leaves queued syncs without jobs, which the lifecycle
   * sweeper enqueues again (the database is the record; the job only wakes the worker). Returns
   * how many started.
   */
  async startSyncs(
    consents: ReadonlyArray<{ id: string; clientId: string; provider: string }>,
    reason: SyncReason,
  ): Promise<number> {
    const created = await this.syncs.createMany(
      consents.map((c) => ({ clientId: c.clientId, consentId: c.id })),
      reason,
    );
    const provider = new Map(consents.map((c) => [c.id, c.provider]));
    await this.sync.addBulk(
      created.map((s) => ({
        name: SYNC_JOBS.consent,
        data: { consentId: s.consent_id, provider: provider.get(s.consent_id)!, syncId: s.id, reason },
        opts: { jobId: jobIds.syncConsent(s.consent_id, s.id), ...SYNC_JOB_OPTIONS },
      })),
    );
    return created.length;
  }

  /** Sync jobs waiting for a worker slot (every worker's), prioritized ones included. */
  waitingSyncJobs(): Promise<number> {
    return this.sync.getJobCountByTypes('waiting', 'prioritized');
  }

  /** The `sync-consent` job of a sync (its id is deterministic: enqueueing again is one job). */
  async enqueueConsentSync(job: SyncConsentJob): Promise<void> {
    await this.sync.add(SYNC_JOBS.consent, job, {
      jobId: jobIds.syncConsent(job.consentId, job.syncId),
      ...SYNC_JOB_OPTIONS,
    });
  }

  /**
   * The `sync-account` job of one account of a sync. `priority` = the account's place in its
   * consent (see SyncEngine.syncConsent); `delayMs`: not before then.
   */
  async enqueueAccountSync(job: SyncAccountJob, priority?: number, delayMs?: number): Promise<void> {
    await this.sync.add(SYNC_JOBS.account, job, {
      jobId: jobIds.syncAccount(job.accountId, job.syncId),
      ...(priority ? { priority: Math.min(priority, MAX_PRIORITY) } : {}),
      ...(delayMs && delayMs > 0 ? { delay: Math.ceil(delayMs) } : {}),
      ...SYNC_JOB_OPTIONS,
    });
  }

  /** The state of a sync job as BullMQ knows it: `live`, `failed`, or `gone` (finished or lost). */
  async syncJobState(jobId: string): Promise<'live' | 'failed' | 'gone'> {
    return classify(await this.sync.getJobState(jobId));
  }

  /**
   * Schedules the refresh of the consent's current token and records the job on the consent, which
   * makes every earlier refresh job of the consent stale (the processor skips those). With
   * `replacing`, only when the consent still names that job (the sweeper replacing a lost one must
   * not undo a refresh that scheduled its successor meanwhile).
   *
   * Every scheduling passes here, so this is where the provider's policy is kept: under `at_sync`
   * (`HISOB_TOKEN_REFRESH_<PROVIDER>`) nothing is scheduled, and the syncs refresh the token they
   * need (SyncEngine).
   */
  async scheduleRefresh(
    consent: { id: string; provider: string },
    tokenExpiresAt: Date | null,
    now = new Date(),
    replacing?: { jobId: string | null },
  ): Promise<string | null> {
    if (!tokenExpiresAt || !this.refreshesAhead(consent.provider)) return null;
    const consentId = consent.id;
    const jobId = jobIds.tokenRefresh(consentId, now);
    if (replacing) {
      // The consent names the new job first: when the enqueue below is lost, the sweeper finds a
      // job id Redis does not know and schedules again.
      if (!(await this.consents.replaceRefreshJob(consentId, replacing.jobId, jobId))) return null;
    }
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
    if (!replacing) await this.consents.update(consentId, { refreshJobId: jobId });
    return jobId;
  }

  /** Whether `provider`'s tokens are refreshed by jobs ahead of expiry (else at sync time). */
  refreshesAhead(provider: string): boolean {
    return providerTokenRefresh(this.config, provider) === 'ahead';
  }

  /** The state of a refresh job: `live`, `failed` (given up, its reason recorded), or `gone`. */
  async refreshJobState(jobId: string): Promise<'live' | 'failed' | 'gone'> {
    return classify(await this.refresh.getJobState(jobId));
  }

  /**
   * Revocation: no more refreshes or syncs for this consent. (A job already running finishes its
   * step and then sees the consent is no longer active: every write of a sync is fenced.)
   */
  async cancelAll(consentId: string, refreshJobId: string | null): Promise<void> {
    await Promise.all([
      refreshJobId ? this.refresh.remove(refreshJobId).catch(() => 0) : 0,
      this.removeSyncJobs(consentId),
    ]);
  }

  /** Waiting and delayed sync jobs of the consent (a running one stops at its next write). */
  private async removeSyncJobs(consentId: string): Promise<void> {
    const jobs = await this.sync.getJobs(['waiting', 'delayed', 'prioritized', 'waiting-children']);
    await Promise.all(
      jobs.filter((j) => j?.data?.consentId === consentId).map((j) => j.remove().catch(() => undefined)),
    );
  }

  /**
   * Wakes the purge of the consent at `at` (its `purge_after`). One job per date, so a purge moved
   * later is scheduled anew; the job of the earlier date finds it not due and ends. A job of the
   * same date that failed for good is replaced (the sweeper calls this for every due purge).
   */
  async schedulePurge(consentId: string, at: Date, now = new Date()): Promise<void> {
    const jobId = jobIds.purge(consentId, at);
    const state = await this.purge.getJobState(jobId);
    if (LIVE_STATES.has(state)) return;
    if (state === 'failed' || state === 'completed') await this.purge.remove(jobId).catch(() => 0);
    await this.purge.add(
      'purge',
      { consentId },
      {
        jobId,
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

/** BullMQ's lowest priority (2^21). */
const MAX_PRIORITY = 2 ** 21;

function classify(state: string): 'live' | 'failed' | 'gone' {
  if (LIVE_STATES.has(state)) return 'live';
  return state === 'failed' ? 'failed' : 'gone';
}
