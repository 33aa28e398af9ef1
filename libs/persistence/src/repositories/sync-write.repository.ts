import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { StoredCoverage } from '../coverage.js';
import { runPrepared } from '../prepared.js';
import { UNFINISHED } from './sync.repository.js';

/**
 * `coverage` with the entries of `$param` (a jsonb array) replacing those of the same resource:
 * one SQL expression, so a coverage update is part of the statement that writes the rest.
 */
const mergedCoverage = (param: string) =>
  `(SELECT coalesce(jsonb_agg(e ORDER BY e->>'resource'), '[]'::jsonb)
      FROM (SELECT DISTINCT ON (e->>'resource') e
              FROM (SELECT e, 0 AS o FROM jsonb_array_elements(${param}::jsonb) e
                    UNION ALL SELECT e, 1 FROM jsonb_array_elements(coverage) e) x
             ORDER BY e->>'resource', o) y)`;

/** A transaction as the sync engine writes it (amounts already exact decimal strings). */
export interface TransactionRow {
  providerTransactionId: string;
  status: 'booked' | 'pending';
  bookingDate: string;
  valueDate: string | null;
  bookedAt: string | null;
  amount: string;
  currency: string;
  type: string;
  description: string;
  counterpartyName: string | null;
  counterpartyAccount: string | null;
  balanceAfter: string | null;
  category: string | null;
  providerCardId: string | null;
  /** The bank's reference that stays with an entry while its id changes (Berlin Group `entryReference`). */
  entryReference?: string | null;
}

/**
 * Where a transaction stream stands on its pending entries, for {@link SyncWriteRepository.writeTransactionPage}.
 */
export interface PendingStream {
  /** Provider ids of the pending entries the stream's earlier pages reported. */
  readonly seen: readonly string[];
  /**
   * This page ends the stream, and the stream held every pending entry the bank shows for the
   * account (the connector's `pendingComplete`): stored pending rows it did not report are removed.
   */
  readonly complete: boolean;
  /**
   * Whether the account may hold pending rows: it did when its lease was taken, or the stream has
   * reported some. `false` spares the page the look at stored pending rows (the keep-fresh case:
   * most accounts have none). Unknown (`undefined`) is looked at.
   */
  readonly storedPending?: boolean;
  /** Whether the account held transactions when its lease was taken (see {@link UpsertOptions}). */
  readonly rereads?: boolean;
  /** This page ends the stream (with or without `complete`): the deferred fallback matches are decided. */
  readonly end?: boolean;
  /**
   * Provider ids of the booked entries the stream's earlier pages wrote whose fallback match to a
   * stored pending row waits for the stream's end (see {@link SyncWriteRepository.writeTransactionPage}).
   */
  readonly deferred?: readonly string[];
}

/**
 * `rereads: false` when the account held no transaction when the job took its lease (a first
 * sync): its pages are new rows, and the upsert skips its look for identical stored ones.
 */
export interface UpsertOptions {
  readonly rereads?: boolean;
}

/**
 * What a page changed in the copy. `seen`: the stream's pending provider ids up to this page;
 * `deferred`: the booked entries whose fallback match waits for the stream's end, up to this page.
 */
export interface PageWritten {
  added: number;
  modified: number;
  removed: number;
  seen: string[];
  deferred: string[];
}

/**
 * The fallback match of a booked entry to the pending entry it replaces, when no `entryReference`
 * ties them: the booked entry may be dated from the pending entry's date up to this many days
 * later. Card authorisations typically settle in 1–5 business days and rarely later than two weeks;
 * ten calendar days covers the usual case without reaching far enough to pair unrelated entries.
 */
export const SUPERSEDE_WINDOW_DAYS = 10;

export interface AccountRow {
  providerAccountId: string;
  type: string;
  name: string;
  currency: string;
  iban: string | null;
  numberMasked: string | null;
  status: string;
}

export interface BalanceRow {
  type: string;
  amount: string;
  currency: string;
  referenceDate: string | null;
}

export interface CardRow {
  providerCardId: string;
  providerAccountId: string | null;
  scheme: string;
  maskedPan: string;
  nameOnCard: string | null;
  expiry: string | null;
  status: string;
  kind: string;
}

export interface TransferRow {
  providerTransferId: string;
  amount: string;
  currency: string;
  destinationAmount: string | null;
  destinationCurrency: string | null;
  fxRate: string | null;
  fee: string | null;
  destinationCountry: string | null;
  counterpartyName: string | null;
  rail: string;
  status: string;
  createdAt: string;
  completedAt: string | null;
}

/** An instalment plan as the sync engine writes it (amounts exact decimal strings). */
export interface PlanRow {
  providerPlanId: string;
  origin: string;
  principal: string;
  currency: string;
  markupPct: string | null;
  tenorMonths: number | null;
  status: string;
  nextDueDate: string | null;
  nextAmount: string | null;
  store: string | null;
  deviceModel: string | null;
  createdAt: string | null;
}

/** One instalment of a plan's schedule: its plan and due date are its identity. */
export interface InstalmentRow {
  providerPlanId: string;
  dueDate: string;
  amount: string;
  currency: string;
  status: string;
  paidAt: string | null;
}

export interface Scope {
  clientId: string;
  consentId: string;
}

/** Transfers per upsert statement. */
const TRANSFER_BATCH = 1000;

/** One row per provider id, the last one winning: one statement cannot upsert a row twice. */
function lastById<T>(rows: readonly T[], id: (row: T) => string): T[] {
  return [...new Map(rows.map((r) => [id(r), r])).values()];
}

/** How long a sync lease lasts without a page written (a crashed worker's lease lapses after it). */
const LEASE_S = 300;

const TX_COLUMNS = [
  ['provider_transaction_id', 'text'],
  ['status', 'text'],
  ['booking_date', 'date'],
  ['value_date', 'date'],
  ['booked_at', 'timestamptz'],
  ['amount', 'numeric'],
  ['currency', 'bpchar'],
  ['type', 'text'],
  ['description', 'text'],
  ['counterparty_name', 'text'],
  ['counterparty_account', 'text'],
  ['balance_after', 'numeric'],
  ['category', 'text'],
  ['provider_card_id', 'text'],
  ['entry_reference', 'text'],
] as const;

/** Columns whose change makes an existing transaction `modified` in the change feed. */
const TX_MUTABLE = TX_COLUMNS.map(([c]) => c).filter((c) => c !== 'provider_transaction_id');

