/**
 * Keep-fresh cost: what an incremental sync that finds nothing new costs Hisob, next to a bare
 * client making the same bank requests and parsing the answers, in the same run (ratios, not
 * absolute figures: this box is noisy).
 *
 *   eval "$(bash scripts/infra.sh)" && npm run -s build && node dist/bench/keep-fresh.js \
 *     [--consents 40] [--rounds 3] [--concurrency 4] [--lone 5] [--paced-seconds 10] [--paced-load 0.5]
 *     [--worker-cpu-prof <dir>] [--api-cpu-prof <dir>]
 *
 * `--worker-cpu-prof <dir>` (`--api-cpu-prof <dir>`) writes a V8 CPU profile of the worker (the
 * API), its whole life, into <dir>.
 *
 * What runs, all on 127.0.0.1: the Alif Mobi sandbox bank in this process (its "today" pinned, so
 * nothing new ever appears), the API and the worker as their own processes (as in production,
 * `--concurrency` = HISOB_WORKER_CONCURRENCY), PostgreSQL as `npm start` brings it up (a scratch
 * database next to DATABASE_URL's) and a Redis server of this run's own (so its CPU and command
 * count are Hisob's alone; REDIS_URL's when `redis-server` is not installed).
 *
 * 1. `--consents` consents are authorised through the API and the bank's SCA pages (the demo users
 *    in turn) and synced once (their first sync: the whole history).
 * 2. A lone sync (`--lone` times, one consent at a time): its latency, from the POST to the sync's
 *    end (`syncs.created_at` → `finished_at`, both PostgreSQL's clock).
 * 3. A warm-up round (every consent re-synced, nothing new) with every bank request the worker
 *    makes recorded (method, URL, headers), per consent.
 * 4. `--rounds` rounds of: every consent's sync POSTed at once and waited for (syncs/s; CPU-ms
 *    per sync of the API, the worker, PostgreSQL — this database's backends — and Redis, from
 *    /proc; commits and Redis commands per sync; the batch's latencies; PostgreSQL's own processes
 *    — WAL writer, checkpointer, autovacuum — apart, as they work for every database on the
 *    server), then the bare client (bench/keep-fresh.ts --bare, its own process) replaying the
 *    recorded requests with the same concurrency — one consent's requests in order, `--concurrency`
 *    consents at a time — reading and JSON-parsing every answer; its CPU-ms per sync and syncs/s.
 * 5. Paced: syncs POSTed at `--paced-load` × Hisob's median rate for `--paced-seconds` (the
 *    consents in turn): p50/p99 latency at a load the worker keeps up with, against the lone sync's.
 *
 * Targets (issue): CPU per keep-fresh sync ≤ 2 × the bare client's; syncs/s ≥ 0.9 × the bare
 * client's; paced p99 ≤ 2 × the lone sync's.
 */
import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { authoriseAtBank } from '../libs/testing/src/sca-browser.js';
import { startAlifMobiSandbox } from '../apps/sandbox-alif-mobi/src/main.js';
import {
  adminSql,
  children,
  cpuProfileArgs,
  cpuSeconds,
  createMigratedDatabase,
  freePort,
  hisobEnv,
  intOption,
  registerBenchClient,
  sleep,
  startChild,
  stopChild,
} from './processes.js';
import { median, percentile } from './stats.js';

const { values } = parseArgs({
  options: {
    consents: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '4' },
    lone: { type: 'string', default: '5' },
    'paced-seconds': { type: 'string', default: '10' },
    'paced-load': { type: 'string', default: '0.5' },
    bare: { type: 'string' },
    'worker-cpu-prof': { type: 'string' },
    'api-cpu-prof': { type: 'string' },
  },
});
const int = (name: keyof typeof values, min: number, max: number) => intOption(values, name, min, max);
const CONCURRENCY = int('concurrency', 1, 256);
const log = (s: string) => process.stdout.write(`${s}\n`);

/** One recorded bank request. */
interface BankRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

// ---------------------------------------------------------------- the bare client (--bare <file>)
/**
 * Replays the recorded requests: each consent's in order, CONCURRENCY consents at a time, every
 * answer read and parsed. Once to warm up (connections, JIT), then measured; prints one JSON line.
 */
