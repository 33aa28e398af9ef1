import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { preparedQuery } from '../prepared.js';

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

const APPEND = `INSERT INTO access_log (client_id, consent_id, end_user_id, resource, record_count, request_id, method, path)
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[])`;

@Injectable()
export class AccessLogRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Appends rows in the given order (their ids follow it). One statement text whatever the batch
   * size (a column per array), so it is prepared once per connection: the writer's group commits
   * insert a few rows at a time, and parsing a fresh `VALUES` list for each cost the API more than
   * the insert itself.
   */
  async append(rows: AccessLogWrite[]): Promise<void> {
    if (!rows.length) return;
    await preparedQuery(this.ds, APPEND, [
      rows.map((r) => r.clientId),
      rows.map((r) => r.consentId),
      rows.map((r) => r.endUserId),
      rows.map((r) => r.resource),
      rows.map((r) => r.recordCount),
      rows.map((r) => r.requestId),
      rows.map((r) => r.method),
      rows.map((r) => r.path),
    ]);
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