/** `supersedes` is written when a row is first inserted, never by a re-read (the lineage stays). */
const SUPERSEDES_PARAM = `$${TX_COLUMNS.length + 4}::uuid[]`;

const TX_LIST = TX_COLUMNS.map(([c]) => c).join(', ');

/**
 * One page's upsert: $1-$3 the account, consent and client, then one array per column of
 * {@link TX_COLUMNS}. New rows are numbered from the change-feed sequence; rows whose content
 * changed are renumbered; identical re-reads write nothing — with `rereads`, they are left out
 * before the INSERT (an ON CONFLICT that finds nothing to change still locks the row, a write to
 * its page, and takes a number): a keep-fresh page of unchanged rows is one index probe per row
 * and nothing written. The added and modified rows are
 * counted in PostgreSQL: a page's thousand `inserted` flags come back as one row, not a thousand
 * rows for the worker to read and TypeORM to map. A row was inserted when its two numbers are
 * still the one it was created with (an update renumbers `updated_seq` only); `xmax = 0`, the
 * usual test, cannot be read from a partitioned table's RETURNING.
 */
const upsertTransactionsSql = (rereads: boolean) => `WITH page AS (
    SELECT u.* FROM unnest(${TX_COLUMNS.map(([, type], i) => `$${i + 4}::${type}[]`).join(', ')}, ${SUPERSEDES_PARAM})
        AS u(${TX_LIST}, supersedes)${
          rereads
            ? `
     WHERE NOT EXISTS (
       SELECT 1 FROM transactions t
        WHERE t.account_id = $1 AND t.provider_transaction_id = u.provider_transaction_id
          AND (${TX_MUTABLE.map((c) => `t.${c}`).join(', ')}) IS NOT DISTINCT FROM (${TX_MUTABLE.map((c) => `u.${c}`).join(', ')}))`
            : ''
        }),
  upserted AS (
    INSERT INTO transactions (account_id, consent_id, client_id, ${TX_LIST}, supersedes, created_seq, updated_seq)
    SELECT $1, $2, $3, ${TX_LIST}, supersedes, s, s
      FROM (SELECT page.*, nextval('transaction_change_seq') AS s FROM page) AS numbered
    ON CONFLICT (account_id, provider_transaction_id) DO UPDATE SET
      ${TX_MUTABLE.map((c) => `${c} = EXCLUDED.${c}`).join(', ')},
      updated_seq = EXCLUDED.updated_seq, updated_at = now()
    WHERE (${TX_MUTABLE.map((c) => `transactions.${c}`).join(', ')})
          IS DISTINCT FROM (${TX_MUTABLE.map((c) => `EXCLUDED.${c}`).join(', ')})
    RETURNING (created_seq = updated_seq) AS inserted)
  SELECT count(*) FILTER (WHERE inserted)::int AS added, count(*) FILTER (WHERE NOT inserted)::int AS modified
    FROM upserted`;
const UPSERT_TRANSACTIONS = upsertTransactionsSql(false);
const UPSERT_REREAD_TRANSACTIONS = upsertTransactionsSql(true);

/**
 * The bank's balances of the account ($8-$11: type, amount, currency, reference date arrays) made
 * the stored set, as CTEs after `done` (the lease-checked account update): nothing is written
 * unless the lease held, and a balance only when it differs (its amount compared as text, so a
 * change of scale is a change); an unchanged one is not even locked. `p`: the first array's
 * parameter number.
 */
const balanceCtes = (p: number) => `,
       bank AS (SELECT * FROM unnest($${p}::text[], $${p + 1}::numeric[], $${p + 2}::bpchar[], $${p + 3}::date[])
                  AS u(type, amount, currency, reference_date)),
       gone AS (
         DELETE FROM balances b WHERE b.account_id = $1 AND EXISTS (SELECT 1 FROM done)
            AND NOT EXISTS (SELECT 1 FROM bank WHERE bank.type = b.type)),
       written AS (
         INSERT INTO balances (account_id, type, amount, currency, reference_date)
         SELECT $1, type, amount, currency, reference_date FROM bank WHERE EXISTS (SELECT 1 FROM done)
            AND NOT EXISTS (SELECT 1 FROM balances b WHERE b.account_id = $1 AND b.type = bank.type
                              AND (b.amount::text, b.currency, b.reference_date)
                                  IS NOT DISTINCT FROM (bank.amount::text, bank.currency, bank.reference_date))
         ON CONFLICT (account_id, type) DO UPDATE SET amount = EXCLUDED.amount, currency = EXCLUDED.currency,
           reference_date = EXCLUDED.reference_date, updated_at = now()
         WHERE (balances.amount::text, balances.currency, balances.reference_date)
               IS DISTINCT FROM (EXCLUDED.amount::text, EXCLUDED.currency, EXCLUDED.reference_date))`;

/** Where a sync stands on its accounts (what ending it needs). */
export interface SyncProgress {
  accounts_done: number;
  accounts_total: number;
  accounts_failed: number;
  error: string | null;
}

/** An account as a job that took its lease starts from. */
export interface LeasedAccount {
  provider_account_id: string;
  checkpoint: unknown;
  counted_sync_id: string | null;
  latest_booking_date: string | null;
  /** The account holds pending transactions (see {@link PendingStream.storedPending}). */
  has_pending: boolean;
  /** The job's sync has ended (or is gone): a late job (a retry, a repair) has nothing to read. */
  sync_ended: boolean;
}

/** The consent is no longer `active`: a sync's write refused (revocation fences work in flight). */
export class ConsentInactive extends Error {
  override readonly name = 'ConsentInactive';

  constructor(
    readonly consentId: string,
    readonly status: string,
  ) {
    super(`consent ${consentId} is ${status}`);
  }
}

/** The account's sync lease belongs to another job now: this job's write is refused. */
export class LeaseLost extends Error {
  override readonly name = 'LeaseLost';

  constructor(
    readonly accountId: string,
    readonly owner: string,
  ) {
    super(`the sync lease of account ${accountId} is no longer held by ${owner}`);
  }
}

/**
 * Every write of the sync engine. A transaction page is upserted in one statement (unnest of
 * column arrays, perf-limits §2), numbered under the consent's advisory lock so that change-feed
 * sequence numbers follow commit order within a consent.
 */
@Injectable()
export class SyncWriteRepository {
  constructor(private readonly ds: DataSource) {}

  private q(em?: EntityManager) {
    return em ?? this.ds.manager;
  }

