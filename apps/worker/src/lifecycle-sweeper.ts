import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, providersRefreshingAtSync, type WorkerEnv } from '#common/config.js';
import { jobIds } from '#common/queues.js';
import { ConsentJobs } from '#consents/consent-jobs.js';
import { ConsentRevocation } from '#consents/consent-revocation.js';
import { PROVIDER_DEFINITIONS } from '#connectors/providers.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import { SyncRepository, type SyncRow } from '#persistence/repositories/sync.repository.js';
import { SyncEngine } from '#sync/sync-engine.js';

/** What one sweep found due and without a live job, by kind. */
export interface LifecycleSweep {
  /** Consents of deleted clients that were still not revoked. */
  revoked: number;
  /** Due purges (re)enqueued. */
  purges: number;
  /** Token refreshes due soon whose job was gone, scheduled again. */
  refreshes: number;
  /** Sync jobs (consent fan-outs or accounts) enqueued again for unfinished syncs. */
  syncJobs: number;
  /** Unfinished syncs ended by the sweep (consent no longer active, all accounts counted, job failed). */
  syncsEnded: number;
}

/** How often the maintenance queue runs the sweep by default (`HISOB_LIFECYCLE_SWEEP_MS`). */
export const LIFECYCLE_SWEEP_EVERY_MS = 60_000;
/** How far ahead a token's expiry makes its refresh "due": its job must exist by then. */
export const REFRESH_HORIZON_MS = 15 * 60_000;
/** How old an unfinished sync must be before the sweep looks for its lost jobs, by default (one sweep). */
export const SYNC_GRACE_MS = 60_000;
/** Rows looked at per kind and sweep (the next sweep takes the rest). */
const BATCH = 500;

/**
 * The lifecycle sweeper (a maintenance task, every minute): the state is in PostgreSQL and a
 * BullMQ job is only a wake-up call, so this finds whatever is due and not done and has no live
 * job — a lost enqueue, a Redis restart (Redis runs without persistence), a worker killed between
 * two steps — and enqueues it again under its deterministic job id (enqueueing twice is one job).
 * Work is delayed by at most a sweep, never dropped:
 * - a consent of a deleted client that is not revoked: revoked now;
 * - a purge due (`purge_after <= now`, not purged): its job enqueued;
 * - an active consent whose token expires within 15 minutes (or has) and whose refresh job
 *   (`refresh_job_id`) Redis does not know: a refresh scheduled (not for providers whose tokens
 *   are refreshed at sync time, which have no refresh jobs);
 * - an unfinished sync (`queued`, `running`, `waiting_rate_limit`) older than the grace period:
 *   its fan-out job, or the jobs of its accounts not yet counted, enqueued again; ended when its
 *   consent is no longer active or all its accounts are counted.
 */
@Injectable()
export class LifecycleSweeper {
  private readonly logger = new Logger(LifecycleSweeper.name);

  constructor(
    private readonly ds: DataSource,
    private readonly jobs: ConsentJobs,
    private readonly revocation: ConsentRevocation,
    private readonly syncs: SyncRepository,
    private readonly consents: ConsentRepository,
    private readonly engine: SyncEngine,
    @Inject(APP_CONFIG) private readonly config: WorkerEnv,
  ) {}

  async sweep(opts: { now?: Date; syncGraceMs?: number } = {}): Promise<LifecycleSweep> {
    const now = opts.now ?? new Date();
    const result: LifecycleSweep = { revoked: 0, purges: 0, refreshes: 0, syncJobs: 0, syncsEnded: 0 };
    result.revoked = await this.revokeForDeletedClients();
    result.purges = await this.duePurges(now);
    result.refreshes = await this.dueRefreshes(now);
    const before = new Date(now.getTime() - (opts.syncGraceMs ?? SYNC_GRACE_MS));
    for (const sync of await this.syncs.listUnfinished(before, BATCH)) await this.repairSync(sync, result);
    if (Object.values(result).some((n) => n > 0))
      this.logger.warn({ ...result }, 'lifecycle sweep found due work without a job');
    return result;
  }

