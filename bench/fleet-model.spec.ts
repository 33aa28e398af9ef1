import fc from 'fast-check';
import { freshness, summarise, workersNeeded, type ObservedSync } from './fleet-model.js';

const sync = (consentId: string, createdAt: number, finishedAt: number | null): ObservedSync => ({
  consentId,
  createdAt,
  finishedAt,
  state: finishedAt === null ? 'running' : 'succeeded',
});

describe('fleet freshness', () => {
  it('pairs each due time with the first sync created after it, and measures to its end', () => {
    const dues = new Map([
      ['a', [1_000, 61_000]],
      ['b', [5_000]],
    ]);
    const syncs = [sync('a', 3_000, 4_000), sync('a', 62_000, 70_000), sync('b', 9_000, 20_000)];
    const out = freshness(dues, syncs, 0, 100_000);
    expect(out).toEqual([
      { consentId: 'a', due: 1_000, startLag: 2_000, lag: 3_000, censored: false },
      { consentId: 'a', due: 61_000, startLag: 1_000, lag: 9_000, censored: false },
      { consentId: 'b', due: 5_000, startLag: 4_000, lag: 15_000, censored: false },
    ]);
  });

  it('counts an unserved due time up to the end of the window, as a lower bound', () => {
    const dues = new Map([
      ['a', [10_000]],
      ['b', [20_000]],
      ['c', [30_000]],
    ]);
    // a: never picked up; b: picked up, still running; c: finished only after the window closed.
    const syncs = [sync('b', 25_000, null), sync('c', 31_000, 120_000)];
    expect(freshness(dues, syncs, 0, 100_000)).toEqual([
      { consentId: 'a', due: 10_000, startLag: null, lag: 90_000, censored: true },
      { consentId: 'b', due: 20_000, startLag: 5_000, lag: 80_000, censored: true },
      { consentId: 'c', due: 30_000, startLag: 1_000, lag: 70_000, censored: true },
    ]);
  });

  it('lets the syncs of the last due times finish after the window, up to servedBy', () => {
    const dues = new Map([
      ['a', [90_000]],
      ['b', [95_000]],
    ]);
    const syncs = [sync('a', 92_000, 104_000), sync('b', 101_000, 130_000)];
    expect(freshness(dues, syncs, 0, 100_000, 120_000)).toEqual([
      { consentId: 'a', due: 90_000, startLag: 2_000, lag: 14_000, censored: false },
      { consentId: 'b', due: 95_000, startLag: 6_000, lag: 25_000, censored: true },
    ]);
  });

  it('ignores due times outside the window, syncs of other consents and syncs before the due time', () => {
    const dues = new Map([['a', [500, 1_000, 1_000, 200_000]]]);
    const syncs = [sync('a', 900, 950), sync('b', 1_100, 1_200), sync('a', 1_500, 2_500)];
    expect(freshness(dues, syncs, 800, 100_000)).toEqual([
      { consentId: 'a', due: 1_000, startLag: 500, lag: 1_500, censored: false },
    ]);
  });

  it('property: one entry per distinct due time in the window, lag ≥ start lag ≥ 0, censored ones bounded by the window', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 1_000 })), {
          maxLength: 30,
        }),
        fc.array(
          fc.tuple(
            fc.constantFrom('a', 'b', 'c'),
            fc.integer({ min: 0, max: 1_000 }),
            fc.option(fc.integer({ min: 0, max: 500 })),
          ),
          { maxLength: 30 },
        ),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 500, max: 1_000 }),
        (dueList, syncList, start, end) => {
          const dues = new Map<string, number[]>();
          for (const [c, t] of dueList) dues.set(c, [...(dues.get(c) ?? []), t]);
          const syncs = syncList.map(([c, t, d]) => sync(c, t, d === null ? null : t + d));
          const out = freshness(dues, syncs, start, end);
          const expected = new Set(
            dueList.filter(([, t]) => t >= start && t <= end).map(([c, t]) => `${c}@${t}`),
          );
          expect(new Set(out.map((l) => `${l.consentId}@${l.due}`))).toEqual(expected);
          expect(out).toHaveLength(expected.size);
          for (const l of out) {
            expect(l.lag).toBeGreaterThanOrEqual(0);
            if (l.startLag !== null) expect(l.startLag).toBeGreaterThanOrEqual(0);
            if (!l.censored) expect(l.lag).toBeGreaterThanOrEqual(l.startLag!);
            if (l.censored) expect(l.lag).toBe(end - l.due);
            else expect(l.due + l.lag).toBeLessThanOrEqual(end);
          }
        },
      ),
      { seed: 16, numRuns: 300 },
    );
  });
});

