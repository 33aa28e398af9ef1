import type { CardRow } from '#persistence/repositories/card-query.repository.js';
import type { CardResponse } from './card.dto.js';

/** The one mapper from a card row to the wire. The PAN was masked by the connector already. */
export function toCardResponse(c: CardRow): CardResponse {
  return {
    id: c.id,
    account_id: c.accountId,
    scheme: c.scheme,
    masked_pan: c.maskedPan,
    name_on_card: c.nameOnCard,
    expiry: c.expiry,
    status: c.status,
    kind: c.kind,
  };
}
