import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { loadApiConfig, type ApiEnv } from '#common/config.js';
import { createTestDatabase, type TestDatabase } from '#testing/db.js';
import { createApiApp } from '../src/app.factory.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
/** The redirect URI every test client registers (the consent tests send the browser there). */
export const CLIENT_REDIRECT_URI = 'https://client.example/banks/done';

export interface ApiHarness {
  url: string;
  app: NestFastifyApplication;
  db: TestDatabase;
  config: ApiEnv;
  /** Every log line the app wrote, raw (to check that no secret is ever logged). */
  logs: string[];
  /**
   * Creates a client through the admin API; returns its id and key. It registers the redirect URI
   * the consent tests use ({@link CLIENT_REDIRECT_URI}) unless given others.
   */
  newClient(
    name?: string,
    redirectUris?: string[],
  ): Promise<{ id: string; apiKey: string; webhookSecret: string }>;
  close(): Promise<void>;
}

/** The real API (same factory as main.ts) on a random port over its own cloned database. */
export async function startApi(
  env: Record<string, string> = {},
  opts: { port?: number } = {},
): Promise<ApiHarness> {
  const port = opts.port ?? (await freePort());
  const db = await createTestDatabase();
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const config = loadApiConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    HISOB_ADMIN_TOKEN: ADMIN_TOKEN,
    HISOB_LOG_LEVEL: 'debug',
    HISOB_DB_POOL_SIZE: '4',
    HISOB_PUBLIC_URL: `http://127.0.0.1:${port}`,
    // Each test file's API (and the worker started with it) gets its own Redis key prefix: a worker
    // of another file must never take this file's jobs (it would look for them in its own database).
    HISOB_REDIS_PREFIX: `${process.env.HISOB_REDIS_PREFIX ?? 'hisob-t'}-${db.name.split('_').at(-1)}`,
    ...env,
  });
  const app = await createApiApp({ config, logStream });
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  let n = 0;
  return {
    url,
    app,
    db,
    config,
    logs,
    async newClient(name = `client-${++n}`, redirectUris = [CLIENT_REDIRECT_URI]) {
      const r = await fetch(`${url}/admin/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name, redirect_uris: redirectUris }),
      });
      if (r.status !== 201) throw new Error(`client create failed: ${r.status} ${await r.text()}`);
      const b = (await r.json()) as { id: string; api_key: string; webhook_secret: string };
      return { id: b.id, apiKey: b.api_key, webhookSecret: b.webhook_secret };
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** `Response.json()` typed loosely for assertions (the tests check the shape themselves). */
export const json = (r: Response): Promise<any> => r.json();

/** A TCP port free right now (the API's public URL must be known before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