  /** Serialises writers of one consent until the end of the transaction (change-feed ordering). */
  async lockConsent(em: EntityManager, consentId: string): Promise<void> {
    await runPrepared(em, `SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))`, [consentId]);
  }

  /**
   * The fence of every write of a sync, first statement of its transaction: the consent's writer
   * lock (the advisory lock that status changes take too, see ConsentLifecycle), then the
   * consent's status read under it. A revocation committed before this point is seen; one that
   * comes later waits for this transaction. `row`: the transaction also writes the consent row, so
   * its row lock is taken first (the order status changes take them in: row, then writer lock),
   * and the status is read with it: every status change updates that row, so the locked (newest)
   * version's status cannot change before this transaction ends.
   *
   * @throws {ConsentInactive} when the consent is not `active` (or gone).
   */
  async fence(em: EntityManager, consentId: string, opts: { row?: boolean } = {}): Promise<void> {
    let seen: string | undefined;
    if (opts.row) {
      // One statement, the locks in their order: the subquery's row lock (FOR UPDATE keeps it a
      // subquery), then the writer lock, taken as the outer query projects the locked row.
      const { rows } = await runPrepared<{ status: string }>(
        em,
        `SELECT x.status, pg_advisory_xact_lock(hashtextextended(x.id::text, 0)) IS NULL AS unused
           FROM (SELECT id, status FROM consents WHERE id = $1 FOR NO KEY UPDATE) x`,
        [consentId],
      );
      seen = rows[0]?.status;
    } else {
      await this.lockConsent(em, consentId);
      seen = (
        await runPrepared<{ status: string }>(em, `SELECT status FROM consents WHERE id = $1`, [consentId])
      ).rows[0]?.status;
    }
    if (seen !== 'active') throw new ConsentInactive(consentId, seen ?? 'gone');
  }

  /**
   * The consent of a sync, its row locked (FOR NO KEY UPDATE: the newest version, whose status no
   * one can change before this transaction ends) and then its writer lock taken (the order status
   * changes take them in, as {@link fence}), with the client's webhook settings; null when the
   * sync is gone.
   */
  async lockSyncConsent(
    em: EntityManager,
    syncId: string,
  ): Promise<{
    consent_id: string;
    status: string;
    webhook_url: string | null;
    deleted_at: Date | null;
  } | null> {
    const { rows } = await runPrepared<{
      consent_id: string;
      status: string;
      webhook_url: string | null;
      deleted_at: Date | null;
    }>(
      em,
      `SELECT x.*, pg_advisory_xact_lock(hashtextextended(x.consent_id::text, 0)) IS NULL AS unused
         FROM (SELECT s.consent_id, c.status, cl.webhook_url, cl.deleted_at
                 FROM syncs s JOIN consents c ON c.id = s.consent_id JOIN clients cl ON cl.id = c.client_id
                WHERE s.id = $1 FOR NO KEY UPDATE OF c) x`,
      [syncId],
    );
    return rows[0] ?? null;
  }

  /**
   * Upserts one page. New rows are `added`; existing rows whose content changed are `modified`
   * (and renumbered); identical re-reads (the overlap window) change nothing at all.
   */
  async upsertTransactions(
    em: EntityManager,
    scope: Scope & { accountId: string },
    rows: readonly TransactionRow[],
    supersedes: ReadonlyMap<string, string> = new Map(),
    opts: UpsertOptions = {},
  ): Promise<{ added: number; modified: number }> {
    if (!rows.length) return { added: 0, modified: 0 };
    // One row per identity: a page cannot name a transaction twice in one upsert.
    const unique = lastById(rows, (r) => r.providerTransactionId);
    const arrays = TX_COLUMNS.map(([col]) => unique.map((r) => valueOf(r, col)));
    const lineage = unique.map((r) => supersedes.get(r.providerTransactionId) ?? null);
    const params = [scope.accountId, scope.consentId, scope.clientId, ...arrays, lineage];
    const sql = opts.rereads === false ? UPSERT_TRANSACTIONS : UPSERT_REREAD_TRANSACTIONS;
    const { rows: counts } = await runPrepared<{ added: number; modified: number }>(em, sql, params);
    return { added: counts[0]!.added, modified: counts[0]!.modified };
  }

  /**
   * One page of an account's transaction stream, with its pending entries reconciled (all in the
   * caller's page transaction, behind its fence):
   *
   * 1. A booked entry new to the account supersedes the stored pending row it replaces: the one
   *    with its `entry_reference` (on its page), else the one pending row with the same amount,
   *    currency and counterparty dated at most {@link SUPERSEDE_WINDOW_DAYS} days before it (and no
   *    conflicting reference), provided no other new booked entry of the stream claims that row
   *    too. A pending row the stream reports is still pending at the bank, so it is never a
   *    fallback candidate — and a bank may report it on any page, after the booked entry (Berlin
   *    Group pages booked and pending entries as it likes): the fallback is decided at the
   *    stream's end, when every report is known. Until then the booked row is written without
   *    lineage and its provider id travels in `deferred` (the checkpoint keeps it across a
   *    resume). Ambiguous candidates are not guessed. The pending row is deleted and recorded in
   *    `transaction_removals` (`removed` in the change feed); the booked row gets `supersedes` =
   *    its Hisob id — inserted with it on the last page, or set then when an earlier page wrote
   *    it (renumbered in the change feed; not counted again: the stream counted it `added`).
   * 2. A pending report whose `entry_reference` a booked entry of the same page carries is stale
   *    (the bank shows the entry both ways for a moment) and is not written.
   * 3. The page is upserted as by {@link upsertTransactions}: a re-reported pending entry whose
   *    content changed is `modified`.
   * 4. On the last page of a stream that held every pending entry (`stream.complete`), stored
   *    pending rows the stream did not report are removed (they vanished, or booked with nothing
   *    tying them to their booked entry).
   *
   * An account without stored pending rows costs one extra index probe (the partial
   * `ix_transactions_pending`) and is otherwise written exactly as by {@link upsertTransactions}.
   */
  async writeTransactionPage(
    em: EntityManager,
    scope: Scope & { accountId: string },
    rows: readonly TransactionRow[],
    stream: PendingStream,
  ): Promise<PageWritten> {
    const unique = lastById(rows, (r) => r.providerTransactionId);
    const bookedRefs = new Set(
      unique.filter((r) => r.status === 'booked' && r.entryReference).map((r) => r.entryReference),
    );
    const page = unique.filter(
      (r) => !(r.status === 'pending' && r.entryReference && bookedRefs.has(r.entryReference)),
    );
    const seen = new Set(stream.seen);
    for (const r of page) if (r.status === 'pending') seen.add(r.providerTransactionId);

    const upsert = { rereads: stream.rereads };
    const stored =
      stream.storedPending === false
        ? []
        : (
            await runPrepared<StoredPending>(
              em,
              `SELECT id, provider_transaction_id AS "providerTransactionId", entry_reference AS "entryReference",
                      amount::text AS amount, currency, booking_date::text AS "bookingDate",
                      counterparty_name AS "counterpartyName", counterparty_account AS "counterpartyAccount"
                 FROM transactions WHERE account_id = $1 AND status = 'pending'
                ORDER BY booking_date, created_seq`,
              [scope.accountId],
            )
          ).rows;
    // No stored pending row: nothing for a deferred booked entry to supersede either.
    if (!stored.length) {
      const c = await this.upsertTransactions(em, scope, page, undefined, upsert);
      return { ...c, removed: 0, seen: [...seen], deferred: [] };
    }

    const end = stream.end === true || stream.complete;
    const superseded = await this.matchSuperseded(em, scope.accountId, page, stored, seen, {
      end,
      deferred: stream.deferred ?? [],
    });
    let removed = await this.removeTransactions(em, scope.accountId, { ids: superseded.removed });
    const c = await this.upsertTransactions(em, scope, page, superseded.supersedes, upsert);
    // Rows this stream inserted (counted `added`): their lineage is no further change to count.
    await this.setLineage(em, scope.accountId, superseded.earlier);
    // After the upsert: a pending row this stream booked under its own id is booked now, not gone.
    if (stream.complete)
      removed += await this.removeTransactions(em, scope.accountId, { pendingNotIn: [...seen] });
    return {
      added: c.added,
      modified: c.modified,
      removed,
      seen: [...seen],
      deferred: superseded.deferred,
    };
  }

