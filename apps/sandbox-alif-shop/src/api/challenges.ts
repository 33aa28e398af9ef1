/**
 * Pending 3-D Secure challenges. While a card payment of a customer waits for its 3DS step, Alif
 * Shop keeps that customer's account read-only: every data endpoint answers 423 with the seconds
 * to wait. A challenge resolves itself after its time (real time).
 */
export class ChallengeRegistry {
  private readonly until = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  open(msisdn: string, seconds: number): number {
    const until = this.clock() + seconds * 1000;
    this.until.set(msisdn, until);
    return until;
  }

  close(msisdn?: string): number {
    if (msisdn === undefined) {
      const n = this.until.size;
      this.until.clear();
      return n;
    }
    return this.until.delete(msisdn) ? 1 : 0;
  }

  /** Whole seconds left on the customer's pending challenge, or 0 when there is none. */
  retryAfter(msisdn: string): number {
    const until = this.until.get(msisdn);
    if (until === undefined) return 0;
    const left = until - this.clock();
    if (left <= 0) {
      this.until.delete(msisdn);
      return 0;
    }
    return Math.ceil(left / 1000);
  }

  list(): Array<{ msisdn: string; retry_after: number }> {
    return [...this.until.keys()]
      .map((msisdn) => ({ msisdn, retry_after: this.retryAfter(msisdn) }))
      .filter((c) => c.retry_after > 0);
  }
}
