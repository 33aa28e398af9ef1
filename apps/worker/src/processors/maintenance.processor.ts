import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type WorkerEnv } from '#common/config.js';
import { QUEUES, type MaintenanceJob } from '#common/queues.js';
import { summariseReport } from '#connectors/revalidation.js';
import { ConsentRevalidation, RevalidationStore } from '#consents/consent-revalidation.js';
import { ConsentJobs } from '#consents/consent-jobs.js';
import { ConsentLifecycle } from '#consents/consent-lifecycle.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import {
  IDEMPOTENCY_KEY_TTL_MS,
  IdempotencyRepository,
} from '#persistence/repositories/idempotency.repository.js';
import { SyncRepository } from '#persistence/repositories/sync.repository.js';
import { LifecycleSweeper } from '../lifecycle-sweeper.js';

/** Due consents read per query of a `schedule-syncs` tick. */
const SCHEDULE_BATCH = 500;

/** How often `prune-sync-history` runs. */
export const SYNC_HISTORY_PRUNE_EVERY_MS = 60_000;
/**
 * Finished syncs deleted per statement, and statements per run at most: 50,000 a minute, against
 * the 27,800 that age past the setting each minute at 463 syncs/s (docs/scaling.md). The surplus
 * drains a backlog (a lowered setting) without ever making it one long transaction.
 */
export const SYNC_HISTORY_BATCH = 5_000;
export const SYNC_HISTORY_BATCHES = 10;

/**
 * How often `schedule-syncs` looks for due consents: a tenth of the cadence, between a second and
 * a minute (a minute for any cadence of 10 minutes or more; 12 s for a 2-minute simulation).
 */
export function scheduleSyncsEveryMs(intervalMinutes: number): number {
  return Math.min(60_000, Math.max(1_000, Math.round((intervalMinutes * 60_000) / 10)));
}

/**
 * Periodic sweeps, as BullMQ job schedulers (one schedule however many workers run):
 * consents past `valid_until` become `expired` (tokens dropped, purge scheduled), due work whose
 * job was lost is enqueued again (LifecycleSweeper), Idempotency-Keys older than 24 h are forgotten,
 * and finished syncs older than `HISOB_SYNC_HISTORY_DAYS` are deleted.
 */
