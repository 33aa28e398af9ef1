import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { ADMIN_TOKEN, bearer, freePort, json } from './harness.js';
import { startStack, until, type Stack } from './stack.js';

/**
 * The crash and restart matrix: processes die anywhere in a multi-page sync, and nothing is lost
 * or doubled. Each case authorises a consent of its own (its first sync waits in Redis), runs it
 * with REAL worker processes (`dist/apps/worker/src/main.js`, as crash.e2e-spec.ts), kills one at
 * a chosen point, lets a new one (or the same one, for a server restart) finish, and then asserts:
 * - every account's copy equals the sandbox bank's figures (count and sum): no gap, no duplicate
 *   (`provider_transaction_id` unique per account), and the sync's `transactions_added` is that count;
 * - the sync `succeeded` and the consent is `active` with `sync.state = succeeded`;
 * - every webhook event of the consent reached the receiver at least once, duplicates only under
 *   the same event id (the at-least-once contract), and no two distinct events announce the same
 *   state change.
 *
 * Kill points (SIGKILL, then a new worker process): a transactions request in flight at the bank;
 * right after N pages were requested (the next request just sent, page N's commit racing it);
 * inside the page transaction and right after its commit (the TEST-ONLY hook
 * `HISOB_TEST_CRASH_AT`, libs/sync/src/crash-point.ts); after an account's last commit, before
 * the sync is ended; during a token refresh the sync needed (`/token` delayed); during a webhook
 * delivery (a slow receiver). Then SIGTERM (graceful) mid-sync.
 *
 * Server restarts, without disturbing the test files running alongside:
 * - Redis: this file runs its own `redis-server` (no persistence, as scripts/infra.sh runs the
 *   shared one) on a free port, and restarts it mid-sync: every BullMQ job and scheduler is lost,
 *   the worker reconnects, registers its schedulers again, and the lifecycle sweeper
 *   (`HISOB_LIFECYCLE_SWEEP_MS` shortened to 1 s) finds the unfinished sync in PostgreSQL.
 * - PostgreSQL: the shared server is NOT restarted (other files use it). What a restart does to
 *   the worker — every connection cut mid-query, mid-transaction and idle — is simulated with
 *   `pg_terminate_backend` on the worker's backends of this file's database only, twice.
 *   The worker is supervised: if it dies it is started again, as a process manager would.
 */
let s: Stack;
let redis: PrivateRedis;
const receiver = { deliveries: [] as Delivery[], slow: null as null | ((d: Delivery) => number), url: '' };
let hooks: Server;
const live = new Set<ChildProcess>();

interface Delivery {
  id: string;
  type: string;
  body: { id: string; type: string; data: Record<string, unknown> };
}

const PAGE = 25;
/** Per case: about 8 s alone, several times that with the whole suite on two loaded cores. */
const CASE_MS = 120_000;
const TX_PATH = '^/obp/v5\\.1\\.0/banks/[^/]+/accounts/[^/]+/owner/transactions';

