import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG, type ApiEnv } from '#common/config.js';

/**
 * The API's own Redis connection (readiness checks; queue producers share its options). Producers
 * fail fast when Redis is down (`enableOfflineQueue: false`) instead of piling commands up in memory.
 */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  readonly client: Redis;
  constructor(@Inject(APP_CONFIG) config: ApiEnv) {
    this.client = new Redis(config.REDIS_URL, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
    });
    this.client.on('error', () => undefined); // surfaced through /health/ready, not as an unhandled event
  }
  async onApplicationShutdown(): Promise<void> {
    this.client.disconnect();
  }
}
