import { randomUUID } from 'node:crypto';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '#persistence/entities/webhook-event.entity.js';

export { WEBHOOK_EVENT_TYPES, type WebhookEventType };

/**
 * The body of every webhook POST (docs/webhooks.md), stored whole in `webhook_events.payload`:
 *
 *     {"id": "<uuid>", "type": "consent.status_changed", "created_at": "<RFC 3339 UTC>", "data": {…}}
 *
 * - `id` is the `webhook_events` row's id. It is the same on every retry of the event, so
 *   receivers de-duplicate on it; the `Hisob-Event-Id` header repeats it.
 * - `created_at` is when the event happened, not when this attempt was sent.
 * - `data` is the event's own object, snake_case. Money inside it is a decimal string as
 *   everywhere in the API, never a JSON number.
 */
export interface WebhookEnvelope<T extends WebhookEventType = WebhookEventType> {
  id: string;
  type: T;
  created_at: string;
  data: WebhookEventData;
}

/** A JSON object: what `data` may hold (no bigint, no Date — they do not survive jsonb). */
export type WebhookEventData = Record<string, unknown>;

export function isWebhookEventType(type: unknown): type is WebhookEventType {
  return typeof type === 'string' && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type);
}

/**
 * A new event body with a fresh id and the current time.
 *
 * @throws {TypeError} an unknown type, a `data` that is not a plain object, or one that JSON
 *   cannot carry (a bigint amount would otherwise fail later, inside the caller's transaction).
 */
export function buildEnvelope<T extends WebhookEventType>(
  type: T,
  data: WebhookEventData,
  now: Date = new Date(),
): WebhookEnvelope<T> {
  if (!isWebhookEventType(type)) throw new TypeError(`unknown webhook event type: ${String(type)}`);
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new TypeError('webhook event data must be a JSON object');
  // Round-trip through JSON now, so the stored payload is exactly what JSON can represent
  // (undefined members dropped, Dates as strings) and a bigint fails here with a clear message.
  let json: WebhookEventData;
  try {
    json = JSON.parse(JSON.stringify(data)) as WebhookEventData;
  } catch (err) {
    throw new TypeError(`webhook event data is not JSON-serialisable: ${(err as Error).message}`);
  }
  return { id: randomUUID(), type, created_at: now.toISOString(), data: json };
}
