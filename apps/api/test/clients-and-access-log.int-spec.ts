import { Logger } from '@nestjs/common';
import { bearer, json, startApi, ADMIN_TOKEN, type ApiHarness } from './harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('clients (admin API)', () => {
  it('creates a client whose key is shown once, stored only as a hash, and works on /v1', async () => {
    const { id, apiKey, webhookSecret } = await api.newClient('acme');
    expect(apiKey).toMatch(/^hsb_/);
    expect(webhookSecret).toMatch(/^whsec_/);
    const { rows } = await queryDb(
      `SELECT api_key_id, api_key_hash, webhook_secret_enc FROM clients WHERE id = $1`,
      [id],
    );
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows[0]);
    expect(stored).not.toContain(apiKey.split('_').at(-1));
    expect(stored).not.toContain(webhookSecret);
    const list = await fetch(`${api.url}/admin/clients`, { headers: admin }).then(json);
    expect(list.clients.map((c: { name: string }) => c.name)).toContain('acme');
    expect(JSON.stringify(list)).not.toContain(apiKey);
    expect((await fetch(`${api.url}/v1/providers`, { headers: bearer(apiKey) })).status).toBe(200);
  });

  it('stops accepting a deleted client key', async () => {
    const { id, apiKey } = await api.newClient('short-lived');
    expect((await fetch(`${api.url}/v1/providers`, { headers: bearer(apiKey) })).status).toBe(200);
    expect((await fetch(`${api.url}/admin/clients/${id}`, { method: 'DELETE', headers: admin })).status).toBe(
      204,
    );
    expect((await fetch(`${api.url}/v1/providers`, { headers: bearer(apiKey) })).status).toBe(401);
    expect((await fetch(`${api.url}/admin/clients/${id}`, { method: 'DELETE', headers: admin })).status).toBe(
      404,
    );
  });
});

describe('GET /v1/providers', () => {
  it('lists the three providers with their auth style', async () => {
    const { apiKey } = await api.newClient();
    const body = await fetch(`${api.url}/v1/providers`, { headers: bearer(apiKey) }).then(json);
    expect(body.providers.map((p: { id: string; auth: string }) => [p.id, p.auth])).toEqual([
      ['alif-mobi', 'redirect'],
      ['alif-shop', 'otp'],
      ['accessbank', 'redirect'],
    ]);
  });
});

describe('access log', () => {
  it('records every data read with client, resource, count and request id, scoped to the caller', async () => {
    const a = await api.newClient('reader-a');
    const b = await api.newClient('reader-b');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${api.url}/v1/providers`, {
        headers: { ...bearer(a.apiKey), 'x-request-id': `read-a-${i}` },
      });
      ids.push(res.headers.get('x-request-id')!);
    }
    const { rows } = await queryDb(
      `SELECT resource, record_count, request_id, method, path FROM access_log WHERE client_id = $1 ORDER BY id`,
      [a.id],
    );
    expect(rows).toEqual(
      ids.map((request_id) => ({
        resource: 'providers',
        record_count: 3,
        request_id,
        method: 'GET',
        path: '/v1/providers',
      })),
    );

    const seenByA = await fetch(`${api.url}/v1/access-log?limit=2`, { headers: bearer(a.apiKey) }).then(json);
    expect(seenByA.entries.map((e: { request_id: string }) => e.request_id)).toEqual([
      'read-a-2',
      'read-a-1',
    ]);
    expect(seenByA.next_cursor).toEqual(expect.any(String));
    const rest = await fetch(`${api.url}/v1/access-log?limit=2&cursor=${seenByA.next_cursor}`, {
      headers: bearer(a.apiKey),
    }).then(json);
    expect(rest.entries.map((e: { request_id: string }) => e.request_id)).toEqual(['read-a-0']);
    expect(rest.next_cursor).toBeNull();

    const seenByB = await fetch(`${api.url}/v1/access-log`, { headers: bearer(b.apiKey) }).then(json);
    expect(seenByB.entries).toEqual([]);
  });

  it('writes no row for a read that failed authentication', async () => {
    const before = await queryDb(`SELECT count(*)::int AS n FROM access_log`);
    await fetch(`${api.url}/v1/providers`, { headers: bearer('hsb_nope') });
    const after = await queryDb(`SELECT count(*)::int AS n FROM access_log`);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});

describe('logs', () => {
  const linesOf = (requestId: string) =>
    api.logs
      .join('')
      .split('\n')
      .filter((l) => l.includes(`"${requestId}"`))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('carry the request id on the lines logged while serving it (a JSON body too), and end with one line', async () => {
    const created = await fetch(`${api.url}/admin/clients`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json', 'x-request-id': 'log-ctx-post' },
      body: JSON.stringify({ name: 'log-ctx' }),
    });
    expect(created.status).toBe(201);
    const missing = await fetch(`${api.url}/v1/accounts/00000000-0000-4000-8000-000000000000?code=s3cr3t`, {
      headers: { ...bearer((await api.newClient('log-ctx-reader')).apiKey), 'x-request-id': 'log-ctx-404' },
    });
    expect(missing.status).toBe(404);
    await new Promise((r) => setTimeout(r, 50));

    const post = linesOf('log-ctx-post');
    // The service's own line (logged after the body was parsed) and the completion line.
    expect(post.find((l) => l.msg === 'client created')).toMatchObject({
      request_id: 'log-ctx-post',
      level: 30,
    });
    expect(post.filter((l) => l.msg === 'request completed')).toEqual([
      expect.objectContaining({
        request_id: 'log-ctx-post',
        level: 30,
        req: { method: 'POST', url: '/admin/clients' },
        res: { status_code: 201 },
        responseTime: expect.any(Number),
      }),
    ]);
    // A 4xx completes at warn, with secret query parameters redacted and no headers.
    const done404 = linesOf('log-ctx-404').filter((l) => l.msg === 'request completed');
    expect(done404).toEqual([
      expect.objectContaining({
        level: 40,
        req: { method: 'GET', url: '/v1/accounts/00000000-0000-4000-8000-000000000000?code=[REDACTED]' },
        res: { status_code: 404 },
      }),
    ]);
    expect(JSON.stringify(done404)).not.toContain('authorization');
    // A line logged outside any request carries no request id (the context does not leak).
    new Logger('probe').log('outside any request');
    await new Promise((r) => setTimeout(r, 20));
    const outside = api.logs
      .join('')
      .split('\n')
      .find((l) => l.includes('outside any request'));
    expect(outside).toBeDefined();
    expect(JSON.parse(outside!)).not.toHaveProperty('request_id');
  });

  it('never contain an API key, the admin token or a webhook secret', async () => {
    const { apiKey, webhookSecret } = await api.newClient('log-check');
    await fetch(`${api.url}/v1/providers`, { headers: bearer(apiKey) });
    await fetch(`${api.url}/v1/providers`, { headers: bearer(`${apiKey}tampered`) });
    await fetch(`${api.url}/v1/nowhere?api_key=${apiKey}&code=secret-code`, { headers: bearer(apiKey) });
    const all = api.logs.join('');
    expect(all).toContain('"request_id"');
    expect(all).not.toContain(apiKey);
    expect(all).not.toContain(apiKey.split('_').at(-1));
    expect(all).not.toContain(ADMIN_TOKEN);
    expect(all).not.toContain(webhookSecret);
    expect(all).not.toContain('secret-code');
  });
});

async function queryDb(sql: string, params: unknown[] = []) {
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: api.db.url });
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}