  /**
   * Gives booked rows an earlier page of the stream wrote their lineage (provider id → superseded
   * Hisob id), renumbered in the change feed.
   */
  private async setLineage(
    em: EntityManager,
    accountId: string,
    earlier: ReadonlyMap<string, string>,
  ): Promise<void> {
    if (!earlier.size) return;
    await em.query(
      `UPDATE transactions t SET supersedes = u.pending, updated_seq = nextval('transaction_change_seq'), updated_at = now()
         FROM unnest($2::text[], $3::uuid[]) AS u(provider_transaction_id, pending)
        WHERE t.account_id = $1 AND t.provider_transaction_id = u.provider_transaction_id
          AND t.status = 'booked' AND t.supersedes IS NULL`,
      [accountId, [...earlier.keys()], [...earlier.values()]],
    );
  }

  /**
   * Which new booked entries of a page supersede which stored pending rows (see
   * {@link writeTransactionPage}). Returns, for the page's booked entries, provider id → pending
   * Hisob id (`supersedes`); at the stream's end, the same for the booked entries earlier pages
   * deferred (`earlier`); the pending rows to remove (with an entry reference, every pending row
   * carrying it); and before the end, the booked entries whose fallback waits (`deferred`).
   */
  private async matchSuperseded(
    em: EntityManager,
    accountId: string,
    page: readonly TransactionRow[],
    stored: readonly StoredPending[],
    seen: ReadonlySet<string>,
    stream: { end: boolean; deferred: readonly string[] },
  ): Promise<{
    supersedes: Map<string, string>;
    earlier: Map<string, string>;
    removed: string[];
    deferred: string[];
  }> {
    const storedIds = new Set(stored.map((p) => p.providerTransactionId));
    const inPage = new Set(page.map((r) => r.providerTransactionId));
    const storedRefs = new Set(stored.map((p) => p.entryReference).filter((r) => r !== null));
    const byFallback = (b: FallbackKey) =>
      stored.filter(
        (p) =>
          !seen.has(p.providerTransactionId) &&
          !inPage.has(p.providerTransactionId) &&
          (p.entryReference === null || !b.entryReference) &&
          p.currency === b.currency &&
          sameDecimal(p.amount, b.amount) &&
          p.counterpartyName === b.counterpartyName &&
          (p.counterpartyAccount === null ||
            b.counterpartyAccount === null ||
            p.counterpartyAccount === b.counterpartyAccount) &&
          withinWindow(p.bookingDate, b.bookingDate),
      );
    // A booked entry that books a stored pending row under the same id is a plain update.
    let booked = page.filter(
      (b) =>
        b.status === 'booked' &&
        !storedIds.has(b.providerTransactionId) &&
        ((b.entryReference && storedRefs.has(b.entryReference)) || byFallback(b).length > 0),
    );
    const deferredIn = new Set(stream.deferred);
    if (!booked.length && !(stream.end && deferredIn.size))
      return { supersedes: new Map(), earlier: new Map(), removed: [], deferred: [...deferredIn] };
    // Only an entry new to the account supersedes: one already stored (a re-read, a page
    // delivered again) settled its lineage when it was first written — or waits in `deferred`.
    if (booked.length) {
      const existing: Array<{ id: string }> = await em.query(
        `SELECT provider_transaction_id AS id FROM transactions WHERE account_id = $1 AND provider_transaction_id = ANY($2::text[])`,
        [accountId, booked.map((b) => b.providerTransactionId)],
      );
      const known = new Set(existing.map((e) => e.id));
      booked = booked.filter((b) => !known.has(b.providerTransactionId));
    }

    const supersedes = new Map<string, string>();
    const removed = new Set<string>();
    for (const b of booked) {
      if (!b.entryReference) continue;
      const same = stored.filter((p) => p.entryReference === b.entryReference && !removed.has(p.id));
      if (!same.length) continue;
      supersedes.set(b.providerTransactionId, same[0]!.id);
      for (const p of same) removed.add(p.id);
    }
    const fallback = booked.filter((b) => !supersedes.has(b.providerTransactionId));
    if (!stream.end) {
      // A later page may still report the candidates as pending: decided at the stream's end.
      for (const b of fallback) deferredIn.add(b.providerTransactionId);
      return { supersedes, earlier: new Map(), removed: [...removed], deferred: [...deferredIn] };
    }
    // The stream's end: every report is known. The booked entries of earlier pages, as written.
    const earlierRows: FallbackKey[] = deferredIn.size
      ? await em.query(
          `SELECT provider_transaction_id AS "providerTransactionId", entry_reference AS "entryReference",
                  amount::text AS amount, currency, booking_date::text AS "bookingDate",
                  counterparty_name AS "counterpartyName", counterparty_account AS "counterpartyAccount"
             FROM transactions
            WHERE account_id = $1 AND provider_transaction_id = ANY($2::text[]) AND status = 'booked' AND supersedes IS NULL`,
          [accountId, [...deferredIn]],
        )
      : [];
    const candidates = new Map<string, { page: boolean; cs: StoredPending[] }>();
    const claims = new Map<string, number>();
    for (const [b, onPage] of [
      ...fallback.map((b) => [b, true] as const),
      ...earlierRows.map((b) => [b, false] as const),
    ]) {
      const cs = byFallback(b).filter((p) => !removed.has(p.id));
      candidates.set(b.providerTransactionId, { page: onPage, cs });
      for (const p of cs) claims.set(p.id, (claims.get(p.id) ?? 0) + 1);
    }
    const earlier = new Map<string, string>();
    for (const [bookedId, { page: onPage, cs }] of candidates) {
      if (cs.length !== 1 || claims.get(cs[0]!.id) !== 1) continue;
      (onPage ? supersedes : earlier).set(bookedId, cs[0]!.id);
      removed.add(cs[0]!.id);
    }
    return { supersedes, earlier, removed: [...removed], deferred: [] };
  }

