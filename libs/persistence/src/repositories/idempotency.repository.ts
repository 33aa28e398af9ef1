import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface IdempotencyRecord {
  requestHash: string;
  statusCode: number | null;
  responseBody: unknown;
}

/** How long an Idempotency-Key and its stored reply are kept (the maintenance queue forgets older ones). */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly ds: DataSource) {}

  /** Claims the key; returns null when this call claimed it, or the existing record. */
  async claim(
    clientId: string,
    key: string,
    method: string,
    path: string,
    requestHash: string,
  ): Promise<IdempotencyRecord | null> {
    const inserted: unknown[] = await this.ds.query(
      `INSERT INTO idempotency_keys (client_id, key, method, path, request_hash) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (client_id, key) DO NOTHING RETURNING key`,
      [clientId, key, method, path, requestHash],
    );
    if (inserted.length) return null;
    const rows: Array<{ request_hash: string; status_code: number | null; response_body: unknown }> =
      await this.ds.query(
        `SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE client_id = $1 AND key = $2`,
        [clientId, key],
      );
    const r = rows[0];
    // Released between our insert and select: claim again (rare race with a failed first request).
    if (!r) return this.claim(clientId, key, method, path, requestHash);
    return { requestHash: r.request_hash, statusCode: r.status_code, responseBody: r.response_body };
  }

  async complete(clientId: string, key: string, statusCode: number, body: unknown): Promise<void> {
    await this.ds.query(
      `UPDATE idempotency_keys SET status_code = $3, response_body = $4 WHERE client_id = $1 AND key = $2`,
      [clientId, key, statusCode, JSON.stringify(body)],
    );
  }

  /** A failed request releases its key so the client can retry with it. */
  async release(clientId: string, key: string): Promise<void> {
    await this.ds.query(
      `DELETE FROM idempotency_keys WHERE client_id = $1 AND key = $2 AND status_code IS NULL`,
      [clientId, key],
    );
  }

  async purgeOlderThan(cutoff: Date): Promise<number> {
    const r: [unknown[], number] = await this.ds.query(`DELETE FROM idempotency_keys WHERE created_at < $1`, [
      cutoff,
    ]);
    return r[1] ?? 0;
  }
}
