import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { QUEUES, type RetentionPurgeJob } from '#common/queues.js';
import { ConsentJobs } from '#consents/consent-jobs.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import { ConsentPurgeRepository } from '#persistence/repositories/consent-purge.repository.js';

export { CONSENT_DATA_TABLES } from '#persistence/repositories/consent-purge.repository.js';

export type PurgeOutcome = 'purged' | 'not_due' | 'rescheduled';

/**
 * Deletes a revoked or expired consent's data once its retention period has passed
 * (`purge_after`: `HISOB_RETENTION_DAYS` after the revocation or expiry, 0 = at once). The consent
 * row stays, without secrets, MSISDN or texts, with `purged_at`; the access log stays too — it is
 * the record of who read what (docs/data-retention.md).
 *
 * The job only wakes the purge: `purge_after` decides. A job that finds the date moved later
 * schedules the new date; the lifecycle sweeper finds any due purge whose job was lost.
 */
@Processor(QUEUES.retentionPurge)
export class RetentionPurgeProcessor extends WorkerHost {
  private readonly logger = new Logger(RetentionPurgeProcessor.name);

  constructor(
    private readonly ds: DataSource,
    private readonly consents: ConsentRepository,
    private readonly purges: ConsentPurgeRepository,
    private readonly jobs: ConsentJobs,
  ) {
    super();
  }

  async process(job: Job<RetentionPurgeJob>): Promise<PurgeOutcome> {
    const outcome = await this.purge(job.data.consentId);
    this.logger.log({ consent_id: job.data.consentId, job_id: job.id, outcome }, 'retention purge');
    return outcome;
  }

  /** Purges the consent if its purge is due; schedules it if it is due later. */
  async purge(consentId: string, now = new Date()): Promise<PurgeOutcome> {
    const result = await this.ds.transaction(async (em) => {
      const consent = await this.consents.lockById(consentId, em);
      if (!consent || consent.purgedAt || !consent.purgeAfter) return { outcome: 'not_due' as const };
      if (!['revoked', 'expired'].includes(consent.status)) return { outcome: 'not_due' as const };
      if (consent.purgeAfter > now) return { outcome: 'rescheduled' as const, at: consent.purgeAfter };
      await this.purges.purge(em, consentId, consent.clientId);
      return { outcome: 'purged' as const };
    });
    if (result.outcome === 'rescheduled') await this.jobs.schedulePurge(consentId, result.at, now);
    return result.outcome;
  }
}