  /**
   * Deletes transactions of an account — these ids, or its pending rows but those with these
   * provider ids — and records each in `transaction_removals` with the next change number (the
   * change feed's `removed`). Returns how many went.
   */
  private async removeTransactions(
    em: EntityManager,
    accountId: string,
    which: { ids: readonly string[] } | { pendingNotIn: readonly string[] },
  ): Promise<number> {
    if ('ids' in which && !which.ids.length) return 0;
    const where =
      'ids' in which
        ? `id = ANY($2::uuid[])`
        : `status = 'pending' AND provider_transaction_id <> ALL($2::text[])`;
    const rows: unknown[] = await em.query(
      `WITH gone AS (
         DELETE FROM transactions WHERE account_id = $1 AND ${where} RETURNING id, consent_id)
       INSERT INTO transaction_removals (seq, consent_id, transaction_id)
       SELECT nextval('transaction_change_seq'), consent_id, id FROM gone RETURNING seq`,
      [accountId, 'ids' in which ? which.ids : which.pendingNotIn],
    );
    return rows.length;
  }

  /**
   * Saves the stream position and renews the writer's lease, in the page's transaction — only while
   * `owner` holds the lease.
   *
   * @throws {LeaseLost} when another job took the lease (the caller's transaction must roll back).
   */
  async saveCheckpoint(
    em: EntityManager,
    accountId: string,
    checkpoint: unknown,
    syncId: string,
    owner: string,
  ): Promise<void> {
    const { rowCount } = await runPrepared(
      em,
      `UPDATE accounts SET checkpoint = $2, checkpoint_sync_id = $3, sync_lease_until = now() + interval '${LEASE_S} seconds',
              rate_limited_until = NULL, updated_at = now() WHERE id = $1 AND sync_lease_owner = $4`,
      [accountId, JSON.stringify(checkpoint), syncId, owner],
    );
    if (!rowCount) throw new LeaseLost(accountId, owner);
  }

  /**
   * Takes the account's sync lease for this job: free, expired, or already this job's (a retried
   * or restarted job takes its own lease back at once; another job waits until it expires). In the
   * same statement, what the job needs to start: the account's stream position, the sync that last
   * counted it, its newest stored booking date (where an incremental read starts) and whether it
   * holds pending rows, and whether the job's sync (`syncId`) has ended. Null when another job
   * holds the lease (or the account is gone). The
   * history is looked up by `$1`, not by the updated row: a value, so the plan reads the one
   * partition that holds the account (a reference to the row planned all sixteen, every time).
   */
  async acquireLease(accountId: string, owner: string, syncId: string | null): Promise<LeasedAccount | null> {
    const { rows } = await runPrepared<LeasedAccount>(
      this.ds,
      `UPDATE accounts SET sync_lease_owner = $2, sync_lease_until = now() + interval '${LEASE_S} seconds'
        WHERE id = $1 AND (sync_lease_owner IS NULL OR sync_lease_owner = $2 OR sync_lease_until < now())
        RETURNING provider_account_id, checkpoint, counted_sync_id,
                  (SELECT max(t.booking_date)::text FROM transactions t WHERE t.account_id = $1) AS latest_booking_date,
                  EXISTS (SELECT 1 FROM transactions t WHERE t.account_id = $1 AND t.status = 'pending') AS has_pending,
                  $3::uuid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM syncs s WHERE s.id = $3 AND s.state IN ${UNFINISHED}) AS sync_ended`,
      [accountId, owner, syncId],
    );
    return rows[0] ?? null;
  }

  async releaseLease(accountId: string, owner: string): Promise<void> {
    await runPrepared(
      this.ds,
      `UPDATE accounts SET sync_lease_owner = NULL, sync_lease_until = NULL WHERE id = $1 AND sync_lease_owner = $2`,
      [accountId, owner],
    );
  }

  /**
   * Upserts the consent's accounts in one statement; returns provider id → Hisob id. Every listed
   * account's `updated_at` moves (the sweeper finds a sync's accounts by it).
   */
  async upsertAccounts(
    scope: Scope & { provider: string },
    rows: readonly AccountRow[],
    em?: EntityManager,
  ): Promise<Map<string, string>> {
    const unique = lastById(rows, (a) => a.providerAccountId);
    if (!unique.length) return new Map();
    const col = <K extends keyof AccountRow>(k: K) => unique.map((a) => a[k]);
    const upserted = (await this.q(em).query(
      `INSERT INTO accounts (client_id, consent_id, provider, provider_account_id, type, name, currency, iban, number_masked, status)
       SELECT $1, $2, $3, u.* FROM unnest($4::text[], $5::text[], $6::text[], $7::bpchar[], $8::text[], $9::text[], $10::text[])
         AS u(provider_account_id, type, name, currency, iban, number_masked, status)
       ON CONFLICT (consent_id, provider_account_id) DO UPDATE SET
         type = EXCLUDED.type, name = EXCLUDED.name, currency = EXCLUDED.currency, iban = EXCLUDED.iban,
         number_masked = EXCLUDED.number_masked, status = EXCLUDED.status, updated_at = now()
       RETURNING id, provider_account_id`,
      [
        scope.clientId,
        scope.consentId,
        scope.provider,
        col('providerAccountId'),
        col('type'),
        col('name'),
        col('currency'),
        col('iban'),
        col('numberMasked'),
        col('status'),
      ],
    )) as Array<{ id: string; provider_account_id: string }>;
    const byProvider = new Map(upserted.map((r) => [r.provider_account_id, r.id]));
    // In the bank's order (the order the sync reads them in).
    return new Map(unique.map((a) => [a.providerAccountId, byProvider.get(a.providerAccountId)!]));
  }

