import type { JobsOptions } from 'bullmq';
import { jobIds, type WebhookDeliveryJob } from '#common/queues.js';
import { WEBHOOK_BACKOFF_TYPE } from './retry-policy.js';

/**
 * Jobs of the `webhook-delivery` queue (the payload type of `deliver` lives with the other
 * payloads in #common/queues).
 */
export const WEBHOOK_JOBS = {
  /** POST one event; job id `webhook-<eventId>`. */
  deliver: 'deliver',
  /** Periodic: re-enqueue pending events whose job was lost (WebhookPublisher.requeueLost). */
  sweep: 'sweep',
} as const;

export const WEBHOOK_SWEEP_SCHEDULER_ID = 'webhook-sweep';

export interface WebhookSweepJob {
  task: 'sweep';
}

export type WebhookQueueJob = WebhookDeliveryJob | WebhookSweepJob;

export function deliveryJobOptions(eventId: string, maxAttempts: number): JobsOptions {
  return {
    // Deterministic: an enqueue repeated by the sweep, or racing the after-commit one, is the same job.
    jobId: jobIds.webhook(eventId),
    attempts: maxAttempts,
    backoff: { type: WEBHOOK_BACKOFF_TYPE },
    // Removed once done, so the id is free again: the sweep can re-enqueue an event whose first job
    // ran before its row was committed. PostgreSQL keeps the delivery record.
    removeOnComplete: true,
    removeOnFail: { age: 7 * 86_400, count: 10_000 },
  };
}