describe('fleet lag summary', () => {
  it('nearest-rank p50 and p99 and the max, whatever the input order', () => {
    const lags = Array.from({ length: 200 }, (_, i) => 200 - i);
    expect(summarise(lags, 3)).toEqual({ count: 200, censored: 3, p50: 100, p99: 198, max: 200 });
  });

  it('NaN for no lags', () => {
    const s = summarise([]);
    expect(s.count).toBe(0);
    expect(s.p50).toBeNaN();
    expect(s.max).toBeNaN();
  });
});

describe('worker count estimate', () => {
  it('needed rate ÷ what one worker sustains at its CPU cost per sync, rounded up', () => {
    // 2,000 consents every 120 s = 16.7 syncs/s; 600 syncs cost 30 worker CPU s = 50 ms each;
    // at 70 % of a core a worker does 14 syncs/s: 2 workers.
    const e = workersNeeded({
      consents: 2_000,
      cadenceSeconds: 120,
      workerCpuSeconds: 30,
      syncsFinished: 600,
    });
    expect(e.neededPerSecond).toBeCloseTo(16.667, 3);
    expect(e.cpuPerSync).toBeCloseTo(0.05, 10);
    expect(e.perWorker).toBeCloseTo(14, 10);
    expect(e.workers).toBe(2);
  });

  it('10 million consents four times a day at 50 ms a sync: 463 syncs/s, 34 workers at 70 %', () => {
    const e = workersNeeded({
      consents: 10_000_000,
      cadenceSeconds: 86_400 / 4,
      workerCpuSeconds: 50,
      syncsFinished: 1_000,
    });
    expect(e.neededPerSecond).toBeCloseTo(462.96, 2);
    expect(e.workers).toBe(34);
    expect(
      workersNeeded({
        consents: 10_000_000,
        cadenceSeconds: 21_600,
        workerCpuSeconds: 50,
        syncsFinished: 1_000,
        utilisation: 1,
      }).workers,
    ).toBe(24);
  });

  it('at least one worker; refuses a run where nothing finished, or a bad cadence or utilisation', () => {
    expect(
      workersNeeded({ consents: 1, cadenceSeconds: 3_600, workerCpuSeconds: 1, syncsFinished: 10 }).workers,
    ).toBe(1);
    expect(() =>
      workersNeeded({ consents: 1, cadenceSeconds: 60, workerCpuSeconds: 1, syncsFinished: 0 }),
    ).toThrow(RangeError);
    expect(() =>
      workersNeeded({ consents: 1, cadenceSeconds: 0, workerCpuSeconds: 1, syncsFinished: 1 }),
    ).toThrow(RangeError);
    expect(() =>
      workersNeeded({
        consents: 1,
        cadenceSeconds: 60,
        workerCpuSeconds: 1,
        syncsFinished: 1,
        utilisation: 1.5,
      }),
    ).toThrow(RangeError);
  });

  it('property: the estimated workers cover the needed rate, and one fewer would not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1, max: 86_400 }),
        fc.double({ min: 0.001, max: 1_000, noNaN: true }),
        fc.integer({ min: 1, max: 100_000 }),
        (consents, cadenceSeconds, workerCpuSeconds, syncsFinished) => {
          const e = workersNeeded({ consents, cadenceSeconds, workerCpuSeconds, syncsFinished });
          expect(e.workers * e.perWorker).toBeGreaterThanOrEqual(e.neededPerSecond * (1 - 1e-9));
          if (e.workers > 1) expect((e.workers - 1) * e.perWorker).toBeLessThan(e.neededPerSecond);
        },
      ),
      { seed: 16, numRuns: 300 },
    );
  });
});
