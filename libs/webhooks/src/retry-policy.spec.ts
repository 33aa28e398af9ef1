import {
  WEBHOOK_BACKOFF_CAP_MS,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_RETRY_WINDOW_MS,
  isFinalAttempt,
  webhookBackoffMs,
  webhookRetrySchedule,
} from './retry-policy.js';

const HOUR = 3_600_000;

/** A seeded PRNG (mulberry32), so a failing draw can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const waits = (at: number[]) => at.slice(1).map((t, i) => t - (at[i] as number));

describe('webhookBackoffMs', () => {
  it('draws uniformly below an exponential ceiling: 30 s, 60 s, 120 s … (full jitter)', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4].map((n) => webhookBackoffMs(n, top))).toEqual([29_999, 59_999, 119_999, 239_999]);
    expect(webhookBackoffMs(1, () => 0)).toBe(0);
    expect(webhookBackoffMs(3, () => 0.5)).toBe(60_000);
  });

  it('never waits more than 1 h, however many attempts were made', () => {
    for (const n of [7, 8, 9, 50, 99, 1000, 1e9])
      expect(webhookBackoffMs(n, () => 0.999999)).toBeLessThanOrEqual(WEBHOOK_BACKOFF_CAP_MS);
    expect(webhookBackoffMs(8, () => 0.5)).toBe(HOUR / 2);
  });

  it('stays within [0, 1 h] for a misbehaving random source', () => {
    expect(webhookBackoffMs(20, () => 7)).toBe(WEBHOOK_BACKOFF_CAP_MS);
    expect(webhookBackoffMs(20, () => -1)).toBe(0);
    expect(webhookBackoffMs(0, () => 0.5)).toBe(15_000);
  });
});

describe('the retry schedule', () => {
  it('keeps trying for at least 24 h and stops within the following hour, each wait ≤ 1 h', () => {
    const spans: number[] = [];
    for (let seed = 1; seed <= 2000; seed++) {
      const at = webhookRetrySchedule(seeded(seed));
      const last = at[at.length - 1] as number;
      expect(last).toBeGreaterThanOrEqual(WEBHOOK_RETRY_WINDOW_MS);
      expect(last).toBeLessThan(WEBHOOK_RETRY_WINDOW_MS + HOUR);
      expect(Math.max(...waits(at))).toBeLessThanOrEqual(HOUR);
      expect(at.length).toBeLessThan(WEBHOOK_MAX_ATTEMPTS);
      spans.push(at.length);
    }
    // ~55 attempts on average (47 capped waits of 30 min mean, after ~1 h of short ones). The bound
    // of 100 is 8 standard deviations of a 99-wait sum away from being reached before 24 h.
    const mean = spans.reduce((a, b) => a + b, 0) / spans.length;
    expect(mean).toBeGreaterThan(50);
    expect(mean).toBeLessThan(60);
    expect(Math.max(...spans)).toBeLessThan(75);
  });

  it('spans 24 h at the median draw too', () => {
    const at = webhookRetrySchedule(() => 0.5);
    expect(at[at.length - 1]).toBeGreaterThanOrEqual(WEBHOOK_RETRY_WINDOW_MS);
    expect(at.length).toBe(55);
  });

  it('stops at the attempt bound when the draws are degenerate', () => {
    expect(webhookRetrySchedule(() => 0)).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
  });
});

describe('isFinalAttempt', () => {
  const createdAt = new Date('2025-11-23T00:00:00Z');
  const at = (ms: number) => new Date(createdAt.getTime() + ms);

  it('is final at the attempt bound', () => {
    expect(isFinalAttempt({ attemptsMade: 1, maxAttempts: 3, createdAt, now: at(0) })).toBe(false);
    expect(isFinalAttempt({ attemptsMade: 2, maxAttempts: 3, createdAt, now: at(0) })).toBe(true);
  });

  it('is final once the event is 24 h old, counted from its creation', () => {
    expect(
      isFinalAttempt({ attemptsMade: 10, maxAttempts: 100, createdAt, now: at(WEBHOOK_RETRY_WINDOW_MS - 1) }),
    ).toBe(false);
    expect(
      isFinalAttempt({ attemptsMade: 10, maxAttempts: 100, createdAt, now: at(WEBHOOK_RETRY_WINDOW_MS) }),
    ).toBe(true);
    expect(
      isFinalAttempt({ attemptsMade: 0, maxAttempts: 100, createdAt, now: at(2 * WEBHOOK_RETRY_WINDOW_MS) }),
    ).toBe(true);
  });
});
