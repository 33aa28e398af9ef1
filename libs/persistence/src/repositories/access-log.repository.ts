import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export interface AccessLogWrite {
  clientId: string;
  consentId: string | null;
  endUserId: string | null;
  resource: string;
  recordCount: number;
  requestId: string;
  method: string;
  path: string;
}

export interface AccessLogRow {
  id: string;
  at: Date;
  /** `at` with its microseconds, for keyset cursors (a JS Date keeps only milliseconds). */
  atKey: string;
  consentId: string | null;
  endUserId: string | null;
  resource: string;
  recordCount: number;
  requestId: string;
}

export interface AccessLogQuery {
  clientId: string;
  consentId?: string;
  from?: Date;
  to?: Date;
  /** Keyset position: rows strictly older than (at, id). */
  before?: { atKey: string; id: string };
  limit: number;
}

@Injectable()
export class AccessLogRepository {
  constructor(private readonly ds: DataSource) {}

  async append(rows: AccessLogWrite[], em?: EntityManager): Promise<void> {
    if (!rows.length) return;
    const cols = [
      'client_id',
      'consent_id',
      'end_user_id',
      'resource',
      'record_count',
      'request_id',
      'method',
      'path',
    ];
    const params: unknown[] = [];
    const tuples = rows.map((r, i) => {
      params.push(
        r.clientId,
        r.consentId,
        r.endUserId,
        r.resource,
        r.recordCount,
        r.requestId,
        r.method,
        r.path,
      );
      return `(${cols.map((_, j) => `$${i * cols.length + j + 1}`).join(',')})`;
    });
    await (em ?? this.ds.manager).query(
      `INSERT INTO access_log (${cols.join(',')}) VALUES ${tuples.join(',')}`,
      params,
    );
  }

  /** Newest first, keyset-paged on (at, id); served by ix_access_log_client_at / _consent_at. */
  async list(q: AccessLogQuery): Promise<AccessLogRow[]> {
    const where = ['client_id = $1'];
    const params: unknown[] = [q.clientId];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.consentId) add('consent_id = ?', q.consentId);
    if (q.from) add('at >= ?', q.from);
    if (q.to) add('at <= ?', q.to);
    if (q.before) {
      params.push(q.before.atKey, q.before.id);
      where.push(`(at, id) < ($${params.length - 1}::timestamptz, $${params.length}::bigint)`);
    }
    params.push(q.limit);
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT id::text AS id, at, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_key, consent_id, end_user_id, resource, record_count, request_id
         FROM access_log WHERE ${where.join(' AND ')}
        ORDER BY at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id as string,
      at: r.at as Date,
      atKey: r.at_key as string,
      consentId: r.consent_id as string | null,
      endUserId: r.end_user_id as string | null,
      resource: r.resource as string,
      recordCount: r.record_count as number,
      requestId: r.request_id as string,
    }));
  }
}
