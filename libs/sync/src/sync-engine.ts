import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type WorkerEnv } from '#common/config.js';
import { QUEUES, SYNC_JOBS, jobIds, type SyncAccountJob, type SyncConsentJob } from '#common/queues.js';
import { ConsentLifecycle } from '#consents/consent-lifecycle.js';
import type { BankSession, Checkpoint, Permission } from '#connectors/connector.js';
import { CONNECTORS, ConnectorRegistry } from '#connectors/registry.js';
import type { ConsentEntity } from '#persistence/entities/consent.entity.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import { SyncWriteRepository } from '#persistence/repositories/sync-write.repository.js';
import { SyncRepository, syncView } from '#persistence/repositories/sync.repository.js';
import { SessionVault } from '#persistence/session-vault.js';
import { WebhookPublisher } from '#webhooks/webhook-publisher.js';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { readAhead } from './read-ahead.js';
import { toAccountRow, toBalanceRow, toCardRow, toTransactionRow, toTransferRow } from './to-rows.js';

/** What the sync engine keeps in `accounts.checkpoint`: the connector's position and whether its stream ended. */
export interface StoredCheckpoint {
  stream: Checkpoint | null;
  done: boolean;
}

export type AccountOutcome =
  | { kind: 'done'; pages: number; added: number; modified: number }
  | { kind: 'stopped'; reason: string }
  | { kind: 'busy' };

/** Thrown when another worker is streaming the same account: the job waits and tries again. */
export class AccountBusy extends Error {}

/**
 * The sync engine (architecture.md "Sync engine"): a consent job lists accounts, cards and
 * transfers and fans out one job per account; an account job copies its transaction stream page
 * by page, each page and its checkpoint in ONE database transaction, so a worker killed at any
 * instant resumes at the last committed page with no gap and no duplicate. Bank faults leave as
 * connector errors; the processor decides what BullMQ does with them (STYLE §6.5).
 */
@Injectable()
export class SyncEngine {
  private readonly logger = new Logger(SyncEngine.name);

  constructor(
    private readonly ds: DataSource,
    private readonly consents: ConsentRepository,
    private readonly vault: SessionVault,
    private readonly lifecycle: ConsentLifecycle,
    private readonly syncs: SyncRepository,
    private readonly writer: SyncWriteRepository,
    private readonly webhooks: WebhookPublisher,
    @Inject(CONNECTORS) private readonly connectors: ConnectorRegistry,
    @Inject(APP_CONFIG) private readonly config: WorkerEnv,
    @InjectQueue(QUEUES.sync) private readonly queue: Queue,
  ) {}

  /** The consent's active session, or null (and the sync ended) when the consent cannot sync. */
  private async activeSession(
    consentId: string,
    syncId: string,
  ): Promise<{ consent: ConsentEntity; session: BankSession } | null> {
    const consent = await this.consents.findById(consentId);
    const { sessionEnc } = consent ? await this.consents.readSecrets(consentId) : { sessionEnc: null };
    if (!consent || consent.status !== 'active' || !sessionEnc) {
      await this.finish(syncId, 'failed', `consent is ${consent?.status ?? 'gone'}`);
      return null;
    }
    return { consent, session: this.vault.open<BankSession>(consentId, 'session', sessionEnc) };
  }

