/**
 * When a failed webhook delivery is tried again (api.md "Webhooks to clients": retried with
 * exponential backoff for 24 h).
 *
 * - Each wait is exponential with *full jitter* (a uniform draw between 0 and the ceiling), base
 *   30 s, ceiling capped at 1 h: after an outage the retries of thousands of events spread over
 *   the hour instead of arriving at the recovering receiver together.
 * - The span is bounded by time, not only by a count: an event is retried until it is 24 h old,
 *   so its last attempt falls between 24 h and 25 h after it was created. With full jitter a fixed
 *   number of attempts cannot promise a span (every draw may be small); a deadline can.
 * - {@link WEBHOOK_MAX_ATTEMPTS} is the BullMQ `attempts` of a delivery job, a safety bound far
 *   above the ~55 attempts the deadline takes on average: reaching it before 24 h needs 99 waits
 *   averaging under 15 min where the mean is ~30 min (8 standard deviations away).
 */
export const WEBHOOK_BACKOFF_BASE_MS = 30_000;
export const WEBHOOK_BACKOFF_CAP_MS = 3_600_000;
export const WEBHOOK_RETRY_WINDOW_MS = 24 * 3_600_000;
export const WEBHOOK_MAX_ATTEMPTS = 100;

/** The BullMQ custom backoff type of delivery jobs (`backoff: {type}`), resolved by the worker. */
export const WEBHOOK_BACKOFF_TYPE = 'webhook-full-jitter';

/**
 * Milliseconds to wait before the next attempt, after `attemptsMade` failed attempts (1 after the
 * first failure — BullMQ's numbering for custom strategies).
 *
 * @param random a uniform draw in [0, 1); injected so tests and the schedule below are exact.
 */
export function webhookBackoffMs(attemptsMade: number, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attemptsMade));
  // The exponent is clamped before 2 ** n can overflow; 2^(n-1) × 30 s passes the cap at n = 8.
  const ceiling = Math.min(WEBHOOK_BACKOFF_CAP_MS, WEBHOOK_BACKOFF_BASE_MS * 2 ** Math.min(n - 1, 32));
  const draw = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.floor(draw * ceiling), WEBHOOK_BACKOFF_CAP_MS);
}

export interface AttemptContext {
  /** Attempts already made before this one (BullMQ `job.attemptsMade`). */
  attemptsMade: number;
  /** The job's `attempts` (the bound). */
  maxAttempts: number;
  /** When the event was created: the retry window starts here, not at the first attempt. */
  createdAt: Date;
  now: Date;
  windowMs?: number;
}

/** True when a failure of this attempt ends the delivery (`failed_at`): bound reached or window over. */
export function isFinalAttempt(c: AttemptContext): boolean {
  const windowMs = c.windowMs ?? WEBHOOK_RETRY_WINDOW_MS;
  return c.attemptsMade + 1 >= c.maxAttempts || c.now.getTime() - c.createdAt.getTime() >= windowMs;
}

/**
 * The moments (ms after the event's creation) at which a never-answering receiver is called, the
 * first attempt at 0 and each attempt taking no time: the schedule the policy produces, for tests
 * and the documentation.
 */
export function webhookRetrySchedule(
  random: () => number = Math.random,
  maxAttempts = WEBHOOK_MAX_ATTEMPTS,
): number[] {
  const createdAt = new Date(0);
  const at = [0];
  while (
    !isFinalAttempt({
      attemptsMade: at.length - 1,
      maxAttempts,
      createdAt,
      now: new Date(at[at.length - 1] as number),
    })
  ) {
    at.push((at[at.length - 1] as number) + webhookBackoffMs(at.length, random));
  }
  return at;
}

/**
 * Worker `settings` of the delivery processor: BullMQ calls `backoffStrategy` for the custom type
 * {@link WEBHOOK_BACKOFF_TYPE} after every failed attempt that is not the final one.
 */
export const webhookWorkerSettings = {
  backoffStrategy: (attemptsMade: number): number => webhookBackoffMs(attemptsMade),
};
