import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { WebhookEventEntity, type WebhookEventType } from '../entities/webhook-event.entity.js';

export interface NewWebhookEvent {
  id: string;
  clientId: string;
  type: WebhookEventType;
  /** The whole event body as the client receives it. */
  payload: Record<string, unknown>;
  createdAt: Date;
}

/** What one delivery attempt needs: the event, its body as stored, and the client's endpoint. */
export interface WebhookDeliveryTarget {
  id: string;
  clientId: string;
  type: WebhookEventType;
  /** `payload::text`: PostgreSQL's canonical rendering of the stored jsonb, the bytes that are signed and sent. */
  body: string;
  createdAt: Date;
  deliveredAt: Date | null;
  failedAt: Date | null;
  webhookUrl: string | null;
  webhookSecretEnc: string;
  apiKeyId: string;
  clientDeletedAt: Date | null;
}

export interface PendingWebhookEvent {
  id: string;
  createdAt: Date;
}

/** Keyset position in the (created_at, id) order of pending events. */
export interface PendingCursor {
  createdAt: Date;
  id: string;
}

@Injectable()
export class WebhookEventRepository {
  constructor(private readonly ds: DataSource) {}

  private manager(em?: EntityManager): EntityManager {
    return em ?? this.ds.manager;
  }

  /** Inserts the event in the caller's transaction when `em` is given. */
  async insert(e: NewWebhookEvent, em?: EntityManager): Promise<void> {
    await this.manager(em).query(
      `INSERT INTO webhook_events (id, client_id, type, payload, created_at) VALUES ($1, $2, $3, $4::jsonb, $5)`,
      [e.id, e.clientId, e.type, JSON.stringify(e.payload), e.createdAt],
    );
  }

  findById(id: string): Promise<WebhookEventEntity | null> {
    return this.ds.manager.getRepository(WebhookEventEntity).findOne({ where: { id } });
  }

  async findForDelivery(id: string): Promise<WebhookDeliveryTarget | null> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT e.id, e.client_id, e.type, e.payload::text AS body, e.created_at, e.delivered_at, e.failed_at,
              c.webhook_url, c.webhook_secret_enc, c.api_key_id, c.deleted_at AS client_deleted_at
         FROM webhook_events e JOIN clients c ON c.id = e.client_id
        WHERE e.id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id as string,
      clientId: r.client_id as string,
      type: r.type as WebhookEventType,
      body: r.body as string,
      createdAt: r.created_at as Date,
      deliveredAt: (r.delivered_at as Date | null) ?? null,
      failedAt: (r.failed_at as Date | null) ?? null,
      webhookUrl: (r.webhook_url as string | null) ?? null,
      webhookSecretEnc: r.webhook_secret_enc as string,
      apiKeyId: r.api_key_id as string,
      clientDeletedAt: (r.client_deleted_at as Date | null) ?? null,
    };
  }

  /** A 2xx: the attempt is counted and the event is done. */
  async recordDelivered(id: string, status: number): Promise<void> {
    await this.ds.query(
      `UPDATE webhook_events
          SET attempts = attempts + 1, last_status = $2, last_error = NULL, delivered_at = now()
        WHERE id = $1 AND delivered_at IS NULL`,
      [id, status],
    );
  }

  /** A failed attempt; `final` also sets `failed_at` (no more attempts will follow). */
  async recordFailedAttempt(id: string, status: number | null, error: string, final: boolean): Promise<void> {
    await this.ds.query(
      `UPDATE webhook_events
          SET attempts = attempts + 1, last_status = $2, last_error = $3,
              failed_at = CASE WHEN $4::boolean THEN now() ELSE failed_at END
        WHERE id = $1 AND delivered_at IS NULL`,
      [id, status, error, final],
    );
  }

  /**
   * Ends an event without a further attempt (no endpoint, deleted client, job failed or lost).
   * `failed_at` is set so the re-enqueue sweep stops looking at it. With `keepLastError` an error
   * already recorded by an attempt is kept and `reason` only fills an empty one.
   */
  async markUndeliverable(
    id: string,
    reason: string,
    opts: { keepLastError?: boolean } = {},
  ): Promise<boolean> {
    const [, affected] = (await this.ds.query(
      `UPDATE webhook_events
          SET last_error = CASE WHEN $3::boolean THEN COALESCE(last_error, $2) ELSE $2 END, failed_at = now()
        WHERE id = $1 AND delivered_at IS NULL AND failed_at IS NULL`,
      [id, reason, opts.keepLastError ?? false],
    )) as [unknown, number];
    return affected > 0;
  }

  /** Neither delivered nor given up, created before `createdBefore`, in (created_at, id) order after `after`. */
  async listPending(
    createdBefore: Date,
    limit: number,
    after?: PendingCursor,
  ): Promise<PendingWebhookEvent[]> {
    const rows: Array<{ id: string; created_at: Date }> = await this.ds.query(
      `SELECT id, created_at FROM webhook_events
        WHERE delivered_at IS NULL AND failed_at IS NULL AND created_at < $1
          AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
        ORDER BY created_at, id
        LIMIT $4`,
      [createdBefore, after?.createdAt ?? null, after?.id ?? null, limit],
    );
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at }));
  }
}