  async syncConsent(job: SyncConsentJob): Promise<{ accounts: number }> {
    const ctx = await this.activeSession(job.consentId, job.syncId);
    if (!ctx) return { accounts: 0 };
    const { consent, session } = ctx;
    const connector = this.connectors.get(consent.provider);
    const permitted = (p: Permission) => consent.permissions.includes(p);
    const scope = { clientId: consent.clientId, consentId: consent.id, provider: consent.provider };

    const accounts = await connector.listAccounts(session);
    const ids = await this.writer.upsertAccounts(scope, accounts.map(toAccountRow));
    if (permitted('cards') && connector.cards) {
      await this.writer.upsertCards(scope, (await connector.cards(session)).map(toCardRow), ids);
    }
    if (permitted('transfers') && connector.transfers) {
      for (const a of accounts) {
        const transfers = await connector.transfers(session, a.providerAccountId);
        await this.writer.upsertTransfers(scope, ids.get(a.providerAccountId)!, transfers.map(toTransferRow));
      }
    }
    await this.syncs.start(job.syncId, ids.size);
    await this.consents.update(consent.id, { syncState: 'running' });
    if (ids.size === 0) await this.finish(job.syncId, 'succeeded', null);
    // Writers of one consent take turns (its advisory lock orders the change feed), so a worker
    // slot given to a consent's second account while its first is writing mostly waits. Priority =
    // the account's place in its consent: every consent's first account is taken before any
    // consent's second, spreading the slots over consents (FIFO within a priority; the fan-out
    // jobs themselves have none, so they run first).
    let ordinal = 0;
    for (const accountId of ids.values()) {
      await this.queue.add(
        SYNC_JOBS.account,
        { ...job, accountId },
        {
          jobId: jobIds.syncAccount(accountId, job.syncId),
          priority: Math.min(++ordinal, MAX_PRIORITY),
          attempts: 8,
          backoff: { type: 'capped-exponential' },
          removeOnComplete: true,
          removeOnFail: 1000,
        },
      );
    }
    return { accounts: ids.size };
  }

  /**
   * Copies one account's history: resumes an unfinished stream from its checkpoint, or starts a
   * new one reading back `HISOB_SYNC_OVERLAP_DAYS` before the newest stored booking date (late
   * postings), or the whole history the first time. Only one stream per account at a time.
   */
  async syncAccount(job: SyncAccountJob, jobId: string): Promise<AccountOutcome> {
    if (!(await this.writer.acquireLease(job.accountId, jobId))) {
      throw new AccountBusy(`account ${job.accountId} is being synced by another job`);
    }
    try {
      const ctx = await this.activeSession(job.consentId, job.syncId);
      if (!ctx) return { kind: 'stopped', reason: 'consent not active' };
      const { consent, session } = ctx;
      const [account] = (await this.ds.query(
        `SELECT provider_account_id, checkpoint FROM accounts WHERE id = $1`,
        [job.accountId],
      )) as Array<{
        provider_account_id: string;
        checkpoint: StoredCheckpoint | null;
      }>;
      if (!account) return { kind: 'stopped', reason: 'account gone' };
      const connector = this.connectors.get(consent.provider);
      const startedAt = new Date();
      const resume = account.checkpoint && !account.checkpoint.done ? account.checkpoint.stream : null;
      const since = resume ? null : await this.sinceFor(job.accountId);
      await this.syncs.markRunning(job.syncId);

      const scope = { clientId: consent.clientId, consentId: consent.id, accountId: job.accountId };
      let pages = 0;
      let added = 0;
      let modified = 0;
      // The history is read when the consent covers it: `transactions`, or `statements` (computed
      // from it). Without either, the bank did not grant it and Hisob must not hold it.
      const stream = readsHistory(consent.permissions)
        ? connector.transactions(session, account.provider_account_id, resume, { since })
        : noPages();
      for await (const page of readAhead(stream)) {
        // A revoked consent stops the copy at the next page boundary.
        if (pages % 20 === 19 && (await this.consents.findById(consent.id))?.status !== 'active') {
          return { kind: 'stopped', reason: 'consent no longer active' };
        }
        const stored: StoredCheckpoint = { stream: page.checkpoint, done: page.done };
        const counts = await this.ds.transaction(async (em) => {
          await this.writer.lockConsent(em, consent.id);
          const c = await this.writer.upsertTransactions(em, scope, page.transactions.map(toTransactionRow));
          await this.writer.saveCheckpoint(em, job.accountId, stored, job.syncId);
          await this.syncs.addPage(em, job.syncId, c.added, c.modified);
          return c;
        });
        pages++;
        added += counts.added;
        modified += counts.modified;
      }

      // The booked balance is also the anchor of every statement.
      const balances = readsBalances(consent.permissions)
        ? await connector.getBalances(session, account.provider_account_id)
        : [];
      const nextRefreshAt = new Date(startedAt.getTime() + this.config.HISOB_SYNC_INTERVAL_MINUTES * 60_000);
      await this.ds.transaction((em) =>
        this.writer.completeAccount(
          em,
          job.accountId,
          balances.map(toBalanceRow),
          { stream: null, done: true },
          job.syncId,
          startedAt,
          nextRefreshAt,
        ),
      );
      this.logger.log(
        { consent_id: consent.id, account_id: job.accountId, sync_id: job.syncId, pages, added, modified },
        'account synced',
      );
      const last = await this.syncs.accountDone(job.syncId);
      if (last) await this.finish(job.syncId, 'succeeded', null);
      return { kind: 'done', pages, added, modified };
    } finally {
      await this.writer.releaseLease(job.accountId, jobId);
    }
  }

