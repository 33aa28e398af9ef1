/**
 * Every BullMQ queue, job name and payload type in one place (immich's JobName/JobOf). Job ids are
 * deterministic (e.g. `sync-<accountId>`) so a repeated enqueue is the same job, not a second one.
 */
export const QUEUES = {
  sync: 'sync',
  tokenRefresh: 'token-refresh',
  webhookDelivery: 'webhook-delivery',
  retentionPurge: 'retention-purge',
  maintenance: 'maintenance',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Connection options for BullMQ from a redis:// URL (BullMQ workers need maxRetriesPerRequest: null). */
export function bullConnection(redisUrl: string, forWorker: boolean) {
  const u = new URL(redisUrl);
  return {
    host: u.hostname,
    port: Number.parseInt(u.port || '6379', 10),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number.parseInt(u.pathname.slice(1), 10) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: forWorker ? null : 1,
    enableOfflineQueue: forWorker,
  };
}

/** Payloads, by queue. Every payload carries what logs need to join up (consent id, request id). */
export type SyncReason = 'first' | 'manual' | 'scheduled';

/** `sync-consent`: list the consent's accounts (and cards, transfers), then one `sync-account` each. */
export interface SyncConsentJob {
  consentId: string;
  /** The consent's provider: the worker caps each provider's concurrent syncs (absent on older jobs). */
  provider?: string;
  /** The `syncs` row this run reports progress to. */
  syncId: string;
  reason: SyncReason;
  requestId?: string;
  /**
   * The end user's IP address when they asked for this sync themselves (a manual sync naming it):
   * the bank reads are made with the person present (Berlin Group `PSU-IP-Address`).
   */
  psuIpAddress?: string;
}

/** `sync-account`: copy one account's transaction stream, page by page, from its checkpoint. */
export interface SyncAccountJob extends SyncConsentJob {
  accountId: string;
}

export type SyncJob = SyncConsentJob | SyncAccountJob;
export const SYNC_JOBS = { consent: 'sync-consent', account: 'sync-account' } as const;

export interface TokenRefreshJob {
  consentId: string;
}

/** Periodic sweeps (BullMQ job schedulers on the maintenance queue). */
export type MaintenanceJob =
  | { task: 'expire-consents' }
  | { task: 'purge-idempotency-keys' }
  | { task: 'schedule-syncs' }
  | { task: 'revalidate-providers' }
  | { task: 'sweep-lifecycle' }
  | { task: 'prune-sync-history' };

/**
 * Capped exponential backoff with full jitter, for bank 5xx and timeouts (registered as the
 * BullMQ custom strategy `capped-exponential`): 5 s, 10 s, 20 s … never more than 15 min.
 */
export function cappedExponentialBackoff(attemptsMade: number, random: () => number = Math.random): number {
  const ceiling = Math.min(15 * 60_000, 5_000 * 2 ** Math.max(0, attemptsMade - 1));
  return Math.floor(ceiling / 2 + (random() * ceiling) / 2);
}

export interface RetentionPurgeJob {
  consentId: string;
}

export interface WebhookDeliveryJob {
  eventId: string;
}

/** Deterministic job ids: enqueueing the same work twice is one job. */
export const jobIds = {
  syncConsent: (consentId: string, syncId: string) => `sync-consent-${consentId}-${syncId}`,
  syncAccount: (accountId: string, syncId: string) => `sync-${accountId}-${syncId}`,
  /**
   * One per scheduling: a refresh that schedules the next one never collides with itself (token
   * expiries have one-second resolution). The consent row names its current one.
   */
  tokenRefresh: (consentId: string, scheduledAt: Date) => `refresh-${consentId}-${scheduledAt.getTime()}`,
  /**
   * One per purge date: a purge moved to a later date (an expired consent revoked afterwards) is a
   * new job, not an `add` BullMQ ignores because the earlier date's job holds the id.
   */
  purge: (consentId: string, at: Date) => `purge-${consentId}-${at.getTime()}`,
  webhook: (eventId: string) => `webhook-${eventId}`,
} as const;

/** Worker settings of processors that call banks: jobs use `backoff: {type: 'capped-exponential'}`. */
export const bankWorkerSettings = {
  backoffStrategy: (attemptsMade: number): number => cappedExponentialBackoff(attemptsMade),
};

/**
 * How long a worker's claim on an active job lasts before another worker may take the job over
 * (BullMQ `lockDuration`, and the stalled-job check interval). A worker killed mid-job loses its
 * job to a live worker after at most about twice this. Set once per process from
 * `HISOB_JOB_LOCK_MS` (see WorkerModule) before the processors start.
 */
const runtime = { lockDurationMs: 30_000, syncConcurrency: 4 };

export function configureJobLocks(lockDurationMs: number): void {
  runtime.lockDurationMs = lockDurationMs;
}

/** The sync processor's concurrency (`HISOB_WORKER_CONCURRENCY`), set once per process like the locks. */
export function configureSyncConcurrency(concurrency: number): void {
  runtime.syncConcurrency = concurrency;
}

/** {@link processorOptions} with the process's sync concurrency (read when the worker starts). */
export function syncProcessorOptions<T extends object>(options: T) {
  return Object.defineProperty(processorOptions(options), 'concurrency', {
    get: () => runtime.syncConcurrency,
    enumerable: true,
  }) as T & { lockDuration: number; stalledInterval: number; concurrency: number };
}

/** Processor options with the process's job-lock settings (read when the worker starts). */
export function processorOptions<T extends object>(
  options: T,
): T & { lockDuration: number; stalledInterval: number } {
  return Object.defineProperties(
    { ...options },
    {
      lockDuration: { get: () => runtime.lockDurationMs, enumerable: true },
      stalledInterval: { get: () => runtime.lockDurationMs, enumerable: true },
    },
  ) as T & { lockDuration: number; stalledInterval: number };
}