beforeAll(async () => {
  redis = await startRedis(await freePort());
  hooks = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const d: Delivery = {
        id: String(req.headers['hisob-event-id']),
        type: String(req.headers['hisob-event-type']),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      };
      receiver.deliveries.push(d);
      setTimeout(() => res.writeHead(204).end(), receiver.slow?.(d) ?? 0);
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => hooks.listen(port, '127.0.0.1', r));
  receiver.url = `http://127.0.0.1:${port}/hooks`;
  s = await startStack({
    worker: false,
    bank: { size: 1_200 },
    env: { REDIS_URL: redis.url, HISOB_ALLOW_PRIVATE_WEBHOOKS: 'true', ALIF_MOBI_PAGE_SIZE: String(PAGE) },
  });
  const r = await fetch(`${s.api.url}/admin/clients/${s.client.id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ webhook_url: receiver.url }),
  });
  expect(r.status).toBe(200);
}, 60_000);

afterAll(async () => {
  for (const w of live) w.kill('SIGKILL');
  await s?.close();
  hooks?.closeAllConnections();
  await new Promise((r) => hooks?.close(r));
  await redis?.stop();
});

afterEach(async () => {
  for (const stopSupervisor of supervisors) stopSupervisor();
  supervisors.clear();
  receiver.slow = null;
  await s.control('DELETE', '/faults');
  await Promise.all([...live].map((w) => stop(w, 'SIGTERM')));
});

// ---------------------------------------------------------------- the cases

it(
  'SIGKILL while a transactions request is in flight at the bank',
  async () => {
    const c = await newCase('in-flight');
    // The 4th transactions request hangs 1.5 s at the bank (under the 2 s timeout): kill inside it.
    const fault = await s.control('POST', '/faults', {
      match: { method: 'GET', path: TX_PATH },
      delay_ms: 1_500,
      after: 3,
      times: 1,
    });
    const w = worker();
    await until(faultState(fault.id), (f) => f.hits >= 4, 30_000);
    await sleep(500);
    await kill(w);
    worker();
    await expectComplete(c);
  },
  CASE_MS,
);

it(
  'SIGKILL right after N pages were requested (page N in hand, its commit racing the next request)',
  async () => {
    const c = await newCase('after-fetch');
    const fault = await s.control('POST', '/faults', {
      match: { method: 'GET', path: TX_PATH },
      delay_ms: 1_000,
      after: 5,
      times: 1,
    });
    const w = worker();
    // The 6th request arriving means the 5th page's reply was received: kill at once.
    await until(faultState(fault.id), (f) => f.hits >= 6, 30_000);
    await kill(w);
    worker();
    await expectComplete(c);
  },
  CASE_MS,
);

it(
  'SIGKILL inside the page transaction (rows and checkpoint written, not committed)',
  async () => {
    const c = await newCase('page-tx');
    const w = worker({ HISOB_TEST_CRASH_AT: 'page-tx:3' });
    expect(await exited(w)).toEqual({ code: null, signal: 'SIGKILL' });
    const partial = await syncOf(c);
    expect(partial.progress.pages).toBe(2); // the 3rd page rolled back with its checkpoint
    worker();
    await expectComplete(c);
  },
  CASE_MS,
);

it(
  'SIGKILL right after a page commit',
  async () => {
    const c = await newCase('page-commit');
    const w = worker({ HISOB_TEST_CRASH_AT: 'page-commit:3' });
    expect(await exited(w)).toEqual({ code: null, signal: 'SIGKILL' });
    expect((await syncOf(c)).progress.pages).toBe(3);
    worker();
    await expectComplete(c);
  },
  CASE_MS,
);

it(
  'SIGKILL after an account’s last commit, before the sync is ended',
  async () => {
    const c = await newCase('account-commit');
    const w = worker({ HISOB_TEST_CRASH_AT: 'account-commit:1' });
    expect(await exited(w)).toEqual({ code: null, signal: 'SIGKILL' });
    worker();
    await expectComplete(c);
  },
  CASE_MS,
);

it(
  'SIGKILL during a token refresh the sync needed',
  async () => {
    const c = await newCase('refresh');
    // The bank refuses the 4th transactions page's token once; the refresh grant then hangs 1.5 s.
    await s.control('POST', '/faults', {
      match: { method: 'GET', path: TX_PATH },
      status: 401,
      after: 3,
      times: 1,
    });
    const token = await s.control('POST', '/faults', {
      match: { method: 'POST', path: '/token' },
      delay_ms: 1_500,
      times: 1,
    });
    const w = worker();
    await until(faultState(token.id), (f) => f.hits >= 1, 60_000);
    await sleep(300);
    await kill(w);
    worker();
    await expectComplete(c);
  },
  CASE_MS,
);

it(
  'SIGKILL during a webhook delivery (slow receiver): delivered again under the same event id',
  async () => {
    const c = await newCase('webhook');
    let held = 0;
    receiver.slow = (d) => (d.type === 'sync.succeeded' && held++ === 0 ? 1_500 : 0);
    const w = worker();
    await until(
      async () => receiver.deliveries.filter((d) => d.type === 'sync.succeeded' && forCase(c)(d)).length,
      (n) => n >= 1,
      30_000,
    );
    await kill(w);
    worker();
    const { deliveries } = await expectComplete(c);
    const sent = deliveries.filter((d) => d.type === 'sync.succeeded');
    expect(sent.length).toBe(2);
    expect(sent[0]!.id).toBe(sent[1]!.id);
  },
  CASE_MS,
);

it(
  'SIGTERM mid-sync: the worker drains and exits 0; the sync ends complete',
  async () => {
    const c = await newCase('sigterm');
    await s.control('POST', '/faults', { match: { method: 'GET', path: TX_PATH }, delay_ms: 20 });
    const w = worker();
    await until(
      () => syncOf(c),
      (v) => v.progress.pages >= 3,
      30_000,
    );
    w.kill('SIGTERM');
    expect(await exited(w)).toEqual({ code: 0, signal: null });
    await s.control('DELETE', '/faults');
    worker();
    await expectComplete(c);
  },
  CASE_MS,
);

it(
  'PostgreSQL connections cut mid-sync (pg_terminate_backend on the worker’s backends, twice)',
  async () => {
    const c = await newCase('pg-cut');
    await s.control('POST', '/faults', { match: { method: 'GET', path: TX_PATH }, delay_ms: 20 });
    const sup = supervised();
    let cut = 0;
    for (const pages of [3, 8]) {
      await until(
        () => syncOf(c),
        (v) => v.progress.pages >= pages,
        30_000,
      );
      const [row] = await s.db<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'hisob-worker'`,
      );
      cut += row!.n;
    }
    // (a worker the supervisor has just restarted may not be connected yet at the second cut)
    expect(cut).toBeGreaterThan(0);
    await s.control('DELETE', '/faults');
    await expectComplete(c);
    sup.stop();
  },
  CASE_MS,
);

