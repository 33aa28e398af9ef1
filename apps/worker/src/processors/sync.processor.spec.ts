import { DelayedError, type Job } from 'bullmq';
import { loadWorkerConfig } from '#common/config.js';
import type { SyncEngine } from '#sync/sync-engine.js';
import { SyncProcessor } from './sync.processor.js';

/** The per-provider cap: a job over its bank's cap waits (delayed) and leaves the slot to another bank's. */
describe('SyncProcessor provider caps', () => {
  const config = loadWorkerConfig({
    NODE_ENV: 'test',
    HISOB_WORKER_CONCURRENCY: '4',
    HISOB_WORKER_CONCURRENCY_ALIF_MOBI: '1',
  });

  function setup() {
    const releases: Array<() => void> = [];
    const engine = {
      syncConsent: () => new Promise((resolve) => releases.push(() => resolve({ accounts: 1 }))),
    } as unknown as SyncEngine;
    const processor = new SyncProcessor(engine, config);
    const job = (provider: string | undefined, id: string) => {
      const delayed: number[] = [];
      const j = {
        id,
        name: 'sync-consent',
        data: { consentId: id, syncId: id, reason: 'manual', ...(provider ? { provider } : {}) },
        attemptsMade: 0,
        opts: { attempts: 8 },
        moveToDelayed: async (at: number) => void delayed.push(at),
      } as unknown as Job;
      return { j, delayed };
    };
    return { processor, job, releases };
  }

  it('runs one Alif Mobi sync at a time while other providers go on', async () => {
    const { processor, job, releases } = setup();
    const first = job('alif-mobi', 'a');
    const running = processor.process(first.j, 't');
    const second = job('alif-mobi', 'b');
    await expect(processor.process(second.j, 't')).rejects.toBeInstanceOf(DelayedError);
    expect(second.delayed).toHaveLength(1);
    expect(second.delayed[0]).toBeGreaterThan(Date.now());
    const shop = job('alif-shop', 'c');
    const other = processor.process(shop.j, 't');
    const untagged = processor.process(job(undefined, 'd').j, 't');
    expect(releases).toHaveLength(3);
    for (const release of releases) release();
    await Promise.all([running, other, untagged]);
    // The slot is free again.
    const third = job('alif-mobi', 'e');
    const again = processor.process(third.j, 't');
    expect(third.delayed).toEqual([]);
    releases[3]!();
    await again;
  });
});
