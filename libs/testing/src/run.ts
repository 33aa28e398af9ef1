/**
 * Per-run isolation for the test suite: every `npm test` gets its own databases
 * (`hisob_t_<runId>_…`, cloned from a migrated template) and its own Redis key prefix
 * (`hisob-t-<runId>`), so two runs on one machine — or a run next to a dev server — cannot collide.
 * The names are set by ../global-setup.mjs; this module reads them in test files.
 */
export const TEST_ENV = {
  runId: 'HISOB_TEST_RUN_ID',
  template: 'HISOB_TEST_DB_TEMPLATE',
  baseUrl: 'HISOB_TEST_DATABASE_URL',
} as const;

export const redisPrefix = (runId: string): string => `hisob-t-${runId}`;

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v)
    throw new Error(`${name} is not set: run the suite with \`npm test\` (jest globalSetup provisions it)`);
  return v;
}
