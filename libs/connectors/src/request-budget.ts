/**
 * A provider-neutral allowance of bank calls: "at most `limit` calls under `key` until `resetAt`".
 * Banks that cap how often a consent may be read (Berlin Group `frequencyPerDay`) are asked only
 * while the allowance holds; the call that would exceed it is not made. The store is shared by
 * every worker (Redis in production, see libs/consents), so two workers never spend one unit twice.
 */
export interface RequestBudget {
  /**
   * Takes one unit of `key`'s allowance. Atomic: of N concurrent takers of a key with `limit`
   * units, at most `limit` are granted. The count starts at the first take and is forgotten at
   * `resetAt`; callers put the period in the key (a bank day) as well, so a clock that moves
   * past `resetAt` also moves to a fresh key.
   */
  take(key: string, limit: number, resetAt: Date): Promise<BudgetTake>;
  /** Gives back a unit taken for a call the bank did not serve (it was not counted there either). */
  giveBack(key: string): Promise<void>;
}

/** The answer of {@link RequestBudget.take}. */
export interface BudgetTake {
  readonly granted: boolean;
  /** Units taken of the key after this take (a refused take leaves it at `limit`). */
  readonly used: number;
}

/**
 * An in-process budget: for one process (tests, a single worker) and as the fallback when no
 * shared store is configured. Not shared between processes.
 */
export class InMemoryRequestBudget implements RequestBudget {
  private readonly counts = new Map<string, { used: number; resetAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  take(key: string, limit: number, resetAt: Date): Promise<BudgetTake> {
    const t = this.now();
    let entry = this.counts.get(key);
    if (!entry || entry.resetAt <= t) {
      entry = { used: 0, resetAt: resetAt.getTime() };
      this.counts.set(key, entry);
    }
    if (entry.used >= limit) return Promise.resolve({ granted: false, used: entry.used });
    entry.used++;
    return Promise.resolve({ granted: true, used: entry.used });
  }

  giveBack(key: string): Promise<void> {
    const entry = this.counts.get(key);
    if (entry && entry.used > 0) entry.used--;
    return Promise.resolve();
  }
}
