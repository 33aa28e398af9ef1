import { DelayedError, UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { loadWorkerConfig } from '#common/config.js';
import { ConsentJobs } from '#consents/consent-jobs.js';
import { ConsentLifecycle } from '#consents/consent-lifecycle.js';
import { ConsentSessions } from '#consents/consent-sessions.js';
import type { BankSession, Checkpoint, Connector, TransactionPage } from '#connectors/connector.js';
import {
  ChallengePending,
  NotPermitted,
  ProtocolViolation,
  RateLimited,
  ReauthRequired,
  TokenExpired,
  Transient,
  Unsupported,
  type AnyConnectorError,
} from '#connectors/connector-errors.js';
import { ConnectorRegistry } from '#connectors/registry.js';
import { Keyring } from '#crypto/keyring.js';
import { Money } from '#domain/money.js';
import { createDataSource } from '#persistence/data-source.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import { SyncWriteRepository } from '#persistence/repositories/sync-write.repository.js';
import { SyncRepository } from '#persistence/repositories/sync.repository.js';
import { WebhookEventRepository } from '#persistence/repositories/webhook-event.repository.js';
import { SessionVault } from '#persistence/session-vault.js';
import { SyncEngine } from '#sync/sync-engine.js';
import { createTestDatabase, type TestDatabase } from '#testing/db.js';
import { WebhookPublisher } from '#webhooks/webhook-publisher.js';
import { SyncProcessor } from '../src/processors/sync.processor.js';

/**
 * The fault policy end to end on the real PostgreSQL, with a scripted connector (no sandbox, no
 * BullMQ): every connector error class, on a mandatory resource (the account's history) and on a
 * best-effort one (its balances), ends in its documented state — the sync's, the consent's, the
 * account's coverage — and the processor's answer to BullMQ (retry, delay, unrecoverable).
 */
/** One scripted answer: an error to throw, or undefined to answer normally. */
type Fault = (() => AnyConnectorError) | undefined;
interface Script {
  transactions?: Fault[];
  balances?: Fault[];
  refresh?: Fault[];
}

const ACCOUNT = 'acc-1';
let db: TestDatabase;
let ds: DataSource;
let script: Script = {};
let refreshes = 0;

const next = (faults: Fault[] | undefined) => {
  const f = faults?.shift();
  if (f) throw f();
};

const scripted: Connector = {
  provider: 'scripted',
  capabilities: ['accounts', 'balances', 'transactions'],
  startAuthorisation: () => Promise.reject(new Error('not used')),
  completeAuthorisation: () => Promise.reject(new Error('not used')),
  async refresh(session) {
    next(script.refresh);
    refreshes++;
    return {
      ...session,
      accessToken: `${session.accessToken}+`,
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    };
  },
  revoke: async () => undefined,
  listAccounts: async () => ({
    items: [
      {
        providerAccountId: ACCOUNT,
        type: 'current',
        name: 'Main',
        currency: 'TJS',
        iban: null,
        numberMasked: null,
        status: 'active',
      },
    ],
    skipped: [],
  }),
  async getBalances() {
    next(script.balances);
    return [{ type: 'booked', amount: Money.parse('10.00', 'TJS'), referenceDate: null }];
  },
  async *transactions(_s: BankSession, _a: string, from: Checkpoint | null): AsyncGenerator<TransactionPage> {
    for (let page = from ? Number(from.page) + 1 : 0; page < 2; page++) {
      next(script.transactions);
      yield {
        transactions: [
          {
            providerTransactionId: `t-${page}`,
            status: 'booked',
            date: '2026-06-0' + (page + 1),
            valueDate: null,
            bookedAt: null,
            amount: Money.parse('5.00', 'TJS'),
            type: 'other',
            description: `page ${page}`,
            counterparty: null,
            balanceAfter: null,
            category: null,
          },
        ],
        checkpoint: { page },
        done: page === 1,
      };
    }
  },
};

let engine: SyncEngine;
let processor: SyncProcessor;
let vault: SessionVault;
let lastError: unknown = null;
let added: Array<{ name: string; data: any; opts: any }> = [];

beforeAll(async () => {
  db = await createTestDatabase();
  ds = createDataSource({ url: db.url, poolSize: 4 });
  await ds.initialize();
  // Every account in a job of its own: the processor's answer to each fault is what is tested here.
  const config = loadWorkerConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    HISOB_SYNC_INLINE_ACCOUNTS: '0',
  });
  const queue = {
    add: async (name: string, data: unknown, opts: unknown) => {
      added.push({ name, data, opts });
      return {};
    },
    addBulk: async (list: Array<{ name: string; data: unknown; opts: unknown }>) => {
      added.push(...list);
      return [];
    },
    remove: async () => 0,
    getJobs: async () => [],
  } as unknown as Queue;
  vault = new SessionVault(Keyring.parse(config.HISOB_ENCRYPTION_KEY));
  const consents = new ConsentRepository(ds);
  const webhooks = new WebhookPublisher(ds, new WebhookEventRepository(ds), queue, null);
  const syncs = new SyncRepository(ds);
  const registry = new ConnectorRegistry([scripted]);
  const jobs = new ConsentJobs(queue, queue, queue, config, consents, syncs);
  const sessions = new ConsentSessions(ds, consents, vault, jobs, registry);
  engine = new SyncEngine(
    ds,
    consents,
    sessions,
    new ConsentLifecycle(ds, consents, webhooks),
    syncs,
    new SyncWriteRepository(ds),
    webhooks,
    registry,
    config,
    jobs,
  );
  processor = new SyncProcessor(engine, config);
});
afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

