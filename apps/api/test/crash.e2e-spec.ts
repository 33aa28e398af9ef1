import { spawn, type ChildProcess } from 'node:child_process';
import { bearer, json } from './harness.js';
import { startStack, until, type Stack } from './stack.js';

/**
 * A worker PROCESS killed with SIGKILL in the middle of a multi-page sync, then a new worker
 * process: the copy ends complete, with no gap and no duplicate (each page is committed with its
 * checkpoint; the restarted job resumes at the last committed one).
 */
let s: Stack;
const workers: ChildProcess[] = [];
const logs: string[] = [];

beforeAll(async () => {
  s = await startStack({ worker: false, bank: { size: 30_000 } });
});
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await s?.close();
});

function spawnWorker(): ChildProcess {
  const child = spawn(process.execPath, ['dist/apps/worker/src/main.js'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: s.api.db.url,
      HISOB_REDIS_PREFIX: s.api.config.HISOB_REDIS_PREFIX,
      ALIF_MOBI_ISSUER_URL: s.bank.issuer,
      ALIF_MOBI_OBP_URL: `${s.bank.url}/obp/v5.1.0`,
      ALIF_MOBI_CLIENT_ID: 'hisob-e2e',
      ALIF_MOBI_CLIENT_SECRET: 'e2e-secret',
      ALIF_MOBI_PAGE_SIZE: '50',
      HISOB_JOB_LOCK_MS: '1500',
      HISOB_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  workers.push(child);
  return child;
}

const sync = (id: string) => s.get(`/v1/syncs/${id}`);

it('resumes a SIGKILLed worker’s sync at its last committed page: no gap, no duplicate', async () => {
  const consentId = await s.activeConsent('crash-user');
  const [{ id: syncId }] = await s.db<{ id: string }>(`SELECT id FROM syncs WHERE consent_id = $1`, [
    consentId,
  ]);
  // Slow every transactions page down so the sync is still running when the worker dies.
  await s.control('POST', '/faults', {
    match: { method: 'GET', path: '^/obp/v5\\.1\\.0/banks/[^/]+/accounts/[^/]+/owner/transactions' },
    delay_ms: 25,
  });

  const first = spawnWorker();
  const midway = await until(
    () => sync(syncId),
    (v) => v.progress.pages >= 30,
    60_000,
  );
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const [{ n: partial }] = await s.db<{ n: number }>(
    `SELECT count(*)::int AS n FROM transactions WHERE consent_id = $1`,
    [consentId],
  );
  expect(midway.state).toBe('running');
  expect(partial).toBeGreaterThan(0);

  await s.control('DELETE', '/faults');
  spawnWorker();
  const done = await until(
    () => sync(syncId),
    (v) => v.state === 'succeeded' || v.state === 'failed',
    90_000,
  );
  expect(done.state).toBe('succeeded');

  const { users } = await s.control('GET', '/users');
  const dilnoza = users.find((u: { username: string }) => u.username === 'dilnoza');
  let total = 0;
  for (const a of dilnoza.accounts) {
    const bank = await s.control('GET', `/accounts/${a.account_id}/summary`);
    const [copy] = await s.db<{ n: number; sum: string }>(
      `SELECT count(t.*)::int AS n, coalesce(sum(t.amount), 0)::text AS sum
         FROM accounts a LEFT JOIN transactions t ON t.account_id = a.id WHERE a.consent_id = $1 AND a.provider_account_id = $2`,
      [consentId, a.account_id],
    );
    expect({ account: a.account_id, n: copy!.n, sum: normalise(copy!.sum) }).toEqual({
      account: a.account_id,
      n: bank.transaction_count,
      sum: normalise(bank.sum_of_amounts),
    });
    total += bank.transaction_count;
  }
  const [{ dups }] = await s.db<{ dups: number }>(
    `SELECT count(*)::int AS dups FROM (SELECT account_id, provider_transaction_id FROM transactions GROUP BY 1, 2 HAVING count(*) > 1) d`,
  );
  expect(dups).toBe(0);
  // Resumed, not restarted: the pages counted are about the pages needed (+ at most the one in flight per account).
  expect(done.progress.transactions_added).toBe(total);
  expect(done.progress.pages).toBeLessThanOrEqual(Math.ceil(total / 50) + 2 * dilnoza.accounts.length);

  const res = await fetch(`${s.api.url}/v1/consents/${consentId}`, { headers: bearer(s.client.apiKey) });
  expect((await json(res)).sync.state).toBe('succeeded');
}, 180_000);

function normalise(decimal: string): string {
  const [i, f = ''] = decimal.split('.');
  return `${i}.${f.padEnd(2, '0').slice(0, 2)}`;
}
