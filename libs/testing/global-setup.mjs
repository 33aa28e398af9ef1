import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_ENV, dbNamePrefix, redisPrefix, withDatabase } from './run-env.mjs';

/**
 * Runs once per `jest` invocation: picks a run id, creates `hisob_t_<runId>_tpl` and migrates it
 * with the built CLI (the same code path as production), and exports what test files need.
 */
export default async function globalSetup() {
  process.env.TZ = 'UTC';
  process.env.NODE_ENV = 'test';
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/hisob';
  const template = `${dbNamePrefix(runId)}_tpl`;

  const admin = new pg.Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${template}"`);
  await admin.end();

  if (!existsSync('dist/apps/api/src/cli.js')) {
    execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  }
  execFileSync(process.execPath, ['dist/apps/api/src/cli.js', 'migrate', 'up'], {
    env: { ...process.env, DATABASE_URL: withDatabase(baseUrl, template) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  process.env[TEST_ENV.runId] = runId;
  process.env[TEST_ENV.template] = template;
  process.env[TEST_ENV.baseUrl] = baseUrl;
  process.env.HISOB_REDIS_PREFIX = redisPrefix(runId);
}
