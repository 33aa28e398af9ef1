import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ClientRepository } from '#persistence/repositories/client.repository.js';
import { parseApiKey, verifySecret } from '#crypto/secrets.js';
import type { AuthenticatedClient } from './authenticated-client.js';

/** How long a verified key is trusted before the client row is read again. */
export const CACHE_TTL_MS = 30_000;
/** A key in use is re-checked in the background this long before its entry expires. */
export const REFRESH_AHEAD_MS = 5_000;
const CACHE_MAX = 10_000;
/** A key (whole) that failed verification is refused without scrypt for this long. */
export const NEGATIVE_TTL_MS = 30_000;
/** Failed scrypt verifications allowed per key id and window, before the id answers 401 at once. */
export const FAILURE_BUDGET = 5;
export const FAILURE_WINDOW_MS = 60_000;

interface Verified {
  client: AuthenticatedClient;
  /** The stored hash the key's secret was verified against. */
  hash: string;
  until: number;
}

/**
 * Verifies client API keys. Keys are stored as scrypt hashes, which is deliberately slow (tens of
 * ms of CPU); a verified key is remembered for 30 s under the SHA-256 of the whole key.
 *
 * Under steady traffic no request waits for a verification, and scrypt runs once per key:
 * - A key in use is re-checked in the background in the last 5 s of its entry. Re-checking reads
 *   the client row; when the row is still active with the very hash the secret was verified
 *   against, the key is still good and scrypt is not run again. A new hash (rotation) or no
 *   active row (deletion) ends the entry.
 * - Concurrent requests with a key that is not cached share one verification. Before this, every
 *   request arriving at an expiry ran scrypt of its own: at a few hundred requests a second that
 *   was a queue of scrypt calls on the libuv pool, and pauses of 0.5-1.6 s every 30 s.
 * A deleted client's key stops working at once on the replica that deleted it (`forget`), and
 * within the TTL on the others.
 *
 * Wrong secrets under a real key id must not buy scrypt time (a cheap request costing tens of ms
 * of CPU is a denial of service): a key that failed is refused from memory for 30 s, and a key id
 * gets 5 failed verifications a minute; beyond that, keys with that id that are not already
 * verified answer 401 without scrypt until the minute is over. A verified key keeps working
 * throughout (its entry is checked first, and its re-checks need no scrypt).
 */
@Injectable()
export class ApiKeyService {
  private readonly verified = new Map<string, Verified>();
  private readonly pending = new Map<string, Promise<Verified | null>>();
  /** Digests of keys that failed, with when the refusal ends. */
  private readonly refused = new Map<string, number>();
  /** Failed verifications per key id in the current window. */
  private readonly failures = new Map<string, { count: number; windowEnds: number }>();

  constructor(private readonly clients: ClientRepository) {}

  async authenticate(apiKey: string): Promise<AuthenticatedClient | null> {
    const digest = createHash('sha256').update(apiKey).digest('base64url');
    const hit = this.verified.get(digest);
    const now = Date.now();
    if (hit && hit.until > now) {
      // A failed re-check leaves the entry to expire; the request at expiry then sees the error.
      if (hit.until - now < REFRESH_AHEAD_MS) void this.verify(digest, apiKey, hit).catch(() => undefined);
      return hit.client;
    }
    const refusedUntil = this.refused.get(digest);
    if (refusedUntil !== undefined) {
      if (refusedUntil > now) return null;
      this.refused.delete(digest);
    }
    return (await this.verify(digest, apiKey, hit))?.client ?? null;
  }

  forget(clientId: string): void {
    for (const [k, v] of this.verified) if (v.client.id === clientId) this.verified.delete(k);
  }

  /** One verification per key at a time; `known` is the key's previous entry, if any. */
  private verify(digest: string, apiKey: string, known: Verified | undefined): Promise<Verified | null> {
    let running = this.pending.get(digest);
    if (!running) {
      running = this.lookup(digest, apiKey, known).finally(() => this.pending.delete(digest));
      this.pending.set(digest, running);
    }
    return running;
  }

  private async lookup(
    digest: string,
    apiKey: string,
    known: Verified | undefined,
  ): Promise<Verified | null> {
    const parsed = parseApiKey(apiKey);
    if (!parsed) return null;
    const row = await this.clients.findActiveByKeyId(parsed.id);
    if (row === null) {
      this.verified.delete(digest);
      return null;
    }
    // The same row with the hash this key's secret matched before still matches: no scrypt.
    const unchanged = known !== undefined && row.id === known.client.id && row.apiKeyHash === known.hash;
    if (!unchanged) {
      if (!this.withinBudget(parsed.id)) return null;
      if (!(await this.secretMatches(parsed.secret, row.apiKeyHash))) {
        this.verified.delete(digest);
        this.recordFailure(digest, parsed.id);
        return null;
      }
    }
    const entry: Verified = {
      client: { id: row.id, name: row.name, redirectUris: row.redirectUris ?? [] },
      hash: row.apiKeyHash,
      until: Date.now() + CACHE_TTL_MS,
    };
    if (this.verified.size >= CACHE_MAX && !this.verified.has(digest)) this.verified.clear();
    this.verified.set(digest, entry);
    return entry;
  }

  private withinBudget(keyId: string): boolean {
    const f = this.failures.get(keyId);
    return !f || f.windowEnds <= Date.now() || f.count < FAILURE_BUDGET;
  }

  private recordFailure(digest: string, keyId: string): void {
    const now = Date.now();
    if (this.refused.size >= CACHE_MAX) this.refused.clear();
    this.refused.set(digest, now + NEGATIVE_TTL_MS);
    const f = this.failures.get(keyId);
    if (!f || f.windowEnds <= now) {
      if (this.failures.size >= CACHE_MAX) this.failures.clear();
      this.failures.set(keyId, { count: 1, windowEnds: now + FAILURE_WINDOW_MS });
    } else f.count++;
  }

  /** scrypt (a method of its own so a test can count the calls). */
  protected secretMatches(secret: string, hash: string): Promise<boolean> {
    return verifySecret(secret, hash);
  }
}