  private async revokeForDeletedClients(): Promise<number> {
    const due: Array<{ id: string }> = await this.ds.query(
      `SELECT c.id FROM consents c JOIN clients cl ON cl.id = c.client_id
        WHERE cl.deleted_at IS NOT NULL AND c.status <> 'revoked' LIMIT $1`,
      [BATCH],
    );
    for (const c of due) await this.revocation.revoke(c.id, 'client_deleted');
    return due.length;
  }

  private async duePurges(now: Date): Promise<number> {
    const due: Array<{ id: string; purge_after: Date }> = await this.ds.query(
      `SELECT id, purge_after FROM consents
        WHERE purged_at IS NULL AND purge_after <= $1 AND status IN ('revoked', 'expired')
        ORDER BY purge_after LIMIT $2`,
      [now, BATCH],
    );
    // schedulePurge leaves a live job alone and replaces a finished or failed one.
    for (const c of due) await this.jobs.schedulePurge(c.id, c.purge_after, now);
    return due.length;
  }

  private async dueRefreshes(now: Date): Promise<number> {
    // Consents of `at_sync` providers have no refresh job by design, and their tokens lie expired
    // between syncs: not looked at, else they would fill every batch (the oldest expiries first)
    // and be counted as lost work.
    const atSync = new Set(providersRefreshingAtSync(this.config));
    const horizon = new Date(now.getTime() + REFRESH_HORIZON_MS);
    const due = [];
    for (const { id } of PROVIDER_DEFINITIONS)
      if (!atSync.has(id)) due.push(...(await this.consents.dueRefreshes(id, horizon, BATCH)));
    let scheduled = 0;
    for (const c of due) {
      // A failed job recorded its reason on the consent (the bank refused for good): left alone.
      if (c.refresh_job_id && (await this.jobs.refreshJobState(c.refresh_job_id)) !== 'gone') continue;
      const jobId = await this.jobs.scheduleRefresh(c, c.token_expires_at, now, {
        jobId: c.refresh_job_id,
      });
      if (jobId) scheduled++;
    }
    return scheduled;
  }

  private async repairSync(sync: SyncRow, result: LifecycleSweep): Promise<void> {
    const [consent] = (await this.ds.query(`SELECT status FROM consents WHERE id = $1`, [
      sync.consent_id,
    ])) as Array<{ status: string }>;
    if (consent?.status !== 'active') {
      await this.engine.finish(sync.id, 'failed', `consent is ${consent?.status ?? 'gone'}`);
      result.syncsEnded++;
      return;
    }
    if (await this.engine.finishIfComplete(sync.id)) {
      result.syncsEnded++;
      return;
    }
    const job = { consentId: sync.consent_id, syncId: sync.id, reason: sync.reason as 'scheduled' };
    const fanOut = await this.jobs.syncJobState(jobIds.syncConsent(sync.consent_id, sync.id));
    if (fanOut === 'live') return;
    if (sync.state === 'queued' && sync.accounts_total === 0) {
      if (fanOut === 'failed') {
        await this.engine.finish(sync.id, 'failed', 'the sync job failed');
        result.syncsEnded++;
      } else {
        await this.jobs.enqueueConsentSync(job);
        result.syncJobs++;
      }
      return;
    }
    // Fanned out: the accounts this sync listed (upserted since it began) and has not counted.
    const accounts: Array<{ id: string }> = await this.ds.query(
      `SELECT id FROM accounts
        WHERE consent_id = $1 AND counted_sync_id IS DISTINCT FROM $2 AND updated_at >= $3
        ORDER BY created_at, id`,
      [sync.consent_id, sync.id, sync.created_at],
    );
    let live = 0;
    for (const [i, a] of accounts.entries()) {
      const state = await this.jobs.syncJobState(jobIds.syncAccount(a.id, sync.id));
      if (state === 'live') live++;
      else if (state === 'gone') {
        await this.jobs.enqueueAccountSync({ ...job, accountId: a.id }, i + 1);
        result.syncJobs++;
        live++;
      } else {
        // Failed for good without being counted (the worker stopped in between): counted now.
        const last = await this.syncs.accountDone(sync.id, a.id, 'the account sync job failed');
        if (last && (await this.engine.finishIfComplete(sync.id))) result.syncsEnded++;
      }
    }
    if (!accounts.length && live === 0) {
      // Nothing left to wake but the sync is not complete: list the accounts again.
      await this.jobs.enqueueConsentSync(job);
      result.syncJobs++;
    }
  }
}
