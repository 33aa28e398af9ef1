/**
 * The pure part of bench/fleet.ts: from what the database showed (when each consent was due, when
 * its scheduled syncs were created and finished), the freshness lag of every due time in the
 * measured window; and from the CPU the processes spent, the worker count a cadence needs.
 */
import { percentile } from './stats.js';

/** A scheduled sync of one consent, as the `syncs` table has it (epoch ms). */
export interface ObservedSync {
  consentId: string;
  createdAt: number;
  /** null while it is unfinished. */
  finishedAt: number | null;
  state: string;
}

/** How late one due time of one consent was served. */
export interface Lateness {
  consentId: string;
  due: number;
  /** From the due time to the sync's creation by the scheduler (ms); null when none was created. */
  startLag: number | null;
  /** From the due time to the end of the sync that served it (ms); the censored value when unserved. */
  lag: number;
  /** No sync created after the due time had finished when the window closed: `lag` is a lower bound. */
  censored: boolean;
}

/**
 * Pairs every due time inside `[windowStart, windowEnd]` with the first scheduled sync of its
 * consent created at or after it (a consent is picked up only once one of its accounts is due, so
 * the sync that serves a due time is created after it; the due time that follows is set by that
 * sync, and is later than its creation). A due time whose sync had not finished by `servedBy`
 * counts with `servedBy − due`, as a lower bound: a backlog is never hidden by leaving it out.
 *
 * @param dues every distinct due time observed per consent (epoch ms, any order)
 * @param servedBy until when a due time of the window may be served (≥ windowEnd: the syncs of the
 *   last due times are let finish, so the window's edge does not count as lateness)
 */
export function freshness(
  dues: ReadonlyMap<string, Iterable<number>>,
  syncs: readonly ObservedSync[],
  windowStart: number,
  windowEnd: number,
  servedBy = windowEnd,
): Lateness[] {
  const byConsent = new Map<string, ObservedSync[]>();
  for (const s of syncs) {
    const list = byConsent.get(s.consentId);
    if (list) list.push(s);
    else byConsent.set(s.consentId, [s]);
  }
  for (const list of byConsent.values()) list.sort((a, b) => a.createdAt - b.createdAt);
  const out: Lateness[] = [];
  for (const [consentId, times] of dues) {
    const own = byConsent.get(consentId) ?? [];
    const sorted = [...new Set(times)].sort((a, b) => a - b);
    for (const due of sorted) {
      if (due < windowStart || due > windowEnd) continue;
      const sync = own.find((s) => s.createdAt >= due && s.createdAt <= servedBy);
      const startLag = sync ? sync.createdAt - due : null;
      if (sync && sync.finishedAt !== null && sync.finishedAt <= servedBy)
        out.push({ consentId, due, startLag, lag: sync.finishedAt - due, censored: false });
      else out.push({ consentId, due, startLag, lag: servedBy - due, censored: true });
    }
  }
  return out;
}

export interface LagSummary {
  count: number;
  censored: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank p50, p99 and the maximum of the lags (ms); NaN for an empty set. */
export function summarise(lags: readonly number[], censored = 0): LagSummary {
  const sorted = Float64Array.from(lags).sort();
  return {
    count: sorted.length,
    censored,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

export interface WorkerEstimate {
  /** Syncs a second the cadence asks for: consents ÷ cadence. */
  neededPerSecond: number;
  /** Worker CPU seconds one sync cost (all worker processes together). */
  cpuPerSync: number;
  /** Syncs a second one worker process sustains at `utilisation` of its one core. */
  perWorker: number;
  /** Worker processes for the needed rate (at least 1). */
  workers: number;
}

/**
 * The worker processes a cadence needs, CPU-bound: a worker is one Node.js process (one core for
 * its JavaScript), so at `utilisation` of that core it serves `utilisation ÷ cpuPerSync` syncs a
 * second. The measured run gives `cpuPerSync` (worker CPU seconds ÷ syncs finished in the window).
 */
export function workersNeeded(opts: {
  consents: number;
  cadenceSeconds: number;
  workerCpuSeconds: number;
  syncsFinished: number;
  /** Share of a core a worker may use in production (headroom for bursts and GC); 0 < u ≤ 1. */
  utilisation?: number;
}): WorkerEstimate {
  const { consents, cadenceSeconds, workerCpuSeconds, syncsFinished } = opts;
  const utilisation = opts.utilisation ?? 0.7;
  if (!(cadenceSeconds > 0)) throw new RangeError('cadenceSeconds must be positive');
  if (!(utilisation > 0 && utilisation <= 1)) throw new RangeError('utilisation must be in (0, 1]');
  if (!(syncsFinished > 0)) throw new RangeError('no sync finished: nothing to estimate from');
  const neededPerSecond = consents / cadenceSeconds;
  const cpuPerSync = workerCpuSeconds / syncsFinished;
  const perWorker = cpuPerSync > 0 ? utilisation / cpuPerSync : Number.POSITIVE_INFINITY;
  return {
    neededPerSecond,
    cpuPerSync,
    perWorker,
    workers: Math.max(1, Math.ceil(neededPerSecond / perWorker)),
  };
}
