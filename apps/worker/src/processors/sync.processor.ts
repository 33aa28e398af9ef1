import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import {
  QUEUES,
  SYNC_JOBS,
  bankWorkerSettings,
  processorOptions,
  type SyncAccountJob,
  type SyncConsentJob,
  type SyncJob,
} from '#common/queues.js';
import { assertUnreachable, isConnectorError } from '#connectors/connector-errors.js';
import { AccountBusy, SyncEngine } from '#sync/sync-engine.js';
import { jitterMs } from './worker-errors.js';

/**
 * Runs the sync engine's jobs and applies STYLE §6.5 to bank faults:
 * - ReauthRequired → consent `reauth_required`, sync failed, no retry;
 * - RateLimited → the job waits for the bank's reset (delayed, no attempt spent, no worker asleep);
 * - Transient → BullMQ retries with capped exponential backoff; the stream resumes at its checkpoint;
 * - ProtocolViolation → sync failed loudly with the bank's excerpt, no retry (nothing of the page was stored).
 */
@Processor(QUEUES.sync, processorOptions({ settings: bankWorkerSettings, concurrency: 4 }))
export class SyncProcessor extends WorkerHost {
  private readonly logger = new Logger(SyncProcessor.name);

  constructor(private readonly engine: SyncEngine) {
    super();
  }

  async process(job: Job<SyncJob>, token?: string): Promise<unknown> {
    try {
      return job.name === SYNC_JOBS.account
        ? await this.engine.syncAccount(job.data as SyncAccountJob, String(job.id))
        : await this.engine.syncConsent(job.data as SyncConsentJob);
    } catch (err) {
      const { syncId, consentId } = job.data;
      const accountId = (job.data as Partial<SyncAccountJob>).accountId;
      if (err instanceof AccountBusy) {
        await job.moveToDelayed(Date.now() + 2_000 + jitterMs(1_000), token);
        throw new DelayedError();
      }
      if (!isConnectorError(err)) {
        if (this.isFinalAttempt(job)) await this.engine.finish(syncId, 'failed', 'internal error');
        throw err;
      }
      this.logger.warn(
        {
          consent_id: consentId,
          sync_id: syncId,
          job_id: job.id,
          provider: err.provider,
          status: err.status,
          code: err.providerCode,
          excerpt: err.excerpt,
          kind: err.kind,
        },
        'bank fault during sync',
      );
      switch (err.kind) {
        case 'reauth_required':
          await this.engine.reauthRequired(
            consentId,
            `the bank refused the credentials (${err.providerCode ?? err.status ?? err.kind})`,
          );
          await this.engine.finish(syncId, 'failed', `reauthorisation required: ${err.message}`);
          throw new UnrecoverableError(err.message);
        case 'rate_limited': {
          const resumeAt = Date.now() + err.retryAfterS * 1000 + jitterMs();
          await this.engine.markWaiting(syncId, accountId, new Date(resumeAt));
          await job.moveToDelayed(resumeAt, token);
          throw new DelayedError();
        }
        case 'transient':
        case 'challenge_pending':
          if (this.isFinalAttempt(job))
            await this.engine.finish(syncId, 'failed', `bank unavailable: ${err.message}`);
          throw err;
        case 'protocol_violation': {
          const error = `malformed bank reply: ${err.message}${err.excerpt ? ` — ${err.excerpt}` : ''}`;
          if (accountId) await this.engine.markAccountError(accountId, error);
          await this.engine.finish(syncId, 'failed', error);
          throw new UnrecoverableError(error);
        }
        default:
          return assertUnreachable(err);
      }
    }
  }

  private isFinalAttempt(job: Job): boolean {
    return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  }
}