it(
  'Redis restarted mid-sync (no persistence: every job lost); the sweeper finds the sync again',
  async () => {
    const c = await newCase('redis-restart');
    await s.control('POST', '/faults', { match: { method: 'GET', path: TX_PATH }, delay_ms: 20 });
    const sup = supervised();
    await until(
      () => syncOf(c),
      (v) => v.progress.pages >= 3,
      30_000,
    );
    await redis.restart();
    await s.control('DELETE', '/faults');
    // Every account's job was lost at once: each may read its page in flight again.
    await expectComplete(c, 3);
    sup.stop();
  },
  CASE_MS,
);

// ---------------------------------------------------------------- the checks

interface Case {
  consentId: string;
  syncId: string;
}

async function newCase(endUser: string): Promise<Case> {
  const consentId = await s.activeConsent(`crash-${endUser}`);
  const [row] = await s.db<{ id: string }>(`SELECT id FROM syncs WHERE consent_id = $1`, [consentId]);
  return { consentId, syncId: row!.id };
}

const forCase = (c: Case) => (d: Delivery) => d.body.data.consent_id === c.consentId;

/** The whole contract at the end of a case; returns the consent's webhook deliveries. */
async function expectComplete(c: Case, rereadPerAccount = 2): Promise<{ deliveries: Delivery[] }> {
  const done = await until(
    () => syncOf(c),
    (v) => v.state === 'succeeded' || v.state === 'failed',
    40_000,
  );
  expect({ state: done.state, error: done.error ?? null }).toEqual({ state: 'succeeded', error: null });

  // The copy equals the bank, account by account.
  const { users } = await s.control('GET', '/users');
  const dilnoza = users.find((u: { username: string }) => u.username === 'dilnoza');
  let total = 0;
  for (const a of dilnoza.accounts) {
    const bank = await s.control('GET', `/accounts/${a.account_id}/summary`);
    const [copy] = await s.db<{ n: number; ids: number; sum: string }>(
      `SELECT count(t.*)::int AS n, count(DISTINCT t.provider_transaction_id)::int AS ids,
              coalesce(sum(t.amount), 0)::text AS sum
         FROM accounts a LEFT JOIN transactions t ON t.account_id = a.id
        WHERE a.consent_id = $1 AND a.provider_account_id = $2`,
      [c.consentId, a.account_id],
    );
    expect({ account: a.account_id, n: copy!.n, ids: copy!.ids, sum: normalise(copy!.sum) }).toEqual({
      account: a.account_id,
      n: bank.transaction_count,
      ids: bank.transaction_count,
      sum: normalise(bank.sum_of_amounts),
    });
    total += bank.transaction_count;
  }
  expect(total).toBeGreaterThan(PAGE * 10);
  expect(done.progress.transactions_added).toBe(total);
  // Resumed, not restarted: about the pages needed (+ the pages in flight per account, per crash).
  expect(done.progress.pages).toBeLessThanOrEqual(
    Math.ceil(total / PAGE) + rereadPerAccount * dilnoza.accounts.length,
  );

  const consent = await json(
    await fetch(`${s.api.url}/v1/consents/${c.consentId}`, { headers: bearer(s.client.apiKey) }),
  );
  expect({ status: consent.status, sync: consent.sync.state }).toEqual({
    status: 'active',
    sync: 'succeeded',
  });

  // Webhooks: every recorded event of the consent delivered (at least once, by its id).
  const events = await until(
    () =>
      s.db<{ id: string; type: string; delivered: boolean; data: Record<string, unknown> }>(
        `SELECT id, type, delivered_at IS NOT NULL AS delivered, attempts, last_error, failed_at,
                payload->'data'->>'consent_id' AS consent, payload->'data' AS data
           FROM webhook_events WHERE payload->'data'->>'consent_id' = $1`,
        [c.consentId],
      ),
    (rows) => rows.some((e) => e.type === 'sync.succeeded') && rows.every((e) => e.delivered),
    20_000,
  );
  const deliveries = receiver.deliveries.filter(forCase(c));
  const delivered = new Set(deliveries.map((d) => d.id));
  for (const e of events)
    expect({ event: e.id, type: e.type, received: delivered.has(e.id) }).toEqual({
      event: e.id,
      type: e.type,
      received: true,
    });
  // A redelivery carries the id and the body of the first delivery; nothing arrives that was not recorded.
  const byId = new Map(events.map((e) => [e.id, e]));
  for (const d of deliveries) expect(byId.get(d.id)?.type).toBe(d.type);
  // No two distinct events describe one state change.
  const changes = events.map((e) =>
    JSON.stringify([e.type, e.data.previous_status ?? null, e.data.status ?? null, syncIdOf(e.data)]),
  );
  expect(changes.length).toBe(new Set(changes).size);
  expect(events.filter((e) => e.type === 'sync.succeeded')).toHaveLength(1);
  expect(events.filter((e) => e.type === 'transactions.changed')).toHaveLength(1);
  expect(events.filter((e) => e.type === 'sync.failed')).toHaveLength(0);
  return { deliveries };
}

