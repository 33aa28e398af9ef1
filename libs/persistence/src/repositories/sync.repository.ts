import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { StoredCoverage } from '../coverage.js';

export type SyncState = 'queued' | 'running' | 'succeeded' | 'failed' | 'waiting_rate_limit';

export interface SyncRow {
  id: string;
  client_id: string;
  consent_id: string;
  reason: string;
  state: SyncState;
  accounts_total: number;
  accounts_done: number;
  accounts_failed: number;
  pages: number;
  transactions_added: number;
  transactions_modified: number;
  transactions_removed: number;
  error: string | null;
  partial: boolean;
  coverage: StoredCoverage[];
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  /** Held back by a bank's limit (`waiting_rate_limit`) until this instant. */
  resume_at: Date | null;
}

/** A sync as `GET /v1/syncs/{id}` and the `sync.*` webhooks show it (api.md). */
export function syncView(s: SyncRow) {
  return {
    id: s.id,
    consent_id: s.consent_id,
    state: s.state,
    partial: s.partial,
    coverage: s.coverage,
    progress: {
      accounts_total: s.accounts_total,
      accounts_done: s.accounts_done,
      pages: s.pages,
      transactions_added: s.transactions_added,
      transactions_modified: s.transactions_modified,
      transactions_removed: s.transactions_removed,
    },
    started_at: s.started_at?.toISOString() ?? null,
    finished_at: s.finished_at?.toISOString() ?? null,
    ...(s.state === 'waiting_rate_limit' && s.resume_at ? { resume_at: s.resume_at.toISOString() } : {}),
    ...(s.error ? { error: s.error } : {}),
  };
}

export const UNFINISHED = `('queued', 'running', 'waiting_rate_limit')`;

/** Sync runs and their progress, which the worker writes and the API reads. */
@Injectable()
export class SyncRepository {
  constructor(private readonly ds: DataSource) {}

  private q(em?: EntityManager) {
    return em ?? this.ds.manager;
  }

  /**
   * The consent's one unfinished sync: a new `queued` row, or the one already under way. The
   * partial unique index `uq_syncs_one_unfinished` decides, not a check before the insert: of two
   * concurrent callers one inserts and the other joins its row. `created` tells which.
   */
  async createOrJoin(
    clientId: string,
    consentId: string,
    reason: string,
  ): Promise<{ sync: SyncRow; created: boolean }> {
    for (;;) {
      const [row] = (await this.ds.query(
        `INSERT INTO syncs (client_id, consent_id, reason, state) VALUES ($1, $2, $3, 'queued')
         ON CONFLICT (consent_id) WHERE state IN ${UNFINISHED} DO NOTHING RETURNING *`,
        [clientId, consentId, reason],
      )) as SyncRow[];
      if (row) return { sync: row, created: true };
      const running = await this.findUnfinished(consentId);
      // Null: the unfinished one ended between the two statements; insert again.
      if (running) return { sync: running, created: false };
    }
  }

  /**
   * Queued syncs for many consents in one statement (the scheduler's tick): a consent whose sync
   * is already under way is skipped (the same partial unique index as {@link createOrJoin}).
   * Returns the syncs created, in the order given.
   */
  async createMany(
    consents: ReadonlyArray<{ clientId: string; consentId: string }>,
    reason: string,
  ): Promise<Array<{ id: string; consent_id: string }>> {
    if (!consents.length) return [];
    const rows = (await this.ds.query(
      `INSERT INTO syncs (client_id, consent_id, reason, state)
       SELECT u.client_id, u.consent_id, $3, 'queued'
         FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS u(client_id, consent_id, n) ORDER BY u.n
       ON CONFLICT (consent_id) WHERE state IN ${UNFINISHED} DO NOTHING RETURNING id, consent_id`,
      [consents.map((c) => c.clientId), consents.map((c) => c.consentId), reason],
    )) as Array<{ id: string; consent_id: string }>;
    const order = new Map(consents.map((c, i) => [c.consentId, i]));
    return rows.sort((a, b) => order.get(a.consent_id)! - order.get(b.consent_id)!);
  }

