import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { QUEUES, type RetentionPurgeJob } from '#common/queues.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';

/** Tables holding a consent's copied bank data; the purge empties them for the consent. */
export const CONSENT_DATA_TABLES: readonly string[] = [
  'transaction_removals',
  'transactions',
  'transfers',
  'cards',
  'accounts',
  'syncs',
];

/**
 * Deletes a revoked or expired consent's bank data once its retention period has passed
 * (`HISOB_RETENTION_DAYS`, 0 = at once). The consent row stays, without secrets, with
 * `purged_at`; the access log stays too — it is the record of who read what.
 */
@Processor(QUEUES.retentionPurge)
export class RetentionPurgeProcessor extends WorkerHost {
  private readonly logger = new Logger(RetentionPurgeProcessor.name);

  constructor(
    private readonly ds: DataSource,
    private readonly consents: ConsentRepository,
  ) {
    super();
  }

  async process(job: Job<RetentionPurgeJob>): Promise<'purged' | 'not_due'> {
    const { consentId } = job.data;
    const outcome = await this.ds.transaction(async (em) => {
      const consent = await this.consents.lockById(consentId, em);
      const due =
        consent &&
        ['revoked', 'expired'].includes(consent.status) &&
        consent.purgeAfter &&
        consent.purgeAfter <= new Date();
      if (!consent || !due || consent.purgedAt) return 'not_due' as const;
      for (const table of CONSENT_DATA_TABLES)
        await em.query(`DELETE FROM ${table} WHERE consent_id = $1`, [consentId]);
      await this.consents.update(
        consentId,
        { purgedAt: new Date(), sessionEnc: null, authPendingEnc: null },
        em,
      );
      return 'purged' as const;
    });
    this.logger.log({ consent_id: consentId, job_id: job.id, outcome }, 'retention purge');
    return outcome;
  }
}
