import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, type WorkerEnv } from '#common/config.js';
import {
  cappedExponentialBackoff,
  jobIds,
  type SyncAccountJob,
  type SyncConsentJob,
} from '#common/queues.js';
import { ConsentJobs } from '#consents/consent-jobs.js';
import { ConsentLifecycle } from '#consents/consent-lifecycle.js';
import type { BankSession, Checkpoint, ItemsRead } from '#connectors/connector.js';
import { isConnectorError, type AnyConnectorError } from '#connectors/connector-errors.js';
import { ConsentSessions } from '#consents/consent-sessions.js';
import type { CoverageEntry, CoverageResource, CoverageState } from '#domain/coverage.js';
import { reads } from '#domain/permissions.js';
import { toStoredCoverage, type StoredCoverage } from '#persistence/coverage.js';
import {
  ConsentInactive,
  LeaseLost,
  type BalanceRow,
  type LeasedAccount,
  type SyncProgress,
  type TransactionRow,
} from '#persistence/repositories/sync-write.repository.js';
import { decideFault, type FaultDecision, type Importance } from './fault-policy.js';
import { CONNECTORS, ConnectorRegistry } from '#connectors/registry.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import { SyncWriteRepository } from '#persistence/repositories/sync-write.repository.js';
import { SyncRepository, syncView } from '#persistence/repositories/sync.repository.js';
import { WebhookPublisher } from '#webhooks/webhook-publisher.js';
import { crashPoint } from './crash-point.js';
import { readAhead } from './read-ahead.js';
import {
  toAccountRow,
  toInstalmentRow,
  toPlanRow,
  toBalanceRow,
  toCardRow,
  toTransactionRow,
  toTransferRow,
} from './to-rows.js';

/**
 * What the sync engine keeps in `accounts.checkpoint`: the connector's position, whether its
 * stream ended, the provider ids of the pending entries the stream has reported so far, which the
 * end of a stream that holds every pending entry needs after a resume, and those of the booked
 * entries whose fallback lineage waits for the stream's end (each left out when none).
 */
export interface StoredCheckpoint {
  stream: Checkpoint | null;
  done: boolean;
  pendingSeen?: string[];
  bookedDeferred?: string[];
}

export type AccountOutcome =
  | { kind: 'done'; pages: number; added: number; modified: number; removed: number }
  | { kind: 'stopped'; reason: string }
  | { kind: 'busy' };

/** Accounts a consent's job reads at once (a full history's pages overlap their bank calls). */
const ACCOUNTS_AT_ONCE = 4;

/**
 * What the account held when the job took its lease, for the page writes: whether it may hold
 * pending rows (it did, or the stream has reported some since) and whether it held any rows at
 * all (else every row of the stream is new: a first sync).
 */
const knownRows = (account: LeasedAccount, pendingSeen: readonly string[]) => ({
  storedPending: account.has_pending || pendingSeen.length > 0,
  rereads: account.latest_booking_date !== null,
});

/** Thrown when another worker is streaming the same account: the job waits and tries again. */
export class AccountBusy extends Error {}

/**
 * A bank fault the fault policy did not absorb: the processor turns `decision` into BullMQ
 * (retry, delay, unrecoverable) after the engine has recorded what it means.
 */
export class SyncFault extends Error {
  override readonly name = 'SyncFault';

  constructor(
    readonly decision: Exclude<FaultDecision, { action: 'record' } | { action: 'refresh_then_retry' }>,
    readonly error: AnyConnectorError,
    readonly resource: CoverageResource,
  ) {
    super(`${resource}: ${error.message}`);
  }
}

/** How the current job runs: its attempt tells the fault policy whether a retry is left. */
export interface JobAttempt {
  readonly finalAttempt: boolean;
}

/**
 * A job renews a session that expires within this before it calls the bank with it: one refresh
 * grant instead of a call refused with 401 and the refresh after it (an `at_sync` provider's
 * session has usually expired since the last sync; the margin covers the job's first calls).
 */
export const RENEW_BEFORE_EXPIRY_MS = 30_000;

/** A consent's session as one job uses it: replaced when the bank refuses it and a refresh helps. */
interface Session {
  readonly consentId: string;
  current: BankSession;
}

