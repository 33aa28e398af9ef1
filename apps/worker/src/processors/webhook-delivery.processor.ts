import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { QUEUES, processorOptions, type WebhookDeliveryJob } from '#common/queues.js';
import { Keyring } from '#crypto/keyring.js';
import { webhookSecretAad } from '#persistence/entities/client.entity.js';
import {
  WebhookEventRepository,
  type WebhookDeliveryTarget,
} from '#persistence/repositories/webhook-event.repository.js';
import { isFinalAttempt, webhookWorkerSettings } from '#webhooks/retry-policy.js';
import { WEBHOOK_JOBS, WEBHOOK_SWEEP_SCHEDULER_ID, type WebhookQueueJob } from '#webhooks/webhook-jobs.js';
import { WEBHOOK_OPTIONS, resolveWebhookOptions, type WebhookOptions } from '#webhooks/webhook-options.js';
import { WebhookPublisher, type SweepResult } from '#webhooks/webhook-publisher.js';
import { sendWebhook, type WebhookResult } from '#webhooks/webhook-sender.js';

export type DeliveryOutcome = 'delivered' | 'skipped' | 'already_done' | 'missing';

/** A failed attempt that BullMQ should retry; the message is safe to store in Redis (no URL, no secret). */
export class WebhookAttemptFailed extends Error {
  override readonly name = 'WebhookAttemptFailed';
}

/**
 * Delivers client webhooks (docs/webhooks.md), one event per job `webhook-<eventId>`:
 * - loads the event and its client; a client without `webhook_url`, or deleted, ends the event
 *   without a POST (`last_error`, `failed_at`) and without retries;
 * - POSTs the stored body, signed, with a 10 s timeout; a 2xx sets `delivered_at`;
 * - anything else is recorded (`attempts`, `last_status`, `last_error`) and thrown, and BullMQ
 *   retries with the full-jitter backoff of retry-policy.ts until the event is 24 h old. 4xx
 *   answers are retried too, not only 408/429: a receiver answering 401 or 404 is most often
 *   mid-deploy or misconfigured for a while, and a dropped event cannot be recovered by the
 *   client, whereas a retry costs one request;
 * - the last failed attempt sets `failed_at`.
 * The same queue carries the minute sweep that re-enqueues events whose job was lost.
 */
// The process's job lock (`HISOB_JOB_LOCK_MS`): a delivery cut by a crashed worker is taken over
// as a sync job is, then sent again with the same event id (at least once).
@Processor(QUEUES.webhookDelivery, processorOptions({ concurrency: 16, settings: webhookWorkerSettings }))
export class WebhookDeliveryProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookDeliveryProcessor.name);
  private readonly options: WebhookOptions;

  constructor(
    private readonly events: WebhookEventRepository,
    private readonly publisher: WebhookPublisher,
    private readonly keyring: Keyring,
    @InjectQueue(QUEUES.webhookDelivery) private readonly queue: Queue<WebhookQueueJob>,
    @Optional() @Inject(WEBHOOK_OPTIONS) options?: Partial<WebhookOptions> | null,
  ) {
    super();
    this.options = resolveWebhookOptions(options);
  }

  async onApplicationBootstrap(): Promise<void> {
    // The decorator registered the production strategy (the worker may take a job before this
    // runs); BullMQ reads `settings` at each failure, so the configured one applies from here on.
    this.worker.opts.settings = {
      ...this.worker.opts.settings,
      backoffStrategy: (attemptsMade: number) => this.options.backoffMs(attemptsMade),
    };
    if (this.options.sweepEveryMs > 0) {
      await this.queue.upsertJobScheduler(
        WEBHOOK_SWEEP_SCHEDULER_ID,
        { every: this.options.sweepEveryMs },
        {
          name: WEBHOOK_JOBS.sweep,
          data: { task: 'sweep' },
          opts: { removeOnComplete: true, removeOnFail: 100 },
        },
      );
    }
  }

  async process(job: Job<WebhookQueueJob>): Promise<DeliveryOutcome | SweepResult> {
    if (job.name === WEBHOOK_JOBS.sweep) return this.publisher.requeueLost();
    return this.deliver(job as Job<WebhookDeliveryJob>);
  }

  private async deliver(job: Job<WebhookDeliveryJob>): Promise<DeliveryOutcome> {
    const { eventId } = job.data;
    const target = await this.events.findForDelivery(eventId);
    // No row: its transaction rolled back, or has not committed yet — then the sweep enqueues it
    // again once it is visible (this job is removed on completion, freeing the id).
    if (!target) {
      this.logger.debug({ event_id: eventId, job_id: job.id }, 'webhook event not found');
      return 'missing';
    }
    if (target.deliveredAt || target.failedAt) return 'already_done';
    const fields = { event_id: target.id, client_id: target.clientId, job_id: job.id, type: target.type };

    const url = target.clientDeletedAt ? null : target.webhookUrl;
    if (!url) {
      const reason = target.clientDeletedAt ? 'client deleted' : 'no webhook_url';
      await this.events.markUndeliverable(target.id, reason);
      this.logger.log({ ...fields, status: null, reason }, 'webhook not sent');
      return 'skipped';
    }

    const attempt = job.attemptsMade + 1;
    const final = isFinalAttempt({
      attemptsMade: job.attemptsMade,
      maxAttempts: job.opts.attempts ?? 1,
      createdAt: target.createdAt,
      now: new Date(),
      windowMs: this.options.retryWindowMs,
    });
    const result = await this.attempt(target, url);
    if (result.ok) {
      await this.events.recordDelivered(target.id, result.status);
      this.logger.log({ ...fields, status: result.status, attempt }, 'webhook delivered');
      return 'delivered';
    }

    const lastError = result.excerpt ? `${result.error}: ${result.excerpt}` : result.error;
    // A refused destination (not a public address) cannot succeed later: no retries.
    const last = final || result.permanent === true;
    await this.events.recordFailedAttempt(target.id, result.status, lastError, last);
    this.logger.warn(
      { ...fields, status: result.status, attempt, final: last, error: result.error },
      last ? 'webhook given up' : 'webhook attempt failed',
    );
    // UnrecoverableError on the last attempt: the retry window may end before BullMQ's bound does.
    if (last)
      throw new UnrecoverableError(`webhook not delivered after ${attempt} attempts (${result.error})`);
    throw new WebhookAttemptFailed(result.error);
  }

  private async attempt(target: WebhookDeliveryTarget, url: string): Promise<WebhookResult> {
    let secret: string;
    try {
      secret = this.keyring.decrypt(target.webhookSecretEnc, webhookSecretAad(target.apiKeyId));
    } catch (err) {
      // A keyring missing the key is an operator fix away: counted as a failed attempt and retried.
      return {
        ok: false,
        status: null,
        error: `cannot decrypt the webhook secret (${(err as Error).name})`,
        excerpt: null,
      };
    }
    return sendWebhook({
      url,
      body: target.body,
      secret,
      eventId: target.id,
      eventType: target.type,
      timeoutMs: this.options.requestTimeoutMs,
      allowPrivateAddresses: this.options.allowPrivateAddresses,
    });
  }
}
