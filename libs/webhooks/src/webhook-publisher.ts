import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bullmq';
import {
  DataSource,
  type EntityManager,
  type EntitySubscriberInterface,
  type QueryRunner,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
} from 'typeorm';
import { QUEUES, jobIds } from '#common/queues.js';
import {
  WebhookEventRepository,
  type PendingCursor,
} from '#persistence/repositories/webhook-event.repository.js';
import { buildEnvelope, type WebhookEventData, type WebhookEventType } from './envelope.js';
import { WEBHOOK_JOBS, deliveryJobOptions, type WebhookQueueJob } from './webhook-jobs.js';
import { WEBHOOK_OPTIONS, resolveWebhookOptions, type WebhookOptions } from './webhook-options.js';

interface Deferred {
  eventId: string;
  /** Transaction depth the event was written at (1 = the outer transaction, 2+ = a savepoint). */
  depth: number;
}

export interface SweepResult {
  /** Pending events that had no job and got one. */
  requeued: number;
  /** Pending events closed with `failed_at` (their job failed unrecorded, or was lost past the window). */
  closed: number;
}

const SWEEP_PAGE = 500;
const SWEEP_MAX_SCAN = 20_000;

/**
 * Publishes client webhooks as an outbox: the `webhook_events` row is the event; the BullMQ job
 * only triggers its delivery.
 *
 * How the job gets enqueued, so that no caller can get it wrong:
 * - `publish(…, em)` inside a transaction writes the row through `em` — it commits or rolls back
 *   with the caller's change (a status and its event are one fact) — and defers the enqueue to
 *   the transaction's commit: the publisher is a TypeORM subscriber, and `afterTransactionCommit`
 *   of that query runner enqueues. A rollback (or a rolled-back savepoint) drops the deferred
 *   enqueue, so a worker is never sent looking for a row that does not exist. `publish` called
 *   without a transaction enqueues at once, after the insert.
 * - The enqueue never fails the caller: the row is already durable. When Redis is down or slow,
 *   the failure is logged and {@link requeueLost} — run by the worker every minute — enqueues
 *   every pending event older than a minute that has no job. A lost enqueue costs latency, never
 *   the event.
 * - Job ids are `webhook-<eventId>`, so the commit hook and the sweep racing each other make one job.
 */
@Injectable()
export class WebhookPublisher implements EntitySubscriberInterface, OnModuleDestroy {
  private readonly logger = new Logger(WebhookPublisher.name);
  private readonly options: WebhookOptions;
  private readonly deferred = new WeakMap<QueryRunner, Deferred[]>();
  private readonly dataSources = new Set<DataSource>();

  constructor(
    private readonly ds: DataSource,
    private readonly events: WebhookEventRepository,
    @InjectQueue(QUEUES.webhookDelivery) private readonly queue: Queue<WebhookQueueJob>,
    @Optional() @Inject(WEBHOOK_OPTIONS) options?: Partial<WebhookOptions> | null,
  ) {
    this.options = resolveWebhookOptions(options);
    this.subscribeTo(ds);
  }

  /**
   * Records an event for a client and schedules its delivery; returns the event id.
   *
   * @param em the caller's transaction: the event commits or rolls back with it, and is enqueued
   *   only after the commit. Without it the event is written and enqueued at once.
   * @throws {TypeError} an unknown type or a `data` JSON cannot carry; database errors (an
   *   unknown client) as they are. Never a Redis error.
   */
  async publish(
    clientId: string,
    type: WebhookEventType,
    data: WebhookEventData,
    em?: EntityManager,
  ): Promise<string> {
    const envelope = buildEnvelope(type, data);
    await this.events.insert(
      { id: envelope.id, clientId, type, payload: { ...envelope }, createdAt: new Date(envelope.created_at) },
      em,
    );
    const qr = em?.queryRunner;
    if (em && qr?.isTransactionActive) {
      this.subscribeTo(em.dataSource);
      const list = this.deferred.get(qr) ?? [];
      list.push({ eventId: envelope.id, depth: transactionDepth(qr) });
      this.deferred.set(qr, list);
    } else {
      await this.enqueue([envelope.id]);
    }
    return envelope.id;
  }