  /**
   * Marks the account read, in ONE statement: its history done, its coverage, its lease released,
   * and its balances made the bank's current set — a balance written only when it differs from
   * the stored one (amount with its scale, currency, reference date), one the bank no longer
   * lists removed — or kept as they are when the bank could not give them this time (`null`).
   * Only while `owner` holds the account's lease.
   *
   * @throws {LeaseLost} when another job took the lease (the caller's transaction must roll back).
   */
  async completeAccount(
    em: EntityManager,
    accountId: string,
    owner: string,
    balances: readonly BalanceRow[] | null,
    finalCheckpoint: unknown,
    syncId: string,
    dataAsOf: Date,
    nextRefreshAt: Date,
    coverage: readonly StoredCoverage[],
  ): Promise<void> {
    const unique = balances === null ? null : lastById(balances, (b) => b.type);
    const params: unknown[] = [
      accountId,
      JSON.stringify(finalCheckpoint),
      syncId,
      dataAsOf,
      nextRefreshAt,
      JSON.stringify(coverage),
      owner,
    ];
    if (unique)
      params.push(
        unique.map((b) => b.type),
        unique.map((b) => b.amount),
        unique.map((b) => b.currency),
        unique.map((b) => b.referenceDate),
      );
    // The next scheduled read: the cadence, or sooner where a credit ledger has an instalment
    // falling due — the start of the day after (UTC), when the payment or the arrears show.
    const { rowCount } = await runPrepared(
      em,
      `WITH done AS (
         UPDATE accounts SET checkpoint = $2, checkpoint_sync_id = $3, data_as_of = $4,
                next_refresh_at = LEAST($5::timestamptz,
                  (SELECT (min(p.next_due_date) + 1)::timestamp AT TIME ZONE 'UTC' + interval '1 hour'
                     FROM instalment_plans p
                    WHERE p.consent_id = accounts.consent_id AND p.next_due_date >= ($4::timestamptz AT TIME ZONE 'UTC')::date)),
                last_sync_error = NULL, coverage = ${mergedCoverage('$6')}, updated_at = now(),
                sync_lease_owner = NULL, sync_lease_until = NULL
          WHERE id = $1 AND sync_lease_owner = $7 RETURNING id)${unique ? balanceCtes(8) : ''}
       SELECT id FROM done`,
      params,
    );
    if (!rowCount) throw new LeaseLost(accountId, owner);
  }

  /**
   * A sync's accounts listed, in ONE statement of the consent's fenced transaction (after the
   * accounts' upsert, which gives their ids): the consent's cards (a handful; an unchanged card
   * is left out, not even locked), each account's coverage of the transfers read consent-wide, the
   * sync running with its account count, and the consent's coverage and `sync_state`. The last two
   * only while the sync is unfinished: null when it had already ended (a fan-out run again after
   * the sync's last account). `complete`: every account was already counted (account jobs that ran
   * before the listing), so the sync is the caller's to end.
   */
  async recordListing(
    em: EntityManager,
    scope: Scope,
    listing: {
      syncId: string;
      accountIds: ReadonlyMap<string, string>;
      /** Null: the cards could not be read this time (the stored ones stay). */
      cards: readonly CardRow[] | null;
      transfersCoverage: ReadonlyArray<readonly [string, StoredCoverage]>;
      coverage: readonly StoredCoverage[];
    },
  ): Promise<{ complete: boolean } | null> {
    const cards = listing.cards ? lastById(listing.cards, (c) => c.providerCardId) : [];
    const card = <K extends keyof CardRow>(k: K) => cards.map((c) => c[k]);
    const { rows } = await runPrepared<{ started: number; complete: boolean }>(
      em,
      `WITH started AS (
         UPDATE syncs SET state = 'running', accounts_total = $4, started_at = coalesce(started_at, now())
          WHERE id = $3 AND state IN ${UNFINISHED} RETURNING id, accounts_done >= accounts_total AS complete),
       consent AS (
         UPDATE consents SET coverage = ${mergedCoverage('$5')}, sync_state = 'running', updated_at = now()
          WHERE id = $2 AND EXISTS (SELECT 1 FROM started) RETURNING id),
       listed_cards AS (
         INSERT INTO cards (client_id, consent_id, account_id, provider_card_id, scheme, masked_pan, name_on_card, expiry, status, kind)
         SELECT $1, $2, u.* FROM unnest($6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[], $11::date[], $12::text[], $13::text[])
           AS u(account_id, provider_card_id, scheme, masked_pan, name_on_card, expiry, status, kind)
          WHERE NOT EXISTS (
            SELECT 1 FROM cards c WHERE c.consent_id = $2 AND c.provider_card_id = u.provider_card_id
               AND (c.account_id, c.scheme, c.masked_pan, c.name_on_card, c.expiry, c.status, c.kind)
                   IS NOT DISTINCT FROM (u.account_id, u.scheme, u.masked_pan, u.name_on_card, u.expiry, u.status, u.kind))
         ON CONFLICT (consent_id, provider_card_id) DO UPDATE SET account_id = EXCLUDED.account_id, scheme = EXCLUDED.scheme,
           masked_pan = EXCLUDED.masked_pan, name_on_card = EXCLUDED.name_on_card, expiry = EXCLUDED.expiry,
           status = EXCLUDED.status, kind = EXCLUDED.kind, updated_at = now()
         WHERE (cards.account_id, cards.scheme, cards.masked_pan, cards.name_on_card, cards.expiry, cards.status, cards.kind)
               IS DISTINCT FROM (EXCLUDED.account_id, EXCLUDED.scheme, EXCLUDED.masked_pan, EXCLUDED.name_on_card,
                                 EXCLUDED.expiry, EXCLUDED.status, EXCLUDED.kind)),
       transfers_coverage AS (
         UPDATE accounts SET coverage = ${mergedCoverage('u.entry')}
           FROM unnest($14::uuid[], $15::jsonb[]) AS u(id, entry) WHERE accounts.id = u.id)
       SELECT (SELECT count(*) FROM consent)::int AS started, coalesce((SELECT complete FROM started), false) AS complete`,
      [
        scope.clientId,
        scope.consentId,
        listing.syncId,
        listing.accountIds.size,
        JSON.stringify(listing.coverage),
        cards.map((c) =>
          c.providerAccountId ? (listing.accountIds.get(c.providerAccountId) ?? null) : null,
        ),
        card('providerCardId'),
        card('scheme'),
        card('maskedPan'),
        card('nameOnCard'),
        card('expiry'),
        card('status'),
        card('kind'),
        listing.transfersCoverage.map(([id]) => id),
        listing.transfersCoverage.map(([, c]) => JSON.stringify([c])),
      ],
    );
    return rows[0]!.started > 0 ? { complete: rows[0]!.complete } : null;
  }

