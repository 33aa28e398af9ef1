// Shared by the Jest global setup/teardown (plain ESM: Jest loads them outside its transform)
// and, through src/run.ts, by the test files.
export const TEST_ENV = {
  runId: 'HISOB_TEST_RUN_ID',
  template: 'HISOB_TEST_DB_TEMPLATE',
  baseUrl: 'HISOB_TEST_DATABASE_URL',
};

export const dbNamePrefix = (runId) => `hisob_t_${runId}`;
export const redisPrefix = (runId) => `hisob-t-${runId}`;

/** DATABASE_URL with another database name. */
export function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
