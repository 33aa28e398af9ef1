import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { loadWorkerConfig } from '#common/config.js';
import type { SyncAccountJob, SyncReason } from '#common/queues.js';
import { ConsentJobs } from '#consents/consent-jobs.js';
import { ConsentLifecycle } from '#consents/consent-lifecycle.js';
import { ConsentSessions } from '#consents/consent-sessions.js';
import type { BankSession, Checkpoint, Connector, TransactionPage } from '#connectors/connector.js';
import { Transient } from '#connectors/connector-errors.js';
import { ConnectorRegistry } from '#connectors/registry.js';
import { Keyring } from '#crypto/keyring.js';
import { Money } from '#domain/money.js';
import type { Transaction } from '#domain/transaction.js';
import { createDataSource } from '#persistence/data-source.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import { SyncWriteRepository } from '#persistence/repositories/sync-write.repository.js';
import { SyncRepository } from '#persistence/repositories/sync.repository.js';
import { WebhookEventRepository } from '#persistence/repositories/webhook-event.repository.js';
import { SessionVault } from '#persistence/session-vault.js';
import { SyncEngine, SyncFault, type AccountOutcome } from '#sync/sync-engine.js';
import { WebhookPublisher } from '#webhooks/webhook-publisher.js';

/**
 * A scripted bank for driving the real sync engine on the real PostgreSQL (no sandbox, no
 * BullMQ): the test sets what the bank shows right now ({@link ScriptedBank.entries}) and how it
 * streams it (page size, order, `pendingComplete`, a fault mid-stream, a page delivered twice).
 * One account (`acc-1`, TJS) per consent.
 */
export const SCRIPTED_ACCOUNT = 'acc-1';

/** One entry as the bank shows it. */
export interface BankEntry {
  id: string;
  status: 'booked' | 'pending';
  date: string;
  /** Decimal string, TJS. */
  amount: string;
  counterparty?: string | null;
  ref?: string | null;
  description?: string;
}

export class ScriptedBank {
  /** What the bank shows now, in the order it streams it (see {@link order}). */
  entries: BankEntry[] = [];
  pageSize = 2;
  /** `pendingComplete` on the last page of every stream (unset when false). */
  pendingComplete = true;
  /** Streams the pending entries first, the booked first, or as listed. */
  order: 'listed' | 'pending-first' | 'booked-first' = 'listed';
  /** Throw a Transient after this many pages of the next stream (once). */
  failAfterPages: number | null = null;
  /** A stream resumed from a checkpoint yields the page of that checkpoint again (a page delivered twice). */
  repeatOnResume = false;

  private readonly snapshots = new Map<string, BankEntry[]>();
  private streams = 0;

