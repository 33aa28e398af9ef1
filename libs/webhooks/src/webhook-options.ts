import { WEBHOOK_MAX_ATTEMPTS, WEBHOOK_RETRY_WINDOW_MS, webhookBackoffMs } from './retry-policy.js';

/**
 * Tunables of publishing and delivery. Production uses the defaults (the policy of
 * retry-policy.ts); tests inject a tiny backoff and a low attempt bound through
 * `WebhooksModule.register({...})` so a retry takes milliseconds.
 */
export interface WebhookOptions {
  /** BullMQ `attempts` of a delivery job. */
  maxAttempts: number;
  /** Retries stop once the event is this old. */
  retryWindowMs: number;
  /** Wait before the next attempt after `attemptsMade` failures (the worker's custom backoff strategy). */
  backoffMs: (attemptsMade: number) => number;
  /** Per attempt, connection to end of the response headers (and the excerpt of an error body). */
  requestTimeoutMs: number;
  /** How often the worker re-enqueues events whose job was lost; 0 disables the schedule. */
  sweepEveryMs: number;
  /** An event younger than this is left to the after-commit enqueue (it may still be committing). */
  sweepGraceMs: number;
  /** How long `publish` waits for Redis before leaving the event to the sweep. */
  enqueueWaitMs: number;
  /** Deliver to loopback and private addresses too (`HISOB_ALLOW_PRIVATE_WEBHOOKS`; sandboxes, tests). */
  allowPrivateAddresses: boolean;
}

export const WEBHOOK_OPTIONS = Symbol('WEBHOOK_OPTIONS');

export const DEFAULT_WEBHOOK_OPTIONS: Readonly<WebhookOptions> = Object.freeze({
  maxAttempts: WEBHOOK_MAX_ATTEMPTS,
  retryWindowMs: WEBHOOK_RETRY_WINDOW_MS,
  backoffMs: (attemptsMade: number) => webhookBackoffMs(attemptsMade),
  requestTimeoutMs: 10_000,
  sweepEveryMs: 60_000,
  sweepGraceMs: 60_000,
  enqueueWaitMs: 2_000,
  allowPrivateAddresses: false,
});

export function resolveWebhookOptions(partial?: Partial<WebhookOptions> | null): WebhookOptions {
  return { ...DEFAULT_WEBHOOK_OPTIONS, ...(partial ?? {}) };
}
