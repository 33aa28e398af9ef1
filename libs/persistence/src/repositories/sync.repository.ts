import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export type SyncState = 'queued' | 'running' | 'succeeded' | 'failed' | 'waiting_rate_limit';

export interface SyncRow {
  id: string;
  client_id: string;
  consent_id: string;
  reason: string;
  state: SyncState;
  accounts_total: number;
  accounts_done: number;
  pages: number;
  transactions_added: number;
  transactions_modified: number;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** A sync as `GET /v1/syncs/{id}` and the `sync.*` webhooks show it (api.md). */
export function syncView(s: SyncRow) {
  return {
    id: s.id,
    consent_id: s.consent_id,
    state: s.state,
    progress: {
      accounts_total: s.accounts_total,
      accounts_done: s.accounts_done,
      pages: s.pages,
      transactions_added: s.transactions_added,
      transactions_modified: s.transactions_modified,
    },
    started_at: s.started_at?.toISOString() ?? null,
    finished_at: s.finished_at?.toISOString() ?? null,
    ...(s.error ? { error: s.error } : {}),
  };
}

const UNFINISHED = `('queued', 'running', 'waiting_rate_limit')`;

/** Sync runs and their progress, which the worker writes and the API reads. */
@Injectable()
export class SyncRepository {
  constructor(private readonly ds: DataSource) {}

  private q(em?: EntityManager) {
    return em ?? this.ds.manager;
  }

  async create(clientId: string, consentId: string, reason: string): Promise<SyncRow> {
    const [row] = (await this.ds.query(
      `INSERT INTO syncs (client_id, consent_id, reason, state) VALUES ($1, $2, $3, 'queued') RETURNING *`,
      [clientId, consentId, reason],
    )) as SyncRow[];
    return row!;
  }

  /** The consent's unfinished sync, if any: a second request joins it instead of starting another. */
  async findUnfinished(consentId: string): Promise<SyncRow | null> {
    const [row] = (await this.ds.query(
      `SELECT * FROM syncs WHERE consent_id = $1 AND state IN ${UNFINISHED} ORDER BY created_at DESC LIMIT 1`,
      [consentId],
    )) as SyncRow[];
    return row ?? null;
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

  async start(id: string, accountsTotal: number): Promise<void> {
    await this.ds.query(
      `UPDATE syncs SET state = 'running', accounts_total = $2, started_at = coalesce(started_at, now()) WHERE id = $1 AND state IN ${UNFINISHED}`,
      [id, accountsTotal],
    );
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
      `UPDATE syncs SET state = 'waiting_rate_limit' WHERE id = $1 AND state IN ${UNFINISHED}`,
      [id],
    );
  }

  /** Counts one written page, inside the page's own transaction (progress never runs ahead of data). */
  async addPage(em: EntityManager, id: string, added: number, modified: number): Promise<void> {
    await this.q(em).query(
      `UPDATE syncs SET pages = pages + 1, transactions_added = transactions_added + $2,
              transactions_modified = transactions_modified + $3,
              state = CASE WHEN state = 'waiting_rate_limit' AND NOT EXISTS
                        (SELECT 1 FROM accounts a WHERE a.consent_id = syncs.consent_id AND a.rate_limited_until > now())
                      THEN 'running' ELSE state END
        WHERE id = $1`,
      [id, added, modified],
    );
  }

  /** One more account finished; returns the sync when that was the last one. */
  async accountDone(id: string): Promise<SyncRow | null> {
    const [rows] = (await this.ds.query(
      `UPDATE syncs SET accounts_done = accounts_done + 1 WHERE id = $1 AND state IN ${UNFINISHED} RETURNING *`,
      [id],
    )) as [SyncRow[], number];
    const row = rows[0];
    return row && row.accounts_done >= row.accounts_total ? row : null;
  }

  /** Ends the sync once; returns the final row, or null when it had already ended. */
  async finish(id: string, state: 'succeeded' | 'failed', error: string | null): Promise<SyncRow | null> {
    const [rows] = (await this.ds.query(
      `UPDATE syncs SET state = $2, error = $3, finished_at = now() WHERE id = $1 AND state IN ${UNFINISHED} RETURNING *`,
      [id, state, error],
    )) as [SyncRow[], number];
    return rows[0] ?? null;
  }
}
