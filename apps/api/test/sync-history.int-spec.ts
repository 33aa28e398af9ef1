import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { loadWorkerConfig } from '#common/config.js';
import { DataFactory, type TestConsent } from '#testing/factories.js';
import { maintenanceProcessor } from '../../worker/test/maintenance.js';
import { bearer, json, startApi, type ApiHarness } from './harness.js';

/**
 * `GET /v1/syncs/{id}` of a sync the worker's `prune-sync-history` deleted (finished more than
 * `HISOB_SYNC_HISTORY_DAYS` ago) answers as for an id that never existed: 404 problem+json
 * `not_found`. A recent sync of the same consent still answers, and so does the consent.
 */
let api: ApiHarness;
let f: DataFactory;
let key: string;
let consent: TestConsent;

const DAY = 86_400_000;

async function finishedSync(finishedAt: Date): Promise<string> {
  const [row] = await f.query<{ id: string }>(
    `INSERT INTO syncs (client_id, consent_id, reason, state, created_at, started_at, finished_at)
     VALUES ($1, $2, 'scheduled', 'succeeded', $3, $3, $3) RETURNING id`,
    [consent.clientId, consent.id, finishedAt],
  );
  return row!.id;
}

/** The maintenance task as the worker runs it, over the API's database. */
function pruneSyncHistory(): Promise<number> {
  const ds = api.app.get(DataSource);
  const config = loadWorkerConfig({ NODE_ENV: 'test', DATABASE_URL: api.db.url });
  return maintenanceProcessor(ds, config).pruneSyncHistory();
}

const get = (path: string) => fetch(`${api.url}${path}`, { headers: bearer(key) });

beforeAll(async () => {
  api = await startApi();
  f = new DataFactory({ databaseUrl: api.db.url });
  const client = await api.newClient();
  key = client.apiKey;
  consent = await f.makeConsent(client.id);
});
afterAll(async () => {
  await f?.close();
  await api?.close();
});

describe('GET /v1/syncs/{id} after the sync history is pruned', () => {
  it('answers 404 not_found for a pruned sync, as for an unknown id; a recent sync still answers', async () => {
    const old = await finishedSync(new Date(Date.now() - 31 * DAY));
    const recent = await finishedSync(new Date(Date.now() - DAY));
    expect((await get(`/v1/syncs/${old}`)).status).toBe(200);

    expect(await pruneSyncHistory()).toBe(1);

    const pruned = await get(`/v1/syncs/${old}`);
    const unknown = await get(`/v1/syncs/${randomUUID()}`);
    for (const res of [pruned, unknown]) {
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const strip = ({ request_id: _r, ...rest }: Record<string, unknown>) => rest;
    const body = strip(await json(pruned));
    expect(body).toMatchObject({ status: 404, code: 'not_found' });
    expect(body).toEqual(strip(await json(unknown)));

    const kept = await get(`/v1/syncs/${recent}`);
    expect(kept.status).toBe(200);
    expect(await json(kept)).toMatchObject({ id: recent, consent_id: consent.id, state: 'succeeded' });
    expect((await get(`/v1/consents/${consent.id}`)).status).toBe(200);
  });
});