/** The consent and session a consent job already holds, lent to the accounts it reads itself. */
interface Shared {
  consent: NonNullable<Awaited<ReturnType<ConsentSessions['current']>>>['consent'];
  session: Session;
}

type BestEffort<T> = { ok: true; value: T } | { ok: false; entry: CoverageEntry };

/**
 * The sync engine (architecture.md "Sync engine"): a consent job lists accounts, cards and
 * transfers and fans out one job per account; an account job copies its transaction stream page
 * by page, each page and its checkpoint in ONE database transaction, so a worker killed at any
 * instant resumes at the last committed page with no gap and no duplicate.
 *
 * Every bank fault goes through the fault policy (fault-policy.ts): an expired token is refreshed
 * once and the call repeated; a best-effort resource that fails is recorded as coverage and the
 * sync goes on; what remains leaves as a {@link SyncFault} for the processor.
 */
@Injectable()
export class SyncEngine {
  private readonly logger = new Logger(SyncEngine.name);

  constructor(
    private readonly ds: DataSource,
    private readonly consents: ConsentRepository,
    private readonly sessions: ConsentSessions,
    private readonly lifecycle: ConsentLifecycle,
    private readonly syncs: SyncRepository,
    private readonly writer: SyncWriteRepository,
    private readonly webhooks: WebhookPublisher,
    @Inject(CONNECTORS) private readonly connectors: ConnectorRegistry,
    @Inject(APP_CONFIG) private readonly config: WorkerEnv,
    private readonly jobs: ConsentJobs,
  ) {}

  /**
   * One write of the sync, in its own transaction behind the consent's fence: it commits only
   * while the consent is `active` (SyncWriteRepository.fence), else throws {@link ConsentInactive}.
   */
  private fenced<T>(
    consentId: string,
    fn: (em: EntityManager) => Promise<T>,
    opts: { row?: boolean } = {},
  ): Promise<T> {
    return this.ds.transaction(async (em) => {
      await this.writer.fence(em, consentId, opts);
      return fn(em);
    });
  }

  /** The consent's active session, or null (and the sync ended) when the consent cannot sync. */
  private async activeSession(consentId: string, syncId: string) {
    const ctx = await this.sessions.current(consentId);
    if (!ctx) {
      const consent = await this.consents.findById(consentId);
      await this.finish(syncId, 'failed', `consent is ${consent?.status ?? 'gone'}`);
    }
    return ctx;
  }

  /**
   * Calls the bank with the job's session. An authentication failure the policy says to refresh
   * is refreshed once (the newest stored session first) and the call repeated.
   */
  private async call<T>(
    session: Session,
    importance: Importance,
    resource: CoverageResource,
    attempt: JobAttempt,
    fn: (s: BankSession) => Promise<T>,
  ): Promise<BestEffort<T>> {
    let refreshed = false;
    for (;;) {
      try {
        return { ok: true, value: await fn(session.current) };
      } catch (err) {
        if (!isConnectorError(err)) throw err;
        const decision = decideFault(err, { importance, refreshed, finalAttempt: attempt.finalAttempt });
        if (decision.action === 'refresh_then_retry') {
          refreshed = await this.refresh(session, resource, attempt);
          continue;
        }
        if (decision.action === 'record')
          return { ok: false, entry: coverageOf(resource, decision.state, err) };
        throw new SyncFault(decision, err, resource);
      }
    }
  }

  /**
   * Replaces the job's session by a newer one; a refused refresh is a mandatory failure. Returns
   * whether this was a refresh grant of its own: a newer session another process stored may have
   * expired in turn, and does not spend the call's one refresh.
   */
  private async refresh(session: Session, resource: CoverageResource, attempt: JobAttempt): Promise<boolean> {
    try {
      const fresh = await this.sessions.renewAfter(session.consentId, session.current);
      session.current = fresh.session;
      return fresh.renewed;
    } catch (err) {
      if (!isConnectorError(err)) throw err;
      const decision = decideFault(err, {
        importance: 'mandatory',
        refreshed: true,
        finalAttempt: attempt.finalAttempt,
      });
      if (decision.action === 'record' || decision.action === 'refresh_then_retry')
        throw new SyncFault({ action: 'reauthorise' }, err, resource);
      throw new SyncFault(decision, err, resource);
    }
  }