function syncIdOf(data: Record<string, unknown>): unknown {
  return data.sync_id ?? (data.sync as { id?: string } | undefined)?.id ?? null;
}

const syncOf = (c: Case) => s.get(`/v1/syncs/${c.syncId}`);

const faultState = (id: string) => async () => {
  const { faults } = await s.control('GET', '/faults');
  return (faults as Array<{ id: string; hits: number }>).find((f) => f.id === id)!;
};

function normalise(decimal: string): string {
  const [i, f = ''] = decimal.split('.');
  return `${i}.${f.padEnd(2, '0').slice(0, 2)}`;
}

// ---------------------------------------------------------------- processes

function worker(env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['dist/apps/worker/src/main.js'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: s.api.db.url,
      REDIS_URL: redis.url,
      HISOB_REDIS_PREFIX: s.api.config.HISOB_REDIS_PREFIX,
      ALIF_MOBI_ISSUER_URL: s.bank.issuer,
      ALIF_MOBI_OBP_URL: `${s.bank.url}/obp/v5.1.0`,
      ALIF_MOBI_CLIENT_ID: 'hisob-e2e',
      ALIF_MOBI_CLIENT_SECRET: 'e2e-secret',
      ALIF_MOBI_PAGE_SIZE: String(PAGE),
      ALIF_MOBI_TIME_ZONE: 'UTC',
      HISOB_BANK_TIMEOUT_MS: '2000',
      HISOB_JOB_LOCK_MS: '1000',
      HISOB_LIFECYCLE_SWEEP_MS: '1000',
      HISOB_ALLOW_PRIVATE_WEBHOOKS: 'true',
      HISOB_DB_POOL_SIZE: '4',
      HISOB_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', process.env.CRASH_MATRIX_LOGS ? 'inherit' : 'ignore', 'pipe'],
  });
  if (process.env.CRASH_MATRIX_LOGS) child.stderr!.pipe(process.stderr);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** A worker restarted whenever it dies, as a process manager would. */
const supervisors = new Set<() => void>();

function supervised(): { stop(): void } {
  let stopped = false;
  supervisors.add(() => (stopped = true));
  const run = () => {
    const w = worker();
    w.once('exit', () => {
      if (!stopped) setTimeout(run, 200);
    });
  };
  run();
  return {
    stop() {
      stopped = true;
    },
  };
}

function exited(w: ChildProcess, ms = 30_000): Promise<{ code: number | null; signal: string | null }> {
  if (w.exitCode !== null || w.signalCode !== null)
    return Promise.resolve({ code: w.exitCode, signal: w.signalCode });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('worker did not exit')), ms);
    w.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal });
    });
  });
}

async function kill(w: ChildProcess): Promise<void> {
  w.kill('SIGKILL');
  await exited(w);
}

async function stop(w: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  w.kill(signal);
  try {
    await exited(w, 10_000);
  } catch {
    await kill(w);
  }
}

interface PrivateRedis {
  url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** This file's own redis-server, run as scripts/infra.sh runs the shared one (no persistence). */
async function startRedis(port: number): Promise<PrivateRedis> {
  let proc: ChildProcess;
  const start = async () => {
    proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    await until(
      () => ping(port),
      (ok) => ok,
      10_000,
    );
  };
  const stop = async () => {
    proc.kill('SIGKILL');
    await exited(proc);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      await stop();
      await start();
    },
    stop,
  };
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('error', () => resolve(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => {
      sock.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