async function freshConsent(): Promise<{ consentId: string; syncId: string }> {
  const [client] = await ds.query(
    `INSERT INTO clients (name, api_key_id, api_key_hash, webhook_secret_enc) VALUES ('c', gen_random_uuid()::text, 'h', 'e') RETURNING id`,
  );
  const [consent] = await ds.query(
    `INSERT INTO consents (client_id, provider, end_user_id, status, permissions, authorised_at)
     VALUES ($1, 'scripted', 'u', 'active', ARRAY['accounts','balances','transactions'], now()) RETURNING id`,
    [client.id],
  );
  const session: BankSession = {
    accessToken: 'a1',
    refreshToken: 'r1',
    expiresAt: null,
    scope: null,
    state: null,
  };
  await ds.query(`UPDATE consents SET session_enc = $2 WHERE id = $1`, [
    consent.id,
    vault.seal(consent.id, 'session', session),
  ]);
  const [sync] = await ds.query(
    `INSERT INTO syncs (client_id, consent_id, reason, state) VALUES ($1, $2, 'manual', 'queued') RETURNING id`,
    [client.id, consent.id],
  );
  return { consentId: consent.id, syncId: sync.id };
}

function job(name: string, data: any, final = false) {
  const delayed: number[] = [];
  const j = {
    name,
    data,
    id: `${name}-${data.accountId ?? data.consentId}`,
    attemptsMade: final ? 7 : 0,
    opts: { attempts: 8 },
    moveToDelayed: async (at: number) => void delayed.push(at),
  };
  return { job: j as unknown as Job, delayed };
}

/** Runs the consent job, then the account job once; returns what the processor answered BullMQ. */
async function run(
  final = false,
): Promise<{ consentId: string; syncId: string; outcome: string; delayed: number[] }> {
  const ids = await freshConsent();
  added = [];
  await processor.process(
    job('sync-consent', { consentId: ids.consentId, syncId: ids.syncId, reason: 'manual' }).job,
  );
  const accountJob = added.find((a) => a.name === 'sync-account')!;
  const { job: j, delayed } = job('sync-account', accountJob.data, final);
  let outcome = 'completed';
  try {
    await processor.process(j, 'token');
  } catch (err) {
    outcome =
      err instanceof DelayedError ? 'delayed' : err instanceof UnrecoverableError ? 'unrecoverable' : 'retry';
    if (outcome === 'retry') lastError = err;
  }
  return { ...ids, outcome, delayed };
}

async function state(consentId: string, syncId: string) {
  const [sync] = await ds.query(`SELECT state, partial, accounts_failed FROM syncs WHERE id = $1`, [syncId]);
  const [consent] = await ds.query(`SELECT status FROM consents WHERE id = $1`, [consentId]);
  const [account] = await ds.query(
    `SELECT a.coverage, (SELECT count(*)::int FROM transactions t WHERE t.account_id = a.id) AS n,
            (SELECT count(*)::int FROM balances b WHERE b.account_id = a.id) AS balances
       FROM accounts a WHERE a.consent_id = $1`,
    [consentId],
  );
  const cov = (r: string) =>
    account.coverage.find((c: { resource: string }) => c.resource === r)?.state ?? null;
  return {
    sync: sync.state,
    partial: sync.partial,
    consent: consent.status,
    transactions: cov('transactions'),
    balances: cov('balances'),
    n: account.n,
  };
}

beforeEach(() => {
  script = {};
  refreshes = 0;
});

