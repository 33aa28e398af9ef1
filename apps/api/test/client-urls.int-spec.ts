import pg from 'pg';
import { ADMIN_TOKEN, bearer, json, startApi, type ApiHarness } from './harness.js';

/**
 * What a client registers: webhook URLs that reach public addresses only (SSRF), and the exact
 * redirect URIs its consents may send the end user back to (no open redirect).
 */
let api: ApiHarness;
let lenient: ApiHarness;
beforeAll(async () => {
  api = await startApi();
  lenient = await startApi({ HISOB_ALLOW_PRIVATE_WEBHOOKS: 'true' });
});
afterAll(async () => {
  await api.close();
  await lenient.close();
});

const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
const create = (body: unknown, on = api) =>
  fetch(`${on.url}/admin/clients`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
const patch = (id: string, body: unknown) =>
  fetch(`${api.url}/admin/clients/${id}`, { method: 'PATCH', headers: admin, body: JSON.stringify(body) });
const fields = async (res: Response) => {
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = await json(res);
  expect(body.code).toBe('validation_failed');
  return (body.errors as Array<{ field: string }>).map((e) => e.field);
};
const clientCount = async () => {
  const c = new pg.Client({ connectionString: api.db.url });
  await c.connect();
  try {
    return (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM clients`)).rows[0]!.n;
  } finally {
    await c.end();
  }
};

describe('webhook_url', () => {
  const refused = [
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.1:8080/hooks',
    'http://[::1]/hooks',
    'http://10.0.0.5/hooks',
    'http://172.20.1.1/hooks',
    'http://192.168.1.1/hooks',
    'http://100.64.0.1/hooks',
    'http://0.0.0.0/hooks',
    'http://localhost/hooks',
    'http://[::ffff:127.0.0.1]/hooks',
    'http://[fe80::1]/hooks',
    'http://[fd12::1]/hooks',
    'http://2130706433/hooks', // 127.0.0.1 in decimal
    'http://0177.0.0.1/hooks', // octal
    'http://0x7f.0.0.1/hooks', // hex
    'http://224.0.0.1/hooks',
    'https://user:pass@hooks.example/x',
  ];

  it.each(refused)('refuses %s at registration, writing nothing', async (url) => {
    const before = await clientCount();
    expect(await fields(await create({ name: 'acme', webhook_url: url }))).toEqual(['webhook_url']);
    expect(await clientCount()).toBe(before);
  });

  it('refuses them on PATCH too, and keeps the stored URL', async () => {
    const { id } = await json(await create({ name: 'acme', webhook_url: 'https://93.184.215.14/hooks' }));
    for (const url of ['http://169.254.169.254/', 'http://localhost:3000/x', 'http://[::1]/'])
      expect(await fields(await patch(id, { webhook_url: url }))).toEqual(['webhook_url']);
    const { clients } = await json(await fetch(`${api.url}/admin/clients`, { headers: admin }));
    expect(clients.find((c: { id: string }) => c.id === id).webhook_url).toBe('https://93.184.215.14/hooks');
  });

  it('accepts a public address, and a name to be resolved at each delivery', async () => {
    for (const url of ['https://93.184.215.14/hooks', 'https://hooks.invalid/hisob']) {
      const res = await create({ name: 'acme', webhook_url: url });
      expect(res.status).toBe(201);
      expect((await json(res)).webhook_url).toBe(url);
    }
  });

  it('accepts loopback when HISOB_ALLOW_PRIVATE_WEBHOOKS=true (sandboxes, tests)', async () => {
    const res = await create({ name: 'local', webhook_url: 'http://127.0.0.1:9000/hooks' }, lenient);
    expect(res.status).toBe(201);
  });
});

describe('redirect_uris', () => {
  it('are returned by create, list and patch, and replaced by patch', async () => {
    const created = await json(
      await create({
        name: 'acme',
        redirect_uris: ['https://acme.example/done', 'http://localhost:8080/cb'],
      }),
    );
    expect(created.redirect_uris).toEqual(['https://acme.example/done', 'http://localhost:8080/cb']);
    const patched = await patch(created.id, { redirect_uris: ['http://127.0.0.1/cb', 'http://[::1]:9/cb'] });
    expect(patched.status).toBe(200);
    expect(await json(patched)).toMatchObject({
      id: created.id,
      redirect_uris: ['http://127.0.0.1/cb', 'http://[::1]:9/cb'],
    });
    const { clients } = await json(await fetch(`${api.url}/admin/clients`, { headers: admin }));
    expect(clients.find((c: { id: string }) => c.id === created.id).redirect_uris).toEqual([
      'http://127.0.0.1/cb',
      'http://[::1]:9/cb',
    ]);
    const cleared = await json(await patch(created.id, { webhook_url: null }));
    expect(cleared).toMatchObject({
      webhook_url: null,
      redirect_uris: ['http://127.0.0.1/cb', 'http://[::1]:9/cb'],
    });
  });

  it.each([
    ['not https', 'http://acme.example/done'],
    ['a fragment', 'https://acme.example/done#frag'],
    ['user info', 'https://user:pw@acme.example/done'],
    ['too long', `https://acme.example/${'a'.repeat(2048)}`],
    ['not http(s)', 'javascript:alert(1)'],
    ['relative', '/relative'],
    ['a NUL', 'https://acme.example/\u0000x'],
    ['not loopback', 'http://localhost.evil.example/cb'],
  ])('refuses a redirect URI with %s', async (_what, uri) => {
    const res = await create({ name: 'acme', redirect_uris: ['https://ok.example/cb', uri] });
    const got = await fields(res);
    expect(got.some((f) => f.startsWith('redirect_uris'))).toBe(true);
  });

  it('answers 404 for PATCH of an unknown client and 400 for unknown fields', async () => {
    expect((await patch('7b0a2c4e-1b7f-4c83-9b3e-2f0a9d1e5c11', { redirect_uris: [] })).status).toBe(404);
    const { id } = await json(await create({ name: 'acme' }));
    expect(await fields(await patch(id, { name: 'renamed' }))).toEqual(['name']);
  });

  it('bound a consent redirect_uri to the registered ones (before any bank call)', async () => {
    const { apiKey } = await api.newClient('consents', ['https://client.example/banks/done']);
    const post = (redirect_uri: string) =>
      fetch(`${api.url}/v1/consents`, {
        method: 'POST',
        headers: { ...bearer(apiKey), 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'alif-mobi', end_user_id: 'u1', redirect_uri }),
      });
    for (const uri of [
      'https://evil.example/done',
      'https://client.example/banks/done/../x',
      'https://client.example/banks/done?x=1',
      'https://client.example/banks/DONE',
    ])
      expect(await fields(await post(uri))).toEqual(['redirect_uri']);
  });
});
