/**
 * Sync throughput: how fast Hisob copies transaction history from the Alif Mobi sandbox into
 * PostgreSQL, next to a raw COPY of the very same rows into the same table shape, in the same run
 * (ratios, not absolute times: these machines are noisy). Also samples the worker's RSS.
 *
 *   npm run build && node dist/bench/sync.js [--size 100000] [--page-size 1000] [--rounds 3]
 *     [--worker-flags='<extra node flags for the worker>']
 *
 * What runs: the sandbox bank and the API in this process, the worker as its own process (as in
 * production, with the start script's V8 flags), PostgreSQL and Redis as `npm start` brings them
 * up (DATABASE_URL / REDIS_URL). The sync queue is paused while the consents are authorised and
 * the worker boots (a production worker is already running): the clock of round 1 runs from the
 * resume to the last sync's end. Each further round empties the table and syncs every consent
 * again through the API (`POST /v1/consents/{id}/sync`) with the same worker. Every round is
 * followed by its own COPY baseline of the rows it synced, and prints the CPU time each side spent
 * in the sync window (from /proc), which says what limits the rate on a machine where the bank,
 * the worker and PostgreSQL share the cores. The summary is the median over the rounds: runs on
 * this box differ by a third from one minute to the next, the COPY baseline included.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import { Queue } from 'bullmq';
import { bullConnection, QUEUES } from '../libs/common/src/queues.js';
import { loadApiConfig } from '../libs/common/src/config.js';
import { authoriseAtBank } from '../libs/testing/src/sca-browser.js';
import { createApiApp } from '../apps/api/src/app.factory.js';
import { startAlifMobiSandbox } from '../apps/sandbox-alif-mobi/src/main.js';
import { median } from './stats.js';
import {
  adminSql,
  cpuSeconds,
  cpuSecondsOf,
  freePort,
  hisobEnv,
  registerBenchClient,
  withDb,
} from './processes.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '100000' },
    'page-size': { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    'worker-flags': { type: 'string', default: '' },
  },
});
const size = Number.parseInt(values.size!, 10);
const rounds = Number.parseInt(values.rounds!, 10);
if (!(rounds >= 1 && rounds <= 20)) throw new Error('--rounds must be an integer in [1, 20]');
const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/hisob';
const dbName = `hisob_bench_${Date.now().toString(36)}`;
const dbUrl = withDb(baseUrl, dbName);
const prefix = `hisob-bench-${randomBytes(3).toString('hex')}`;
const log = (s: string) => process.stdout.write(`${s}\n`);

async function main() {
  await adminSql(baseUrl, `CREATE DATABASE "${dbName}"`);
  execFileSync(process.execPath, ['dist/apps/api/src/cli.js', 'migrate', 'up'], {
    env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: dbUrl },
    stdio: 'ignore',
  });
  // Sandbox ledger of `size` postings over its three demo users; every user gets a consent.
  const t0 = Date.now();
  const bank = await startAlifMobiSandbox({ port: 0, logLevel: 'silent', size, anchorDate: '2026-06-30' });
  log(`sandbox: ${size} postings generated and served in ${Date.now() - t0} ms`);
  const port = await freePort();
  await registerBenchClient(bank.url, `http://127.0.0.1:${port}/v1/consents/callback`);
  const env = {
    ...hisobEnv({ dbUrl, prefix, apiPort: port, adminToken: 'bench-admin' }),
    ALIF_MOBI_ISSUER_URL: bank.issuer,
    ALIF_MOBI_OBP_URL: `${bank.url}/obp/v5.1.0`,
    ALIF_MOBI_CLIENT_ID: 'bench',
    ALIF_MOBI_CLIENT_SECRET: 'bench-secret',
    ALIF_MOBI_PAGE_SIZE: values['page-size']!,
  };
  const api = await createApiApp({ config: loadApiConfig(env), logStream: new PassThrough().resume() });
  await api.listen(port, '127.0.0.1');
  const apiUrl = `http://127.0.0.1:${port}`;
  const key = (
    (await (
      await fetch(`${apiUrl}/admin/clients`, {
        method: 'POST',
        headers: { authorization: 'Bearer bench-admin', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench', redirect_uris: ['https://bench.example/done'] }),
      })
    ).json()) as { api_key: string }
  ).api_key;

  // Authorise every demo user while the queue is paused, so the timing covers syncing only.
  const syncQueue = new Queue(QUEUES.sync, {
    connection: bullConnection(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', false),
    prefix,
  });
  await syncQueue.pause();
  const { users } = (await (await fetch(`${bank.url}/__sandbox/users`)).json()) as {
    users: Array<{
      username: string;
      password: string;
      otp: string;
      accounts: Array<{ account_id: string }>;
    }>;
  };
  let expected = 0;
  const consentIds: string[] = [];
  for (const u of users) {
    for (const a of u.accounts)
      expected += (
        (await (await fetch(`${bank.url}/__sandbox/accounts/${a.account_id}/summary`)).json()) as {
          transaction_count: number;
        }
      ).transaction_count;
    const created = (await (
      await fetch(`${apiUrl}/v1/consents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          provider: 'alif-mobi',
          end_user_id: u.username,
          redirect_uri: 'https://bench.example/done',
        }),
      })
    ).json()) as { id: string; authorisation_url: string };
    await authoriseAtBank(created.authorisation_url, u, (url) => url.hostname === 'bench.example');
    consentIds.push(created.id);
  }

  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  const profile = process.env.BENCH_CPU_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`]
    : [];
  // The worker's V8 flags, as the start script and docker-compose.yml run it (and any extra
  // `--worker-flags` of an experiment).
  const flags = [
    `--max-old-space-size=${process.env.BENCH_WORKER_HEAP_MB ?? '192'}`,
    '--single-threaded-gc',
    '--heap-growing-percent=100',
    ...values['worker-flags']!.split(' ').filter(Boolean),
  ];
  const worker = spawn(process.execPath, [...flags, ...profile, 'dist/apps/worker/src/main.js'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let peakRss = 0;
  const sampler = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${worker.pid}/status`, 'utf8'));
      if (m) peakRss = Math.max(peakRss, Number.parseInt(m[1]!, 10));
    } catch {
      /* exited */
    }
  }, 100);
  const bootDeadline = Date.now() + 60_000;
  while ((await syncQueue.getWorkersCount()) === 0) {
    if (Date.now() > bootDeadline) throw new Error('the worker did not connect within 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }

  /**
   * Waits until every sync of the round has ended (the round's syncs: these ids, or every sync of
   * the first round); throws if one failed.
   */
  const syncsEnded = async (ids: string[] | null) => {
    for (;;) {
      const { rows } = await db.query(
        `SELECT count(*) FILTER (WHERE state IN ('succeeded','failed'))::int AS done, count(*)::int AS n,
                count(*) FILTER (WHERE state = 'failed')::int AS failed FROM syncs
          WHERE $1::uuid[] IS NULL OR id = ANY($1::uuid[])`,
        [ids],
      );
      if (rows[0].n === users.length && rows[0].done === users.length) {
        if (rows[0].failed) throw new Error('a sync failed');
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  // The baseline table: the same columns, keys and indexes for the same rows, COPYed straight in.
  // One plain table (LIKE does not carry the partitioning): the sync writes into the hash
  // partitions, so whatever partitioning costs the sync shows in the ratio.
  await db.query(`CREATE TABLE bench_copy (LIKE transactions INCLUDING ALL)`);

  const results: Array<{
    syncRate: number;
    copyRate: number;
    cpu: Record<keyof CpuSnapshot, number>;
  }> = [];
  let synced = 0;
  for (let round = 1; round <= rounds; round++) {
    // Round 1 is the consents' first sync (queued paused while they were authorised). Later rounds
    // start from an empty table again and ask the API for a sync of every consent: the whole
    // history once more, by the same worker process (warm, as a production worker is).
    let start: number;
    let cpu0: CpuSnapshot;
    if (round === 1) {
      cpu0 = cpuSnapshot(worker.pid!);
      start = Date.now();
      await syncQueue.resume();
      await syncsEnded(null);
    } else {
      await db.query(`TRUNCATE transactions`);
      await db.query(`CHECKPOINT`);
      cpu0 = cpuSnapshot(worker.pid!);
      start = Date.now();
      const ids: string[] = [];
      for (const id of consentIds) {
        const r = await fetch(`${apiUrl}/v1/consents/${id}/sync`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}` },
        });
        if (r.status !== 202) throw new Error(`POST /v1/consents/${id}/sync: ${r.status} ${await r.text()}`);
        ids.push(((await r.json()) as { sync_id: string }).sync_id);
      }
      await syncsEnded(ids);
    }
    const syncMs = Date.now() - start;
    const cpu1 = cpuSnapshot(worker.pid!);
    const { rows: counted } = await db.query(`SELECT count(*)::int AS n FROM transactions`);
    synced = counted[0].n as number;
    if (synced !== expected) throw new Error(`copy has ${synced} transactions, the bank ${expected}`);

    const chunks: Buffer[] = [];
    const csv = new PassThrough();
    csv.on('data', (c: Buffer) => chunks.push(c));
    await pipeline(db.query(copyTo(`COPY (SELECT * FROM transactions) TO STDOUT`)), csv);
    await db.query(`TRUNCATE bench_copy`);
    await db.query(`CHECKPOINT`);
    const copyStart = Date.now();
    const source = new PassThrough();
    const done = pipeline(source, db.query(copyFrom(`COPY bench_copy FROM STDIN`)));
    for (const c of chunks) source.write(c);
    source.end();
    await done;
    const copyMs = Date.now() - copyStart;

    const r = {
      syncRate: (synced / syncMs) * 1000,
      copyRate: (synced / copyMs) * 1000,
      cpu: {
        worker: cpu1.worker - cpu0.worker,
        postgres: cpu1.postgres - cpu0.postgres,
        redis: cpu1.redis - cpu0.redis,
        self: cpu1.self - cpu0.self,
      },
    };
    results.push(r);
    log(
      `round ${round}: sync ${r.syncRate.toFixed(0)} tx/s (${syncMs} ms), COPY ${r.copyRate.toFixed(0)} rows/s ` +
        `(${copyMs} ms), ratio ${(r.syncRate / r.copyRate).toFixed(3)}; CPU s: worker ${r.cpu.worker.toFixed(1)}, ` +
        `PostgreSQL ${r.cpu.postgres.toFixed(1)}, Redis ${r.cpu.redis.toFixed(1)}, sandbox bank ${r.cpu.self.toFixed(1)}`,
    );
  }
  clearInterval(sampler);
  await syncQueue.close();
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));

  const med = (f: (r: (typeof results)[0]) => number) => median(results.map(f));
  log('');
  log(
    `== bench/sync: ${synced} transactions in ${users.length} consents, page size ${values['page-size']}, median of ${rounds} rounds ==`,
  );
  log(`hisob sync (sandbox + OBP paging + upsert + checkpoints): ${med((r) => r.syncRate).toFixed(0)} tx/s`);
  log(`baseline raw COPY of the same rows into the same table:  ${med((r) => r.copyRate).toFixed(0)} rows/s`);
  log(
    `ratio sync/COPY: ${med((r) => r.syncRate / r.copyRate).toFixed(3)} (rounds: ` +
      `${results.map((r) => (r.syncRate / r.copyRate).toFixed(3)).join(', ')})   (target ≥ 0.25)`,
  );
  log(`worker peak RSS: ${(peakRss / 1024).toFixed(0)} MB   (target < 300 MB)`);
  log(
    `CPU seconds per 100k transactions (median; ${cpus().length} cores): ` +
      (['worker', 'postgres', 'redis', 'self'] as const)
        .map(
          (k) =>
            `${k === 'self' ? 'sandbox bank' : k} ${med((r) => (r.cpu[k] * 100_000) / synced).toFixed(1)}`,
        )
        .join(', '),
  );

  await db.end();
  await api.close();
  await bank.close();
  await adminSql(baseUrl, `DROP DATABASE "${dbName}" WITH (FORCE)`);
}

interface CpuSnapshot {
  worker: number;
  postgres: number;
  redis: number;
  self: number;
}

/**
 * The worker, this process (the sandbox bank; the API in it is idle during the sync), and every
 * PostgreSQL and Redis process (the worker's connections live through the whole sync).
 */
function cpuSnapshot(workerPid: number): CpuSnapshot {
  return {
    worker: cpuSeconds(workerPid),
    postgres: cpuSecondsOf((comm) => comm === 'postgres'),
    redis: cpuSecondsOf((comm) => comm.startsWith('redis-server')),
    self: cpuSeconds(process.pid),
  };
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    await adminSql(baseUrl, `DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    process.exit(1);
  },
);
