import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { APP_CONFIG, providerConcurrency, type WorkerEnv } from '#common/config.js';
import {
  QUEUES,
  SYNC_JOBS,
  bankWorkerSettings,
  syncProcessorOptions,
  type SyncAccountJob,
  type SyncConsentJob,
  type SyncJob,
} from '#common/queues.js';
import { assertUnreachable } from '#connectors/connector-errors.js';
import { AccountBusy, SyncEngine, SyncFault, describeFault } from '#sync/sync-engine.js';
import { jitterMs } from './worker-errors.js';

/**
 * Runs the sync engine's jobs and turns what the fault policy decided (libs/sync/fault-policy.ts)
 * into BullMQ; the engine has already recorded what the decision means for the data:
 * - retry → rethrown: BullMQ retries with capped exponential backoff; the stream resumes at its checkpoint;
 * - delay until → the job waits for the bank's time (delayed, no attempt spent, no worker asleep);
 * - give up → an account's history: recorded on the account, the other accounts go on; the account
 *   list: the sync fails. No retry;
 * - re-authorise → the consent becomes `reauth_required`, the sync fails, no retry.
 *
 * Concurrency: `HISOB_WORKER_CONCURRENCY` jobs at once per worker process, of which at most
 * `HISOB_WORKER_CONCURRENCY_<PROVIDER>` against one provider's bank: a job over its provider's cap
 * waits (delayed, a fraction of a second) and leaves the slot to another provider's job. Several
 * worker processes share the queue; what must not run twice — an account's stream — is guarded
 * by its lease in PostgreSQL, whichever process runs the job.
 */
@Processor(QUEUES.sync, syncProcessorOptions({ settings: bankWorkerSettings }))
export class SyncProcessor extends WorkerHost {
  private readonly logger = new Logger(SyncProcessor.name);
  /** Jobs running now, per provider (this process). */
  private readonly running = new Map<string, number>();

  constructor(
    private readonly engine: SyncEngine,
    @Inject(APP_CONFIG) private readonly config: WorkerEnv,
  ) {
    super();
  }

  async process(job: Job<SyncJob>, token?: string): Promise<unknown> {
    const provider = job.data.provider;
    if (!provider) return this.run(job, token);
    const n = this.running.get(provider) ?? 0;
    if (n >= providerConcurrency(this.config, provider)) {
      await job.moveToDelayed(Date.now() + 200 + jitterMs(300), token);
      throw new DelayedError();
    }
    this.running.set(provider, n + 1);
    try {
      return await this.run(job, token);
    } finally {
      this.running.set(provider, (this.running.get(provider) ?? 1) - 1);
    }
  }

  private async run(job: Job<SyncJob>, token?: string): Promise<unknown> {
    const attempt = { finalAttempt: this.isFinalAttempt(job) };
    try {
      return job.name === SYNC_JOBS.account
        ? await this.engine.syncAccount(job.data as SyncAccountJob, String(job.id), attempt)
        : await this.engine.syncConsent(job.data as SyncConsentJob, attempt);
    } catch (err) {
      const { syncId, consentId } = job.data;
      const accountId = (job.data as Partial<SyncAccountJob>).accountId;
      if (err instanceof AccountBusy) {
        await job.moveToDelayed(Date.now() + 2_000 + jitterMs(1_000), token);
        throw new DelayedError();
      }
      if (!(err instanceof SyncFault)) {
        if (attempt.finalAttempt) await this.engine.finish(syncId, 'failed', 'internal error');
        throw err;
      }
      const { decision, error } = err;
      this.logger.warn(
        {
          consent_id: consentId,
          sync_id: syncId,
          job_id: job.id,
          provider: error.provider,
          status: error.status,
          code: error.providerCode,
          excerpt: error.excerpt,
          kind: error.kind,
          resource: err.resource,
          action: decision.action,
        },
        'bank fault during sync',
      );
      switch (decision.action) {
        case 'reauthorise':
          await this.engine.reauthorise(job.data, err);
          throw new UnrecoverableError(error.message);
        case 'delay_until': {
          const resumeAt = Date.now() + decision.retryAfterS * 1000 + jitterMs();
          await this.engine.markWaiting(syncId, accountId, new Date(resumeAt));
          await job.moveToDelayed(resumeAt, token);
          throw new DelayedError();
        }
        case 'retry':
          throw error;
        case 'give_up': {
          const reason = describeFault(err);
          if (accountId) await this.engine.accountFailed(job.data as SyncAccountJob, err);
          else await this.engine.finish(syncId, 'failed', reason);
          throw new UnrecoverableError(reason);
        }
        default:
          return assertUnreachable(decision);
      }
    }
  }

  private isFinalAttempt(job: Job): boolean {
    return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  }
}