  /**
   * Renews the job's session first when it has expired or is about to ({@link
   * RENEW_BEFORE_EXPIRY_MS}), as a refused token would be: a refused refresh is a mandatory failure
   * (the consent needs re-authorisation). A session the bank gave no expiry, or no refresh token,
   * is used as it is (the bank's answer decides). Only for a provider refreshed `at_sync`: under
   * `ahead` the refresh job owns the renewal, and a sync renewing too would race it for the
   * bank's rotating refresh token (a 401 still refreshes, as always).
   */
  private async renewIfExpiring(
    session: Session,
    provider: string,
    resource: CoverageResource,
    attempt: JobAttempt,
  ) {
    if (this.jobs.refreshesAhead(provider)) return;
    const { expiresAt, refreshToken } = session.current;
    if (!expiresAt || !refreshToken) return;
    if (new Date(expiresAt).getTime() - Date.now() > RENEW_BEFORE_EXPIRY_MS) return;
    await this.refresh(session, resource, attempt);
  }

  async syncConsent(
    job: SyncConsentJob,
    attempt: JobAttempt = { finalAttempt: false },
  ): Promise<{ accounts: number }> {
    try {
      return await this.fanOut(job, attempt);
    } catch (err) {
      if (!(err instanceof ConsentInactive)) throw err;
      await this.finish(job.syncId, 'failed', `consent is ${err.status}`);
      return { accounts: 0 };
    }
  }

