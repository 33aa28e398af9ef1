import type { InjectionToken, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { BudgetTake, RequestBudget } from '#connectors/request-budget.js';

/**
 * Takes one unit atomically: INCR, the expiry set on the first take, and a refused take undone
 * in the same script, so N workers racing for the last unit get exactly one grant between them.
 * KEYS[1] the counter; ARGV[1] the limit; ARGV[2] the reset (ms since the epoch).
 */
const TAKE = `
local used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
if used > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return {0, used - 1}
end
return {1, used}
`;

/** Gives a unit back, never below zero, keeping the expiry. */
const GIVE_BACK = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used > 0 then redis.call('DECR', KEYS[1]) end
return used
`;

/** The minimum of an ioredis client the budget needs. */
export interface RedisEval {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/**
 * The {@link RequestBudget} every worker shares: one Redis counter per key, under
 * `<HISOB_REDIS_PREFIX>:budget:`, expiring at the key's reset. Lost with Redis, a budget
 * restarts at zero: the bank's own 429 then still stops the calls (RateLimited).
 */
export class RedisRequestBudget implements RequestBudget, OnApplicationShutdown {
  constructor(
    private readonly redis: RedisEval,
    private readonly prefix: string,
    private readonly owned: Redis | null = null,
  ) {}

  /** A budget with its own lazy connection (opened at the first take; closed on shutdown). */
  static connect(redisUrl: string, prefix: string): RedisRequestBudget {
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined); // a failed take is reported by the call that made it
    return new RedisRequestBudget(redis, prefix, redis);
  }

  key(key: string): string {
    return `${this.prefix}:budget:${key}`;
  }

  async take(key: string, limit: number, resetAt: Date): Promise<BudgetTake> {
    const [granted, used] = (await this.redis.eval(
      TAKE,
      1,
      this.key(key),
      Math.max(0, Math.floor(limit)),
      Math.max(Date.now() + 1000, resetAt.getTime()),
    )) as [number, number];
    return { granted: granted === 1, used };
  }

  async giveBack(key: string): Promise<void> {
    await this.redis.eval(GIVE_BACK, 1, this.key(key));
  }

  onApplicationShutdown(): void {
    this.owned?.disconnect();
  }
}

/** DI token of the deployment's request budget. */
export const REQUEST_BUDGET: InjectionToken<RequestBudget> = Symbol('REQUEST_BUDGET');
