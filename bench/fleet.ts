/**
 * Fleet simulation: a few thousand sandbox consents kept fresh by the scheduler at an accelerated
 * cadence. Reports the freshness lag (how late each consent's sync ended against the time it fell
 * due), the syncs a second achieved against those the cadence needs, the CPU each process spent
 * per sync, and the worker processes the cadence needs at that cost.
 *
 *   npm run build && node dist/bench/fleet.js [--consents 2000] [--cadence-seconds 120]
 *     [--duration-seconds 300] [--workers 1] [--concurrency N] [--connect-concurrency 8]
 *     [--bank-user rustam|dilnoza|farrukh|all] [--size 400] [--redis-url redis://…]
 *
 * What runs, each as its own process from `dist/`: the Alif Mobi sandbox bank (a fixed ledger of
 * `--size` postings, history ending 2026-06-30), the API, `--workers` workers (the start script's
 * V8 flags; `HISOB_SYNC_INTERVAL_MINUTES` = cadence ÷ 60 once measuring) and, unless `--redis-url` is given, a
 * Redis server of its own (no persistence, `noeviction`), so Redis's CPU, commands and memory are
 * the fleet's alone. PostgreSQL is the one `npm start` brings up (DATABASE_URL), in a fresh
 * database.
 *
 * 1. Connect: every consent goes through the real flow — `POST /v1/consents`, then the bank's SCA
 *    pages (login, one-time code, consent screen) with the plain-HTTP browser of libs/testing,
 *    `--connect-concurrency` at a time — as one of the sandbox's demo users (a new grant each
 *    time; rustam by default: 3 accounts, one without history). Each consent's first sync runs
 *    meanwhile, on workers with a day's cadence; the script waits for all of them.
 * 2. Spread: those workers stop (SIGTERM) and `--workers` new ones start with the accelerated
 *    cadence. A fleet in steady state has its due times spread over the cadence (consents were
 *    connected at all hours), so each consent's next refresh is set once, evenly over the next
 *    cadence (one UPDATE of `accounts.next_refresh_at`). From then on only the scheduler acts.
 * 3. Run for `--duration-seconds`: every second the script reads each consent's due time (the
 *    earliest `next_refresh_at` of its accounts, while no sync of it is under way); at the end, the scheduled syncs (`syncs`:
 *    created, finished). Each due time in the window is paired with the sync that served it
 *    (bench/fleet-model.ts); one still unserved at the end counts up to the end, as a lower bound.
 *
 * CPU (user + system, /proc) over the window: each worker, the API, the bank, Redis, the
 * PostgreSQL backends of this database (sampled every second; a backend that closed between two
 * samples loses its last second; this script's own connection left out).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { QUEUES, bullConnection } from '../libs/common/src/queues.js';
import { authoriseAtBank } from '../libs/testing/src/sca-browser.js';
import { freshness, summarise, workersNeeded, type ObservedSync } from './fleet-model.js';
import {
  adminSql,
  cpuSeconds,
  createMigratedDatabase,
  freePort,
  hisobEnv,
  intOption,
  sleep,
  withDb,
} from './processes.js';
import { percentile } from './stats.js';

const { values } = parseArgs({
  options: {
    consents: { type: 'string', default: '2000' },
    'cadence-seconds': { type: 'string', default: '120' },
    'duration-seconds': { type: 'string', default: '300' },
    workers: { type: 'string', default: '1' },
    concurrency: { type: 'string' },
    'connect-concurrency': { type: 'string', default: '8' },
    'bank-user': { type: 'string', default: 'rustam' },
    size: { type: 'string', default: '400' },
    'redis-url': { type: 'string' },
  },
});
const int = (name: keyof typeof values, min: number, max: number) => intOption(values, name, min, max);
const consentCount = int('consents', 1, 100_000);
const cadenceS = int('cadence-seconds', 1, 86_400);
const durationS = int('duration-seconds', 10, 86_400);
const workerCount = int('workers', 1, 32);
const connectConcurrency = int('connect-concurrency', 1, 256);
const size = int('size', 10, 10_000_000);
if (values.concurrency !== undefined) int('concurrency', 1, 1_000);
const bankUser = values['bank-user']!;

const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/hisob';
const dbName = `hisob_fleet_${Date.now().toString(36)}`;
const dbUrl = withDb(baseUrl, dbName);
const prefix = `hisob-fleet-${randomBytes(3).toString('hex')}`;
const log = (s: string) => process.stdout.write(`${s}\n`);
const children: ChildProcess[] = [];
let redisClient: Redis | null = null;
let dbClient: pg.Client | null = null;

/** Whether something accepts TCP connections on host:port. */
function portOpen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A child process whose stderr is passed through (its failures show) and stdout dropped. */
function launch(cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await ok().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`${what} did not come up within ${ms / 1000} s`);
    await sleep(100);
  }
}

