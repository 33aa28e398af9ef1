import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisRequestBudget } from './redis-request-budget.js';

/**
 * The allowance two workers share, on the real Redis of the run (its own prefix): racing takers
 * never get more than the limit between them, a refused take leaves the count at the limit, a
 * unit given back can be taken again, and the key expires at its reset.
 */
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `${process.env.HISOB_REDIS_PREFIX ?? 'hisob-t'}-budget-${randomUUID().slice(0, 8)}`;
const workers = [RedisRequestBudget.connect(url, prefix), RedisRequestBudget.connect(url, prefix)];
const probe = new Redis(url);

afterAll(async () => {
  const keys = await probe.keys(`${prefix}:*`);
  if (keys.length) await probe.del(...keys);
  probe.disconnect();
  for (const w of workers) w.onApplicationShutdown();
});

describe('RedisRequestBudget', () => {
  it('two workers racing 40 takes each for 4 units get exactly 4 grants between them', async () => {
    const resetAt = new Date(Date.now() + 60_000);
    for (const limit of [1, 4, 7]) {
      const key = `race-${limit}`;
      const takes = await Promise.all(
        Array.from({ length: 80 }, (_, i) => workers[i % 2]!.take(key, limit, resetAt)),
      );
      expect(takes.filter((t) => t.granted)).toHaveLength(limit);
      expect(Number(await probe.get(`${prefix}:budget:${key}`))).toBe(limit);
      const ttl = await probe.pttl(`${prefix}:budget:${key}`);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });

  it('a unit given back is taken again; never below zero', async () => {
    const resetAt = new Date(Date.now() + 60_000);
    const [a, b] = workers as [RedisRequestBudget, RedisRequestBudget];
    expect((await a.take('back', 1, resetAt)).granted).toBe(true);
    expect((await b.take('back', 1, resetAt)).granted).toBe(false);
    await b.giveBack('back');
    await b.giveBack('back');
    expect(Number(await probe.get(`${prefix}:budget:back`))).toBe(0);
    expect((await b.take('back', 1, resetAt)).granted).toBe(true);
  });

  it('forgets the count at the reset', async () => {
    const [a] = workers as [RedisRequestBudget];
    expect((await a.take('reset', 1, new Date(Date.now() + 1200))).granted).toBe(true);
    expect((await a.take('reset', 1, new Date(Date.now() + 1200))).granted).toBe(false);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await a.take('reset', 1, new Date(Date.now() + 60_000))).granted).toBe(true);
  });
});
