import { bearer, json, startApi, ADMIN_TOKEN, type ApiHarness } from './harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi({ HISOB_BODY_LIMIT_BYTES: '4096' });
});
afterAll(() => api.close());

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await json(res)) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, type: expect.stringContaining(code.replaceAll('_', '-')) });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(body.request_id).toBe(res.headers.get('x-request-id'));
  return body;
}

describe('problem+json errors', () => {
  it('answers 401 unauthorized without an API key', async () => {
    const res = await fetch(`${api.url}/v1/providers`);
    await expectProblem(res, 401, 'unauthorized');
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('answers 401 for a malformed key and for a well-formed key with a wrong secret', async () => {
    const { apiKey } = await api.newClient();
    const last = apiKey.at(-1) === 'A' ? 'B' : 'A';
    const wrongSecret = apiKey.slice(0, -1) + last;
    for (const key of ['nonsense', 'hsb_', wrongSecret, `${apiKey}x`]) {
      await expectProblem(
        await fetch(`${api.url}/v1/providers`, { headers: bearer(key) }),
        401,
        'unauthorized',
      );
    }
    expect((await fetch(`${api.url}/v1/providers`, { headers: bearer(apiKey) })).status).toBe(200);
  });

  it('answers 401 on /admin with a client key instead of the admin token', async () => {
    const { apiKey } = await api.newClient();
    await expectProblem(
      await fetch(`${api.url}/admin/clients`, { headers: bearer(apiKey) }),
      401,
      'unauthorized',
    );
  });

  it('answers 404 not_found for an unknown route and an unknown id', async () => {
    await expectProblem(await fetch(`${api.url}/v1/nowhere`), 404, 'not_found');
    const del = (id: string) => fetch(`${api.url}/admin/clients/${id}`, { method: 'DELETE', headers: admin });
    await expectProblem(await del('7b0a2c4e-1b7f-4c83-9b3e-2f0a9d1e5c11'), 404, 'not_found');
    await expectProblem(await del('not-a-uuid'), 404, 'not_found');
  });

  it('answers 400 validation_failed with errors[] per field', async () => {
    const res = await fetch(`${api.url}/admin/clients`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: '', webhook_url: 'not a url', surprise: 1 }),
    });
    const body = await expectProblem(res, 400, 'validation_failed');
    const fields = [...new Set((body.errors as Array<{ field: string }>).map((e) => e.field))].sort();
    expect(fields).toEqual(['name', 'surprise', 'webhook_url']);
  });

  it('answers 400 validation_failed for malformed JSON', async () => {
    const res = await fetch(`${api.url}/admin/clients`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: '{"name": "acme",',
    });
    const body = await expectProblem(res, 400, 'validation_failed');
    expect(body.errors).toEqual([{ field: 'body', message: 'malformed JSON' }]);
  });

  it('answers 413 payload_too_large above the body limit', async () => {
    const res = await fetch(`${api.url}/admin/clients`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(10_000) }),
    });
    await expectProblem(res, 413, 'payload_too_large');
  });

  it('answers 415 unsupported_media_type for a non-JSON body', async () => {
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      const res = await fetch(`${api.url}/admin/clients`, {
        method: 'POST',
        headers: { ...admin, 'content-type': type },
        body: 'name=acme',
      });
      await expectProblem(res, 415, 'unsupported_media_type');
    }
  });

  it('never answers 500 to bad input', async () => {
    const { apiKey } = await api.newClient();
    const json = { ...admin, 'content-type': 'application/json' };
    const attempts: Array<[string, RequestInit]> = [
      ['/admin/clients', { method: 'POST', headers: json, body: 'null' }],
      ['/admin/clients', { method: 'POST', headers: json, body: '[]' }],
      ['/admin/clients', { method: 'POST', headers: json, body: '"x"' }],
      ['/admin/clients', { method: 'POST', headers: json, body: '{"name":{"$gt":""}}' }],
      ['/admin/clients', { method: 'POST', headers: json, body: '' }],
      ['/admin/clients', { method: 'POST', headers: admin }],
      ['/admin/clients/%00', { method: 'DELETE', headers: admin }],
      ['/v1/access-log?limit=0', { headers: bearer(apiKey) }],
      ['/v1/access-log?limit=100000', { headers: bearer(apiKey) }],
      ['/v1/access-log?limit=abc', { headers: bearer(apiKey) }],
      ['/v1/access-log?cursor=!!!', { headers: bearer(apiKey) }],
      ['/v1/access-log?cursor=eyJhdCI6MX0', { headers: bearer(apiKey) }],
      ['/v1/access-log?from=2026-13-45T00:00:00Z', { headers: bearer(apiKey) }],
      ['/v1/access-log?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', { headers: bearer(apiKey) }],
      ['/v1/access-log?consent_id=1', { headers: bearer(apiKey) }],
      ['/v1/access-log?consent_id=a&consent_id=b', { headers: bearer(apiKey) }],
    ];
    for (const [path, init] of attempts) {
      const res = await fetch(`${api.url}${path}`, init);
      const outcome = {
        path,
        clientError: res.status >= 400 && res.status < 500,
        type: res.headers.get('content-type'),
      };
      expect(outcome).toEqual({ path, clientError: true, type: expect.stringMatching(/problem\+json/) });
    }
  });
});

describe('request ids', () => {
  it('echoes a sane X-Request-Id and generates one otherwise', async () => {
    const echoed = await fetch(`${api.url}/health`, { headers: { 'x-request-id': 'abc-123.caller' } });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123.caller');
    const generated = await fetch(`${api.url}/health`, {
      headers: { 'x-request-id': 'has spaces <script>' },
    });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const none = await fetch(`${api.url}/health`);
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
