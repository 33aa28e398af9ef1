import { Redis } from 'ioredis';
import pg from 'pg';
import { TEST_ENV, dbNamePrefix, redisPrefix, withDatabase } from './run-env.mjs';

/** Drops every database of this run and SCAN-deletes its Redis keys. */
export default async function globalTeardown() {
  const runId = process.env[TEST_ENV.runId];
  const baseUrl = process.env[TEST_ENV.baseUrl];
  if (!runId || !baseUrl) return;
  if (process.env.HISOB_TEST_KEEP_DBS === '1') return;

  const admin = new pg.Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  await admin.connect();
  const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
    `${dbNamePrefix(runId)}\\_%`,
  ]);
  for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  await admin.end();

  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix(runId)}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // Redis may be absent in a unit-only run; nothing of ours can be there then.
  } finally {
    redis.disconnect();
  }
}