@Processor(QUEUES.maintenance)
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    @InjectQueue(QUEUES.maintenance) private readonly queue: Queue<MaintenanceJob>,
    private readonly ds: DataSource,
    private readonly consents: ConsentRepository,
    private readonly lifecycle: ConsentLifecycle,
    private readonly jobs: ConsentJobs,
    private readonly idempotency: IdempotencyRepository,
    private readonly revalidation: ConsentRevalidation,
    private readonly reports: RevalidationStore,
    @Inject(APP_CONFIG) private readonly config: WorkerEnv,
    private readonly sweeper: LifecycleSweeper,
    private readonly syncs: SyncRepository,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.upsertSchedulers();
    // Redis runs without persistence: a restart loses the schedulers with every job. Registered
    // again on each reconnection, so the sweeps (which find the lost jobs) never stop.
    (await this.queue.getBackend().client).on('ready', () => {
      this.upsertSchedulers().catch((err: unknown) =>
        this.logger.warn({ error: (err as Error).message }, 'maintenance schedulers not registered'),
      );
    });
  }

  private async upsertSchedulers(): Promise<void> {
    await this.queue.upsertJobScheduler(
      'expire-consents',
      { every: 60_000 },
      { name: 'expire-consents', data: { task: 'expire-consents' } },
    );
    await this.queue.upsertJobScheduler(
      'schedule-syncs',
      { every: scheduleSyncsEveryMs(this.config.HISOB_SYNC_INTERVAL_MINUTES) },
      { name: 'schedule-syncs', data: { task: 'schedule-syncs' } },
    );
    // Whatever is due and has lost its job (purges, refreshes, syncs): see LifecycleSweeper.
    await this.queue.upsertJobScheduler(
      'sweep-lifecycle',
      { every: this.config.HISOB_LIFECYCLE_SWEEP_MS },
      { name: 'sweep-lifecycle', data: { task: 'sweep-lifecycle' } },
    );
    await this.queue.upsertJobScheduler(
      'purge-idempotency-keys',
      { every: 3_600_000 },
      {
        name: 'purge-idempotency-keys',
        data: { task: 'purge-idempotency-keys' },
      },
    );
    // Its own task, not part of the lifecycle sweep: that one finds lost work and warns when it
    // does; this one has work every minute at scale. A job scheduler, like the others, so one
    // worker of the deployment runs each tick, never every worker process at once.
    if (this.config.HISOB_SYNC_HISTORY_DAYS > 0)
      await this.queue.upsertJobScheduler(
        'prune-sync-history',
        { every: SYNC_HISTORY_PRUNE_EVERY_MS },
        { name: 'prune-sync-history', data: { task: 'prune-sync-history' } },
      );
    else await this.queue.removeJobScheduler('prune-sync-history');
    // Hourly at most: each tick re-validates the providers whose last report is older than the interval.
    const interval = this.config.HISOB_REVALIDATE_INTERVAL_HOURS * 3_600_000;
    if (interval > 0)
      await this.queue.upsertJobScheduler(
        'revalidate-providers',
        { every: Math.min(interval, 3_600_000) },
        { name: 'revalidate-providers', data: { task: 'revalidate-providers' } },
      );
    else await this.queue.removeJobScheduler('revalidate-providers');
  }

  async process(job: Job<MaintenanceJob>): Promise<number | undefined> {
    switch (job.data.task) {
      case 'expire-consents':
        return this.expireConsents();
      case 'purge-idempotency-keys':
        return this.idempotency.purgeOlderThan(new Date(Date.now() - IDEMPOTENCY_KEY_TTL_MS));
      case 'schedule-syncs':
        return this.scheduleSyncs();
      case 'revalidate-providers':
        return this.revalidateProviders();
      case 'prune-sync-history':
        return this.pruneSyncHistory();
      case 'sweep-lifecycle': {
        const swept = await this.sweeper.sweep({ syncGraceMs: this.config.HISOB_LIFECYCLE_SWEEP_MS });
        return Object.values(swept).reduce((a, b) => a + b, 0);
      }
    }
  }

  /**
   * Sync history: finished syncs (`succeeded`, `failed`) whose `finished_at` is more than
   * `HISOB_SYNC_HISTORY_DAYS` ago are deleted, oldest first, `bounds.batch` per statement and at
   * most `bounds.batches` statements per run (the next run goes on). Unfinished syncs are never
   * deleted. 0 days keeps every sync (and registers no schedule).
   */
  async pruneSyncHistory(
    now = new Date(),
    bounds = { batch: SYNC_HISTORY_BATCH, batches: SYNC_HISTORY_BATCHES },
  ): Promise<number> {
    const days = this.config.HISOB_SYNC_HISTORY_DAYS;
    if (days <= 0) return 0;
    const before = new Date(now.getTime() - days * 86_400_000);
    let deleted = 0;
    for (let i = 0; i < bounds.batches; i++) {
      const n = await this.syncs.deleteFinishedBefore(before, bounds.batch);
      deleted += n;
      if (n < bounds.batch) break;
    }
    if (deleted)
      this.logger.log({ count: deleted, finished_before: before.toISOString() }, 'sync history pruned');
    return deleted;
  }

  /**
   * Re-validation (docs/providers/alif-mobi.md): each provider whose last report is older than
   * `HISOB_REVALIDATE_INTERVAL_HOURS` is read once through one of its active consents; the report
   * is logged (paths, types and codes only) and stored for the API's `/metrics`.
   */
  async revalidateProviders(now = new Date()): Promise<number> {
    const interval = this.config.HISOB_REVALIDATE_INTERVAL_HOURS * 3_600_000;
    if (interval <= 0) return 0;
    let ran = 0;
    for (const provider of this.revalidation.providers()) {
      const last = await this.reports.load(provider);
      if (last && now.getTime() - Date.parse(last.finishedAt) < interval) continue;
      const consentId = await this.revalidation.pickConsent(provider);
      if (!consentId) {
        this.logger.log({ provider }, 'provider not revalidated: no active consent');
        continue;
      }
      try {
        const report = await this.revalidation.run(consentId);
        await this.reports.save(report);
        const line = { consent_id: consentId, ...summariseReport(report) };
        if (report.drifted) this.logger.warn(line, 'provider drift');
        else this.logger.log(line, 'provider revalidated: no drift');
        ran++;
      } catch (err) {
        // One provider's failure (its bank refusing the session, Redis) never stops the others'.
        this.logger.warn(
          { provider, consent_id: consentId, error: err instanceof Error ? err.message : String(err) },
          'provider not revalidated',
        );
      }
    }
    return ran;
  }

  /**
   * Periodic syncs: every active consent with an account due (`next_refresh_at`) and no unfinished
   * sync gets one, the longest overdue first. Batches of 500 until none is left, so a tick keeps up
   * with however many fall due between two ticks; a consent started in this tick is not started
   * again in it (its sync may already have ended, or failed and left it due). Not while
   * `HISOB_SCHEDULE_MAX_WAITING` sync jobs wait for a worker (checked before each batch).
   */
  async scheduleSyncs(now = new Date()): Promise<number> {
    const started = new Set<string>();
    const limit = this.config.HISOB_SCHEDULE_MAX_WAITING;
    for (;;) {
      // Backpressure: with this many sync jobs already waiting, the workers are behind. The due
      // consents stay due (in PostgreSQL, not Redis) and the next tick takes the longest overdue
      // first: a backlog stays first in, first out, and Redis holds a bounded queue.
      if (limit > 0) {
        const waiting = await this.jobs.waitingSyncJobs();
        if (waiting >= limit) {
          this.logger.warn(
            { waiting, limit, started: started.size },
            'sync queue full: scheduled syncs held',
          );
          return started.size;
        }
      }
      const due: Array<{ id: string; client_id: string; provider: string }> = await this.ds.query(
        `SELECT c.id, c.client_id, c.provider FROM consents c JOIN accounts a ON a.consent_id = c.id
          WHERE c.status = 'active' AND a.next_refresh_at <= $1 AND c.id <> ALL($2::uuid[])
            AND NOT EXISTS (SELECT 1 FROM syncs s WHERE s.consent_id = c.id AND s.state IN ('queued','running','waiting_rate_limit'))
          GROUP BY c.id, c.client_id, c.provider ORDER BY min(a.next_refresh_at), c.id
          LIMIT ${SCHEDULE_BATCH}`,
        [now, [...started]],
      );
      // One statement and one BullMQ call per batch: at 10 M consents × 4 a day the tick must
      // start ~463 syncs a second, and one round trip pair per consent was ~87/s (docs/scaling.md).
      await this.jobs.startSyncs(
        due.map((c) => ({ id: c.id, clientId: c.client_id, provider: c.provider })),
        'scheduled',
      );
      for (const c of due) started.add(c.id);
      if (due.length < SCHEDULE_BATCH) return started.size;
    }
  }

  /** Consents whose `valid_until` has passed: `expired`, tokens dropped, data purge scheduled. */
  async expireConsents(now = new Date()): Promise<number> {
    const expired = await this.ds.transaction(async (em) => {
      const due = await this.consents.lockExpired(now, em);
      for (const c of due) {
        await this.lifecycle.transition(c.id, 'expired', {
          reason: 'valid_until passed',
          em,
          fields: {
            sessionEnc: null,
            tokenExpiresAt: null,
            refreshJobId: null,
            purgeAfter: this.jobs.retentionCutoff(now),
          },
        });
      }
      return due;
    });
    for (const c of expired) {
      await this.jobs.cancelAll(c.id, c.refreshJobId);
      await this.jobs.schedulePurge(c.id, this.jobs.retentionCutoff(now), now);
    }
    if (expired.length) this.logger.log({ count: expired.length }, 'consents expired');
    return expired.length;
  }
}