  /** TypeORM hook, for every transaction of the data source; only ours have deferred events. */
  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const qr = event.queryRunner;
    const list = this.deferred.get(qr);
    if (!list) return;
    if (qr.isTransactionActive) {
      // Only a savepoint was released: its events now belong to the enclosing level, and commit
      // or roll back with it.
      const depth = transactionDepth(qr);
      for (const d of list) d.depth = Math.min(d.depth, depth);
      return;
    }
    this.deferred.delete(qr);
    await this.enqueue(list.map((d) => d.eventId));
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    const qr = event.queryRunner;
    const list = this.deferred.get(qr);
    if (!list) return;
    const depth = qr.isTransactionActive ? transactionDepth(qr) : 0;
    const kept = list.filter((d) => d.depth <= depth);
    if (kept.length) this.deferred.set(qr, kept);
    else this.deferred.delete(qr);
  }

  /**
   * The outbox sweep: every event neither delivered nor given up, older than the grace period,
   * whose job Redis does not know, is enqueued again. It also closes events a lost job can no
   * longer serve: a job that failed without recording `failed_at`, or a job lost for longer
   * than the retry window.
   *
   * @throws Redis errors (the sweep job fails and runs again at the next tick).
   */
  async requeueLost(opts: { graceMs?: number; now?: Date } = {}): Promise<SweepResult> {
    const now = opts.now ?? new Date();
    const before = new Date(now.getTime() - (opts.graceMs ?? this.options.sweepGraceMs));
    const result: SweepResult = { requeued: 0, closed: 0 };
    let cursor: PendingCursor | undefined;
    for (let scanned = 0; scanned < SWEEP_MAX_SCAN;) {
      const page = await this.events.listPending(before, SWEEP_PAGE, cursor);
      if (page.length === 0) break;
      scanned += page.length;
      cursor = page[page.length - 1];
      // One round trip for the page: ioredis pipelines commands issued together.
      const states = await Promise.all(page.map((e) => this.queue.getJobState(jobIds.webhook(e.id))));
      const lost: string[] = [];
      for (const [i, e] of page.entries()) {
        const state = states[i];
        if (state === 'failed') {
          if (await this.events.markUndeliverable(e.id, 'delivery job failed', { keepLastError: true }))
            result.closed++;
        } else if (state === 'unknown') {
          if (now.getTime() - e.createdAt.getTime() >= this.options.retryWindowMs) {
            if (await this.events.markUndeliverable(e.id, 'not delivered within the retry window (job lost)'))
              result.closed++;
          } else {
            lost.push(e.id);
          }
        }
      }
      if (lost.length) {
        await this.queue.addBulk(lost.map((id) => this.deliveryJob(id)));
        result.requeued += lost.length;
      }
      if (page.length < SWEEP_PAGE) break;
    }
    if (result.requeued || result.closed)
      this.logger.warn({ ...result }, 'webhook sweep found events without a job');
    return result;
  }

  onModuleDestroy(): void {
    for (const ds of this.dataSources) {
      const i = ds.subscribers.indexOf(this);
      if (i >= 0) ds.subscribers.splice(i, 1);
    }
    this.dataSources.clear();
  }

  private subscribeTo(ds: DataSource): void {
    if (this.dataSources.has(ds)) return;
    // NestJS's documented way to register a subscriber that is itself a provider.
    ds.subscribers.push(this);
    this.dataSources.add(ds);
  }

  private deliveryJob(eventId: string) {
    return {
      name: WEBHOOK_JOBS.deliver,
      data: { eventId },
      opts: deliveryJobOptions(eventId, this.options.maxAttempts),
    };
  }

  /** Best effort, bounded: a Redis failure is logged and left to the sweep. */
  private async enqueue(eventIds: readonly string[]): Promise<void> {
    const adding = this.queue.addBulk(eventIds.map((id) => this.deliveryJob(id)));
    // A late failure after the wait below gave up must not become an unhandled rejection.
    adding.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${this.options.enqueueWaitMs} ms`)),
        this.options.enqueueWaitMs,
      );
    });
    try {
      await Promise.race([adding, timeout]);
    } catch (err) {
      this.logger.warn(
        { event_ids: eventIds, err: (err as Error).message },
        'webhook enqueue failed; the sweep will enqueue it',
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * TypeORM keeps the savepoint depth in a protected field. Reading it only sharpens which deferred
 * events a rolled-back savepoint drops; without it they would be enqueued and the worker would
 * find no row, which it treats as nothing to do.
 */
function transactionDepth(qr: QueryRunner): number {
  const depth = (qr as unknown as { transactionDepth?: unknown }).transactionDepth;
  return typeof depth === 'number' ? depth : 1;
}