  private async fanOut(job: SyncConsentJob, attempt: JobAttempt): Promise<{ accounts: number }> {
    const ctx = await this.activeSession(job.consentId, job.syncId);
    if (!ctx) return { accounts: 0 };
    const { consent } = ctx;
    const session: Session = { consentId: consent.id, current: ctx.session };
    await this.renewIfExpiring(session, consent.provider, 'accounts', attempt);
    const connector = this.connectors.get(consent.provider);
    const scope = { clientId: consent.clientId, consentId: consent.id, provider: consent.provider };

    // The bank first, then ONE transaction writes what it said and starts the sync.
    const present = job.psuIpAddress ? { psuIpAddress: job.psuIpAddress } : {};
    const listed = await this.call(session, 'mandatory', 'accounts', attempt, (s) =>
      connector.listAccounts(s, present),
    );
    if (!listed.ok) throw new Error('unreachable: a mandatory call is never recorded');
    const accounts = listed.value.items;
    const coverage: StoredCoverage[] = [toStoredCoverage(readCoverage('accounts', listed.value))];

    let cards: BestEffort<ItemsRead<Parameters<typeof toCardRow>[0]>> | null = null;
    if (reads(consent.permissions, 'cards') && connector.cards) {
      cards = await this.call(session, 'best_effort', 'cards', attempt, (s) => connector.cards!(s));
      coverage.push(toStoredCoverage(cards.ok ? readCoverage('cards', cards.value) : cards.entry));
    }
    const transfers: Array<{
      providerAccountId: string;
      read: BestEffort<ItemsRead<Parameters<typeof toTransferRow>[0]>>;
      entry: CoverageEntry;
    }> = [];
    if (reads(consent.permissions, 'transfers') && connector.transfers) {
      for (const a of accounts) {
        const read = await this.call(session, 'best_effort', 'transfers', attempt, (s) =>
          connector.transfers!(s, a.providerAccountId),
        );
        transfers.push({
          providerAccountId: a.providerAccountId,
          read,
          entry: read.ok ? readCoverage('transfers', read.value) : read.entry,
        });
      }
      // Consent-wide, transfers read as well as the worst account allows.
      const entries = transfers.map((t) => t.entry);
      const worst = entries.find((e) => e.state !== 'ok') ?? entries.find((e) => e.detail) ?? entries[0];
      if (worst) coverage.push(toStoredCoverage(worst));
    }
    let credit: Awaited<ReturnType<NonNullable<typeof connector.credit>>> | null = null;
    if (reads(consent.permissions, 'credit') && connector.credit) {
      const read = await this.call(session, 'best_effort', 'credit', attempt, (s) => connector.credit!(s));
      if (read.ok) credit = read.value;
      coverage.push(
        toStoredCoverage(
          read.ok
            ? readCoverage('credit', { items: read.value.plans, skipped: read.value.skipped })
            : read.entry,
        ),
      );
    }
    const listing = await this.fenced(
      consent.id,
      async (em) => {
        const ids = await this.writer.upsertAccounts(scope, accounts.map(toAccountRow), em);
        for (const t of transfers) {
          const accountId = ids.get(t.providerAccountId)!;
          if (t.read.ok)
            await this.writer.upsertTransfers(scope, accountId, t.read.value.items.map(toTransferRow), em);
        }
        if (credit)
          await this.writer.upsertCredit(
            scope,
            credit.plans.map(toPlanRow),
            credit.instalments.map(toInstalmentRow),
            em,
          );
        // A fan-out run again (the sweeper racing the sync's last account) after its sync ended
        // leaves the ended sync and the consent's summary alone.
        const started = await this.writer.recordListing(em, scope, {
          syncId: job.syncId,
          accountIds: ids,
          cards: cards?.ok ? cards.value.items.map(toCardRow) : null,
          transfersCoverage: transfers.map(
            (t) => [ids.get(t.providerAccountId)!, toStoredCoverage(t.entry)] as const,
          ),
          coverage,
        });
        if (!started) return null;
        return { ids, complete: started.complete };
      },
      { row: true },
    );
    if (!listing) return { accounts: 0 };
    const { ids } = listing;
    // No accounts, or every one counted already by account jobs that ran before this listing.
    if (ids.size === 0 || listing.complete) {
      await this.finishComputed(job.syncId);
      return { accounts: ids.size };
    }
    if (ids.size > this.config.HISOB_SYNC_INLINE_ACCOUNTS) {
      // Writers of one consent take turns (its advisory lock orders the change feed), so a worker
      // slot given to a consent's second account while its first is writing mostly waits.
      // Priority = the account's place in its consent: every consent's first account is taken
      // before any consent's second, spreading the slots over consents (FIFO within a priority;
      // the fan-out jobs themselves have none, so they run first).
      let ordinal = 0;
      for (const accountId of ids.values()) {
        await this.jobs.enqueueAccountSync({ ...job, accountId }, ++ordinal);
      }
      return { accounts: ids.size };
    }
    // A consent of a few accounts is one job: its accounts are read here, ACCOUNTS_AT_ONCE at a
    // time (their bank calls overlap; their writes take turns on the consent's lock), with the
    // job's session and under each account's lease (owned by this job and account: this job run
    // again after a crash takes it back at once; an account job waits for it). A consent's sync
    // is not queued behind every other consent's accounts, and costs one BullMQ job. An account
    // this job cannot finish now — a bank
    // fault to retry or wait out, its lease held elsewhere — goes to a job of its own
    // (sync-account) not before the fault policy allows (the bank's time, a retry's backoff),
    // whose retries, delays and give-ups are the processor's; the other accounts go on.
    const shared: Shared = { consent, session };
    const pending = [...ids.values()];
    let stop = false;
    const lane = async () => {
      for (let id = pending.shift(); id !== undefined && !stop; id = pending.shift()) {
        try {
          if ((await this.inlineAccount(job, id, attempt, shared)) === 'stop') stop = true;
        } catch (err) {
          stop = true;
          throw err;
        }
      }
    };
    // Every lane ends before the job does (a retry of this job must not meet one still running).
    const lanes = await Promise.allSettled(
      Array.from({ length: Math.min(ACCOUNTS_AT_ONCE, pending.length) }, lane),
    );
    const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failed) throw failed.reason;
    return { accounts: ids.size };
  }

  /** One account read by its consent's job; 'stop' when the consent's other accounts must not go on. */
  private async inlineAccount(
    job: SyncConsentJob,
    accountId: string,
    attempt: JobAttempt,
    shared: Shared,
  ): Promise<'next' | 'stop'> {
    const accountJob: SyncAccountJob = { ...job, accountId };
    try {
      const outcome = await this.syncAccount(
        accountJob,
        `${jobIds.syncConsent(job.consentId, job.syncId)}/${accountId}`,
        attempt,
        shared,
      );
      return outcome.kind === 'stopped' && outcome.reason.startsWith('consent') ? 'stop' : 'next';
    } catch (err) {
      // A decision that is final is the same in any job: applied here, as the processor would.
      if (err instanceof SyncFault && err.decision.action === 'give_up') {
        this.logger.warn(
          { consent_id: job.consentId, account_id: accountId, sync_id: job.syncId, err: err.message },
          'account given up',
        );
        await this.accountFailed(accountJob, err);
        return 'next';
      }
      if (err instanceof SyncFault && err.decision.action === 'reauthorise') {
        await this.reauthorise(job, err);
        return 'stop';
      }
      // Anything else (PostgreSQL gone, a bug) fails this job, which BullMQ retries: the run
      // again takes back the lease this one may have left (same owner) and skips what it counted.
      let delayMs: number;
      if (err instanceof AccountBusy) delayMs = 2_000 + Math.random() * 1_000;
      else if (err instanceof SyncFault && err.decision.action === 'delay_until') {
        delayMs = err.decision.retryAfterS * 1000 + Math.random() * 5_000;
        await this.syncs.markWaiting(job.syncId, accountId, new Date(Date.now() + delayMs));
      } else if (err instanceof SyncFault && err.decision.action === 'retry') {
        delayMs = cappedExponentialBackoff(1);
      } else throw err;
      this.logger.log(
        {
          consent_id: job.consentId,
          account_id: accountId,
          sync_id: job.syncId,
          delay_ms: Math.round(delayMs),
          err: (err as Error).message,
        },
        'account handed to its own job',
      );
      await this.jobs.enqueueAccountSync(accountJob, 1, delayMs);
      return 'next';
    }
  }

  /**
   * Copies one account's history: resumes an unfinished stream from its checkpoint, or starts a
   * new one reading back `HISOB_SYNC_OVERLAP_DAYS` before the newest stored booking date (late
   * postings), or the whole history the first time. Only one stream per account at a time. An
   * expired token mid-stream is refreshed and the stream resumed from the last committed page.
   */
  async syncAccount(
    job: SyncAccountJob,
    jobId: string,
    attempt: JobAttempt = { finalAttempt: false },
    shared?: Shared,
  ): Promise<AccountOutcome> {
    const leased = await this.writer.acquireLease(job.accountId, jobId, job.syncId);
    if (!leased) throw new AccountBusy(`account ${job.accountId} is being synced by another job`);
    // The account's completion releases the lease in its own statement.
    const lease = { held: true };
    try {
      return await this.copyAccount(job, jobId, attempt, leased, lease, shared);
    } catch (err) {
      // A revocation fenced a write: nothing of this job landed after it; the sync ends.
      if (err instanceof ConsentInactive) {
        await this.finish(job.syncId, 'failed', `consent is ${err.status}`);
        return { kind: 'stopped', reason: `consent ${err.status}` };
      }
      // Another job owns the account's stream now (this one's lease lapsed): it carries on.
      if (err instanceof LeaseLost) return { kind: 'stopped', reason: 'lease lost' };
      throw err;
    } finally {
      if (lease.held) await this.writer.releaseLease(job.accountId, jobId);
    }
  }

  private async copyAccount(
    job: SyncAccountJob,
    jobId: string,
    attempt: JobAttempt,
    account: LeasedAccount,
    lease: { held: boolean },
    shared?: Shared,
  ): Promise<AccountOutcome> {
    let consent: Shared['consent'];
    let session: Session;
    if (shared) {
      ({ consent, session } = shared);
    } else {
      const ctx = await this.activeSession(job.consentId, job.syncId);
      if (!ctx) return { kind: 'stopped', reason: 'consent not active' };
      consent = ctx.consent;
      session = { consentId: consent.id, current: ctx.session };
    }
    // A job of a sync that has ended (a retry or a repair that came late) reads nothing: the bank
    // is not asked twice, and the account's stream is left to the sync now running.
    if (account.sync_ended) return { kind: 'stopped', reason: 'sync ended' };
    // Already read (or given up) and counted by this sync: a job run again does nothing twice, but
    // ends the sync if the run that counted the last account died before ending it.
    if (account.counted_sync_id === job.syncId) {
      await this.finishIfComplete(job.syncId);
      return { kind: 'done', pages: 0, added: 0, modified: 0, removed: 0 };
    }
    // A consent's job renewed the session it lends (fanOut); an account job of its own renews here.
    if (!shared) await this.renewIfExpiring(session, consent.provider, 'transactions', attempt);
    const connector = this.connectors.get(consent.provider);
    const startedAt = new Date();
    const checkpoint = account.checkpoint as StoredCheckpoint | null;
    let resume = checkpoint && !checkpoint.done ? checkpoint.stream : null;
    // The pending entries of the stream being resumed; a new stream has seen none.
    let pendingSeen: readonly string[] = resume ? (checkpoint?.pendingSeen ?? []) : [];
    // The booked entries of the stream being resumed whose lineage waits for its end.
    let deferred: readonly string[] = resume ? (checkpoint?.bookedDeferred ?? []) : [];
    const since = resume ? null : this.sinceFrom(account.latest_booking_date);
    const present = job.psuIpAddress ? { psuIpAddress: job.psuIpAddress } : {};
    // The consent job started the sync; an account job may be its first runner.
    if (!shared) await this.syncs.markRunning(job.syncId);

    const scope = { clientId: consent.clientId, consentId: consent.id, accountId: job.accountId };
    let pages = 0;
    let added = 0;
    let modified = 0;
    let removed = 0;
    // The stream's last page is written with the account's end, in one transaction (with the
    // lineage's end-of-stream rule when it held every pending entry).
    let last: { rows: TransactionRow[]; pendingComplete: boolean } | null = null;
    // The history is read when the consent covers it: `transactions`, or `statements` (computed
    // from it). Without either, the bank did not grant it and Hisob must not hold it.
    let refreshed = false;
    for (let streaming = reads(consent.permissions, 'transactions'); streaming;) {
      try {
        const stream = connector.transactions(session.current, account.provider_account_id, resume, {
          since,
          ...present,
        });
        for await (const page of readAhead(stream)) {
          if (page.done) {
            last = {
              rows: page.transactions.map(toTransactionRow),
              pendingComplete: page.pendingComplete === true,
            };
            continue;
          }
          // The fence: a revoked consent stops the copy before this page (ConsentInactive), and
          // a lease another job took stops it too (LeaseLost); either rolls the page back.
          const counts = await this.fenced(consent.id, async (em) => {
            // Pending entries are reconciled in the page's transaction: superseded by their
            // booked entries (the end of a stream that held them all, removing the ones gone, is
            // the last page's, written with the account's end below).
            const c = await this.writer.writeTransactionPage(
              em,
              scope,
              page.transactions.map(toTransactionRow),
              { seen: pendingSeen, deferred, complete: false, ...knownRows(account, pendingSeen) },
            );
            const stored: StoredCheckpoint = {
              stream: page.checkpoint,
              done: false,
              ...(c.seen.length ? { pendingSeen: c.seen } : {}),
              ...(c.deferred.length ? { bookedDeferred: c.deferred } : {}),
            };
            await this.writer.saveCheckpoint(em, job.accountId, stored, job.syncId, jobId);
            await this.syncs.addPage(em, job.syncId, c.added, c.modified, c.removed);
            crashPoint(this.config.HISOB_TEST_CRASH_AT, 'page-tx');
            return c;
          });
          crashPoint(this.config.HISOB_TEST_CRASH_AT, 'page-commit');
          resume = page.checkpoint;
          pendingSeen = counts.seen;
          deferred = counts.deferred;
          refreshed = false;
          pages++;
          added += counts.added;
          modified += counts.modified;
          removed += counts.removed;
        }
        streaming = false;
      } catch (err) {
        if (!isConnectorError(err)) throw err;
        const decision = decideFault(err, {
          importance: 'mandatory',
          refreshed,
          finalAttempt: attempt.finalAttempt,
        });
        if (decision.action !== 'refresh_then_retry') {
          if (decision.action === 'record')
            throw new Error('unreachable: a mandatory call is never recorded');
          throw new SyncFault(decision, err, 'transactions');
        }
        // Resume from the last committed page with the refreshed session.
        refreshed = await this.refresh(session, 'transactions', attempt);
      }
    }

    // The booked balance is also the anchor of every statement. Best effort: balances the bank
    // could not give this time leave the stored ones in place.
    const coverage: CoverageEntry[] = [okCoverage('transactions')];
    let balances: BalanceRow[] | null = null;
    if (reads(consent.permissions, 'balances')) {
      const read = await this.call(session, 'best_effort', 'balances', attempt, (s) =>
        connector.getBalances(s, account.provider_account_id, present),
      );
      if (read.ok) balances = read.value.map(toBalanceRow);
      coverage.push(read.ok ? okCoverage('balances') : read.entry);
    }
    const nextRefreshAt = new Date(startedAt.getTime() + this.config.HISOB_SYNC_INTERVAL_MINUTES * 60_000);
    // The stream's last page, the account's end (its lease released) and its count on the sync
    // commit together: counted once, whatever happens to the job afterwards.
    const done = await this.fenced(consent.id, async (em) => {
      const counts = last
        ? await this.writer.writeTransactionPage(em, scope, last.rows, {
            seen: pendingSeen,
            deferred,
            end: true,
            complete: last.pendingComplete,
            ...knownRows(account, pendingSeen),
          })
        : null;
      if (last) crashPoint(this.config.HISOB_TEST_CRASH_AT, 'page-tx');
      await this.writer.completeAccount(
        em,
        job.accountId,
        jobId,
        balances,
        { stream: null, done: true },
        job.syncId,
        startedAt,
        nextRefreshAt,
        coverage.map((e) => toStoredCoverage(e)),
      );
      // Counted in its own statement: its check of the account's `counted_sync_id` is an UPDATE's
      // (re-read on the newest row version), so a concurrent count (the sweeper's) is never doubled.
      const row = await this.syncs.accountDone(job.syncId, job.accountId, null, em, counts ?? undefined);
      return { row, counts };
    });
    lease.held = false;
    if (done.counts) {
      crashPoint(this.config.HISOB_TEST_CRASH_AT, 'page-commit');
      pages++;
      added += done.counts.added;
      modified += done.counts.modified;
      removed += done.counts.removed;
    }
    crashPoint(this.config.HISOB_TEST_CRASH_AT, 'account-commit');
    this.logger.log(
      {
        consent_id: consent.id,
        account_id: job.accountId,
        sync_id: job.syncId,
        pages,
        added,
        modified,
        removed,
      },
      'account synced',
    );
    if (done.row) await this.finishComputed(job.syncId, done.row);
    return { kind: 'done', pages, added, modified, removed };
  }

  /**
   * An account whose history could not be read (given up by the fault policy): recorded on the
   * account, counted on the sync, and the sync ends when it was the last account. The consent's
   * other accounts go on.
   */
  async accountFailed(job: SyncAccountJob, fault: SyncFault): Promise<void> {
    const state = fault.decision.action === 'give_up' ? fault.decision.state : 'failed';
    const error = describeFault(fault);
    let last;
    try {
      last = await this.fenced(job.consentId, async (em) => {
        await this.writer.accountCoverage(
          job.accountId,
          [toStoredCoverage(coverageOf(fault.resource, state, fault.error))],
          error,
          em,
        );
        return this.syncs.accountDone(job.syncId, job.accountId, error, em);
      });
    } catch (err) {
      if (!(err instanceof ConsentInactive)) throw err;
      await this.finish(job.syncId, 'failed', `consent is ${err.status}`);
      return;
    }
    if (last) await this.finishComputed(job.syncId);
  }

  /** Where an incremental read starts: `HISOB_SYNC_OVERLAP_DAYS` before the newest stored booking date. */
  private sinceFrom(latest: string | null): string | null {
    if (!latest) return null;
    const d = new Date(`${latest}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - this.config.HISOB_SYNC_OVERLAP_DAYS);
    return d.toISOString().slice(0, 10);
  }

  /** Ends a sync whose accounts are all done: failed when any account's history could not be read. */
  private async finishComputed(syncId: string, known?: SyncProgress): Promise<void> {
    const row = known ?? (await this.syncs.findById(syncId));
    if (!row) return;
    const error = row.accounts_failed
      ? `the history of ${row.accounts_failed} of ${row.accounts_total} accounts could not be read (see coverage): ${row.error ?? ''}`
      : null;
    await this.finish(syncId, error ? 'failed' : 'succeeded', error);
  }

  /**
   * Ends a sync once: its row, the consent's summary and the `sync.*` webhooks in ONE transaction
   * (the outbox: the events commit with the state they announce). Under the consent's row and
   * writer locks, as a revocation takes them: a sync cannot succeed after its consent stopped
   * being active (it fails, `consent is …`), nothing is announced for a revoked consent, and
   * nothing is recorded for a client without a webhook URL (or deleted), nor for a scheduled sync
   * that succeeded without adding, modifying or removing a transaction (the keep-fresh case: nothing
   * to say).
   */
  async finish(syncId: string, state: 'succeeded' | 'failed', error: string | null): Promise<void> {
    const row = await this.ds.transaction(async (em) => {
      // The consent's row lock, with its status and the client's webhook (see ConsentLifecycle:
      // row, then writer lock).
      const c = await this.writer.lockSyncConsent(em, syncId);
      if (!c) return null;
      let final = state;
      let reason = error;
      if (state === 'succeeded' && c.status !== 'active') {
        final = 'failed';
        reason = `consent is ${c.status}`;
      }
      const ended = await this.syncs.finish(syncId, final, reason, em, { consentSummary: true });
      if (!ended) return null;
      const changed = ended.transactions_added + ended.transactions_modified + ended.transactions_removed > 0;
      // A scheduled sync that succeeded and changed nothing has nothing to tell; a sync the client
      // asked for (or the consent's first) is always answered, and a failure always told.
      const worthTelling = final === 'failed' || changed || ended.reason !== 'scheduled';
      if (c.status !== 'revoked' && c.webhook_url && !c.deleted_at && worthTelling) {
        await this.webhooks.publish(
          ended.client_id,
          final === 'succeeded' ? 'sync.succeeded' : 'sync.failed',
          { consent_id: ended.consent_id, sync: syncView(ended) },
          em,
        );
        if (final === 'succeeded' && changed) {
          await this.webhooks.publish(
            ended.client_id,
            'transactions.changed',
            {
              consent_id: ended.consent_id,
              sync_id: ended.id,
              added: ended.transactions_added,
              modified: ended.transactions_modified,
              removed: ended.transactions_removed,
            },
            em,
          );
        }
      }
      return ended;
    });
    if (row)
      this.logger.log(
        { consent_id: row.consent_id, sync_id: syncId, state: row.state, error: row.error },
        'sync finished',
      );
  }

  /** An unfinished sync whose accounts are all counted ends now (the sweeper's repair). */
  async finishIfComplete(syncId: string): Promise<boolean> {
    const row = await this.syncs.findById(syncId);
    if (!row || row.accounts_total === 0 || row.accounts_done < row.accounts_total) return false;
    await this.finishComputed(syncId);
    return true;
  }

  async markWaiting(syncId: string, accountId: string | undefined, until: Date): Promise<void> {
    await this.syncs.markWaiting(syncId, accountId, until);
  }

  /** A fault the policy answered with re-authorisation: the consent needs its user, the sync fails. */
  async reauthorise(job: SyncConsentJob, fault: SyncFault): Promise<void> {
    const error = fault.error;
    await this.reauthRequired(
      job.consentId,
      `the bank refused the credentials (${error.providerCode ?? error.status ?? error.kind})`,
    );
    await this.finish(job.syncId, 'failed', `reauthorisation required: ${error.message}`);
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

/** A resource read in full just now. */
function okCoverage(resource: CoverageResource): CoverageEntry {
  return { resource, state: 'ok', code: null, detail: null, checkedAt: new Date().toISOString() };
}

/** A best-effort list read, with the items it had to leave out named in `detail`. */
function readCoverage(resource: CoverageResource, read: ItemsRead<unknown>): CoverageEntry {
  if (!read.skipped.length) return okCoverage(resource);
  const first = read.skipped[0]!;
  return {
    ...okCoverage(resource),
    detail:
      `${read.skipped.length} of ${read.items.length + read.skipped.length} items skipped: ${first.path} ${first.reason}`.slice(
        0,
        500,
      ),
  };
}

/** What the bank's error says about a resource, for coverage. */
function coverageOf(resource: CoverageResource, state: CoverageState, err: AnyConnectorError): CoverageEntry {
  return {
    resource,
    state,
    code: err.providerCode ?? (err.status === null ? err.kind : String(err.status)),
    detail: err.message.slice(0, 500),
    checkedAt: new Date().toISOString(),
  };
}

/** The sync's error text for a fault (the bank's excerpt for a malformed reply). */
export function describeFault(fault: SyncFault): string {
  const err = fault.error;
  if (err.kind === 'protocol_violation')
    return `malformed bank reply: ${err.message}${err.excerpt ? ` — ${err.excerpt}` : ''}`;
  return `${fault.resource} could not be read: ${err.message}`;
}
