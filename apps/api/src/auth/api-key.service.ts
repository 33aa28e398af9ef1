import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ClientRepository } from '#persistence/repositories/client.repository.js';
import { parseApiKey, verifySecret } from '#crypto/secrets.js';
import type { AuthenticatedClient } from './authenticated-client.js';

const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 10_000;

/**
 * Verifies client API keys. Keys are stored as scrypt hashes, which is deliberately slow (tens of
 * ms); a verified key is remembered for 30 s under the SHA-256 of the whole key, so steady traffic
 * pays the scrypt cost once per key and half-minute, not per request. A deleted client's key stops
 * working within that TTL on every replica.
 */
@Injectable()
export class ApiKeyService {
  private readonly verified = new Map<string, { client: AuthenticatedClient; until: number }>();

  constructor(private readonly clients: ClientRepository) {}

  async authenticate(apiKey: string): Promise<AuthenticatedClient | null> {
    const digest = createHash('sha256').update(apiKey).digest('base64url');
    const hit = this.verified.get(digest);
    if (hit && hit.until > Date.now()) return hit.client;
    const parsed = parseApiKey(apiKey);
    if (!parsed) return null;
    const row = await this.clients.findActiveByKeyId(parsed.id);
    if (!row || !(await verifySecret(parsed.secret, row.apiKeyHash))) return null;
    const client = { id: row.id, name: row.name };
    if (this.verified.size >= CACHE_MAX) this.verified.clear();
    this.verified.set(digest, { client, until: Date.now() + CACHE_TTL_MS });
    return client;
  }

  forget(clientId: string): void {
    for (const [k, v] of this.verified) if (v.client.id === clientId) this.verified.delete(k);
  }
}
