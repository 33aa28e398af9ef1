import { AccessLogEntity } from './access-log.entity.js';
import { ClientEntity } from './client.entity.js';

export { AccessLogEntity, ClientEntity };

/** Every entity, listed (no globbing: ESM and Jest load them the same way). */
export const ENTITIES = [ClientEntity, AccessLogEntity];
