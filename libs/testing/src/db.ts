import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_ENV, requireEnv, withDatabase } from './run.js';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database for one test file, cloned from the run's migrated template (milliseconds,
 * unlike re-running migrations). `empty: true` gives a database with no schema at all.
 */
export async function createTestDatabase(opts: { empty?: boolean } = {}): Promise<TestDatabase> {
  const runId = requireEnv(TEST_ENV.runId);
  const baseUrl = requireEnv(TEST_ENV.baseUrl);
  const template = requireEnv(TEST_ENV.template);
  const name = `hisob_t_${runId}_w${process.env.JEST_WORKER_ID ?? '0'}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(
      opts.empty ? `CREATE DATABASE "${name}"` : `CREATE DATABASE "${name}" TEMPLATE "${template}"`,
    );
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(baseUrl, name),
    drop: async () => {
      const c = new pg.Client({ connectionString: withDatabase(baseUrl, 'postgres') });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}