/** Runs `fn` over `items`, `n` at a time. */
async function pool<T>(
  items: readonly T[],
  n: number,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

async function main() {
  log(
    `fleet: ${consentCount} consents, cadence ${cadenceS} s, ${durationS} s, ${workerCount} worker(s)` +
      `${values.concurrency ? `, HISOB_WORKER_CONCURRENCY=${values.concurrency}` : ''}; ${cpus().length} cores, ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
  await createMigratedDatabase(baseUrl, dbName);

  // Redis: the fleet's own server unless one is given.
  let redisUrl = values['redis-url'];
  let redisProc: ChildProcess | null = null;
  if (!redisUrl) {
    const port = await freePort();
    redisProc = launch(
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
      process.env,
    );
    redisUrl = `redis://127.0.0.1:${port}`;
  }
  const redisAddress = new URL(redisUrl);
  await waitFor('redis', () => portOpen(Number(redisAddress.port || '6379'), redisAddress.hostname));
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redisClient = redis;

  const [bankPort, apiPort] = [await freePort(), await freePort()];
  const bankUrl = `http://127.0.0.1:${bankPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const bank = launch(
    process.execPath,
    [
      'dist/apps/sandbox-alif-mobi/src/main.js',
      ...['--port', String(bankPort), '--size', String(size), '--today', '2026-06-30', '--log-level', 'warn'],
      ...['--client-id', 'fleet', '--client-secret', 'fleet-secret'],
      ...['--redirect-uris', `${apiUrl}/v1/consents/callback`],
    ],
    process.env,
  );
  await waitFor('the sandbox bank', async () => (await fetch(`${bankUrl}/__sandbox/state`)).ok);

  const env: NodeJS.ProcessEnv = {
    ...hisobEnv({ dbUrl, redisUrl, prefix, apiPort, adminToken: 'fleet-admin' }),
    ALIF_MOBI_ISSUER_URL: bankUrl,
    ALIF_MOBI_OBP_URL: `${bankUrl}/obp/v5.1.0`,
    ALIF_MOBI_CLIENT_ID: 'fleet',
    ALIF_MOBI_CLIENT_SECRET: 'fleet-secret',
    ...(values.concurrency ? { HISOB_WORKER_CONCURRENCY: values.concurrency } : {}),
  };
  const api = launch(process.execPath, ['dist/apps/api/src/main.js'], env);
  await waitFor('the API', async () => (await fetch(`${apiUrl}/health`)).ok);
  const startWorkers = (cadenceMinutes: number) =>
    Array.from({ length: workerCount }, () =>
      launch(
        process.execPath,
        [
          '--max-old-space-size=192',
          '--single-threaded-gc',
          '--heap-growing-percent=100',
          'dist/apps/worker/src/main.js',
        ],
        { ...env, HISOB_SYNC_INTERVAL_MINUTES: String(cadenceMinutes) },
      ),
    );
  // While the consents connect, the workers run their first syncs on a day's cadence: none falls
  // due again before the fleet is spread and the measured workers take over.
  let workers = startWorkers(1_440);
  const key = (
    (await (
      await fetch(`${apiUrl}/admin/clients`, {
        method: 'POST',
        headers: { authorization: 'Bearer fleet-admin', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'fleet', redirect_uris: ['https://fleet.example/done'] }),
      })
    ).json()) as { api_key: string }
  ).api_key;

  const { users } = (await (await fetch(`${bankUrl}/__sandbox/users`)).json()) as {
    users: Array<{ username: string; password: string; otp: string; accounts: unknown[] }>;
  };
  const chosen = bankUser === 'all' ? users : users.filter((u) => u.username === bankUser);
  if (!chosen.length)
    throw new Error(`--bank-user ${bankUser}: the sandbox has ${users.map((u) => u.username).join(', ')}`);

  const db = new pg.Client({ connectionString: dbUrl });
  db.on('error', () => undefined); // the database is dropped WITH (FORCE) at the end
  dbClient = db;
  await db.connect();

  // 1. Connect every consent through the real OAuth + SCA flow.
  const connectStart = Date.now();
  let connected = 0;
  const connectMs: number[] = [];
  await pool(
    Array.from({ length: consentCount }, (_, i) => i),
    connectConcurrency,
    async (i) => {
      const user = chosen[i % chosen.length]!;
      const t = Date.now();
      const res = await fetch(`${apiUrl}/v1/consents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          provider: 'alif-mobi',
          end_user_id: `fleet-${i}`,
          redirect_uri: 'https://fleet.example/done',
        }),
      });
      if (res.status !== 201) throw new Error(`POST /v1/consents: ${res.status} ${await res.text()}`);
      const created = (await res.json()) as { authorisation_url: string };
      const { finalUrl } = await authoriseAtBank(
        created.authorisation_url,
        user,
        (u) => u.hostname === 'fleet.example',
      );
      if (finalUrl.searchParams.get('status') !== 'active')
        throw new Error(`consent not active: ${finalUrl.href}`);
      connectMs.push(Date.now() - t);
      if (++connected % 250 === 0)
        log(
          `  connected ${connected}/${consentCount} (${((Date.now() - connectStart) / 1000).toFixed(0)} s)`,
        );
    },
  );
  const connectS = (Date.now() - connectStart) / 1000;
  connectMs.sort((a, b) => a - b);
  log(
    `connect: ${consentCount} consents through POST /v1/consents + the bank's SCA pages (user ${bankUser}), ` +
      `${connectConcurrency} at a time: ${connectS.toFixed(0)} s, ${(consentCount / connectS).toFixed(1)} consents/s, ` +
      `each p50 ${percentile(connectMs, 0.5)} ms, p99 ${percentile(connectMs, 0.99)} ms`,
  );
  const firstEnd = Date.now() + Math.max(600_000, consentCount * 500);
  for (;;) {
    const { rows } = await db.query(
      `SELECT count(*) FILTER (WHERE state IN ('queued','running','waiting_rate_limit'))::int AS open,
              count(*) FILTER (WHERE state = 'failed')::int AS failed, count(*)::int AS n FROM syncs`,
    );
    if (rows[0].n >= consentCount && rows[0].open === 0) {
      if (rows[0].failed) log(`  warning: ${rows[0].failed} first syncs failed`);
      break;
    }
    if (Date.now() > firstEnd) throw new Error(`first syncs not done: ${JSON.stringify(rows[0])}`);
    await sleep(500);
  }
  const { rows: shape } = await db.query(
    `SELECT (SELECT count(*) FROM accounts)::int AS accounts, (SELECT count(*) FROM transactions)::int AS transactions`,
  );
  log(
    `first syncs done ${((Date.now() - connectStart) / 1000).toFixed(0)} s after the first consent: ` +
      `${shape[0].accounts} accounts (${(shape[0].accounts / consentCount).toFixed(1)} a consent), ` +
      `${shape[0].transactions} transactions (${(shape[0].transactions / consentCount).toFixed(0)} a consent)`,
  );

  // 2. The measured workers (the accelerated cadence); then spread the due times evenly over the
  // next cadence.
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          w.once('exit', () => resolve());
          w.kill('SIGTERM');
        }),
    ),
  );
  workers = startWorkers(cadenceS / 60);
  const syncQueue = new Queue(QUEUES.sync, { connection: bullConnection(redisUrl, false), prefix });
  await waitFor('the workers', async () => (await syncQueue.getWorkersCount()) >= workerCount);
  await syncQueue.close();
  await sleep(3_000); // their boot (Nest, the schedulers' upserts) stays out of the window
  const t0 = Date.now() + 2_000;
  await db.query(
    `UPDATE accounts a SET next_refresh_at = to_timestamp($1 / 1000.0) + make_interval(secs => $2 * s.k / s.n)
       FROM (SELECT id, (row_number() OVER (ORDER BY md5(id::text)) - 1)::float8 AS k, count(*) OVER ()::float8 AS n
               FROM consents WHERE status = 'active') s
      WHERE a.consent_id = s.id`,
    [t0, cadenceS],
  );

  // 3. Run: sample due times every second; CPU of this database's PostgreSQL backends likewise.
  const dues = new Map<string, Set<number>>();
  const backendCpu = new Map<number, { first: number; last: number }>();
  const ownBackend = (await db.query(`SELECT pg_backend_pid() AS pid`)).rows[0].pid as number;
  const sample = async (baseline = false) => {
    const { rows } = await db.query(
      // Only consents with no sync under way: mid-sync, the accounts already read carry their next
      // refresh and the others the old one, and their minimum is no due time at all. Between two
      // syncs it is the one the scheduler acts on.
      `SELECT a.consent_id, (extract(epoch FROM min(a.next_refresh_at)) * 1000)::float8 AS due
         FROM accounts a
        WHERE a.next_refresh_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM syncs s WHERE s.consent_id = a.consent_id
                           AND s.state IN ('queued','running','waiting_rate_limit'))
        GROUP BY a.consent_id`,
    );
    for (const r of rows as Array<{ consent_id: string; due: number }>) {
      const set = dues.get(r.consent_id);
      if (set) set.add(Math.floor(r.due));
      else dues.set(r.consent_id, new Set([Math.floor(r.due)]));
    }
    const { rows: backends } = await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [
      dbName,
    ]);
    for (const { pid } of backends as Array<{ pid: number }>) {
      if (pid === ownBackend) continue;
      const s = cpuSeconds(pid);
      if (s === 0) continue; // gone (or not yet on a CPU)
      const seen = backendCpu.get(pid);
      if (seen) seen.last = s;
      else backendCpu.set(pid, { first: baseline ? s : 0, last: s });
    }
  };
  while (Date.now() < t0) await sleep(50);
  await sample(true);
  const pids = { api: api.pid!, bank: bank.pid!, redis: redisProc?.pid ?? null, self: process.pid };
  const cpu0 = {
    workers: workers.map((w) => cpuSeconds(w.pid!)),
    api: cpuSeconds(pids.api),
    bank: cpuSeconds(pids.bank),
    redis: pids.redis ? cpuSeconds(pids.redis) : 0,
    self: cpuSeconds(pids.self),
  };
  const redisCommands = async () =>
    Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? Number.NaN);
  const pgStats = async () =>
    (
      await db.query(
        `SELECT xact_commit::float8 AS commits, tup_inserted::float8 AS inserted, tup_updated::float8 AS updated,
                tup_deleted::float8 AS deleted, tup_returned::float8 + tup_fetched::float8 AS read
           FROM pg_stat_database WHERE datname = $1`,
        [dbName],
      )
    ).rows[0] as Record<'commits' | 'inserted' | 'updated' | 'deleted' | 'read', number>;
  const cmd0 = await redisCommands();
  const pg0 = await pgStats();
  let peakRedisBytes = 0;
  const end = t0 + durationS * 1000;
  let lastLog = Date.now();
  while (Date.now() < end) {
    await sleep(Math.min(1_000, Math.max(0, end - Date.now())));
    await sample();
    peakRedisBytes = Math.max(
      peakRedisBytes,
      Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0),
    );
    if (Date.now() - lastLog >= 30_000) {
      lastLog = Date.now();
      const { rows } = await db.query(
        `SELECT count(*) FILTER (WHERE finished_at IS NOT NULL)::int AS done,
                count(*) FILTER (WHERE finished_at IS NULL)::int AS open
           FROM syncs WHERE reason = 'scheduled'`,
      );
      log(
        `  ${((Date.now() - t0) / 1000).toFixed(0)} s: ${rows[0].done} scheduled syncs done, ${rows[0].open} open`,
      );
    }
  }
  const windowEnd = Date.now();
  await sample();
  const cpu1 = {
    workers: workers.map((w) => cpuSeconds(w.pid!)),
    api: cpuSeconds(pids.api),
    bank: cpuSeconds(pids.bank),
    redis: pids.redis ? cpuSeconds(pids.redis) : 0,
    self: cpuSeconds(pids.self),
  };
  const cmd1 = await redisCommands();
  const pg1 = await pgStats();
  // Let the syncs of the window's last due times finish (up to one more cadence), so the window's
  // edge does not count as lateness; throughput and CPU stay those of the window.
  const drainEnd = windowEnd + cadenceS * 1000;
  const readSyncs = async (): Promise<ObservedSync[]> => {
    const { rows } = await db.query(
      `SELECT consent_id, (extract(epoch FROM created_at) * 1000)::float8 AS created,
              (extract(epoch FROM finished_at) * 1000)::float8 AS finished, state
         FROM syncs WHERE reason = 'scheduled'`,
    );
    return (
      rows as Array<{ consent_id: string; created: number; finished: number | null; state: string }>
    ).map((r) => ({
      consentId: r.consent_id,
      createdAt: Math.floor(r.created),
      finishedAt: r.finished === null ? null : Math.floor(r.finished),
      state: r.state,
    }));
  };
  let syncs: ObservedSync[];
  let servedBy: number;
  for (;;) {
    syncs = await readSyncs();
    servedBy = Math.min(Date.now(), drainEnd);
    const open = freshness(dues, syncs, t0, windowEnd, servedBy).filter((l) => l.censored).length;
    if (open === 0 || Date.now() >= drainEnd) break;
    await sleep(1_000);
  }

  // Report.
  const windowS = (windowEnd - t0) / 1000;
  const lateness = freshness(dues, syncs, t0, windowEnd, servedBy);
  const lag = summarise(
    lateness.map((l) => l.lag),
    lateness.filter((l) => l.censored).length,
  );
  const startLag = summarise(lateness.filter((l) => l.startLag !== null).map((l) => l.startLag!));
  const finished = syncs.filter(
    (s) => s.finishedAt !== null && s.finishedAt >= t0 && s.finishedAt <= windowEnd,
  );
  const failed = finished.filter((s) => s.state === 'failed').length;
  const runMs = summarise(finished.map((s) => s.finishedAt! - s.createdAt));
  const cpu = {
    workers: cpu1.workers.map((c, i) => c - cpu0.workers[i]!),
    api: cpu1.api - cpu0.api,
    bank: cpu1.bank - cpu0.bank,
    redis: cpu1.redis - cpu0.redis,
    postgresBackends: [...backendCpu.values()].reduce((a, b) => a + (b.last - b.first), 0),
    self: cpu1.self - cpu0.self,
  };
  const workerCpu = cpu.workers.reduce((a, b) => a + b, 0);
  const n = finished.length;
  const perSync = (s: number) => (n ? `${((s * 1000) / n).toFixed(1)} ms` : 'n/a');
  const busy = (s: number) => `${((s / windowS) * 100).toFixed(0)} %`;
  const s = (ms: number) => (Number.isNaN(ms) ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

  log('');
  log(
    `== bench/fleet: ${consentCount} consents, cadence ${cadenceS} s, ${windowS.toFixed(0)} s window, ` +
      `${workerCount} worker(s), ${cpus().length} cores (load average at the end ${loadavg()[0]!.toFixed(1)}) ==`,
  );
  log(
    `freshness lag (due → sync finished), ${lag.count} due times: p50 ${s(lag.p50)}, p99 ${s(lag.p99)}, max ${s(lag.max)}` +
      ` (${lag.censored} unserved ${((servedBy - windowEnd) / 1000).toFixed(0)} s after the window, counted until then)`,
  );
  log(
    `  ${lateness.length - lag.censored} due times served; ` +
      `${syncs.filter((x) => x.createdAt >= t0 && x.createdAt <= windowEnd).length} scheduled syncs created in the window`,
  );
  log(
    `  of which due → picked up by the scheduler: p50 ${s(startLag.p50)}, p99 ${s(startLag.p99)}, max ${s(startLag.max)}`,
  );
  log(`  sync run (created → finished): p50 ${s(runMs.p50)}, p99 ${s(runMs.p99)}`);
  log(
    `syncs/s: achieved ${(n / windowS).toFixed(2)} (${n} scheduled syncs finished, ${failed} failed), ` +
      `needed ${(consentCount / cadenceS).toFixed(2)} (consents ÷ cadence)`,
  );
  log(
    `CPU over the window (s, share of one core, per sync): ` +
      cpu.workers.map((c, i) => `worker ${i + 1} ${c.toFixed(1)} (${busy(c)}, ${perSync(c)})`).join(', ') +
      `; API ${cpu.api.toFixed(1)} (${perSync(cpu.api)}); bank ${cpu.bank.toFixed(1)} (${busy(cpu.bank)}, ${perSync(cpu.bank)})` +
      `; PostgreSQL backends of this database ${cpu.postgresBackends.toFixed(1)} (${busy(cpu.postgresBackends)}, ${perSync(cpu.postgresBackends)})` +
      (pids.redis
        ? `; Redis ${cpu.redis.toFixed(1)} (${busy(cpu.redis)}, ${perSync(cpu.redis)})`
        : '; Redis: shared server, not measured') +
      `; this script ${cpu.self.toFixed(1)}`,
  );
  if (n) {
    log(
      `PostgreSQL per sync: ${((pg1.commits - pg0.commits) / n).toFixed(1)} commits, rows inserted ${((pg1.inserted - pg0.inserted) / n).toFixed(1)}, ` +
        `updated ${((pg1.updated - pg0.updated) / n).toFixed(1)}, deleted ${((pg1.deleted - pg0.deleted) / n).toFixed(1)}, ` +
        `read ${((pg1.read - pg0.read) / n).toFixed(0)} (this database; the script's sampling included)`,
    );
    log(
      `Redis: ${((cmd1 - cmd0) / n).toFixed(1)} commands per sync, ${((cmd1 - cmd0) / windowS).toFixed(0)}/s` +
        `${pids.redis ? '' : ' (shared server: other work included)'}; peak used memory ${(peakRedisBytes / 2 ** 20).toFixed(1)} MiB`,
    );
    const here = workersNeeded({
      consents: consentCount,
      cadenceSeconds: cadenceS,
      workerCpuSeconds: workerCpu,
      syncsFinished: n,
    });
    const big = workersNeeded({
      consents: 10_000_000,
      cadenceSeconds: 86_400 / 4,
      workerCpuSeconds: workerCpu,
      syncsFinished: n,
    });
    log(
      `worker estimate (CPU-bound, 70 % of a core each): ${here.cpuPerSync * 1000 > 0 ? (here.cpuPerSync * 1000).toFixed(1) : '0'} ms of worker CPU a sync ` +
        `→ ${here.perWorker.toFixed(1)} syncs/s per worker; this cadence needs ${here.neededPerSecond.toFixed(2)}/s → ${here.workers} worker(s); ` +
        `10 M consents × 4 a day (${big.neededPerSecond.toFixed(0)}/s) → ${big.workers} workers`,
    );
  }
}

async function shutdown(): Promise<void> {
  redisClient?.disconnect();
  await dbClient?.end().catch(() => undefined);
  for (const c of children.reverse()) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    c.kill('SIGTERM');
    await Promise.race([new Promise((r) => c.once('exit', r)), sleep(10_000)]);
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  await adminSql(baseUrl, `DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
}

main().then(
  async () => {
    await shutdown();
    process.exit(0);
  },
  async (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    await shutdown();
    process.exit(1);
  },
);
