import { DataFactory } from '#testing/factories.js';
import { ADMIN_TOKEN, bearer, json, startApi, type ApiHarness } from './harness.js';

/** `Idempotency-Key` fingerprints the method, the full path and the body, per client. */
let api: ApiHarness;
let f: DataFactory;
beforeAll(async () => {
  api = await startApi();
  f = new DataFactory({ databaseUrl: api.db.url, apiUrl: api.url, adminToken: ADMIN_TOKEN });
});
afterAll(async () => {
  await f.close();
  await api.close();
});

const sync = (key: string, consentId: string, idem: string) =>
  fetch(`${api.url}/v1/consents/${consentId}/sync`, {
    method: 'POST',
    headers: { ...bearer(key), 'idempotency-key': idem },
  });

describe('Idempotency-Key', () => {
  it("does not replay consent A's sync for consent B under the same key", async () => {
    const client = await f.makeClient();
    const a = await f.makeConsent(client.id);
    const b = await f.makeConsent(client.id);
    const first = await sync(client.apiKey, a.id, 'sync-key-1');
    expect(first.status).toBe(202);
    const syncA = (await json(first)).sync_id;

    const replay = await sync(client.apiKey, a.id, 'sync-key-1');
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await json(replay)).sync_id).toBe(syncA);

    const other = await sync(client.apiKey, b.id, 'sync-key-1');
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    expect(other.status).toBe(409);
    expect(await json(other)).toMatchObject({ code: 'idempotency_conflict' });

    const fresh = await sync(client.apiKey, b.id, 'sync-key-2');
    expect(fresh.status).toBe(202);
    const syncB = (await json(fresh)).sync_id;
    expect(syncB).not.toBe(syncA);
    const [row] = await f.query<{ consent_id: string }>(`SELECT consent_id FROM syncs WHERE id = $1`, [
      syncB,
    ]);
    expect(row?.consent_id).toBe(b.id);
  });

  it('scopes keys per client', async () => {
    const [one, two] = [await f.makeClient(), await f.makeClient()];
    const c1 = await f.makeConsent(one.id);
    const c2 = await f.makeConsent(two.id);
    expect((await sync(one.apiKey, c1.id, 'shared-key')).status).toBe(202);
    const theirs = await sync(two.apiKey, c2.id, 'shared-key');
    expect(theirs.status).toBe(202);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
  });
});
