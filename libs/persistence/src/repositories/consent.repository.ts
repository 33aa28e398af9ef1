import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ConsentEntity, type ConsentStatus } from '../entities/consent.entity.js';

export interface ConsentListQuery {
  clientId: string;
  endUserId?: string;
  status?: ConsentStatus;
  /** Keyset: consents created strictly before (createdAtKey, id). */
  before?: { createdAtKey: string; id: string };
  limit: number;
}

/** All SQL about consents. Secrets columns are `select: false`: only the *Secrets methods read them. */
@Injectable()
export class ConsentRepository {
  constructor(private readonly ds: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.ds.manager).getRepository(ConsentEntity);
  }

  create(fields: Partial<ConsentEntity>, em?: EntityManager): Promise<ConsentEntity> {
    return this.repo(em).save(this.repo(em).create(fields));
  }

  /** The consent if it belongs to this client (another client's id is simply not found). */
  findForClient(clientId: string, id: string): Promise<ConsentEntity | null> {
    return this.repo().findOne({ where: { id, clientId } });
  }

  findById(id: string, em?: EntityManager): Promise<ConsentEntity | null> {
    return this.repo(em).findOne({ where: { id } });
  }

  /** The consent with its sealed session (`sessionEnc`, otherwise never selected), in one query. */
  findWithSession(id: string): Promise<ConsentEntity | null> {
    return this.repo().createQueryBuilder('c').addSelect('c.sessionEnc').where('c.id = :id', { id }).getOne();
  }

  /** Locks the row for the rest of the transaction (token refresh, status changes). */
  /**
   * The consent, locked against other status changes until the transaction ends. `FOR NO KEY
   * UPDATE`, the lock an UPDATE that leaves the key alone takes anyway: `FOR UPDATE` would also
   * wait for every open transaction holding the row's foreign-key share lock, i.e. each page a
   * sync of this consent is writing (its transactions, syncs and accounts rows reference it).
   */
  lockById(id: string, em: EntityManager): Promise<ConsentEntity | null> {
    return em
      .getRepository(ConsentEntity)
      .createQueryBuilder('c')
      .where('c.id = :id', { id })
      .setLock('for_no_key_update')
      .getOne();
  }

  /**
   * Takes the pending authorisation with this OAuth `state` for one callback: the state is cleared
   * in the same statement, so of two concurrent callbacks only one proceeds.
   */
  async claimAwaitingByState(state: string): Promise<ConsentEntity | null> {
    // TypeORM's postgres driver answers an UPDATE with [rows, affectedCount].
    const [rows]: [Array<{ id: string }>, number] = await this.ds.query(
      `UPDATE consents SET auth_state = NULL, updated_at = now()
        WHERE auth_state = $1 AND status = 'awaiting_authorisation' RETURNING id`,
      [state],
    );
    return rows[0] ? this.findById(rows[0].id) : null;
  }

  async list(q: ConsentListQuery): Promise<Array<ConsentEntity & { createdAtKey: string }>> {
    const qb = this.repo()
      .createQueryBuilder('c')
      .addSelect(
        `to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        'created_at_key',
      )
      .where('c.client_id = :clientId', { clientId: q.clientId });
    if (q.endUserId) qb.andWhere('c.end_user_id = :endUserId', { endUserId: q.endUserId });
    if (q.status) qb.andWhere('c.status = :status', { status: q.status });
    if (q.before) {
      qb.andWhere('(c.created_at, c.id) < (CAST(:at AS timestamptz), CAST(:bid AS uuid))', {
        at: q.before.createdAtKey,
        bid: q.before.id,
      });
    }
    qb.orderBy('c.created_at', 'DESC').addOrderBy('c.id', 'DESC').limit(q.limit);
    const { entities, raw } = await qb.getRawAndEntities();
    return entities.map((e, i) =>
      Object.assign(e, { createdAtKey: (raw[i] as { created_at_key: string }).created_at_key }),
    );
  }

  async update(id: string, fields: Partial<ConsentEntity>, em?: EntityManager): Promise<void> {
    await this.repo(em).update({ id }, fields);
  }

  /** Names `next` as the consent's refresh job if it still names `current`; false otherwise. */
  async replaceRefreshJob(id: string, current: string | null, next: string): Promise<boolean> {
    const [, affected] = (await this.ds.query(
      `UPDATE consents SET refresh_job_id = $3, updated_at = now()
        WHERE id = $1 AND status = 'active' AND refresh_job_id IS NOT DISTINCT FROM $2`,
      [id, current, next],
    )) as [unknown, number];
    return affected > 0;
  }

  async readSecrets(
    id: string,
    em?: EntityManager,
  ): Promise<{ sessionEnc: string | null; authPendingEnc: string | null }> {
    const row = await this.repo(em)
      .createQueryBuilder('c')
      .select(['c.id', 'c.sessionEnc', 'c.authPendingEnc'])
      .where('c.id = :id', { id })
      .getOne();
    return { sessionEnc: row?.sessionEnc ?? null, authPendingEnc: row?.authPendingEnc ?? null };
  }

  /**
   * The provider's active consents whose token expires by `horizon` (or has), oldest expiry first:
   * what the lifecycle sweeper checks for a lost refresh job. One provider at a time, so the scan
   * is a range of `ix_consents_token_due` (provider, token_expires_at) that never walks the expired
   * tokens of providers refreshed at sync time (which lie expired between syncs by design).
   */
  async dueRefreshes(
    provider: string,
    horizon: Date,
    limit: number,
  ): Promise<Array<{ id: string; provider: string; token_expires_at: Date; refresh_job_id: string | null }>> {
    return this.ds.query(
      `SELECT id, provider, token_expires_at, refresh_job_id FROM consents
        WHERE provider = $1 AND status = 'active' AND token_expires_at IS NOT NULL AND token_expires_at <= $2
        ORDER BY token_expires_at LIMIT $3`,
      [provider, horizon, limit],
    );
  }

  /**
   * Active consents whose `expires_at` has passed, locked and skipped by concurrent sweepers. The
   * lock is `FOR NO KEY UPDATE` (see {@link lockById}): with `FOR UPDATE`, SKIP LOCKED also skipped
   * every consent whose sync had a page open (the pages' foreign keys share-lock the row), so a
   * consent syncing at every sweep was never expired.
   */
  async lockExpired(now: Date, em: EntityManager, limit = 500): Promise<ConsentEntity[]> {
    return em
      .getRepository(ConsentEntity)
      .createQueryBuilder('c')
      .where(`c.status IN ('active', 'reauth_required') AND c.expires_at <= :now`, { now })
      .orderBy('c.expires_at', 'ASC')
      .limit(limit)
      .setLock('for_no_key_update')
      .setOnLocked('skip_locked')
      .getMany();
  }
}
