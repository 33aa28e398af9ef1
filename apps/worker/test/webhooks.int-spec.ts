import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Module, type INestApplicationContext, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { QUEUES, bullConnection, jobIds } from '#common/queues.js';
import { Keyring } from '#crypto/keyring.js';
import { dataSourceOptions } from '#persistence/data-source.js';
import { webhookSecretAad } from '#persistence/entities/client.entity.js';
import { ClientRepository } from '#persistence/repositories/client.repository.js';
import { WebhookEventRepository } from '#persistence/repositories/webhook-event.repository.js';
import { createTestDatabase, type TestDatabase } from '#testing/db.js';
import { buildEnvelope } from '#webhooks/envelope.js';
import { verifyWebhook } from '#webhooks/signature.js';
import { WEBHOOK_SWEEP_SCHEDULER_ID } from '#webhooks/webhook-jobs.js';
import { WebhookPublisher } from '#webhooks/webhook-publisher.js';
import { WebhooksModule } from '#webhooks/webhooks.module.js';
import { WebhookDeliveryProcessor } from '../src/processors/webhook-delivery.processor.js';

/**
 * Publisher → BullMQ → processor → a real HTTP receiver, over this file's own PostgreSQL database
 * and Redis prefix. The only test-specific policy: 3 attempts, 20 ms between them, 500 ms timeout.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `${process.env.HISOB_REDIS_PREFIX ?? 'hisob-t-local'}-webhooks-${randomBytes(3).toString('hex')}`;
const keyring = Keyring.parse(`wh1:${randomBytes(32).toString('base64')}`);

type Plan = number | 'hang';
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let db: TestDatabase;
let app: INestApplicationContext;
let server: Server;
let baseUrl: string;
let queueEvents: QueueEvents;
let sut: WebhookPublisher;
let ds: DataSource;
let events: WebhookEventRepository;
let queue: Queue;
const logs: string[] = [];
const secrets: string[] = [];
const received: Received[] = [];
const plans = new Map<string, Plan[]>();

const capture =
  (level: string) =>
  (message: unknown, ...params: unknown[]) => {
    logs.push(JSON.stringify({ level, message, params }));
  };
const logger: LoggerService = {
  log: capture('log'),
  error: capture('error'),
  warn: capture('warn'),
  debug: capture('debug'),
  verbose: capture('verbose'),
  fatal: capture('fatal'),
};

// Job outcomes as QueueEvents reports them, kept from the stream's start so a job that finishes
// before the test starts waiting is not missed.
const finished = new Map<string, { state: 'completed' | 'failed'; value: unknown }>();
const waiting = new Map<string, () => void>();
function settle(jobId: string, outcome: { state: 'completed' | 'failed'; value: unknown }) {
  finished.set(jobId, outcome);
  waiting.get(jobId)?.();
}
function jobOutcome(
  eventId: string,
  timeoutMs = 20_000,
): Promise<{ state: 'completed' | 'failed'; value: unknown }> {
  const jobId = jobIds.webhook(eventId);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`job ${jobId} did not finish in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const check = () => {
      const outcome = finished.get(jobId);
      if (!outcome) return;
      clearTimeout(timer);
      waiting.delete(jobId);
      finished.delete(jobId); // a re-enqueued job of the same event is waited for afresh
      resolve(outcome);
    };
    waiting.set(jobId, check);
    check();
  });
}

@Module({})
class WebhooksTestModule {}

beforeAll(async () => {
  db = await createTestDatabase();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
      const next = plans.get(path)?.shift() ?? 200;
      if (next === 'hang') return; // never answers: the sender's timeout must end the attempt
      res.writeHead(next, { 'content-type': 'text/plain' });
      res.end(next < 300 ? 'ok' : `${'upstream exploded\n'.repeat(60)}TAIL-NEVER-STORED`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  app = await NestFactory.createApplicationContext(
    {
      module: WebhooksTestModule,
      imports: [
        TypeOrmModule.forRoot(
          dataSourceOptions({ url: db.url, poolSize: 4, applicationName: 'webhooks-int-spec' }),
        ),
        BullModule.forRoot({ connection: bullConnection(REDIS_URL, true), prefix: PREFIX }),
        // The receiver listens on 127.0.0.1: a private address, allowed here as in the sandboxes.
        WebhooksModule.register({
          maxAttempts: 3,
          backoffMs: () => 20,
          requestTimeoutMs: 500,
          allowPrivateAddresses: true,
        }),
      ],
      providers: [WebhookDeliveryProcessor, ClientRepository, { provide: Keyring, useValue: keyring }],
    },
    { logger },
  );
  app.enableShutdownHooks();
  sut = app.get(WebhookPublisher);
  ds = app.get(DataSource);
  events = app.get(WebhookEventRepository);
  queue = app.get<Queue>(getQueueToken(QUEUES.webhookDelivery));

  queueEvents = new QueueEvents(QUEUES.webhookDelivery, {
    connection: bullConnection(REDIS_URL, true),
    prefix: PREFIX,
    lastEventId: '0-0',
  });
  queueEvents.on('completed', ({ jobId, returnvalue }) =>
    settle(jobId, { state: 'completed', value: returnvalue }),
  );
  queueEvents.on('failed', ({ jobId, failedReason }) =>
    settle(jobId, { state: 'failed', value: failedReason }),
  );
  await queueEvents.waitUntilReady();
});

afterAll(async () => {
  await queueEvents?.close();
  await app?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await db?.drop();
});

let n = 0;
async function newClient(opts: { webhook?: boolean; plan?: Plan[]; url?: string } = {}) {
  const path = `/hooks/client-${++n}`;
  const apiKeyId = randomBytes(8).toString('hex');
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  secrets.push(secret);
  if (opts.plan) plans.set(path, [...opts.plan]);
  const client = await app.get(ClientRepository).create({
    name: `client ${n}`,
    apiKeyId,
    apiKeyHash: 'not used here',
    // A query string with a token: it must reach the receiver and never the logs.
    webhookUrl: opts.webhook === false ? null : (opts.url ?? `${baseUrl}${path}?token=tok-${apiKeyId}`),
    webhookSecretEnc: keyring.encrypt(secret, webhookSecretAad(apiKeyId)),
  });
  return { id: client.id, path, secret };
}

const requestsTo = (path: string) => received.filter((r) => r.path === path);
const storedBody = async (id: string) =>
  (
    (await ds.query(`SELECT payload::text AS body FROM webhook_events WHERE id = $1`, [id])) as Array<{
      body: string;
    }>
  )[0]?.body;
const statusChange = {
  consent_id: '0b7e6f7c-3f0e-4a55-8d5e-1f2a3b4c5d6e',
  end_user_id: 'user-1',
  provider: 'alif-mobi',
  previous_status: 'awaiting_authorisation',
  status: 'active',
  reason: null,
};

describe('webhook delivery', () => {
  it('delivers an event once, with the stored bytes, signed so the documented check accepts it', async () => {
    const client = await newClient();
    const id = await sut.publish(client.id, 'consent.status_changed', statusChange);

    expect(await jobOutcome(id)).toEqual({ state: 'completed', value: 'delivered' });
    const [req, ...more] = requestsTo(client.path);
    expect(more).toHaveLength(0);
    expect(req!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'Hisob-Webhooks/1',
      'hisob-event-id': id,
      'hisob-event-type': 'consent.status_changed',
    });
    expect(req!.headers['hisob-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(req!.headers['hisob-signature'] as string, client.secret, req!.body)).toBe(true);
    expect(verifyWebhook(req!.headers['hisob-signature'] as string, 'whsec_someone-else', req!.body)).toBe(
      false,
    );
    expect(req!.body.toString('utf8')).toBe(await storedBody(id));

    const row = await events.findById(id);
    expect(JSON.parse(req!.body.toString('utf8'))).toEqual({
      id,
      type: 'consent.status_changed',
      created_at: row!.createdAt.toISOString(),
      data: statusChange,
    });
    expect(row).toMatchObject({ attempts: 1, lastStatus: 200, lastError: null, failedAt: null });
    expect(row!.deliveredAt).toBeInstanceOf(Date);
  });

  it('retries a 500 twice and delivers on the 3rd attempt, with the same event id and body each time', async () => {
    const client = await newClient({ plan: [500, 500, 200] });
    const id = await sut.publish(client.id, 'sync.succeeded', {
      consent_id: statusChange.consent_id,
      transactions_added: 3,
    });

    expect(await jobOutcome(id)).toEqual({ state: 'completed', value: 'delivered' });
    const reqs = requestsTo(client.path);
    expect(reqs).toHaveLength(3);
    expect(new Set(reqs.map((r) => r.headers['hisob-event-id']))).toEqual(new Set([id]));
    expect(new Set(reqs.map((r) => r.body.toString('utf8')))).toEqual(new Set([await storedBody(id)]));
    for (const r of reqs)
      expect(verifyWebhook(r.headers['hisob-signature'] as string, client.secret, r.body)).toBe(true);
    expect(await events.findById(id)).toMatchObject({
      attempts: 3,
      lastStatus: 200,
      lastError: null,
      failedAt: null,
    });
  });

  it('gives up after the last attempt: failed_at, the last status, at most 200 characters of the answer', async () => {
    const client = await newClient({ plan: [503, 503, 503, 200] });
    const id = await sut.publish(client.id, 'sync.failed', {
      consent_id: statusChange.consent_id,
      error: 'provider_unavailable',
    });

    const outcome = await jobOutcome(id);
    expect(outcome.state).toBe('failed');
    expect(requestsTo(client.path)).toHaveLength(3);
    const row = await events.findById(id);
    expect(row).toMatchObject({ attempts: 3, lastStatus: 503, deliveredAt: null });
    expect(row!.failedAt).toBeInstanceOf(Date);
    expect(row!.lastError).toMatch(/^HTTP 503: upstream exploded upstream exploded/);
    expect(row!.lastError!.length).toBeLessThanOrEqual('HTTP 503: '.length + 200);
    expect(row!.lastError).not.toContain('TAIL-NEVER-STORED');
  });

  it('ends an attempt at the timeout and records it without a status', async () => {
    const client = await newClient({ plan: ['hang', 'hang', 'hang'] });
    const id = await sut.publish(client.id, 'transactions.changed', { consent_id: statusChange.consent_id });

    expect((await jobOutcome(id)).state).toBe('failed');
    expect(await events.findById(id)).toMatchObject({
      attempts: 3,
      lastStatus: null,
      lastError: 'timeout after 500 ms',
    });
  });

  it('ends the event at the first attempt when the destination is refused, with the reason', async () => {
    const client = await newClient({ url: 'ftp://127.0.0.1/hooks' });
    const id = await sut.publish(client.id, 'consent.status_changed', statusChange);

    expect((await jobOutcome(id)).state).toBe('failed');
    const row = await events.findById(id);
    expect(row).toMatchObject({ attempts: 1, lastStatus: null, deliveredAt: null });
    expect(row!.lastError).toBe('unsupported webhook_url scheme ftp:');
    expect(row!.failedAt).toBeInstanceOf(Date);
  });

  it('sends nothing to a client without webhook_url, marks the event and does not retry', async () => {
    const client = await newClient({ webhook: false });
    const id = await sut.publish(client.id, 'consent.status_changed', statusChange);

    expect(await jobOutcome(id)).toEqual({ state: 'completed', value: 'skipped' });
    expect(requestsTo(client.path)).toHaveLength(0);
    const row = await events.findById(id);
    expect(row).toMatchObject({
      attempts: 0,
      lastError: 'no webhook_url',
      deliveredAt: null,
      lastStatus: null,
    });
    expect(row!.failedAt).toBeInstanceOf(Date);
    expect(await queue.getJobState(jobIds.webhook(id))).toBe('unknown');
  });

  it('sends nothing for a deleted client', async () => {
    const client = await newClient();
    await app.get(ClientRepository).softDelete(client.id);
    const id = await sut.publish(client.id, 'consent.status_changed', statusChange);

    expect(await jobOutcome(id)).toEqual({ state: 'completed', value: 'skipped' });
    expect(requestsTo(client.path)).toHaveLength(0);
    expect(await events.findById(id)).toMatchObject({ attempts: 0, lastError: 'client deleted' });
  });
});

describe('publishing inside a transaction', () => {
  it('writes the event with the transaction and enqueues it only after the commit', async () => {
    const client = await newClient();
    let id = '';
    await ds.transaction(async (em) => {
      id = await sut.publish(client.id, 'consent.status_changed', statusChange, em);
      expect(await events.findById(id)).toBeNull(); // not visible outside the transaction yet
      expect(await queue.getJobState(jobIds.webhook(id))).toBe('unknown');
    });

    expect(await jobOutcome(id)).toEqual({ state: 'completed', value: 'delivered' });
    expect(requestsTo(client.path).map((r) => r.headers['hisob-event-id'])).toEqual([id]);
  });

  it('delivers nothing for a publish inside a rolled-back transaction', async () => {
    const client = await newClient();
    let id = '';
    await expect(
      ds.transaction(async (em) => {
        id = await sut.publish(client.id, 'consent.status_changed', statusChange, em);
        throw new Error('the status change failed');
      }),
    ).rejects.toThrow('the status change failed');

    expect(await events.findById(id)).toBeNull();
    expect(await queue.getJobState(jobIds.webhook(id))).toBe('unknown');
    // A later event of the same client is the only thing its receiver ever gets.
    const next = await sut.publish(client.id, 'sync.succeeded', { consent_id: statusChange.consent_id });
    await jobOutcome(next);
    expect(requestsTo(client.path).map((r) => r.headers['hisob-event-id'])).toEqual([next]);
  });

  it('drops the event of a rolled-back savepoint and delivers the one of the committed outer transaction', async () => {
    const client = await newClient();
    const ids = { outer: '', inner: '', kept: '' };
    await ds.transaction(async (em) => {
      ids.outer = await sut.publish(client.id, 'consent.status_changed', statusChange, em);
      await em
        .transaction(async (inner) => {
          ids.inner = await sut.publish(
            client.id,
            'sync.failed',
            { consent_id: statusChange.consent_id },
            inner,
          );
          throw new Error('inner step failed');
        })
        .catch(() => undefined);
      await em.transaction(async (inner) => {
        ids.kept = await sut.publish(
          client.id,
          'sync.succeeded',
          { consent_id: statusChange.consent_id },
          inner,
        );
      });
    });

    await Promise.all([jobOutcome(ids.outer), jobOutcome(ids.kept)]);
    expect(
      requestsTo(client.path)
        .map((r) => r.headers['hisob-event-id'])
        .sort(),
    ).toEqual([ids.outer, ids.kept].sort());
    expect(await events.findById(ids.inner)).toBeNull();
    expect(await queue.getJobState(jobIds.webhook(ids.inner))).toBe('unknown');
  });
});

describe('a lost enqueue', () => {
  it('does not fail publish when Redis refuses, and the sweep delivers the event', async () => {
    const client = await newClient();
    // A publisher whose Redis refuses connections (fail fast, no reconnects: nothing left running).
    const deadRedis = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    deadRedis.on('error', () => undefined);
    const deadQueue = new Queue(QUEUES.webhookDelivery, { connection: deadRedis, prefix: PREFIX });
    deadQueue.on('error', () => undefined);
    const cutOff = new WebhookPublisher(ds, events, deadQueue, { enqueueWaitMs: 2_000 });
    let id = '';
    try {
      id = await ds.transaction((em) =>
        cutOff.publish(client.id, 'consent.status_changed', statusChange, em),
      );
    } finally {
      cutOff.onModuleDestroy();
      await deadQueue.close();
      // Already ended by the refused connect; disconnecting again would arm ioredis's 2 s stream timer.
      if (deadRedis.status !== 'end') deadRedis.disconnect();
    }
    expect(await events.findById(id)).toMatchObject({ attempts: 0, deliveredAt: null });
    expect(await queue.getJobState(jobIds.webhook(id))).toBe('unknown');
    expect(logs.some((l) => l.includes('webhook enqueue failed') && l.includes(id))).toBe(true);

    expect(await sut.requeueLost({ graceMs: 0 })).toEqual({ requeued: 1, closed: 0 });
    expect(await jobOutcome(id)).toEqual({ state: 'completed', value: 'delivered' });
    expect(requestsTo(client.path)).toHaveLength(1);
    expect(await sut.requeueLost({ graceMs: 0 })).toEqual({ requeued: 0, closed: 0 });
  });

  it('closes an event whose job was lost for longer than the retry window', async () => {
    const client = await newClient();
    const envelope = buildEnvelope(
      'sync.succeeded',
      { consent_id: statusChange.consent_id },
      new Date(Date.now() - 25 * 3_600_000),
    );
    await events.insert({
      id: envelope.id,
      clientId: client.id,
      type: envelope.type,
      payload: { ...envelope },
      createdAt: new Date(envelope.created_at),
    });

    expect(await sut.requeueLost({ graceMs: 0 })).toEqual({ requeued: 0, closed: 1 });
    const row = await events.findById(envelope.id);
    expect(row!.failedAt).toBeInstanceOf(Date);
    expect(row!.lastError).toBe('not delivered within the retry window (job lost)');
    expect(requestsTo(client.path)).toHaveLength(0);
  });

  it('is scheduled on the delivery queue by the worker', async () => {
    expect(await queue.getJobScheduler(WEBHOOK_SWEEP_SCHEDULER_ID)).toMatchObject({ every: 60_000 });
  });
});

describe('logs', () => {
  it('carry event and client ids, never a webhook secret nor the URL', () => {
    const all = logs.join('\n');
    expect(all).toContain('"event_id"');
    expect(all).toContain('"client_id"');
    for (const s of secrets) expect(all).not.toContain(s);
    expect(all).not.toContain('token=');
    expect(all).not.toContain('/hooks/');
  });
});