  /** The consent's unfinished sync, if any: a second request joins it instead of starting another. */
  async findUnfinished(consentId: string): Promise<SyncRow | null> {
    const [row] = (await this.ds.query(
      `SELECT * FROM syncs WHERE consent_id = $1 AND state IN ${UNFINISHED} ORDER BY created_at DESC LIMIT 1`,
      [consentId],
    )) as SyncRow[];
    return row ?? null;
  }

  /** Unfinished syncs created before `before`, oldest first (the sweeper looks for their lost jobs). */
  async listUnfinished(before: Date, limit: number): Promise<SyncRow[]> {
    return (await this.ds.query(
      `SELECT * FROM syncs WHERE state IN ${UNFINISHED} AND created_at < $1 ORDER BY created_at LIMIT $2`,
      [before, limit],
    )) as SyncRow[];
  }

  async findForClient(clientId: string, id: string): Promise<SyncRow | null> {
    const [row] = (await this.ds.query(`SELECT * FROM syncs WHERE id = $1 AND client_id = $2`, [
      id,
      clientId,
    ])) as SyncRow[];
    return row ?? null;
  }

  async findById(id: string): Promise<SyncRow | null> {
    const [row] = (await this.ds.query(`SELECT * FROM syncs WHERE id = $1`, [id])) as SyncRow[];
    return row ?? null;
  }

