import { jest } from '@jest/globals';
import type { ClientRepository } from '#persistence/repositories/client.repository.js';
import type { ClientEntity } from '#persistence/entities/client.entity.js';
import { generateApiKey, hashSecret } from '#crypto/secrets.js';
import {
  ApiKeyService,
  CACHE_TTL_MS,
  FAILURE_BUDGET,
  FAILURE_WINDOW_MS,
  NEGATIVE_TTL_MS,
  REFRESH_AHEAD_MS,
} from './api-key.service.js';

/** The client table as the service reads it: one row per key id, counted reads. */
class Clients {
  rows = new Map<string, Pick<ClientEntity, 'id' | 'name' | 'apiKeyHash'>>();
  reads = 0;
  async findActiveByKeyId(keyId: string) {
    this.reads++;
    await new Promise((r) => setTimeout(r, 5)); // a round trip: lets concurrent callers pile up
    return this.rows.get(keyId) ?? null;
  }
}

class CountingService extends ApiKeyService {
  scrypts = 0;
  protected override secretMatches(secret: string, hash: string): Promise<boolean> {
    this.scrypts++;
    return super.secretMatches(secret, hash);
  }
}

describe('ApiKeyService', () => {
  let clients: Clients;
  let keys: CountingService;
  let now: number;
  const key = generateApiKey();

  beforeAll(async () => {
    clients = new Clients();
    clients.rows.set(key.id, { id: 'client-1', name: 'acme', apiKeyHash: await hashSecret(key.secret) });
  });
  beforeEach(() => {
    clients.reads = 0;
    keys = new CountingService(clients as unknown as ClientRepository);
    now = 1_800_000_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());
  const settle = () => new Promise((r) => setTimeout(r, 30));

  it('verifies a key once for many concurrent requests', async () => {
    const all = await Promise.all(Array.from({ length: 50 }, () => keys.authenticate(key.key)));
    expect(all.every((c) => c?.id === 'client-1')).toBe(true);
    expect(clients.reads).toBe(1);
    expect(keys.scrypts).toBe(1);
  });

  it('re-checks a key in use before its entry expires, in the background and without scrypt', async () => {
    await keys.authenticate(key.key);
    now += CACHE_TTL_MS - REFRESH_AHEAD_MS - 1;
    await keys.authenticate(key.key);
    expect(clients.reads).toBe(1); // not due yet
    now += 2;
    // Due: answered from the entry at once, while one re-check runs for all callers.
    const answered = await Promise.all([keys.authenticate(key.key), keys.authenticate(key.key)]);
    expect(answered.map((c) => c?.id)).toEqual(['client-1', 'client-1']);
    await settle();
    expect(clients.reads).toBe(2);
    expect(keys.scrypts).toBe(1);
    // The entry was renewed: past the old expiry it is still served without a read.
    now += REFRESH_AHEAD_MS + 1000;
    expect((await keys.authenticate(key.key))?.id).toBe('client-1');
    expect(clients.reads).toBe(2);
  });

  it('after expiry, renews an unchanged key without scrypt; refuses a deleted or rotated one', async () => {
    await keys.authenticate(key.key);
    now += CACHE_TTL_MS + 1;
    expect((await keys.authenticate(key.key))?.id).toBe('client-1');
    expect([clients.reads, keys.scrypts]).toEqual([2, 1]);

    // Rotated: a new hash for the key id; the old secret no longer matches it (scrypt says so).
    const saved = clients.rows.get(key.id)!;
    clients.rows.set(key.id, { ...saved, apiKeyHash: await hashSecret('another-secret-entirely-0000') });
    now += CACHE_TTL_MS + 1;
    expect(await keys.authenticate(key.key)).toBeNull();
    expect(keys.scrypts).toBe(2);

    // Deleted: no active row. (The refused key is remembered as refused for a while.)
    clients.rows.set(key.id, saved);
    now += NEGATIVE_TTL_MS + 1;
    expect((await keys.authenticate(key.key))?.id).toBe('client-1');
    clients.rows.delete(key.id);
    now += CACHE_TTL_MS + 1;
    expect(await keys.authenticate(key.key)).toBeNull();
    clients.rows.set(key.id, saved);
  });

  it('refuses a repeated wrong secret from memory, and forgets a deleted client at once', async () => {
    const wrong = `hsb_live_${key.id}_${'x'.repeat(43)}`;
    expect(await keys.authenticate(wrong)).toBeNull();
    expect(await keys.authenticate(wrong)).toBeNull();
    expect(keys.scrypts).toBe(1);
    expect(await keys.authenticate('not-a-key')).toBeNull();
    now += NEGATIVE_TTL_MS + 1;
    expect(await keys.authenticate(wrong)).toBeNull();
    expect(keys.scrypts).toBe(2);

    await keys.authenticate(key.key);
    const reads = clients.reads;
    keys.forget('client-1');
    await keys.authenticate(key.key);
    expect(clients.reads).toBe(reads + 1);
  });

  it('spends at most the failure budget of scrypt on varied wrong secrets under a real key id', async () => {
    const wrong = (i: number) => `hsb_live_${key.id}_${String(i).padStart(43, 'y')}`;
    for (let i = 0; i < 50; i++) expect(await keys.authenticate(wrong(i))).toBeNull();
    expect(keys.scrypts).toBe(FAILURE_BUDGET);
    // The right key, not verified before, waits for the window to end; then it works.
    expect(await keys.authenticate(key.key)).toBeNull();
    expect(keys.scrypts).toBe(FAILURE_BUDGET);
    now += FAILURE_WINDOW_MS + 1;
    expect((await keys.authenticate(key.key))?.id).toBe('client-1');
  });

  it('keeps a verified key working while its id is under attack', async () => {
    expect((await keys.authenticate(key.key))?.id).toBe('client-1');
    for (let i = 0; i < 20; i++) await keys.authenticate(`hsb_live_${key.id}_${String(i).padStart(43, 'z')}`);
    now += CACHE_TTL_MS + 1; // expired: renewed from the unchanged row without scrypt
    expect((await keys.authenticate(key.key))?.id).toBe('client-1');
  });
});
