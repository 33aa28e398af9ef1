/**
 * Every BullMQ queue, job name and payload type in one place (immich's JobName/JobOf). Job ids are
 * deterministic (e.g. `sync-<accountId>`) so a repeated enqueue is the same job, not a second one.
 */
export const QUEUES = {
  sync: 'sync',
  tokenRefresh: 'token-refresh',
  webhookDelivery: 'webhook-delivery',
  retentionPurge: 'retention-purge',
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
