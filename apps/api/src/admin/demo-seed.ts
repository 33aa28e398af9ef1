import { DataSource } from 'typeorm';
import { parseApiKey } from '#crypto/secrets.js';
import { ClientEntity } from '#persistence/entities/client.entity.js';
import { ClientsService } from './clients.service.js';

/** Where the README's consent example sends the browser back to. */
export const DEMO_REDIRECT_URIS = ['https://example.com/done'];

/**
 * The demo client of a fresh checkout: its API key is the configured HISOB_DEMO_API_KEY, so
 * `npm start` can print a key that works. Idempotent: an existing demo client keeps its rows.
 */
export class DemoSeed {
  constructor(
    private readonly ds: DataSource,
    private readonly clients: ClientsService,
  ) {}

  async run(demoKey: string): Promise<{ client_id: string; name: string; created: boolean }> {
    const parsed = parseApiKey(demoKey);
    if (!parsed) throw new Error('HISOB_DEMO_API_KEY is not a Hisob API key (hsb_<id>_<secret>)');
    const existing = await this.ds.getRepository(ClientEntity).findOne({ where: { apiKeyId: parsed.id } });
    if (existing && !existing.deletedAt) {
      // A demo client from before redirect allowlists gets the README's URL.
      const missing = DEMO_REDIRECT_URIS.filter((u) => !(existing.redirectUris ?? []).includes(u));
      if (missing.length)
        await this.clients.update(existing.id, {
          redirectUris: [...(existing.redirectUris ?? []), ...missing],
        });
      return { client_id: existing.id, name: existing.name, created: false };
    }
    if (existing) await this.ds.getRepository(ClientEntity).delete({ id: existing.id });
    const created = await this.clients.createWithKey(
      'demo',
      { webhookUrl: null, redirectUris: DEMO_REDIRECT_URIS },
      demoKey,
    );
    return { client_id: created.client.id, name: created.client.name, created: true };
  }
}
