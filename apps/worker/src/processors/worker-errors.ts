/** Up to `maxMs` of random delay, so retries scheduled together do not fire together. */
export const jitterMs = (maxMs = 5_000, random: () => number = Math.random): number =>
  Math.floor(random() * maxMs);