describe('best-effort balances', () => {
  it.each<[string, Fault, string]>([
    ['NotPermitted', () => new NotPermitted('view'), 'forbidden'],
    ['Unsupported', () => new Unsupported('off'), 'unsupported'],
    ['Transient', () => new Transient('503'), 'failed'],
    ['ProtocolViolation', () => new ProtocolViolation('bad', { body: '{' }), 'failed'],
    ['ReauthRequired(consent_revoked)', () => new ReauthRequired('consent_revoked', 'x'), 'failed'],
  ])(
    '%s is coverage: the sync succeeds partial, the consent stays active, the history is whole',
    async (_n, fault, covered) => {
      script.balances = [fault];
      const r = await run();
      expect([r.outcome, String(lastError)]).toEqual(['completed', 'null']);
      expect(await state(r.consentId, r.syncId)).toEqual({
        sync: 'succeeded',
        partial: true,
        consent: 'active',
        transactions: 'ok',
        balances: covered,
        n: 2,
      });
    },
  );

  it('TokenExpired refreshes once and reads the balances after all', async () => {
    script.balances = [() => new TokenExpired('OBP-20206')];
    const r = await run();
    expect(refreshes).toBe(1);
    expect(await state(r.consentId, r.syncId)).toMatchObject({
      sync: 'succeeded',
      partial: false,
      balances: 'ok',
    });
  });

  it.each<[string, Fault]>([
    ['RateLimited', () => new RateLimited(30, '429')],
    ['ChallengePending', () => new ChallengePending('423', { retryAfterS: 30 })],
  ])('%s waits for the time the bank named, spending no attempt', async (_n, fault) => {
    script.balances = [fault];
    const r = await run();
    expect(r.outcome).toBe('delayed');
    expect(r.delayed[0]).toBeGreaterThanOrEqual(Date.now() + 29_000);
    expect((await state(r.consentId, r.syncId)).sync).toBe('waiting_rate_limit');
  });
});

describe('mandatory history', () => {
  it.each<[string, Fault, string]>([
    ['NotPermitted', () => new NotPermitted('view'), 'forbidden'],
    ['Unsupported', () => new Unsupported('off'), 'unsupported'],
    ['ProtocolViolation', () => new ProtocolViolation('bad', { body: '{' }), 'failed'],
  ])('%s gives the account up loudly; never a re-authorisation', async (_n, fault, covered) => {
    script.transactions = [fault];
    const r = await run();
    expect(r.outcome).toBe('unrecoverable');
    expect(await state(r.consentId, r.syncId)).toMatchObject({
      sync: 'failed',
      consent: 'active',
      transactions: covered,
      n: 0,
    });
  });

  it('Transient is retried with backoff, and given up on the last attempt', async () => {
    script.transactions = [() => new Transient('503')];
    const retried = await run();
    expect(retried.outcome).toBe('retry');
    expect((await state(retried.consentId, retried.syncId)).sync).toBe('running');
    script.transactions = [() => new Transient('503')];
    const last = await run(true);
    expect(last.outcome).toBe('unrecoverable');
    expect(await state(last.consentId, last.syncId)).toMatchObject({
      sync: 'failed',
      consent: 'active',
      transactions: 'failed',
    });
  });

  it('TokenExpired mid-stream refreshes and resumes after the last committed page: no gap, no duplicate', async () => {
    // Page 0 passes; page 1 meets an expired token once.
    script.transactions = [undefined, () => new TokenExpired('OBP-20206')];
    const r = await run();
    expect(refreshes).toBe(1);
    expect(await state(r.consentId, r.syncId)).toMatchObject({ sync: 'succeeded', consent: 'active', n: 2 });
  });

  it('an authentication failure that survives the refresh makes the consent reauth_required', async () => {
    script.transactions = [
      () => new ReauthRequired('token_invalid', 'OBP-20001'),
      () => new ReauthRequired('token_invalid', 'OBP-20001'),
    ];
    const r = await run();
    expect(refreshes).toBe(1);
    expect(r.outcome).toBe('unrecoverable');
    expect(await state(r.consentId, r.syncId)).toMatchObject({ sync: 'failed', consent: 'reauth_required' });
  });

  it('a refused refresh makes the consent reauth_required', async () => {
    script.transactions = [() => new TokenExpired('OBP-20206')];
    script.refresh = [() => new ReauthRequired('invalid_grant', 'invalid_grant')];
    const r = await run();
    expect(await state(r.consentId, r.syncId)).toMatchObject({ sync: 'failed', consent: 'reauth_required' });
  });

  it('RateLimited waits for the bank, and the same sync resumes where it stopped', async () => {
    script.transactions = [undefined, () => new RateLimited(10, '429')];
    const r = await run();
    expect(r.outcome).toBe('delayed');
    expect(await state(r.consentId, r.syncId)).toMatchObject({ sync: 'waiting_rate_limit', n: 1 });
  });
});