  readonly connector: Connector = {
    provider: 'scripted',
    capabilities: ['accounts', 'balances', 'transactions'],
    startAuthorisation: () => Promise.reject(new Error('not used')),
    completeAuthorisation: () => Promise.reject(new Error('not used')),
    refresh: async (session) => session,
    revoke: async () => undefined,
    listAccounts: async () => ({
      items: [
        {
          providerAccountId: SCRIPTED_ACCOUNT,
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
    getBalances: async () => {
      let booked = Money.zero('TJS');
      for (const e of this.entries)
        if (e.status === 'booked') booked = booked.add(Money.parse(e.amount, 'TJS'));
      return [{ type: 'booked', amount: booked, referenceDate: null }];
    },
    transactions: (_s: BankSession, _a: string, from: Checkpoint | null) => this.stream(from),
  };

  private async *stream(from: Checkpoint | null): AsyncGenerator<TransactionPage> {
    let streamId: string;
    let start: number;
    if (from) {
      streamId = String(from.stream);
      start = Number(from.next) - (this.repeatOnResume ? this.pageSize : 0);
    } else {
      streamId = `s${++this.streams}`;
      start = 0;
      const rank = (e: BankEntry) =>
        this.order === 'pending-first'
          ? e.status === 'pending'
            ? 0
            : 1
          : this.order === 'booked-first'
            ? e.status === 'booked'
              ? 0
              : 1
            : 0;
      this.snapshots.set(
        streamId,
        this.entries
          .map((e, i) => [e, i] as const)
          .sort((x, y) => rank(x[0]) - rank(y[0]) || x[1] - y[1])
          .map(([e]) => ({ ...e })),
      );
    }
    const all = this.snapshots.get(streamId)!;
    let yielded = 0;
    for (let at = Math.max(0, start); ; at += this.pageSize) {
      if (this.failAfterPages !== null && yielded === this.failAfterPages) {
        this.failAfterPages = null;
        throw new Transient('scripted fault mid-stream');
      }
      const next = at + this.pageSize;
      const done = next >= all.length;
      yield {
        transactions: all.slice(at, next).map(toTransaction),
        checkpoint: { stream: streamId, next },
        done,
        ...(done && this.pendingComplete ? { pendingComplete: true } : {}),
      };
      yielded++;
      if (done) return;
    }
  }
}

function toTransaction(e: BankEntry): Transaction {
  return {
    providerTransactionId: e.id,
    status: e.status,
    date: e.date,
    valueDate: null,
    bookedAt: null,
    amount: Money.parse(e.amount, 'TJS'),
    type: 'card',
    description: e.description ?? e.id,
    counterparty: e.counterparty ? { name: e.counterparty, account: null } : null,
    balanceAfter: null,
    category: null,
    entryReference: e.ref ?? null,
  };
}

export interface ScriptedSync {
  ds: DataSource;
  engine: SyncEngine;
  /** A new active consent of `clientId` (a new client when none) at the scripted bank. */
  newConsent(clientId?: string): Promise<{ clientId: string; consentId: string }>;
  /**
   * One sync of the consent: its job (which reads the account itself), then, when that job handed
   * the account to a job of its own after a fault, that job, retried as BullMQ would (the stream
   * resumes from its checkpoint). Returns the sync id and the account's last outcome.
   */
  sync(
    consentId: string,
    reason?: SyncReason,
  ): Promise<{ syncId: string; accountId: string; outcome: AccountOutcome }>;
  close(): Promise<void>;
}

/** The real sync engine over `databaseUrl` with `bank` as its only connector. */
export async function scriptedSync(databaseUrl: string, bank: ScriptedBank): Promise<ScriptedSync> {
  const ds = createDataSource({ url: databaseUrl, poolSize: 4 });
  await ds.initialize();
  const config = loadWorkerConfig({ ...process.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl });
  let queued: Array<{ name: string; data: unknown }> = [];
  const queue = {
    add: async (name: string, data: unknown) => {
      queued.push({ name, data });
      return {};
    },
    addBulk: async (list: Array<{ name: string; data: unknown }>) => {
      queued.push(...list);
      return [];
    },
    remove: async () => 0,
    getJobs: async () => [],
  } as unknown as Queue;
  const vault = new SessionVault(Keyring.parse(config.HISOB_ENCRYPTION_KEY));
  const consents = new ConsentRepository(ds);
  const webhooks = new WebhookPublisher(ds, new WebhookEventRepository(ds), queue, null);
  const syncs = new SyncRepository(ds);
  const registry = new ConnectorRegistry([bank.connector]);
  const jobs = new ConsentJobs(queue, queue, queue, config, consents, syncs);
  const sessions = new ConsentSessions(ds, consents, vault, jobs, registry);
  const engine = new SyncEngine(
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
  // Every account read's outcome, whichever job read it (the consent's or the account's own).
  let outcomes: Array<{ accountId: string; outcome: AccountOutcome }> = [];
  const syncAccount = engine.syncAccount.bind(engine);
  engine.syncAccount = async (job, ...rest) => {
    const outcome = await syncAccount(job, ...rest);
    outcomes.push({ accountId: job.accountId, outcome });
    return outcome;
  };
  return {
    ds,
    engine,
    async newConsent(clientId?: string) {
      if (!clientId) {
        const [client] = await ds.query(
          `INSERT INTO clients (name, api_key_id, api_key_hash, webhook_secret_enc)
           VALUES ('scripted', gen_random_uuid()::text, 'h', 'e') RETURNING id`,
        );
        clientId = client.id as string;
      }
      const [consent] = await ds.query(
        `INSERT INTO consents (client_id, provider, end_user_id, status, permissions, authorised_at)
         VALUES ($1, 'scripted', 'u', 'active', ARRAY['accounts','balances','transactions','statements'], now()) RETURNING id`,
        [clientId],
      );
      const session: BankSession = {
        accessToken: 'a',
        refreshToken: null,
        expiresAt: null,
        scope: null,
        state: null,
      };
      await ds.query(`UPDATE consents SET session_enc = $2 WHERE id = $1`, [
        consent.id,
        vault.seal(consent.id, 'session', session),
      ]);
      return { clientId, consentId: consent.id as string };
    },
    async sync(consentId: string, reason: SyncReason = 'manual') {
      const [consent] = await ds.query(`SELECT client_id FROM consents WHERE id = $1`, [consentId]);
      const [row] = await ds.query(
        `INSERT INTO syncs (client_id, consent_id, reason, state) VALUES ($1, $2, $3, 'queued') RETURNING id`,
        [consent.client_id, consentId, reason],
      );
      const syncId = row.id as string;
      queued = [];
      outcomes = [];
      // The consent's job reads its account itself; one it hands to a job of its own (a fault to
      // retry) runs next, retried as BullMQ would.
      await engine.syncConsent({ consentId, syncId, reason });
      const handed = queued.find((q) => q.name === 'sync-account');
      if (handed) {
        const job = handed.data as SyncAccountJob;
        for (let attempt = 1; ; attempt++) {
          try {
            await engine.syncAccount(job, `sync-account-${job.accountId}-${syncId}`);
            break;
          } catch (err) {
            if (!(err instanceof SyncFault) || attempt >= 3) throw err;
          }
        }
      }
      const last = outcomes.at(-1);
      if (!last) throw new Error('the sync read no account');
      return { syncId, ...last };
    },
    close: () => ds.destroy(),
  };
}
