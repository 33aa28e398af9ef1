import { AccessLogEntity } from './access-log.entity.js';
import { ClientEntity } from './client.entity.js';
import { ConsentEntity } from './consent.entity.js';
import { WebhookEventEntity } from './webhook-event.entity.js';

export { AccessLogEntity, ClientEntity, ConsentEntity, WebhookEventEntity };

/** Every entity, listed (no globbing: ESM and Jest load them the same way). */
export const ENTITIES = [ClientEntity, AccessLogEntity, ConsentEntity, WebhookEventEntity];