  /** Records coverage on an account (its history given up, its transfers read or not). */
  async accountCoverage(
    accountId: string,
    coverage: readonly StoredCoverage[],
    error?: string,
    em?: EntityManager,
  ): Promise<void> {
    await this.q(em).query(
      `UPDATE accounts SET coverage = ${mergedCoverage('$2')}${error === undefined ? '' : ', last_sync_error = $3'}
        WHERE id = $1`,
      error === undefined
        ? [accountId, JSON.stringify(coverage)]
        : [accountId, JSON.stringify(coverage), error],
    );
  }

  /**
   * The consent's credit ledger: its plans upserted by the provider's id, and each plan's schedule
   * by due date (a recalculated amount updates its instalment in place); instalments the provider
   * no longer lists for a plan it sent are removed.
   */
  async upsertCredit(
    scope: Scope,
    plans: readonly PlanRow[],
    instalments: readonly InstalmentRow[],
    em?: EntityManager,
  ): Promise<void> {
    const unique = lastById(plans, (p) => p.providerPlanId);
    if (!unique.length) return;
    const col = <K extends keyof PlanRow>(k: K) => unique.map((p) => p[k]);
    const ids: Array<{ id: string; provider_plan_id: string }> = await this.q(em).query(
      `INSERT INTO instalment_plans (client_id, consent_id, provider_plan_id, origin, principal, currency, markup_pct,
         tenor_months, status, next_due_date, next_amount, store, device_model, provider_created_at)
       SELECT $1, $2, u.* FROM unnest($3::text[], $4::text[], $5::numeric[], $6::bpchar[], $7::numeric[], $8::int[],
         $9::text[], $10::date[], $11::numeric[], $12::text[], $13::text[], $14::timestamptz[])
         AS u(provider_plan_id, origin, principal, currency, markup_pct, tenor_months, status, next_due_date,
              next_amount, store, device_model, provider_created_at)
       ON CONFLICT (consent_id, provider_plan_id) DO UPDATE SET origin = EXCLUDED.origin, principal = EXCLUDED.principal,
         currency = EXCLUDED.currency, markup_pct = EXCLUDED.markup_pct, tenor_months = EXCLUDED.tenor_months,
         status = EXCLUDED.status, next_due_date = EXCLUDED.next_due_date, next_amount = EXCLUDED.next_amount,
         store = EXCLUDED.store, device_model = EXCLUDED.device_model,
         provider_created_at = EXCLUDED.provider_created_at, updated_at = now()
       RETURNING id, provider_plan_id`,
      [
        scope.clientId,
        scope.consentId,
        col('providerPlanId'),
        col('origin'),
        col('principal'),
        col('currency'),
        col('markupPct'),
        col('tenorMonths'),
        col('status'),
        col('nextDueDate'),
        col('nextAmount'),
        col('store'),
        col('deviceModel'),
        col('createdAt'),
      ],
    );
    const planIds = new Map(ids.map((r) => [r.provider_plan_id, r.id]));
    const rows = [
      ...new Map(
        instalments
          .filter((i) => planIds.has(i.providerPlanId))
          .map((i) => [`${i.providerPlanId}/${i.dueDate}`, i] as const),
      ).values(),
    ];
    const icol = <K extends keyof InstalmentRow>(k: K) => rows.map((i) => i[k]);
    // Removed instalments leave a numbered trace for the schedule's change feed.
    await this.q(em).query(
      `WITH gone AS (
         DELETE FROM instalments i USING unnest($1::uuid[]) AS p(id)
          WHERE i.plan_id = p.id
            AND NOT EXISTS (SELECT 1 FROM unnest($2::uuid[], $3::date[]) AS k(plan_id, due_date)
                             WHERE k.plan_id = i.plan_id AND k.due_date = i.due_date)
          RETURNING i.id, i.consent_id, i.client_id)
       INSERT INTO instalment_removals (consent_id, client_id, instalment_id) SELECT consent_id, client_id, id FROM gone`,
      [[...planIds.values()], rows.map((i) => planIds.get(i.providerPlanId)!), icol('dueDate')],
    );
    if (!rows.length) return;
    await this.q(em).query(
      `INSERT INTO instalments (client_id, consent_id, plan_id, due_date, amount, currency, status, paid_at)
       SELECT $1, $2, u.* FROM unnest($3::uuid[], $4::date[], $5::numeric[], $6::bpchar[], $7::text[], $8::timestamptz[])
         AS u(plan_id, due_date, amount, currency, status, paid_at)
       ON CONFLICT (plan_id, due_date) DO UPDATE SET amount = EXCLUDED.amount, currency = EXCLUDED.currency,
         status = EXCLUDED.status, paid_at = EXCLUDED.paid_at, updated_at = now(),
         updated_seq = nextval('instalment_change_seq')
       WHERE (instalments.amount, instalments.status, instalments.paid_at)
             IS DISTINCT FROM (EXCLUDED.amount, EXCLUDED.status, EXCLUDED.paid_at)`,
      [
        scope.clientId,
        scope.consentId,
        rows.map((i) => planIds.get(i.providerPlanId)!),
        icol('dueDate'),
        icol('amount'),
        icol('currency'),
        icol('status'),
        icol('paidAt'),
      ],
    );
  }

