import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { QUEUES, type MaintenanceJob } from '#common/queues.js';
import { ConsentJobs } from '#consents/consent-jobs.js';
import { ConsentLifecycle } from '#consents/consent-lifecycle.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import {
  IDEMPOTENCY_KEY_TTL_MS,
  IdempotencyRepository,
} from '#persistence/repositories/idempotency.repository.js';
import { LIFECYCLE_SWEEP_EVERY_MS, LifecycleSweeper } from '../lifecycle-sweeper.js';

/**
 * Periodic sweeps, as BullMQ job schedulers (one schedule however many workers run):
 * consents past `valid_until` become `expired` (tokens dropped, purge scheduled), due work whose
 * job was lost is enqueued again (LifecycleSweeper), and Idempotency-Keys older than 24 h are forgotten.
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
    private readonly sweeper: LifecycleSweeper,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      'expire-consents',
      { every: 60_000 },
      { name: 'expire-consents', data: { task: 'expire-consents' } },
    );
    await this.queue.upsertJobScheduler(
      'schedule-syncs',
      { every: 60_000 },
      { name: 'schedule-syncs', data: { task: 'schedule-syncs' } },
    );
    // Whatever is due and has lost its job (purges, refreshes, syncs): see LifecycleSweeper.
    await this.queue.upsertJobScheduler(
      'sweep-lifecycle',
      { every: LIFECYCLE_SWEEP_EVERY_MS },
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
  }

  async process(job: Job<MaintenanceJob>): Promise<number | undefined> {
    switch (job.data.task) {
      case 'expire-consents':
        return this.expireConsents();
      case 'purge-idempotency-keys':
        return this.idempotency.purgeOlderThan(new Date(Date.now() - IDEMPOTENCY_KEY_TTL_MS));
      case 'schedule-syncs':
        return this.scheduleSyncs();
      case 'sweep-lifecycle': {
        const swept = await this.sweeper.sweep();
        return Object.values(swept).reduce((a, b) => a + b, 0);
      }
    }
  }

  /** Periodic syncs: every active consent with an account due (`next_refresh_at`) gets a sync. */
  async scheduleSyncs(now = new Date()): Promise<number> {
    const due: Array<{ id: string; client_id: string }> = await this.ds.query(
      `SELECT DISTINCT c.id, c.client_id FROM consents c JOIN accounts a ON a.consent_id = c.id
        WHERE c.status = 'active' AND a.next_refresh_at <= $1
          AND NOT EXISTS (SELECT 1 FROM syncs s WHERE s.consent_id = c.id AND s.state IN ('queued','running','waiting_rate_limit'))
        LIMIT 500`,
      [now],
    );
    for (const c of due) await this.jobs.startSync({ id: c.id, clientId: c.client_id }, 'scheduled');
    return due.length;
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
