import SwaggerParser from '@apidevtools/swagger-parser';
import { bearer, json, startApi, type ApiHarness } from './harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

describe('operations endpoints', () => {
  it('serves liveness and readiness (PostgreSQL, Redis, migrations)', async () => {
    expect(await fetch(`${api.url}/health`).then(json)).toEqual({ status: 'ok' });
    const ready = await fetch(`${api.url}/health/ready`);
    expect(ready.status).toBe(200);
    const body = await json(ready);
    expect(Object.keys(body.info).sort()).toEqual(['migrations', 'postgres', 'redis']);
    expect(body.status).toBe('ok');
  });

  it('reports not ready with 503 when a migration is missing', async () => {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: api.db.url });
    await c.connect();
    const { rows } = await c.query(`DELETE FROM migrations RETURNING *`);
    try {
      const res = await fetch(`${api.url}/health/ready`);
      expect(res.status).toBe(503);
      expect((await json(res)).error.migrations.status).toBe('down');
    } finally {
      for (const r of rows)
        await c.query(`INSERT INTO migrations (id, "timestamp", name) VALUES ($1, $2, $3)`, [
          r.id,
          r.timestamp,
          r.name,
        ]);
      await c.end();
    }
  });

  it('exposes Prometheus metrics including request latency by route', async () => {
    const { apiKey } = await api.newClient();
    await fetch(`${api.url}/v1/providers`, { headers: bearer(apiKey) });
    const text = await fetch(`${api.url}/metrics`).then((r) => r.text());
    expect(text).toMatch(
      /hisob_http_request_duration_seconds_count\{method="GET",route="\/v1\/providers",status="200"\} \d+/,
    );
    expect(text).toContain('hisob_process_cpu_seconds_total');
  });

  it('serves a valid OpenAPI 3 document generated from the code, and Swagger UI', async () => {
    const doc = await fetch(`${api.url}/docs-json`).then(json);
    expect(doc.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/providers', '/admin/clients', '/v1/access-log']),
    );
    const ui = await fetch(`${api.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });
});