  private async sinceFor(accountId: string): Promise<string | null> {
    const latest = await this.writer.latestBookingDate(accountId);
    if (!latest) return null;
    const d = new Date(`${latest}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - this.config.HISOB_SYNC_OVERLAP_DAYS);
    return d.toISOString().slice(0, 10);
  }

  /** Ends a sync once: its row, the consent's summary, and the webhooks. */
  async finish(syncId: string, state: 'succeeded' | 'failed', error: string | null): Promise<void> {
    const row = await this.syncs.finish(syncId, state, error);
    if (!row) return;
    await this.consents.update(row.consent_id, {
      syncState: state,
      syncLastError: error,
      ...(state === 'succeeded' ? { lastSyncedAt: new Date() } : {}),
    });
    const view = syncView(row);
    await this.webhooks.publish(row.client_id, state === 'succeeded' ? 'sync.succeeded' : 'sync.failed', {
      consent_id: row.consent_id,
      sync: view,
    });
    if (state === 'succeeded' && row.transactions_added + row.transactions_modified > 0) {
      await this.webhooks.publish(row.client_id, 'transactions.changed', {
        consent_id: row.consent_id,
        sync_id: row.id,
        added: row.transactions_added,
        modified: row.transactions_modified,
        removed: 0,
      });
    }
    this.logger.log({ consent_id: row.consent_id, sync_id: syncId, state, error }, 'sync finished');
  }

  async markWaiting(syncId: string, accountId: string | undefined, until: Date): Promise<void> {
    await this.syncs.markWaiting(syncId, accountId, until);
  }

  async markAccountError(accountId: string, error: string): Promise<void> {
    await this.ds.query(`UPDATE accounts SET last_sync_error = $2 WHERE id = $1`, [accountId, error]);
  }

  /** The bank no longer accepts the consent's credentials: only the user can fix that. */
  async reauthRequired(consentId: string, reason: string): Promise<void> {
    const consent = await this.consents.findById(consentId);
    if (consent?.status === 'active') {
      await this.lifecycle.transition(consentId, 'reauth_required', {
        reason,
        fields: { sessionEnc: null, tokenExpiresAt: null, refreshJobId: null },
      });
    }
  }
}

/** BullMQ's lowest priority (2^21). */
const MAX_PRIORITY = 2 ** 21;

/** Whether a consent's permissions cover an account's transaction history. */
export function readsHistory(permissions: readonly string[]): boolean {
  return permissions.includes('transactions') || permissions.includes('statements');
}

/** Whether a consent's permissions cover an account's balances (statements are anchored on them). */
export function readsBalances(permissions: readonly string[]): boolean {
  return permissions.includes('balances') || permissions.includes('statements');
}

/** The empty stream of a consent that grants no history. */
async function* noPages(): AsyncGenerator<never> {}