async function bare(file: string): Promise<void> {
  const consents = JSON.parse(readFileSync(file, 'utf8')) as BankRequest[][];
  const replay = async () => {
    let next = 0;
    let requests = 0;
    const lane = async () => {
      for (let i = next++; i < consents.length; i = next++) {
        for (const r of consents[i]!) {
          const res = await fetch(r.url, { method: r.method, headers: r.headers });
          if (res.status !== 200) throw new Error(`${r.method} ${r.url}: ${res.status}`);
          JSON.parse(await res.text());
          requests++;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    return requests;
  };
  await replay();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const requests = await replay();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  log(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, requests, syncs: consents.length }));
}

// ---------------------------------------------------------------- the run
const N = int('consents', 1, 2000);
const ROUNDS = int('rounds', 1, 20);
const LONE = int('lone', 1, 100);
const PACED_S = int('paced-seconds', 0, 600);
const PACED_LOAD = Number(values['paced-load']);
const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/hisob';
const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const dbName = `hisob_bench_${runId}`;
const prefix = `hisob-bench-fresh-${runId}`;
const adminToken = `bench-admin-${randomBytes(12).toString('hex')}`;
const requestsFile = join(tmpdir(), `${dbName}-requests.json`);
let dbCreated = false;
const closers: Array<() => Promise<void>> = [];

function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

interface Snapshot {
  at: number;
  api: number;
  worker: number;
  postgres: number;
  pgBackground: number;
  redis: number;
  commits: number;
  redisCommands: number;
}

interface Round {
  hisob: {
    rate: number;
    cpu: {
      api: number;
      worker: number;
      postgres: number;
      redis: number;
      total: number;
      pgBackground: number;
    };
    commits: number;
    redisCommands: number;
    p50: number;
    p99: number;
  };
  bare: { rate: number; cpu: number; requests: number };
}

async function run(): Promise<void> {
  const tStart = Date.now();
  if (!(PACED_LOAD > 0 && PACED_LOAD <= 1)) throw new Error('--paced-load must be in (0, 1]');
  const dbUrl = await createMigratedDatabase(baseUrl, dbName);
  dbCreated = true;

  // Redis of our own: its CPU and its command count are this run's alone.
  let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  let redisPid: number | null = null;
  if (hasRedisServer()) {
    const port = await freePort();
    const redis = startChild(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      process.env,
      'redis-server',
    );
    await redis.line((l) => l.includes('Ready to accept connections'), 10_000);
    redisUrl = `redis://127.0.0.1:${port}`;
    redisPid = redis.child.pid!;
  } else {
    log('redis-server not found: using REDIS_URL (shared; its CPU and command count include others)');
  }
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  closers.push(async () => void redis.disconnect());

  const bank = await startAlifMobiSandbox({ port: 0, logLevel: 'silent', anchorDate: '2026-06-30' });
  closers.push(() => bank.close());
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await registerBenchClient(bank.url, `${apiUrl}/v1/consents/callback`);
  const env = {
    ...hisobEnv({ dbUrl, redisUrl, prefix, apiPort, adminToken }),
    HISOB_WORKER_CONCURRENCY: String(CONCURRENCY),
    ALIF_MOBI_ISSUER_URL: bank.issuer,
    ALIF_MOBI_OBP_URL: `${bank.url}/obp/v5.1.0`,
    ALIF_MOBI_CLIENT_ID: 'bench',
    ALIF_MOBI_CLIENT_SECRET: 'bench-secret',
    ALIF_MOBI_TIME_ZONE: 'UTC',
  };
  // The V8 flags of scripts/start.sh and docker-compose.yml.
  const api = startChild(
    'the API',
    [...cpuProfileArgs(values['api-cpu-prof']), '--max-semi-space-size=64', 'dist/apps/api/src/main.js'],
    env,
  );
  const worker = startChild(
    'the worker',
    [
      ...cpuProfileArgs(values['worker-cpu-prof']),
      '--max-old-space-size=192',
      '--single-threaded-gc',
      '--heap-growing-percent=100',
      'dist/apps/worker/src/main.js',
    ],
    env,
  );
  await api.ready(`${apiUrl}/health`, 60_000);

  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  closers.unshift(() => db.end());
  const [{ pid: ownPid }] = (await db.query(`SELECT pg_backend_pid() AS pid`)).rows as [{ pid: number }];
  const q = async <T>(sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows as T[];

  const key = (
    (await (
      await fetch(`${apiUrl}/admin/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench', redirect_uris: ['https://bench.example/done'] }),
      })
    ).json()) as { api_key: string }
  ).api_key;
  const auth = { authorization: `Bearer ${key}` };

  // 1. The consents, authorised at the bank (each starts its first sync), then synced once.
  const { users } = (await (await fetch(`${bank.url}/__sandbox/users`)).json()) as {
    users: Array<{ username: string; password: string; otp: string }>;
  };
  const consentIds: string[] = [];
  for (let i = 0; i < N; i++) {
    const created = (await (
      await fetch(`${apiUrl}/v1/consents`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          provider: 'alif-mobi',
          end_user_id: `bench-user-${i}`,
          redirect_uri: 'https://bench.example/done',
        }),
      })
    ).json()) as { id: string; authorisation_url: string };
    await authoriseAtBank(
      created.authorisation_url,
      users[i % users.length]!,
      (u) => u.hostname === 'bench.example',
    );
    consentIds.push(created.id);
  }
  const ended = async (syncIds: string[], ms = 300_000) => {
    const until = Date.now() + ms;
    for (;;) {
      const rows = await q<{ n: number; failed: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE state = 'failed')::int AS failed
           FROM syncs WHERE id = ANY($1::uuid[]) AND state IN ('succeeded', 'failed')`,
        [syncIds],
      );
      if (rows[0]!.failed) throw new Error(`${rows[0]!.failed} syncs failed:\n${worker.output()}`);
      if (rows[0]!.n === syncIds.length) return;
      if (Date.now() > until) throw new Error(`syncs did not end:\n${worker.output()}`);
      await sleep(10);
    }
  };
  const first = await q<{ id: string }>(`SELECT id FROM syncs`);
  await ended(first.map((r) => r.id));
  const [accounts] = await q<{ n: number; tx: number }>(
    `SELECT count(*)::int AS n, (SELECT count(*)::int FROM transactions) AS tx FROM accounts`,
  );
  log(
    `${N} consents, ${accounts!.n} accounts, ${accounts!.tx} transactions; first syncs done in ${((Date.now() - tStart) / 1000).toFixed(1)} s since start`,
  );

  const postSync = async (consentId: string): Promise<string> => {
    const r = await fetch(`${apiUrl}/v1/consents/${consentId}/sync`, { method: 'POST', headers: auth });
    if (r.status !== 202)
      throw new Error(`POST /v1/consents/${consentId}/sync: ${r.status} ${await r.text()}`);
    return ((await r.json()) as { sync_id: string }).sync_id;
  };
  const latencies = async (syncIds: string[]) =>
    (
      await q<{ ms: number }>(
        `SELECT extract(epoch FROM finished_at - created_at)::float8 * 1000 AS ms FROM syncs WHERE id = ANY($1::uuid[]) ORDER BY 1`,
        [syncIds],
      )
    ).map((r) => r.ms);

  // 2. A lone sync.
  const lone: number[] = [];
  for (let i = 0; i < LONE; i++) {
    const id = await postSync(consentIds[i % N]!);
    await ended([id]);
    lone.push(...(await latencies([id])));
  }
  const loneMs = median(lone);
  log(`lone sync: median ${loneMs.toFixed(0)} ms (${lone.map((x) => x.toFixed(0)).join(', ')})`);

  // 3. Warm-up round, with the worker's bank requests recorded per consent (by bearer token).
  const recorded = new Map<string, BankRequest[]>();
  const onRequest = (message: unknown) => {
    const req = (message as { request: IncomingMessage }).request;
    if (req.socket.localPort !== bank.port || !req.url?.startsWith('/obp/')) return;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
    const token = headers.authorization ?? '';
    const list = recorded.get(token) ?? [];
    list.push({ method: req.method ?? 'GET', url: `${bank.url}${req.url}`, headers });
    recorded.set(token, list);
  };
  subscribe('http.server.request.start', onRequest);
  await ended(await Promise.all(consentIds.map(postSync)));
  unsubscribe('http.server.request.start', onRequest);
  const perConsent = [...recorded.values()];
  const requestCount = perConsent.reduce((n, l) => n + l.length, 0);
  if (perConsent.length !== N)
    throw new Error(`recorded ${perConsent.length} bearer tokens for ${N} consents`);
  writeFileSync(requestsFile, JSON.stringify(perConsent));
  closers.push(async () => rmSync(requestsFile, { force: true }));
  log(`bank requests per keep-fresh sync: ${(requestCount / N).toFixed(1)}`);

  // 4. Rounds.
  // This database's backends (the API's and the worker's connections), and apart from them the
  // server's own processes (WAL writer, checkpointer, autovacuum…), which on a shared server
  // also work for every other database: printed, not counted in Hisob's total.
  const pgPids = async () =>
    await q<{ pid: number; background: boolean }>(
      `SELECT pid, backend_type <> 'client backend' AS background FROM pg_stat_activity
        WHERE (datname = $1 OR backend_type <> 'client backend') AND pid <> $2`,
      [dbName, ownPid],
    );
  const commits = async () => {
    // Statistics reach pg_stat_database when a backend flushes them (at most once a second).
    await sleep(1100);
    return Number(
      (
        await q<{ c: string }>(`SELECT xact_commit::text AS c FROM pg_stat_database WHERE datname = $1`, [
          dbName,
        ])
      )[0]!.c,
    );
  };
  const redisCommands = async () =>
    Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
  const snapshot = async (
    pgBefore?: Map<number, number>,
  ): Promise<Snapshot & { pg: Map<number, number> }> => {
    const c = await commits();
    const rc = await redisCommands();
    const pids = await pgPids();
    const pg = new Map(pids.map(({ pid }) => [pid, cpuSeconds(pid)]));
    let postgres = 0;
    let pgBackground = 0;
    if (pgBefore)
      for (const { pid, background } of pids) {
        const used = pg.get(pid)! - (pgBefore.get(pid) ?? 0);
        if (background) pgBackground += used;
        else postgres += used;
      }
    return {
      pgBackground,
      at: performance.now(),
      api: cpuSeconds(api.child.pid!),
      worker: cpuSeconds(worker.child.pid!),
      postgres,
      redis: redisPid ? cpuSeconds(redisPid) : 0,
      commits: c,
      redisCommands: rc,
      pg,
    };
  };
  const rounds: Round[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const before = await snapshot();
    const t0 = performance.now();
    const syncIds = await Promise.all(consentIds.map(postSync));
    await ended(syncIds);
    const ms = performance.now() - t0;
    const after = await snapshot(before.pg);
    const lat = await latencies(syncIds);
    const per = (s: number) => (s * 1000) / N;
    const cpu = {
      api: per(after.api - before.api),
      worker: per(after.worker - before.worker),
      postgres: per(after.postgres),
      redis: per(after.redis - before.redis),
      total: 0,
      pgBackground: per(after.pgBackground),
    };
    cpu.total = cpu.api + cpu.worker + cpu.postgres + cpu.redis;
    const bareChild = startChild(
      'the bare client',
      ['dist/bench/keep-fresh.js', '--bare', requestsFile, '--concurrency', String(CONCURRENCY)],
      process.env,
    );
    const b = JSON.parse(await bareChild.line((l) => l.startsWith('{'), 120_000)) as {
      ms: number;
      cpuMs: number;
      requests: number;
      syncs: number;
    };
    await stopChild(bareChild.child);
    const r: Round = {
      hisob: {
        rate: (N / ms) * 1000,
        cpu,
        // The bench's own statements (the snapshot, the polling) are not in the count: its
        // connection's commits are few and constant per round, so they are left in; see docs.
        commits: (after.commits - before.commits) / N,
        redisCommands: (after.redisCommands - before.redisCommands) / N,
        p50: percentile(lat, 0.5),
        p99: percentile(lat, 0.99),
      },
      bare: { rate: (b.syncs / b.ms) * 1000, cpu: b.cpuMs / b.syncs, requests: b.requests / b.syncs },
    };
    rounds.push(r);
    log(
      `round ${round}: Hisob ${r.hisob.rate.toFixed(1)} syncs/s, CPU-ms/sync ${cpu.total.toFixed(1)} (API ${cpu.api.toFixed(1)}, ` +
        `worker ${cpu.worker.toFixed(1)}, PostgreSQL ${cpu.postgres.toFixed(1)}, Redis ${cpu.redis.toFixed(1)}; ` +
        `PostgreSQL's own processes, shared: ${cpu.pgBackground.toFixed(1)}), ` +
        `${r.hisob.commits.toFixed(1)} commits and ${r.hisob.redisCommands.toFixed(0)} Redis commands/sync, ` +
        `batch latency p50 ${r.hisob.p50.toFixed(0)} ms p99 ${r.hisob.p99.toFixed(0)} ms | bare ${r.bare.rate.toFixed(1)} syncs/s, ` +
        `CPU-ms/sync ${r.bare.cpu.toFixed(1)} (${r.bare.requests.toFixed(1)} requests/sync)`,
    );
  }
  const med = (f: (r: Round) => number) => median(rounds.map(f));
  const rate = med((r) => r.hisob.rate);

  // 5. Paced: POSTs on a fixed schedule at a load the worker keeps up with.
  let paced: number[] = [];
  if (PACED_S > 0) {
    const interval = 1000 / (rate * PACED_LOAD);
    const total = Math.max(1, Math.floor((PACED_S * 1000) / interval));
    const ids: Array<Promise<string>> = [];
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      ids.push(postSync(consentIds[i % N]!));
    }
    const syncIds = [...new Set(await Promise.all(ids))];
    await ended(syncIds);
    paced = await latencies(syncIds);
  }

  const bareRate = med((r) => r.bare.rate);
  const bareCpu = med((r) => r.bare.cpu);
  const cpuTotal = med((r) => r.hisob.cpu.total);
  const pacedP99 = percentile(paced, 0.99);
  log('');
  log(
    `== bench/keep-fresh: ${N} consents × ${(accounts!.n / N).toFixed(0)} accounts, nothing new, worker concurrency ${CONCURRENCY}, median of ${ROUNDS} rounds ==`,
  );
  log(
    `Hisob:  ${rate.toFixed(1)} syncs/s, CPU-ms per sync ${cpuTotal.toFixed(1)} (API ${med((r) => r.hisob.cpu.api).toFixed(1)}, ` +
      `worker ${med((r) => r.hisob.cpu.worker).toFixed(1)}, PostgreSQL ${med((r) => r.hisob.cpu.postgres).toFixed(1)}, ` +
      `Redis ${med((r) => r.hisob.cpu.redis).toFixed(1)}); PostgreSQL's own processes (WAL writer, ` +
      `checkpointer, autovacuum: shared by every database on the server, not counted) ${med((r) => r.hisob.cpu.pgBackground).toFixed(1)}`,
  );
  log(
    `        per sync: ${med((r) => r.hisob.commits).toFixed(1)} commits, ${med((r) => r.hisob.redisCommands).toFixed(0)} Redis commands, ` +
      `${(requestCount / N).toFixed(1)} bank requests`,
  );
  log(
    `bare:   ${bareRate.toFixed(1)} syncs/s, CPU-ms per sync ${bareCpu.toFixed(1)} (same requests, read and parsed)`,
  );
  log(
    `ratios: CPU ${(cpuTotal / bareCpu).toFixed(2)} × bare (target ≤ 2), throughput ${(rate / bareRate).toFixed(2)} × bare (target ≥ 0.9) ` +
      `(rounds: ${rounds.map((r) => `${(r.hisob.cpu.total / r.bare.cpu).toFixed(2)}/${(r.hisob.rate / r.bare.rate).toFixed(2)}`).join(', ')})`,
  );
  log(
    `latency: lone ${loneMs.toFixed(0)} ms; batch of ${N} p50 ${med((r) => r.hisob.p50).toFixed(0)} ms p99 ${med((r) => r.hisob.p99).toFixed(0)} ms; ` +
      (paced.length
        ? `paced at ${(rate * PACED_LOAD).toFixed(1)} syncs/s (${paced.length} syncs) p50 ${percentile(paced, 0.5).toFixed(0)} ms ` +
          `p99 ${pacedP99.toFixed(0)} ms = ${(pacedP99 / loneMs).toFixed(2)} × lone (target ≤ 2)`
        : 'no paced phase'),
  );
  await stopChild(worker.child, values['worker-cpu-prof'] ? 'SIGUSR2' : 'SIGTERM');
  await stopChild(api.child, values['api-cpu-prof'] ? 'SIGUSR2' : 'SIGTERM');
}

async function cleanup(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c)));
  for (const close of closers) await close().catch(() => undefined);
  if (dbCreated)
    await adminSql(baseUrl, `DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
}

if (values.bare) {
  bare(values.bare).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
} else {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  run().then(
    () => cleanup().then(() => process.exit(0)),
    async (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      await cleanup();
      process.exit(1);
    },
  );
}