  /**
   * An account's international transfers, TRANSFER_BATCH rows per statement. (One statement per
   * row was one commit per row: measured on the sync benchmark, 5,257 transfers took 5,257 round
   * trips and commits before the first account's history could start.)
   */
  async upsertTransfers(
    scope: Scope,
    accountId: string,
    rows: readonly TransferRow[],
    em?: EntityManager,
  ): Promise<void> {
    const unique = lastById(rows, (t) => t.providerTransferId);
    for (let i = 0; i < unique.length; i += TRANSFER_BATCH) {
      const batch = unique.slice(i, i + TRANSFER_BATCH);
      const col = <K extends keyof TransferRow>(k: K) => batch.map((t) => t[k]);
      // An unchanged transfer (every sync re-lists them) is left out before the INSERT: an ON
      // CONFLICT that finds nothing to change still locks the row.
      await runPrepared(
        em ?? this.ds,
        `INSERT INTO transfers (client_id, consent_id, account_id, provider_transfer_id, amount, currency, destination_amount,
           destination_currency, fx_rate, fee, destination_country, counterparty_name, rail, status, created_at, completed_at)
         SELECT $1, $2, $3, u.* FROM unnest($4::text[], $5::numeric[], $6::text[], $7::numeric[], $8::text[], $9::numeric[],
           $10::numeric[], $11::text[], $12::text[], $13::text[], $14::text[], $15::timestamptz[], $16::timestamptz[])
           AS u(provider_transfer_id, amount, currency, destination_amount, destination_currency, fx_rate, fee,
                destination_country, counterparty_name, rail, status, created_at, completed_at)
          WHERE NOT EXISTS (
            SELECT 1 FROM transfers t
             WHERE t.account_id = $3 AND t.provider_transfer_id = u.provider_transfer_id
               AND (t.amount::text, t.currency, t.destination_amount::text, t.destination_currency, t.fx_rate, t.fee::text,
                    t.destination_country, t.counterparty_name, t.rail, t.status, t.completed_at)
                   IS NOT DISTINCT FROM (u.amount::text, u.currency, u.destination_amount::text, u.destination_currency,
                    u.fx_rate, u.fee::text, u.destination_country, u.counterparty_name, u.rail, u.status, u.completed_at))
         ON CONFLICT (account_id, provider_transfer_id) DO UPDATE SET amount = EXCLUDED.amount, currency = EXCLUDED.currency,
           destination_amount = EXCLUDED.destination_amount, destination_currency = EXCLUDED.destination_currency,
           fx_rate = EXCLUDED.fx_rate, fee = EXCLUDED.fee, destination_country = EXCLUDED.destination_country,
           counterparty_name = EXCLUDED.counterparty_name, rail = EXCLUDED.rail, status = EXCLUDED.status,
           completed_at = EXCLUDED.completed_at, updated_at = now()
         WHERE (transfers.amount::text, transfers.currency, transfers.destination_amount::text, transfers.destination_currency,
                transfers.fx_rate, transfers.fee::text, transfers.destination_country, transfers.counterparty_name,
                transfers.rail, transfers.status, transfers.completed_at)
               IS DISTINCT FROM (EXCLUDED.amount::text, EXCLUDED.currency, EXCLUDED.destination_amount::text,
                EXCLUDED.destination_currency, EXCLUDED.fx_rate, EXCLUDED.fee::text, EXCLUDED.destination_country,
                EXCLUDED.counterparty_name, EXCLUDED.rail, EXCLUDED.status, EXCLUDED.completed_at)`,
        [
          scope.clientId,
          scope.consentId,
          accountId,
          col('providerTransferId'),
          col('amount'),
          col('currency'),
          col('destinationAmount'),
          col('destinationCurrency'),
          col('fxRate'),
          col('fee'),
          col('destinationCountry'),
          col('counterpartyName'),
          col('rail'),
          col('status'),
          col('createdAt'),
          col('completedAt'),
        ],
      );
    }
  }
}

/** What the fallback match compares of a booked entry (a page's row, or one an earlier page wrote). */
type FallbackKey = Pick<
  TransactionRow,
  | 'providerTransactionId'
  | 'entryReference'
  | 'amount'
  | 'currency'
  | 'bookingDate'
  | 'counterpartyName'
  | 'counterpartyAccount'
>;

/** A stored pending row, as {@link SyncWriteRepository.writeTransactionPage} matches it. */
interface StoredPending {
  id: string;
  providerTransactionId: string;
  entryReference: string | null;
  amount: string;
  currency: string;
  bookingDate: string;
  counterpartyName: string | null;
  counterpartyAccount: string | null;
}

/** Two decimal strings of the same value (`"-5.00"` and `"-5.0"`), compared as text, never as floats. */
function sameDecimal(a: string, b: string): boolean {
  const norm = (s: string) => {
    const neg = s.startsWith('-');
    const [int = '', frac = ''] = s.replace(/^[+-]/, '').split('.');
    const i = int.replace(/^0+(?=\d)/, '');
    const f = frac.replace(/0+$/, '');
    const abs = f ? `${i}.${f}` : i;
    return neg && abs !== '0' ? `-${abs}` : abs;
  };
  return norm(a) === norm(b);
}

/** The booked date falls from the pending date to {@link SUPERSEDE_WINDOW_DAYS} days after it (ISO dates). */
function withinWindow(pendingDate: string, bookedDate: string): boolean {
  const days = (Date.parse(`${bookedDate}T00:00:00Z`) - Date.parse(`${pendingDate}T00:00:00Z`)) / 86_400_000;
  return days >= 0 && days <= SUPERSEDE_WINDOW_DAYS;
}

function valueOf(r: TransactionRow, col: string): string | null {
  switch (col) {
    case 'provider_transaction_id':
      return r.providerTransactionId;
    case 'status':
      return r.status;
    case 'booking_date':
      return r.bookingDate;
    case 'value_date':
      return r.valueDate;
    case 'booked_at':
      return r.bookedAt;
    case 'amount':
      return r.amount;
    case 'currency':
      return r.currency;
    case 'type':
      return r.type;
    case 'description':
      return r.description;
    case 'counterparty_name':
      return r.counterpartyName;
    case 'counterparty_account':
      return r.counterpartyAccount;
    case 'balance_after':
      return r.balanceAfter;
    case 'category':
      return r.category;
    case 'provider_card_id':
      return r.providerCardId;
    case 'entry_reference':
      return r.entryReference ?? null;
    default:
      throw new Error(`unknown column ${col}`);
  }
}