  /**
   * Deletes up to `limit` finished syncs (`succeeded`, `failed`) that finished before `before`,
   * oldest first; returns how many. One bounded statement, so a backlog is never one huge
   * transaction. The partial index `ix_syncs_finished` finds the rows without reading the rest of
   * the table; `= ANY(ARRAY(…))` rather than `IN (…)` keeps the delete to primary-key probes (with
   * `IN` the planner may hash the chosen ids against a scan of the whole table, and did for a
   * backlog). An unfinished sync is never touched, however old. Rows another run is deleting right
   * now are skipped (SKIP LOCKED), not waited for. Nothing refers to a finished sync's row (no
   * foreign key; `accounts.counted_sync_id` is only compared with the running sync's id, and every
   * write of the sync engine already skips a finished sync as it would a missing one).
   */
  async deleteFinishedBefore(before: Date, limit: number): Promise<number> {
    const [, deleted] = (await this.ds.query(
      `DELETE FROM syncs WHERE id = ANY(ARRAY(
         SELECT id FROM syncs WHERE state IN ('succeeded', 'failed') AND finished_at < $1
          ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
      [before, limit],
    )) as [unknown[], number];
    return deleted;
  }

  /** A queued sync whose first account job starts is running (a waiting one stays waiting). */
  async markRunning(id: string): Promise<void> {
    await this.ds.query(
      `UPDATE syncs SET state = 'running', started_at = coalesce(started_at, now()) WHERE id = $1 AND state = 'queued'`,
      [id],
    );
  }

  /** The bank rate-limits the sync (an account's stream, or the account listing) until `until`. */
  async markWaiting(id: string, accountId: string | undefined, until: Date): Promise<void> {
    if (accountId)
      await this.ds.query(`UPDATE accounts SET rate_limited_until = $2 WHERE id = $1`, [accountId, until]);
    await this.ds.query(
      `UPDATE syncs SET state = 'waiting_rate_limit', resume_at = greatest(coalesce(resume_at, $2), $2)
        WHERE id = $1 AND state IN ${UNFINISHED}`,
      [id, until],
    );
  }

  /** Counts one written page, inside the page's own transaction (progress never runs ahead of data). */
  async addPage(em: EntityManager, id: string, added: number, modified: number, removed = 0): Promise<void> {
    await this.q(em).query(
      `UPDATE syncs SET pages = pages + 1, transactions_added = transactions_added + $2,
              transactions_modified = transactions_modified + $3, transactions_removed = transactions_removed + $4,
              state = CASE WHEN state = 'waiting_rate_limit' AND NOT EXISTS
                        (SELECT 1 FROM accounts a WHERE a.consent_id = syncs.consent_id AND a.rate_limited_until > now())
                      THEN 'running' ELSE state END
        WHERE id = $1`,
      [id, added, modified, removed],
    );
  }

  /**
   * One more account finished — its history read, or given up (`failed`: the account's mandatory
   * history could not be read; the others go on). Counted once per account and sync whatever
   * retries or restarts happen (`accounts.counted_sync_id` is set in the same statement). `page`:
   * the account's last page, written in the same transaction, counted in the same statement (as
   * {@link addPage} would). Returns the sync when every account is counted: never before its
   * listing set `accounts_total` (an account job may run first).
   *
   * Only an unfinished sync marks the account: a late job of an ended sync (a retry, the
   * sweeper's) must not take the mark from the sync now running, whose own job would then count
   * the account again.
   */
  async accountDone(
    id: string,
    accountId: string,
    failure: string | null = null,
    em?: EntityManager,
    page?: { added: number; modified: number; removed: number },
  ): Promise<SyncRow | null> {
    const [rows] = (await this.q(em).query(
      `WITH counted AS (
         UPDATE accounts SET counted_sync_id = $1
          WHERE id = $2 AND counted_sync_id IS DISTINCT FROM $1
            AND EXISTS (SELECT 1 FROM syncs WHERE id = $1 AND state IN ${UNFINISHED}) RETURNING id)
       UPDATE syncs SET accounts_done = accounts_done + 1, accounts_failed = accounts_failed + $3,
              error = coalesce(error, $4), pages = pages + $5, transactions_added = transactions_added + $6,
              transactions_modified = transactions_modified + $7, transactions_removed = transactions_removed + $8,
              state = CASE WHEN $5 = 1 AND state = 'waiting_rate_limit' AND NOT EXISTS
                        (SELECT 1 FROM accounts a WHERE a.consent_id = syncs.consent_id AND a.rate_limited_until > now())
                      THEN 'running' ELSE state END
        WHERE id = $1 AND state IN ${UNFINISHED} AND EXISTS (SELECT 1 FROM counted) RETURNING *`,
      [
        id,
        accountId,
        failure === null ? 0 : 1,
        failure,
        page ? 1 : 0,
        page?.added ?? 0,
        page?.modified ?? 0,
        page?.removed ?? 0,
      ],
    )) as [SyncRow[], number];
    const row = rows[0];
    return row && row.accounts_total > 0 && row.accounts_done >= row.accounts_total ? row : null;
  }

  /**
   * Ends the sync once; returns the final row, or null when it had already ended. Its coverage is
   * the consent's and its accounts' as they stand now (what this sync read, or could not);
   * `partial` when any of it is not `ok`. `consentSummary`: the consent's `sync_state`,
   * `sync_last_error` and (on success) `last_synced_at` follow in the same statement.
   */
  async finish(
    id: string,
    state: 'succeeded' | 'failed',
    error: string | null,
    em?: EntityManager,
    opts: { consentSummary?: boolean } = {},
  ): Promise<SyncRow | null> {
    const rows = (await this.q(em).query(
      `WITH cov AS (
         SELECT coalesce(jsonb_agg(e ORDER BY e->>'account_id' NULLS FIRST, e->>'resource'), '[]'::jsonb) AS entries
           FROM syncs s
           CROSS JOIN LATERAL (
             SELECT e FROM consents c, jsonb_array_elements(c.coverage) e WHERE c.id = s.consent_id
             UNION ALL
             SELECT e || jsonb_build_object('account_id', a.id) FROM accounts a, jsonb_array_elements(a.coverage) e
              WHERE a.consent_id = s.consent_id) x
          WHERE s.id = $1),
       ended AS (
         UPDATE syncs SET state = $2, error = $3, finished_at = now(), coverage = cov.entries,
                partial = EXISTS (SELECT 1 FROM jsonb_array_elements(cov.entries) e WHERE e->>'state' <> 'ok' OR e ? 'detail')
           FROM cov
          WHERE id = $1 AND state IN ${UNFINISHED} RETURNING syncs.*)${
            opts.consentSummary
              ? `,
       summary AS (
         UPDATE consents SET sync_state = $2, sync_last_error = $3, updated_at = now(),
                last_synced_at = CASE WHEN $2 = 'succeeded' THEN now() ELSE last_synced_at END
          WHERE id = (SELECT consent_id FROM ended))`
              : ''
          }
       SELECT * FROM ended`,
      [id, state, error],
    )) as SyncRow[];
    return rows[0] ?? null;
  }
}
